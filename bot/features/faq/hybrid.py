"""Semantic evidence for the FAQ, and its fusion with the lexical evidence into one confidence."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.content import FaqEntry, Vocabulary
from bot.features.faq.embedding import Embedder, VectorCache, Vectors, corpus_key
from bot.features.faq.lexical import Evidence

log = logging.getLogger(__name__)

FEATURES = (
    "closest phrasing",
    "second closest phrasing",
    "lead of the closest phrasing over other topics'",
    "closest off-topic example, over the closest phrasing",
    "answer",
    "BM25 share of the best topic's",
    "BM25 lead over other topics'",
    "coverage",
    "lexical confidence",
    "BM25 of the off-topic examples, over the best topic's",
    "share of the nearest texts that are the topic's",
    "share of the nearest texts that are off-topic examples",
)
NEAREST = 10


@dataclass(frozen=True, slots=True)
class HybridTuning:
    """The fused confidence: a logistic fit on cross-validated features (bench/faq_tune.py)."""

    answer: float = 0.7
    """Answer outright at or above this confidence (the threshold where the worse of top-1 and
    correct abstention was best on the dev, eval and holdout sets when it was chosen: 97.5% and
    97.7%, where 0.6 gave 98.5% and 94.7%; with the content and the short cut of today, 97.5%
    and 95.5%)..."""
    lower: float = 0.2
    """...between this confidence and `answer`, offer likely topics ("did you mean"); below it,
    abstain..."""
    suggest: float = 0.05
    """...the topics offered: up to three whose ranking probability is at least this."""
    decisive: float = 0.9
    """Answer from the words alone, without the model, when the lexical matcher answers with at
    least this confidence (311 of the 528 questions of the dev, eval and holdout sets). There
    the words and the fused matcher disagree on one question of the 528 (an "are you a real
    person?", which the words answer and the fusion would not) and on five of 318 questions of
    two sets written from the topic list alone, where the words were right four times: the
    fusion turned a confident right answer into "did you mean". At 0.95 (257 of 528) the
    fusion was never overruled on the three sets, and was wrong on those four. Questions asked
    in plain words are answered at a fraction of the cost."""
    weights: tuple[float, ...] = (
        -5.4261,
        5.7839,
        10.781,
        1.3921,
        4.6169,
        2.2634,
        1.7204,
        1.6141,
        1.6988,
        0.3049,
        3.6422,
        -4.5888,
        -6.1182,
    )
    """Ranking: one weight per FEATURES entry, then the bias."""
    confidence: tuple[float, ...] = (
        1.1087,
        2.3399,
        -3.4462,
        -0.2191,
        2.7874,
        0.9762,
        -1.6471,
        1.3831,
        0.4916,
        -0.1325,
        -0.1239,
        -6.1902,
        0.0818,
        0.509,
        -1.0513,
        -4.35,
    )
    """Confidence that the best-ranked topic is right: one weight per FEATURES entry, then for
    its ranking score, lead and probability (confidence_row), then the bias."""


@dataclass(frozen=True, slots=True)
class Similarities:
    """How alike a question is to each topic's texts and to the off-topic examples."""

    first: np.ndarray
    second: np.ndarray
    answer: np.ndarray
    off: float
    near: np.ndarray
    """Share of the question's NEAREST closest texts (phrasings, off-topic examples) that are
    each topic's."""
    near_off: float


def readable(vocabulary: Vocabulary) -> Callable[[str], str]:
    """Chat shorthand spelled out ("abt" -> "about", "u" -> "you", "lol" dropped), so that the
    sentence model reads words it knows."""
    mapping = {
        k.lower().strip(): v
        for k, v in vocabulary.shorthand.items()
        if k.strip() and v.strip() != "social"
    }
    if not mapping:
        return lambda text: text
    keys = sorted(mapping, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w'])(" + "|".join(map(re.escape, keys)) + r")(?![\w'])", re.I)

    def spell(text: str) -> str:
        return " ".join(pattern.sub(lambda m: mapping[m.group(0).lower()], text).split())

    return spell


