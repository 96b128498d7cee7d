"""Cross-validation of the hybrid FAQ matcher on the content itself, and the fit of its weights.

Each fifth of the phrasings and off-topic examples is asked of an index built from the rest.
The features of every held-out question against every topic are computed once; the logistic
weights are then fitted on four folds' features and judged on the fifth (so the figure printed
is of questions the fit never saw), and finally fitted on all of them for the shipped weights.

Usage: python bench/faq_cv.py   (figures for a grid of thresholds, then the weights to
                                paste into HybridTuning in bot/features/faq/hybrid.py after a
                                content change)
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.embedding import FastEmbedder  # noqa: E402
from bot.content import Content  # noqa: E402
from bot.features.faq.embedding import Vectors  # noqa: E402
from bot.features.faq.hybrid import confidence_row, features  # noqa: E402
from bot.features.faq.index import FaqIndex, HybridTuning  # noqa: E402

FOLDS = 5
GRID_LOWER = (0.05, 0.1, 0.2, 0.3)


class Memo:
    """An embedder that embeds each text once (the folds share most of their texts)."""

    def __init__(self, inner: FastEmbedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.fingerprint = inner.fingerprint
        self.memo: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str]) -> Vectors:
        todo = [t for t in dict.fromkeys(texts) if t not in self.memo]
        for start in range(0, len(todo), 256):
            chunk = todo[start : start + 256]
            self.memo.update(zip(chunk, self.inner.embed(chunk), strict=True))
        return np.asarray([self.memo[t] for t in texts], dtype=np.float32)


@dataclass
class Rows:
    """Features of held-out questions against every topic."""

    x: list[np.ndarray]  # one (topics x features) matrix per question
    want: list[int]  # the topic's index, -1 off topic
    fold: list[int]
    lexical: list[str | None]  # what the lexical matcher answered
    ids: list[str]


def content_folds(content: Content, fold: int) -> tuple[list, object, list, list]:
    entries, questions = [], []
    for entry in content.faq:
        keep = [p for i, p in enumerate(entry.phrasings) if i % FOLDS != fold]
        questions += [(p, entry.id) for i, p in enumerate(entry.phrasings) if i % FOLDS == fold]
        entries.append(entry.model_copy(update={"phrasings": tuple(keep)}))
    vocabulary = content.vocabulary
    examples = vocabulary.off_topic
    kept = tuple(p for i, p in enumerate(examples) if i % FOLDS != fold)
    held = [p for i, p in enumerate(examples) if i % FOLDS == fold]
    return entries, vocabulary.model_copy(update={"off_topic": kept}), questions, held


def collect(content: Content, embedder: Memo) -> Rows:
    ids = [e.id for e in content.faq]
    rows = Rows([], [], [], [], ids)
    for fold in range(FOLDS):
        entries, vocabulary, questions, held = content_folds(content, fold)
        index = FaqIndex(entries, vocabulary, embedder=embedder)
        asked = [*questions, *((q, None) for q in held)]
        vectors = embedder.embed([q for q, _ in asked])
        assert index.semantic is not None
        for (question, want), vector in zip(asked, vectors, strict=True):
            lexical = index.lexical.evidence(question)
            rows.x.append(features(lexical, index.semantic.similarities(vector)))
            rows.want.append(ids.index(want) if want else -1)
            rows.fold.append(fold)
            rows.lexical.append(lexical.match.faq_id)
    return rows


def irls(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 30) -> np.ndarray:
    """Logistic regression by Newton's method on standardised features; raw-scale weights."""
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.c_[(x - mean) / std, np.ones(len(x))]
    w = np.zeros(z.shape[1])
    ridge = l2 * np.eye(len(w))
    ridge[-1, -1] = 0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-z @ w))
        gradient = z.T @ (p - y) + ridge @ w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + ridge + 1e-9 * np.eye(len(w))
        w -= np.linalg.solve(hessian, gradient)
    raw = w[:-1] / std
    return np.r_[raw, w[-1] - mean @ raw]


