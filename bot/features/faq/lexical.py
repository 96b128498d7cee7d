"""Lexical FAQ retrieval with honest abstention: BM25 over stemmed phrasings, typo and shorthand
aware."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import bm25s
import numpy as np
from rapidfuzz import fuzz, process

from bot.content import FaqEntry, Vocabulary
from bot.features.faq.normalise import Normaliser, Tuning


@dataclass(frozen=True, slots=True)
class Match:
    """The best FAQ entry for a question, and how sure the matcher is."""

    faq_id: str | None
    score: float
    candidate: str
    suggestions: tuple[str, ...] = ()
    """Likely topics to offer ("did you mean") when the bot does not answer outright."""
    matcher: str = "lexical"


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the lexical matcher found for a question, per topic, for the hybrid to weigh."""

    match: Match
    scores: np.ndarray
    """BM25 score of each topic (the off-topic class excluded)."""
    coverage: np.ndarray
    """Share of the question's weight (IDF) that each topic's words explain."""
    off: float
    """BM25 score of the off-topic examples."""


class LexicalIndex:
    """Finds the FAQ entry a question is about from its words, or abstains."""

    def __init__(
        self, entries: Sequence[FaqEntry], vocabulary: Vocabulary, tuning: Tuning | None = None
    ) -> None:
        self.tuning = tuning or Tuning()
        # The last group, if any, is the off-topic class: winning it means abstaining.
        groups = [((e.question, *e.phrasings), e.answer) for e in entries]
        self._ids: list[str | None] = [e.id for e in entries]
        has_off = bool(vocabulary.off_topic)
        if has_off:
            groups.append((vocabulary.off_topic, ""))
            self._ids.append(None)
        self.normaliser = Normaliser(vocabulary, self.tuning)
        self.normaliser.learn([t for texts, _ in groups for t in texts])
        docs: list[list[str]] = []
        owners: list[int] = []
        bags: list[list[str]] = []
        for n, (texts, answer) in enumerate(groups):
            bag: list[str] = []
            for text in texts:
                toks, _ = self.normaliser.tokens(text, correct=False)
                docs.append(toks or ["_"])
                owners.append(n)
                bag.extend(toks)
            bag.extend(self.normaliser.tokens(answer, correct=False)[0])
            bags.append(bag)
        self._owners = np.asarray(owners)
        self._starts = np.flatnonzero(np.r_[True, self._owners[1:] != self._owners[:-1]])
        # Each topic's phrasings as a row, padded with a zero-score slot at index len(docs)
        # (the off-topic examples, many more, are taken on their own).
        sizes = np.diff(np.r_[self._starts, len(owners)])
        rows = len(sizes) - has_off
        self._grid = np.full((rows, int(sizes[:rows].max(initial=1))), len(owners))
        for row, (start, size) in enumerate(zip(self._starts[:rows], sizes[:rows], strict=True)):
            self._grid[row, :size] = np.arange(start, start + size)
        self._docs = self._bm25(docs)
        self._bags = self._bm25(bags)
        self._idf = self._idfs(docs)
        self._texts = [" ".join(d) for d in docs]
        # The off-topic examples, each on its own: the closest one is compared with the topic.
        off_docs = np.flatnonzero(self._owners == len(groups) - 1)
        self._off_docs = off_docs if has_off else None
        # Texts compared word order aside (rapidfuzz's token_sort_ratio is the ratio of the
        # sorted words): sorted once here rather than for every question.
        self._off_texts = [_sorted_words(self._texts[i]) for i in off_docs] if has_off else []
        self._entry_terms = [set(b) for b in bags]
        # For each word of the content, which topics have it (1.0) and which not (0.0): a
        # question's words weighed against every topic at once.
        n_topics = len(groups) - has_off
        self._member: dict[str, np.ndarray] = {}
        for n, terms in enumerate(self._entry_terms[:n_topics]):
            for term in terms:
                self._member.setdefault(term, np.zeros(n_topics))[n] = 1.0
        # Each entry's phrasings (indexes and texts), the off-topic examples' included, without
        # the grid's padding.
        self._phrasings = [
            list(range(start, start + size))
            for start, size in zip(self._starts.tolist(), sizes.tolist(), strict=True)
        ]
        self._phrasing_texts = [[_sorted_words(self._texts[i]) for i in p] for p in self._phrasings]

    def _bm25(self, corpus: list[list[str]]) -> bm25s.BM25:
        index = bm25s.BM25(k1=self.tuning.k1, b=self.tuning.b)
        index.index(corpus, show_progress=False)
        return index

    @staticmethod
    def _idfs(docs: list[list[str]]) -> dict[str, float]:
        df: dict[str, int] = {}
        for d in docs:
            for t in set(d):
                df[t] = df.get(t, 0) + 1
        n = len(docs)
        return {t: float(np.log(1 + (n - c + 0.5) / (c + 0.5))) for t, c in df.items()}

    def _scores(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        ids = self._docs.get_tokens_ids(tokens)
        if not ids:
            return np.zeros(len(self._ids)), np.zeros(len(self._owners))
        per_doc = self._docs.get_scores_from_ids(ids)
        # An entry's two closest phrasings, so one phrasing's incidental words ("a discord
        # server") weigh less than a topic that several phrasings agree on.
        padded = np.append(per_doc, 0.0)[self._grid]
        second, first = np.partition(padded, (-2, -1), axis=1)[:, -2:].T
        if self._off_docs is not None:
            off = np.append(per_doc[self._off_docs], 0.0)
            off_second, off_first = np.partition(off, (-2, -1))[-2:]
            second, first = np.append(second, off_second), np.append(first, off_first)
        best = (1 - self.tuning.second_weight) * first + self.tuning.second_weight * second
        bag_ids = self._bags.get_tokens_ids(tokens)
        bag = self._bags.get_scores_from_ids(bag_ids) if bag_ids else 0.0
        return np.asarray(best + self.tuning.bag_weight * bag, dtype=float), per_doc

    def phrasing_scores(self, question: str) -> np.ndarray:
        """BM25 score of each topic's question and phrasings, in the content's order."""
        tokens, _ = self.normaliser.tokens(question)
        n = len(self._owners) - (len(self._off_docs) if self._off_docs is not None else 0)
        return self._scores(tokens)[1][:n]

    def features(self, question: str) -> tuple[str | None, tuple[float, ...], bool] | None:
        """Best topic, its (coverage, score, lead, likeness, off-topic closeness, off-topic
        likeness), and whether the off-topic examples are close enough to abstain outright."""
        found = self._features(question)
        return None if found is None else (found[0], found[1], found[2])

    def _features(
        self, question: str
    ) -> tuple[str | None, tuple[float, ...], bool, float, np.ndarray, np.ndarray, float] | None:
        """features(), the summed IDF of the question's words that the topic has, and every
        topic's score and coverage, and the off-topic examples' score."""
        tokens, unknown = self.normaliser.tokens(question)
        if all(t.isdigit() for t in tokens):
            return None  # numbers alone say nothing about a topic

        scores, per_doc = self._scores(tokens)
        has_off = self._off_docs is not None
        topics = scores[:-1] if has_off else scores
        best = int(np.argmax(topics))
        weights = [self._idf.get(t, self.tuning.unknown_idf) for t in tokens]
        total = sum(weights) + unknown * self.tuning.unknown_idf
        # The summed weight of the question's words that each topic has.
        explained = np.zeros(len(topics))
        for t, w in zip(tokens, weights, strict=True):
            member = self._member.get(t)
            if member is not None:
                explained += w * member
        covered = float(explained[best])
        coverage = covered / total if total else 0.0
        # One or two common words ("today", "bot") are not evidence of a topic.
        coverage *= min(1.0, covered / self.tuning.min_evidence)
        top = float(topics[best])
        runner_up = float(np.partition(topics, -2)[-2]) if len(topics) > 1 else 0.0
        lead = (top - runner_up) / top if top > 0 else 0.0
        # How close the question is to the off-topic examples, relative to its best topic:
        # one incidental word shared with an app how-to or an HR errand weighs against the
        # topic (a feature).
        off = float(scores[-1]) / top if has_off and top > 0 else 0.0
        # How alike the question and the entry's closest phrasing are, word order aside: a
        # question about something else shares a few of a topic's words, rarely a phrasing.
        phrasings = self._phrasings[best]
        text = _sorted_words(" ".join(tokens))
        found = process.extractOne(text, self._phrasing_texts[best], scorer=fuzz.ratio)
        likeness = found[1] / 100 if found else 0.0
        off_like = 0.0
        off_topic = False
        if self._off_docs is not None:
            near = process.extractOne(text, self._off_texts, scorer=fuzz.ratio)
            off_like = near[1] / 100 if near else 0.0
            if off >= self.tuning.off_topic_ratio:
                # The pooled off-topic score is inflated by common words (social, work,
                # company) that many examples share; abstain outright only when a single
                # example is as close as the topic: as alike as its closest phrasing, or
                # clearly stronger in BM25.
                closest = float(per_doc[phrasings].max()) if len(per_doc) else 0.0
                example = float(per_doc[self._off_docs].max()) if len(per_doc) else 0.0
                off_topic = off_like >= likeness or (
                    example >= self.tuning.off_example_ratio * closest
                )
        features = (coverage, top, lead, likeness, off, off_like)
        coverages = explained / total if total else explained * 0.0
        off_score = float(scores[-1]) if has_off else 0.0
        return self._ids[best], features, off_topic, covered, topics, coverages, off_score

    def match(self, question: str) -> Match:
        """The best entry with a confidence in [0, 1]; faq_id is None below the threshold."""
        return self.evidence(question).match

    def evidence(self, question: str) -> Evidence:
        """The lexical match, and the per-topic evidence behind it."""
        found = self._features(question)
        if found is None:
            n = len(self._phrasings) - (self._off_docs is not None)
            return Evidence(Match(None, 0.0, ""), np.zeros(n), np.zeros(n), 0.0)
        topics, coverages, off_score = found[4:]
        return Evidence(self._match(found[:4]), topics, coverages, off_score)

    def _match(self, features: tuple[str | None, tuple[float, ...], bool, float]) -> Match:
        candidate, values, off_topic, covered = features
        coverage, top = values[0], values[1]
        if candidate is None or off_topic or top <= 0:
            return Match(None, 0.0, candidate or "")
        # Coverage alone trusts a question whose words all occur in the topic somewhere; how
        # strongly the topic matches, how far it leads the runner-up and how alike its closest
        # phrasing is tell a real match from a near miss. The weights are a logistic fit on
        # held-out phrasings (faq_tune).
        *weights, bias = self.tuning.weights
        z = float(np.dot(weights, values)) + bias
        confidence = float(1 / (1 + np.exp(-z)))
        if coverage < self.tuning.min_coverage and covered < self.tuning.ample_evidence:
            # Most of the question is unexplained: a strong match on one or two of its words
            # (a number in a string of junk, one policy word in a question about something
            # else) is not an answer.
            return Match(None, round(min(confidence, coverage), 4), candidate)
        faq_id = candidate if confidence >= self.tuning.threshold else None
        return Match(faq_id, round(confidence, 4), candidate)


def _sorted_words(text: str) -> str:
    return " ".join(sorted(text.split()))
