"""Grid search of the FAQ matcher's parameters on the development set and on held-out phrasings.

Usage: python bench/faq_tune.py [tests/data/faq_dev.yaml]
       python bench/faq_tune.py --fit    (refit the confidence weights after content changes)

Two measures, both free of the evaluation questions: the development set, and a 5-fold
cross-validation over the content itself (each fold's phrasings and off-topic examples are
removed from the index and asked as questions). The cross-validation has ten times as many
questions as the development set, so a setting that only suits the development set shows up.
Judge the result on the evaluation and holdout sets with bench/faq_quality.py.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.content import Content, load_content  # noqa: E402
from bot.features.faq.lexical import LexicalIndex as FaqIndex  # noqa: E402
from bot.features.faq.normalise import Tuning  # noqa: E402

GRID = {
    "threshold": [0.4, 0.45, 0.5, 0.55],
    "min_evidence": [3.0, 5.0],
    "unknown_idf": [2.5, 3.5],
    "bag_weight": [0.6, 1.0],
    "off_topic_ratio": [0.75, 0.8, 0.9],
    "second_weight": [0.0, 0.3],
}
FOLDS = 5


def score(index: FaqIndex, data: dict[str, list]) -> tuple[float, float]:
    hits = sum(index.match(c["q"]).faq_id == c["id"] for c in data["in_scope"])
    abst = sum(index.match(q).faq_id is None for q in data["out_of_scope"])
    return hits / len(data["in_scope"]), abst / len(data["out_of_scope"])


def folds(
    content: Content, tuning: Tuning
) -> Iterator[tuple[FaqIndex, list[tuple[str, str]], list[str]]]:
    """For each fold: an index without that fold's phrasings and off-topic examples, the held-out
    phrasings with their entry, and the held-out off-topic examples."""
    vocabulary = content.vocabulary
    for fold in range(FOLDS):
        entries, questions = [], []
        for entry in content.faq:
            keep = [p for i, p in enumerate(entry.phrasings) if i % FOLDS != fold]
            questions += [(p, entry.id) for i, p in enumerate(entry.phrasings) if i % FOLDS == fold]
            entries.append(entry.model_copy(update={"phrasings": tuple(keep)}))
        examples = vocabulary.off_topic
        kept = tuple(p for i, p in enumerate(examples) if i % FOLDS != fold)
        held = [p for i, p in enumerate(examples) if i % FOLDS == fold]
        index = FaqIndex(entries, vocabulary.model_copy(update={"off_topic": kept}), tuning)
        yield index, questions, held


def cross_validate(content: Content, tuning: Tuning) -> tuple[float, float]:
    """Top-1 and abstention on the content's own phrasings, each asked of an index without it."""
    hits = asked = abstained = off = 0
    for index, questions, held in folds(content, tuning):
        hits += sum(index.match(q).faq_id == want for q, want in questions)
        asked += len(questions)
        abstained += sum(index.match(q).faq_id is None for q in held)
        off += len(held)
    return hits / asked, abstained / max(off, 1)


def fit_weights(content: Content, tuning: Tuning) -> tuple[float, ...]:
    """Logistic fit of Tuning.weights: is the best entry right, from the features of its match."""
    rows, labels = [], []
    for index, found, held in folds(content, tuning):
        questions: list[tuple[str, str | None]] = [*found, *((p, None) for p in held)]
        for question, want in questions:
            features = index.features(question)
            # Only questions that reach the logistic train it: the off-topic check and
            # the coverage floor already abstain on the rest.
            if features is None or features[2] or features[1][0] < tuning.min_coverage:
                continue
            rows.append(features[1])
            labels.append(float(want is not None and features[0] == want))
    x, y = np.asarray(rows), np.asarray(labels)
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.c_[(x - mean) / std, np.ones(len(x))]
    w = np.zeros(z.shape[1])
    for _ in range(5000):
        w -= 0.2 * z.T @ (1 / (1 + np.exp(-z @ w)) - y) / len(y)
    raw = w[:-1] / std
    return (*(round(float(v), 3) for v in raw), round(float(w[-1] - mean @ raw), 3))


def main() -> None:
    if "--fit" in sys.argv:
        print("weights", fit_weights(load_content(ROOT / "content"), Tuning()))
        return
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests" / "data" / "faq_dev.yaml"
    data = yaml.safe_load(path.read_text())
    content = load_content(ROOT / "content")
    results = []
    for values in itertools.product(*GRID.values()):
        tuning = replace(Tuning(), **dict(zip(GRID, values, strict=True)))
        dev = score(FaqIndex(content.faq, content.vocabulary, tuning), data)
        cv = cross_validate(content, tuning)
        results.append((sum(dev) + sum(cv), dev, cv, tuning))
    results.sort(key=lambda r: -r[0])
    default = Tuning()
    dev = score(FaqIndex(content.faq, content.vocabulary), data)
    cv = cross_validate(content, default)
    print(f"default: dev top-1 {dev[0]:.1%} abstention {dev[1]:.1%}, ", end="")
    print(f"cross-validation top-1 {cv[0]:.1%} abstention {cv[1]:.1%}")
    for _, dev, cv, tuning in results[:10]:
        print(f"dev {dev[0]:.1%} / {dev[1]:.1%}  cv {cv[0]:.1%} / {cv[1]:.1%}  {tuning}")


if __name__ == "__main__":
    main()
