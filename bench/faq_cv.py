"""Cross-validation of the hybrid FAQ matcher on the content itself, and the fit of its weights.

Each fifth of the phrasings and off-topic examples is asked of an index built from the rest.
The features of every held-out question against every topic are computed once; the logistic
weights are then fitted on four folds' features and judged on the fifth (so the figure printed
is of questions the fit never saw), and finally fitted on all of them for the shipped weights.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.embedding import FastEmbedder  # noqa: E402
from bot.content import Content  # noqa: E402
from bot.embedding import Vectors  # noqa: E402
from bot.faq import FaqIndex, HybridTuning  # noqa: E402
from bot.hybrid import features  # noqa: E402

FOLDS = 5


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


def fit(xs: list[np.ndarray], want: list[int], steps: int = 3000) -> tuple[float, ...]:
    """Logistic fit: is this topic the one asked about, from its features."""
    x = np.concatenate(xs)
    y = np.concatenate(
        [(np.arange(len(m)) == w).astype(float) for m, w in zip(xs, want, strict=True)]
    )
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.c_[(x - mean) / std, np.ones(len(x))]
    w = np.zeros(z.shape[1])
    # Adam: the classes are unbalanced (one right topic per question among 33).
    m = v = np.zeros_like(w)
    for t in range(1, steps + 1):
        g = z.T @ (1 / (1 + np.exp(-z @ w)) - y) / len(y) + 1e-4 * np.r_[w[:-1], 0]
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w -= 0.05 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    raw = w[:-1] / std
    return (*(round(float(r), 3) for r in raw), round(float(w[-1] - mean @ raw), 3))


def probs(weights: Sequence[float], x: np.ndarray) -> np.ndarray:
    *w, b = weights
    return 1 / (1 + np.exp(-(x @ np.asarray(w) + b)))


def judge(
    tuning: HybridTuning, xs: list[np.ndarray], want: list[int]
) -> tuple[float, float, float, float]:
    """Top-1, abstention, did-you-mean coverage (in-scope not answered), share offered off topic."""
    hits = n_in = abst = n_off = missed = covered = offered_off = 0
    for x, w in zip(xs, want, strict=True):
        p = probs(tuning.weights, x)
        order = np.argsort(-p)
        answered = p[order[0]] >= tuning.answer
        offered = [int(i) for i in order[:3] if p[i] >= tuning.suggest] if not answered else []
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


def cross_validated(rows: Rows, tuning: HybridTuning) -> tuple[float, float, float, float]:
    """judge() on each fold with weights fitted on the other folds."""
    results = []
    sizes = []
    for fold in range(FOLDS):
        train = [i for i, f in enumerate(rows.fold) if f != fold]
        test = [i for i, f in enumerate(rows.fold) if f == fold]
        weights = fit([rows.x[i] for i in train], [rows.want[i] for i in train])
        t = replace(tuning, weights=weights)
        results.append(judge(t, [rows.x[i] for i in test], [rows.want[i] for i in test]))
        sizes.append(len(test))
    # Weighted by fold size (close to equal).
    r = np.asarray(results)
    return tuple(float(v) for v in (r * np.asarray(sizes)[:, None]).sum(0) / sum(sizes))  # type: ignore[return-value]


def lexical_cv(rows: Rows) -> tuple[float, float]:
    ins = [(lx, w) for lx, w in zip(rows.lexical, rows.want, strict=True) if w >= 0]
    offs = [lx for lx, w in zip(rows.lexical, rows.want, strict=True) if w < 0]
    hits = sum(lx == rows.ids[w] for lx, w in ins)
    return hits / len(ins), sum(lx is None for lx in offs) / max(len(offs), 1)