def fit(xs: list[np.ndarray], want: list[int]) -> HybridTuning:
    """Both logistic fits: the ranking (is this topic the one asked about), then the confidence
    (is the best-ranked topic right)."""
    labels = [(np.arange(len(m)) == w).astype(float) for m, w in zip(xs, want, strict=True)]
    ranking = irls(np.concatenate(xs), np.concatenate(labels))
    rows, right = [], []
    for x, w in zip(xs, want, strict=True):
        z = x @ ranking[:-1] + ranking[-1]
        rows.append(confidence_row(x, z))
        right.append(float(int(np.argmax(z)) == w))
    confidence = irls(np.asarray(rows), np.asarray(right))
    return HybridTuning(
        weights=tuple(round(float(v), 4) for v in ranking),
        confidence=tuple(round(float(v), 4) for v in confidence),
    )


def judge(
    tuning: HybridTuning, xs: list[np.ndarray], want: list[int]
) -> tuple[float, float, float, float]:
    """Top-1, abstention, did-you-mean coverage (in-scope not answered), share offered off topic."""
    hits = n_in = abst = n_off = missed = covered = offered_off = 0
    for x, w in zip(xs, want, strict=True):
        *weights, bias = tuning.weights
        z = x @ np.asarray(weights) + bias
        p = 1 / (1 + np.exp(-z))
        *second, bias2 = tuning.confidence
        confidence = 1 / (1 + np.exp(-(confidence_row(x, z) @ np.asarray(second) + bias2)))
        order = np.argsort(-p)
        answered = confidence >= tuning.answer
        unsure = not answered and confidence >= tuning.lower
        offered = [int(i) for i in order[:3] if p[i] >= tuning.suggest] if unsure else []
        if w >= 0:
            n_in += 1
            hits += answered and order[0] == w
            if not answered:
                missed += 1
                covered += w in offered
        else:
            n_off += 1
            abst += not answered
            offered_off += bool(offered)
    return hits / n_in, abst / max(n_off, 1), covered / max(missed, 1), offered_off / max(n_off, 1)


def cross_validated(rows: Rows, tuning: HybridTuning) -> tuple[float, ...]:
    """judge() on each fold with weights fitted on the other folds (the fold's questions are
    unseen by both the index and the fit)."""
    totals = np.zeros(4)
    for fold in range(FOLDS):
        train = [i for i, f in enumerate(rows.fold) if f != fold]
        test = [i for i, f in enumerate(rows.fold) if f == fold]
        fitted = fit([rows.x[i] for i in train], [rows.want[i] for i in train])
        t = replace(fitted, answer=tuning.answer, lower=tuning.lower, suggest=tuning.suggest)
        totals += np.asarray(judge(t, [rows.x[i] for i in test], [rows.want[i] for i in test]))
    return tuple(float(v) for v in totals / FOLDS)


def lexical_cv(rows: Rows) -> tuple[float, float]:
    ins = [(lx, w) for lx, w in zip(rows.lexical, rows.want, strict=True) if w >= 0]
    offs = [lx for lx, w in zip(rows.lexical, rows.want, strict=True) if w < 0]
    hits = sum(lx == rows.ids[w] for lx, w in ins)
    return hits / len(ins), sum(lx is None for lx in offs) / max(len(offs), 1)


def main() -> None:
    from bot.content import load_content

    content = load_content(ROOT / "content")
    rows = collect(content, Memo(FastEmbedder()))
    top1, abstention = lexical_cv(rows)
    print(f"lexical: cross-validation top-1 {top1:.1%} abstention {abstention:.1%}")
    shipped = HybridTuning()
    for answer, lower, suggest in itertools.product((0.5, 0.6, 0.7), GRID_LOWER, (0.05, 0.1)):
        t = HybridTuning(answer=answer, lower=lower, suggest=suggest)
        r = cross_validated(rows, t)
        chosen = (answer, lower, suggest) == (shipped.answer, shipped.lower, shipped.suggest)
        mark = " (shipped)" if chosen else ""
        print(
            f"hybrid answer>={answer} lower>={lower} suggest>={suggest}: top-1 {r[0]:.1%} "
            f"abstention {r[1]:.1%}, did-you-mean holds the topic for {r[2]:.1%} of the "
            f"in-scope questions not answered, offered on {r[3]:.1%} off topic{mark}"
        )
    fitted = fit(rows.x, rows.want)
    print("weights =", fitted.weights)
    print("confidence =", fitted.confidence)


if __name__ == "__main__":
    main()
