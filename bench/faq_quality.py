"""FAQ answer quality and speed on the evaluation set.

Usage: python bench/faq_quality.py [-v] [tests/data/faq_eval.yaml ...]
(default: the dev, eval and holdout sets)

Prints top-1 accuracy on in-scope questions, correct-abstention rate on out-of-scope ones, and
p50/p99 time per question, measured through `policybot ask --jsonl` (the same interface an
independent evaluation uses).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def evaluate(path: Path, verbose: bool) -> None:
    data = yaml.safe_load(path.read_text())
    in_scope = [(item["q"], item["id"]) for item in data["in_scope"]]
    out_scope = [(q, None) for q in data["out_of_scope"]]
    cases = in_scope + out_scope
    stdin = "".join(q.replace("\n", " ") + "\n" for q, _ in cases)
    proc = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "ask", "--jsonl", "--timings"],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(results) == len(cases), (len(results), len(cases))
    hits = sum(r["faq_id"] == want for r, (_, want) in zip(results, in_scope, strict=False))
    abstained = sum(r["faq_id"] is None for r in results[len(in_scope) :])
    times = sorted(r["ms"] for r in results)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"{path.relative_to(ROOT)}")
    print(f"  in-scope top-1 accuracy: {hits}/{len(in_scope)} = {hits / len(in_scope):.1%}")
    print(
        f"  out-of-scope correct abstention: {abstained}/{len(out_scope)} = "
        f"{abstained / len(out_scope):.1%}"
    )
    print(f"  time per question: p50 {statistics.median(times):.2f} ms, p99 {p99:.2f} ms")
    if verbose:
        misses = Counter()
        for r, (q, want) in zip(results, cases, strict=True):
            if r["faq_id"] != want:
                misses[want or "(out of scope)"] += 1
                print(f"    want {want or '-':28} got {r['faq_id'] or '-':28} {r['score']:.2f} {q}")
        print("  misses by topic:", dict(misses.most_common()))


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "-v"]
    data = ROOT / "tests" / "data"
    # dev: used to tune the matcher; eval and holdout: never tuned on (holdout never inspected).
    default = [data / "faq_dev.yaml", data / "faq_eval.yaml", data / "faq_holdout.yaml"]
    paths = [Path(a).resolve() for a in args] or default
    for path in paths:
        evaluate(path, "-v" in sys.argv)


if __name__ == "__main__":
    main()
