"""Mutations of the core's promises, applied one at a time to a scratch copy of the checkout.

Each entry below breaks one promise the README or DESIGN makes (a role check removed, an
exclusion ignored, something stored in clear...). For each, the runner edits the scratch
copy, runs only the tests named for it, and prints whether they noticed (caught) or stayed
green (survived); then it puts the file back. A baseline run of every named test on the
unmutated copy comes first: a test that fails anyway proves nothing.

    python bench/mutations.py                 # everything (a few minutes on SQLite)
    python bench/mutations.py --only askhr    # the mutations whose name contains "askhr"
    python bench/mutations.py --list          # what would run
    python bench/mutations.py --against tests/unit tests/integration
                                              # each mutation against other tests instead
    python bench/mutations.py --root DIR --only "role check" --against tests/integration
                                              # another checkout (an older commit's suite)

It runs on whatever database the tests use (SQLite, or TEST_DATABASE_URL). It is not part
of the test suite. Exit status: 0 when every mutation was caught, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mutation import ROOT, Mutation
from mutations_access import EIGHT, OTHER_CHECKS, ROLE_CHECKS
from mutations_privacy import ALSO, INTAKE, LATER, PRIVATE

MUTATIONS = EIGHT + ROLE_CHECKS + OTHER_CHECKS + PRIVATE + ALSO + INTAKE + LATER


def _function(text: str, name: str) -> tuple[int, int]:
    """Where the function or method `name` starts and ends in `text`."""
    found = re.search(rf"^( *)(async )?def {re.escape(name)}\(", text, re.M)
    if found is None:
        raise LookupError(f"no function {name}")
    margin = len(found.group(1))
    # It ends at the next line indented no deeper than its `def` (but its signature's end).
    after = re.search(rf"\n(?= {{0,{margin}}}[^\s)\]])", text[found.end() :])
    return found.start(), found.end() + (after.start() if after else len(text))


def apply(text: str, m: Mutation) -> str:
    """`text` with the mutation made; raises LookupError unless `old` is found."""
    start, end = _function(text, m.scope) if m.scope else (0, len(text))
    part = text[start:end]
    if m.old not in part:
        raise LookupError(f"{m.name}: {m.old!r} not in {m.path} {m.scope}")
    return text[:start] + part.replace(m.old, m.new, 1) + text[end:]


def scratch_copy(root: Path) -> Path:
    """A checkout's files (tracked and new, not ignored) in a temporary folder."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    target = Path(tempfile.mkdtemp(prefix="policybot-mutations-"))
    for name in listed:
        source = root / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def pytest(where: Path, tests: list[str]) -> tuple[int, str]:
    """Run the tests in the scratch copy; (exit status, last line of the output)."""
    env = {**os.environ, "PYTHONPATH": str(where), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
    )
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return done.returncode, lines[-1] if lines else done.stderr.strip()[-200:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run the mutations whose name contains this")
    parser.add_argument("--list", action="store_true", help="list the mutations and stop")
    parser.add_argument("--against", nargs="+", help="run these tests for every mutation")
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="mutate a copy of this checkout instead"
    )
    args = parser.parse_args()
    chosen = [m for m in MUTATIONS if args.only.lower() in m.name.lower()]
    if args.list:
        for m in chosen:
            print(f"{m.name}\n    {m.path} {m.scope}: {' '.join(m.tests)}")
        return 0
    where = scratch_copy(args.root)
    try:
        check = subprocess.run(
            [sys.executable, "-c", "import bot; print(bot.__file__)"],
            cwd=where,
            env={**os.environ, "PYTHONPATH": str(where)},
            capture_output=True,
            text=True,
        ).stdout.strip()
        if not check.startswith(str(where)):
            print(f"the scratch copy is not the code imported ({check}): stopping")
            return 2
        missing = []
        for m in chosen:  # every mutation applies to the code as it is
            try:
                apply((where / m.path).read_text(), m)
            except LookupError:
                missing.append(m)
        for m in missing:
            print(f"does not apply to this code, left out: {m.name}")
        chosen = [m for m in chosen if m not in missing]
        tests = sorted({t for m in chosen for t in m.tests}) if not args.against else args.against
        status, summary = pytest(where, tests)
        print(f"baseline (no mutation): {summary}")
        if status != 0:
            print("the tests fail without any mutation: fix them first")
            return 2
        survived = []
        for n, m in enumerate(chosen, 1):
            path = where / m.path
            original = path.read_text()
            path.write_text(apply(original, m))
            started = time.monotonic()
            try:
                status, summary = pytest(where, args.against or list(m.tests))
            finally:
                path.write_text(original)
            verdict = "caught" if status == 1 else "survived" if status == 0 else "error"
            if verdict != "caught":
                survived.append(m.name)
            took = time.monotonic() - started
            print(f"{n:3d}/{len(chosen)} {verdict:8s} {took:5.1f}s  {m.name}  ({summary})")
    finally:
        shutil.rmtree(where, ignore_errors=True)
    print(f"\n{len(chosen) - len(survived)} of {len(chosen)} caught")
    for name in survived:
        print(f"  not caught: {name}")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
