"""FAQ answer quality and speed, both matchers side by side, on every question set.

Usage: python bench/faq_quality.py [-v] [--lexical-root DIR] [SET.yaml ...]
(default: the dev, eval and holdout sets, then any local sets in .blind/)

For the hybrid matcher (the shipped model) and the lexical one (FAQ_SEMANTIC=false), prints
in-scope top-1 accuracy, correct abstention out of scope, how often "did you mean" holds the
right topic (of the in-scope questions not answered outright, and of the replies offering
topics), and p50/p99 time per question asked alone and per question in batches of 32. Every
figure goes through `policybot ask --jsonl` (the interface an independent evaluation uses).
`--lexical-root` runs the lexical matcher of another checkout (for example today's main).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def ask(cases: list[str], *, semantic: bool, batch: int = 1, root: Path = ROOT) -> list[dict]:
    stdin = "".join(q.replace("\n", " ") + "\n" for q in cases)
    env = {**os.environ, "FAQ_SEMANTIC": "true" if semantic else "false"}
    args = [sys.executable, "-m", "app", "ask", "--jsonl", "--timings"]
    if batch > 1:
        args += ["--batch", str(batch)]
    proc = subprocess.run(
        args, input=stdin, capture_output=True, text=True, cwd=root, check=True, env=env
    )
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(results) == len(cases), (len(results), len(cases))
    return results


def percentiles(results: list[dict]) -> tuple[float, float]:
    times = sorted(r["ms"] for r in results)
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def figures(results: list[dict], wants: list[str | None]) -> dict[str, float]:
    """top-1, abstention, did-you-mean coverage of unanswered in-scope questions, share of
    did-you-mean replies with the right topic, share of off-topic questions offered topics."""
    ins = [(r, w) for r, w in zip(results, wants, strict=True) if w]
    offs = [r for r, w in zip(results, wants, strict=True) if not w]
    unanswered = [(r, w) for r, w in ins if r["faq_id"] is None]
    offered = [(r, w) for r, w in ins if r["faq_id"] is None and r.get("suggestions")]
    return {
        "top1": sum(r["faq_id"] == w for r, w in ins) / len(ins),
        "abstention": sum(r["faq_id"] is None for r in offs) / max(len(offs), 1),
        "dym_cover": sum(w in r.get("suggestions", []) for r, w in unanswered)
        / max(len(unanswered), 1),
        "dym_right": sum(w in r["suggestions"] for r, w in offered) / max(len(offered), 1),
        "dym_replies": len(offered),
        "unanswered": len(unanswered),
        "off_offered": sum(bool(r.get("suggestions")) for r in offs) / max(len(offs), 1),
    }


def evaluate(path: Path, verbose: bool, lexical_root: Path) -> None:
    data = yaml.safe_load(path.read_text())
    cases = [c["q"] for c in data["in_scope"]] + list(data["out_of_scope"])
    wants = [c["id"] for c in data["in_scope"]] + [None] * len(data["out_of_scope"])
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"{name}: {len(data['in_scope'])} in scope, {len(data['out_of_scope'])} out of scope")
    print(
        f"  {'matcher':8} {'top-1':>6} {'abstain':>7} {'dym/miss':>8} {'dym ok':>6} "
        f"{'off dym':>7}  alone p50/p99 ms  batch-32 p50/p99 ms"
    )
    for label, semantic in (("hybrid", True), ("lexical", False)):
        root = ROOT if semantic else lexical_root
        alone = ask(cases, semantic=semantic, root=root)
        # Another checkout's lexical matcher may predate --batch (and has no model to batch).
        batched = ask(cases, semantic=semantic, batch=32, root=root) if root == ROOT else alone
        f = figures(alone, wants)
        a50, a99 = percentiles(alone)
        b50, b99 = percentiles(batched)
        print(
            f"  {label:8} {f['top1']:6.1%} {f['abstention']:7.1%} {f['dym_cover']:8.1%} "
            f"{f['dym_right']:6.1%} {f['off_offered']:7.1%}  {a50:6.2f} / {a99:6.2f}"
            f"      {b50:6.2f} / {b99:6.2f}"
        )
        if verbose:
            misses: Counter[str] = Counter()
            for r, q, want in zip(alone, cases, wants, strict=True):
                if r["faq_id"] != want:
                    misses[want or "(out of scope)"] += 1
                    got = r["faq_id"] or "-"
                    offered, score = r.get("suggestions"), r["score"]
                    print(f"    want {want or '-':26} got {got:26} {score:.2f} {offered} {q}")
            print("  misses by topic:", dict(misses.most_common()))


def main() -> None:
    args = sys.argv[1:]
    lexical_root = ROOT
    if "--lexical-root" in args:
        at = args.index("--lexical-root")
        lexical_root = Path(args[at + 1]).resolve()
        del args[at : at + 2]
    verbose = "-v" in args
    paths = [Path(a).resolve() for a in args if a != "-v"]
    data = ROOT / "tests" / "data"
    # dev: used to tune the matcher; eval and holdout: never tuned on (see the README).
    default = [data / "faq_dev.yaml", data / "faq_eval.yaml", data / "faq_holdout.yaml"]
    for path in paths or [*default, *sorted((ROOT / ".blind").glob("*.yaml"))]:
        evaluate(path, verbose, lexical_root)


if __name__ == "__main__":
    main()
