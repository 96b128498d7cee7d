"""Grid search of the FAQ matcher's parameters on the development set.

Usage: python bench/faq_tune.py [tests/data/faq_dev.yaml]

Tune on the development set only; judge the result on the evaluation set with
bench/faq_quality.py, so that the reported figures are not fitted to the questions.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.content import load_content  # noqa: E402
from bot.faq import FaqIndex, Tuning  # noqa: E402

GRID = {
    "threshold": [0.4, 0.45, 0.5, 0.55, 0.6],
    "min_evidence": [3.0, 5.0],
    "unknown_idf": [1.5, 2.5],
    "bag_weight": [0.35, 0.6],
    "phrase_weight": [0.0, 0.3, 0.5, 0.7],
}


def score(index: FaqIndex, data: dict[str, list]) -> tuple[float, float]:
    hits = sum(index.match(c["q"]).faq_id == c["id"] for c in data["in_scope"])
    abst = sum(index.match(q).faq_id is None for q in data["out_of_scope"])
    return hits / len(data["in_scope"]), abst / len(data["out_of_scope"])


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests" / "data" / "faq_dev.yaml"
    data = yaml.safe_load(path.read_text())
    content = load_content(ROOT / "content")
    results = []
    for values in itertools.product(*GRID.values()):
        tuning = replace(Tuning(), **dict(zip(GRID, values, strict=True)))
        top1, abstention = score(FaqIndex(content.faq, content.vocabulary, tuning), data)
        results.append((top1 + abstention, top1, abstention, tuning))
    results.sort(key=lambda r: -r[0])
    print(
        f"default {Tuning()}: top-1 / abstention",
        score(FaqIndex(content.faq, content.vocabulary), data),
    )
    for _, top1, abstention, tuning in results[:10]:
        print(f"top-1 {top1:.1%}  abstention {abstention:.1%}  {tuning}")


if __name__ == "__main__":
    main()