class SemanticIndex:
    """The content's vectors: each topic's question and phrasings, its answer, the off-topic
    examples. Computed once per content and model, then read from the cache."""

    def __init__(
        self,
        entries: Sequence[FaqEntry],
        vocabulary: Vocabulary,
        embedder: Embedder,
        cache: VectorCache | None = None,
    ) -> None:
        self._embedder = embedder
        self.model = embedder.name
        self._readable = readable(vocabulary)
        texts: list[str] = []
        owners: list[int] = []
        for n, entry in enumerate(entries):
            for text in (entry.question, *entry.phrasings):
                texts.append(text)
                owners.append(n)
        self._n_phrasings = len(texts)
        texts += [e.answer for e in entries]
        texts += list(vocabulary.off_topic)
        self._topics = len(entries)
        self._vectors = self._load(texts, cache)
        owner = np.asarray(owners)
        # Whose each text is, for the nearest-texts vote: a topic, or -1 (off topic); answers
        # do not vote.
        n_off = len(texts) - self._n_phrasings - self._topics
        self._voters = np.r_[
            np.arange(self._n_phrasings), np.arange(len(texts) - n_off, len(texts))
        ]
        self._votes = np.r_[owner, np.full(n_off, len(entries))]
        starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        sizes = np.diff(np.r_[starts, len(owner)])
        # Each topic's phrasings as a row, padded with a slot that is never the closest.
        self._grid = np.full((len(sizes), int(sizes.max())), self._n_phrasings)
        for row, (start, size) in enumerate(zip(starts, sizes, strict=True)):
            self._grid[row, :size] = np.arange(start, start + size)

    def _load(self, texts: list[str], cache: VectorCache | None) -> Vectors:
        texts = [self._readable(t) for t in texts]
        key = corpus_key(self._embedder, texts)
        vectors = cache.load(key) if cache is not None else None
        if vectors is not None and vectors.shape[0] != len(texts):
            log.warning(
                "FAQ vector cache holds %d rows, not %d: rebuilding it", len(vectors), len(texts)
            )
            vectors = None
        if vectors is None:
            vectors = self._embedder.embed(texts)
            if cache is not None:
                cache.save(key, vectors)
        return vectors

    def embed(self, questions: list[str]) -> Vectors:
        """The questions' vectors, in one model call."""
        return self._embedder.embed([self._readable(q) for q in questions])

    def phrasing_similarities(self, vector: Vectors) -> np.ndarray:
        """Cosine similarity to each topic's question and phrasings, in the content's order."""
        return np.asarray(np.einsum("ij,j->i", self._vectors[: self._n_phrasings], vector))

    def similarities(self, vector: Vectors) -> Similarities:
        """Cosine similarity of the question to every topic and to the off-topic examples."""
        # On one BLAS thread (the composition root limits BLAS so): spread over threads, this
        # one product costs ten times itself on a busy machine.
        sims = self._vectors @ vector
        phrasings = np.append(sims[: self._n_phrasings], -1.0)[self._grid]
        if phrasings.shape[1] > 1:
            second, first = np.partition(phrasings, -2, axis=1)[:, -2:].T
        else:
            first, second = phrasings[:, 0], np.full(len(phrasings), -1.0)
        answers = sims[self._n_phrasings : self._n_phrasings + self._topics]
        off_rows = sims[self._n_phrasings + self._topics :]
        off = float(off_rows.max()) if len(off_rows) else 0.0
        voters = sims[self._voters]
        k = min(NEAREST, len(voters))
        nearest = self._votes[np.argpartition(-voters, k - 1)[:k]]
        counts = np.bincount(nearest, minlength=self._topics + 1) / k
        return Similarities(first, second, answers, off, counts[: self._topics], float(counts[-1]))


def features(lexical: Evidence, sem: Similarities) -> np.ndarray:
    """One row of FEATURES per topic."""
    n = len(sem.first)
    others = _best_other(sem.first)
    scores = lexical.scores if len(lexical.scores) == n else np.zeros(n)
    top = float(scores.max()) if n else 0.0
    share = scores / top if top > 0 else np.zeros(n)
    lead = (scores - _best_other(scores)) / top if top > 0 else np.zeros(n)
    coverage = lexical.coverage if len(lexical.coverage) == n else np.zeros(n)
    confidence = np.zeros(n)
    if lexical.match.candidate:  # the lexical candidate is its best-scoring topic
        confidence[int(np.argmax(scores))] = lexical.match.score
    off_lex = min(lexical.off / top, 3.0) if top > 0 else 0.0
    rows = np.empty((n, len(FEATURES)))
    rows[:, 0] = sem.first
    rows[:, 1] = sem.second
    rows[:, 2] = sem.first - others
    rows[:, 3] = sem.off - sem.first
    rows[:, 4] = sem.answer
    rows[:, 5] = share
    rows[:, 6] = lead
    rows[:, 7] = coverage
    rows[:, 8] = confidence
    rows[:, 9] = off_lex
    rows[:, 10] = sem.near
    rows[:, 11] = sem.near_off
    return rows


def _best_other(values: np.ndarray) -> np.ndarray:
    """For each position, the largest value elsewhere."""
    if len(values) < 2:
        return np.zeros_like(values)
    order = np.argsort(values)
    best, runner = values[order[-1]], values[order[-2]]
    out = np.full(len(values), best, dtype=float)
    out[order[-1]] = runner
    return out


def fuse(tuning: HybridTuning, lexical: Evidence, sem: Similarities) -> tuple[np.ndarray, float]:
    """Each topic's probability of being the one asked about (the ranking), and the confidence
    that the best-ranked one is right."""
    x = features(lexical, sem)
    *weights, bias = tuning.weights
    z = x @ np.asarray(weights) + bias
    ranking = np.asarray(1 / (1 + np.exp(-z)), dtype=float)
    *second, bias2 = tuning.confidence
    row = confidence_row(x, z)
    return ranking, float(1 / (1 + np.exp(-(row @ np.asarray(second) + bias2))))


def confidence_row(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """The features of the confidence: the best topic's, its ranking score, its lead over the
    runner-up's and its ranking probability."""
    order = np.argsort(-z)
    best = int(order[0])
    lead = float(z[best] - z[int(order[1])]) if len(z) > 1 else float(z[best])
    top = float(z[best])
    row: np.ndarray = np.append(x[best], (top, lead, 1 / (1 + np.exp(-top))))
    return row
