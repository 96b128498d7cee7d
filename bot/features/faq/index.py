"""FAQ matching: lexical evidence (BM25) and, with an embedding model, semantic evidence, fused
into one confidence; "did you mean" topics when neither is sure enough to answer."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from bot.content import FaqEntry, Vocabulary
from bot.features.faq.embedding import Embedder, VectorCache, Vectors
from bot.features.faq.hybrid import HybridTuning, SemanticIndex, Similarities, fuse
from bot.features.faq.lexical import Evidence, LexicalIndex, Match
from bot.features.faq.normalise import Tuning

__all__ = ["Evidence", "FaqIndex", "HybridTuning", "Match", "Near", "Tuning"]

_RECENT = 2048  # question vectors kept between a batch's one model call and its answers
_PENDING = 256  # lexical evidence kept between a batch's prefetch and its answers
_ANSWERS = 2048  # what the bot answered to questions it may be asked again word for word


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A topic to offer when the bot is not sure enough to answer."""

    faq_id: str
    score: float


@dataclass(frozen=True, slots=True)
class Near:
    """A phrasing close to a question: whose, which, how close, and by what measure."""

    faq_id: str
    text: str
    score: float
    by: str


class FaqIndex:
    """Finds the FAQ entry a question is about, offers likely ones, or abstains."""

    def __init__(
        self,
        entries: Sequence[FaqEntry],
        vocabulary: Vocabulary,
        tuning: Tuning | None = None,
        *,
        embedder: Embedder | None = None,
        cache: VectorCache | None = None,
        hybrid: HybridTuning | None = None,
        reason: str = "not configured",
    ) -> None:
        self._vocabulary = vocabulary
        self._embedder = embedder
        self._cache = cache
        self.lexical = LexicalIndex(entries, vocabulary, tuning)
        self.tuning = self.lexical.tuning
        self.hybrid = hybrid or HybridTuning()
        self._set(entries, self.lexical, self._semantic(entries))
        self.reason = reason
        self.layer = ""
        """The stamp of HR's changes the entries include ("" for none read yet)."""
        self._recent: OrderedDict[str, Vectors] = OrderedDict()
        # The model runs on its own thread, one call at a time, never on the event loop.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="faq-model")

    def _semantic(self, entries: Sequence[FaqEntry]) -> SemanticIndex | None:
        if self._embedder is None:
            return None
        return SemanticIndex(entries, self._vocabulary, self._embedder, self._cache)

    def _set(
        self, entries: Sequence[FaqEntry], lexical: LexicalIndex, semantic: SemanticIndex | None
    ) -> None:
        # On the event loop's thread, as every answer is: no question sees half of a swap.
        self.entries = tuple(entries)
        self._by_id = {e.id: e for e in self.entries}
        self._ids = [e.id for e in self.entries]
        self._texts = [(e.id, t) for e in self.entries for t in (e.question, *e.phrasings)]
        self.lexical, self.semantic = lexical, semantic
        self._pending: OrderedDict[str, Evidence] = OrderedDict()  # evidence from old indexes
        self._answers: OrderedDict[str, Match] = OrderedDict()  # likewise
        self._similar: OrderedDict[str, Similarities] = OrderedDict()  # likewise

    @property
    def hybrid(self) -> HybridTuning:
        """How the evidence is fused (and when the words alone decide)."""
        return self._hybrid

    @hybrid.setter
    def hybrid(self, tuning: HybridTuning) -> None:
        self._hybrid = tuning
        self._answers = OrderedDict()  # fused another way from now on

    def entry(self, faq_id: str) -> FaqEntry | None:
        """The entry with this id, as the matcher knows it (with HR's changes)."""
        return self._by_id.get(faq_id)

    async def reload(self, entries: Sequence[FaqEntry], layer: str = "") -> None:
        """Answer from `entries` from now on; the new indexes are built off the event loop.
        `layer` is the stamp of the changes they include."""
        entries = tuple(entries)
        if entries == self.entries:
            self.layer = layer
            return

        def build() -> tuple[LexicalIndex, SemanticIndex | None]:
            return LexicalIndex(entries, self._vocabulary, self.tuning), self._semantic(entries)

        lexical, semantic = await asyncio.get_running_loop().run_in_executor(self._pool, build)
        self._set(entries, lexical, semantic)
        self.layer = layer

    def closest(self, question: str, k: int = 3) -> list[Near]:
        """The phrasings nearest to `question`: by meaning with a model, else by shared words
        (the question's vector from `prefetch` or `amatch` when there is one)."""
        if self.semantic is not None:
            vector = self._vector(question)
            if vector is None:
                vector = self._embed([question])[0]
            scores = self.semantic.phrasing_similarities(vector)
        else:
            scores = self.lexical.phrasing_scores(question)
        order = [int(i) for i in np.argsort(-scores)[:k] if scores[int(i)] > 0]
        by = "meaning" if self.semantic is not None else "words"
        return [Near(*self._texts[i], round(float(scores[i]), 3), by) for i in order]

    async def aclosest(self, question: str, k: int = 3) -> list[Near]:
        """closest(), with the question embedded off the event loop when it has no vector yet
        (a question the words answered decisively was not embedded)."""
        if self.semantic is not None and self._vector(question) is None:
            await self._embed_off_loop([question])
        return self.closest(question, k)

    @property
    def matcher(self) -> str:
        """ "hybrid" with a model, else "lexical"."""
        return "lexical" if self.semantic is None else "hybrid"

    def health(self) -> dict[str, Any]:
        """What /healthz reports about the matcher."""
        if self.semantic is None:
            return {"status": "ok", "matcher": "lexical", "reason": self.reason}
        return {"status": "ok", "matcher": "hybrid", "model": self.semantic.model}

    def match(self, question: str) -> Match:
        """The best entry, or none with likely topics to offer (embeds the question here)."""
        if self.semantic is None:
            return self.lexical.match(question)
        evidence = self.lexical.evidence(question)
        if self._decisive(evidence):
            return replace(evidence.match, matcher="hybrid")
        vector = self._vector(question)
        vector = self._embed([question])[0] if vector is None else vector
        return self._fused(question, evidence, self._similarities(vector))

    def match_many(self, questions: Sequence[str]) -> list[Match]:
        """match() for each question, with one model call for those that need the model."""
        if self.semantic is None:
            return [self.lexical.match(q) for q in questions]
        found = [self.lexical.evidence(q) for q in questions]
        todo = [q for q, e in zip(questions, found, strict=True) if not self._decisive(e)]
        vectors = dict(zip(todo, self._embed(todo), strict=True)) if todo else {}
        return [
            replace(e.match, matcher="hybrid")
            if self._decisive(e)
            else self._fused(q, e, self._similarities(vectors[q]))
            for q, e in zip(questions, found, strict=True)
        ]

    async def amatch(self, question: str) -> Match:
        """match(), with the model run off the event loop (or the evidence and vector of a
        prefetch); a question asked again word for word gets the answer it got before, while
        the content and the tuning stay the same."""
        known = self._answers.get(question)
        if known is not None:
            self._answers.move_to_end(question)
            return known
        lexical, semantic, hybrid = self.lexical, self.semantic, self._hybrid
        found = await self._amatch(question)
        same = self.lexical is lexical and self.semantic is semantic and self._hybrid is hybrid
        if same:
            self._answers[question] = found  # else the content changed meanwhile
            while len(self._answers) > _ANSWERS:
                self._answers.popitem(last=False)
        return found

    async def _amatch(self, question: str) -> Match:
        if self.semantic is None:
            return self.lexical.match(question)
        evidence = self._pending.pop(question, None) or self.lexical.evidence(question)
        if self._decisive(evidence):
            return replace(evidence.match, matcher="hybrid")
        similar = self._similar.pop(question, None)
        if similar is not None:
            return self._fused(question, evidence, similar)
        vector = self._vector(question)
        if vector is None:
            await self._embed_off_loop([question])
            similar = self._similar.pop(question, None)
            vector = self._vector(question)
        assert vector is not None
        similar = self._similarities(vector) if similar is None else similar
        return self._fused(question, evidence, similar)

    async def prefetch(self, questions: Iterable[str]) -> None:
        """Embed questions that arrived together in one model call, off the event loop (those
        the words answer decisively are not embedded)."""
        if self.semantic is None:
            return
        todo = []
        for question in dict.fromkeys(questions):
            if question in self._answers:
                continue  # answered before: amatch answers it again
            evidence = self.lexical.evidence(question)
            self._pending[question] = evidence
            while len(self._pending) > _PENDING:
                self._pending.popitem(last=False)
            if not self._decisive(evidence) and question not in self._recent:
                todo.append(question)
        await self._embed_off_loop(todo)

    async def _embed_off_loop(self, questions: list[str]) -> None:
        """Embed on the model's thread, and there too compare the vectors with the content's
        (each as `match` does alone: the same products, so the same answers to the digit)."""
        semantic = self.semantic
        if not questions or semantic is None:
            return

        def work() -> tuple[Vectors, list[Similarities]]:
            vectors = semantic.embed(questions)
            return vectors, [semantic.similarities(v) for v in vectors]

        vectors, similar = await asyncio.get_running_loop().run_in_executor(self._pool, work)
        for question, vector in zip(questions, vectors, strict=True):
            self._remember(question, vector)
        if self.semantic is semantic:  # else the content changed meanwhile: compare again
            for question, found in zip(questions, similar, strict=True):
                self._similar[question] = found
            while len(self._similar) > _PENDING:
                self._similar.popitem(last=False)

    def _decisive(self, evidence: Evidence) -> bool:
        """The words alone answer: the model would not change the answer."""
        match = evidence.match
        return match.faq_id is not None and match.score >= self.hybrid.decisive

    def _embed(self, questions: list[str]) -> Vectors:
        assert self.semantic is not None
        return self.semantic.embed(questions)

    def _vector(self, question: str) -> Vectors | None:
        vector = self._recent.get(question)
        if vector is not None:
            self._recent.move_to_end(question)
        return vector

    def _remember(self, question: str, vector: Vectors) -> None:
        self._recent[question] = vector
        while len(self._recent) > _RECENT:
            self._recent.popitem(last=False)

    def _similarities(self, vector: Vectors) -> Similarities:
        assert self.semantic is not None
        return self.semantic.similarities(vector)

    def _fused(self, question: str, lexical: Evidence, similar: Similarities) -> Match:
        if lexical.match.candidate == "" and not question.strip():
            return Match(None, 0.0, "", matcher="hybrid")
        probs, confidence = fuse(self.hybrid, lexical, similar)
        order = np.argsort(-probs)
        best = int(order[0])
        score = round(confidence, 4)
        if score >= self.hybrid.answer:
            return Match(self._ids[best], score, self._ids[best], matcher="hybrid")
        offered = tuple(
            self._ids[int(i)]
            for i in order[:3]
            if score >= self.hybrid.lower and float(probs[int(i)]) >= self.hybrid.suggest
        )
        return Match(None, score, self._ids[best], offered, matcher="hybrid")
