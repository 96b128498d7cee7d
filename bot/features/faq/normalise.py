"""What the lexical matcher reads of a question: its words lower-cased, stemmed, with typos and
shorthand resolved against the content's vocabulary, and the "my manager asked me whether..."
framing taken off."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import Stemmer
from rapidfuzz import fuzz, process
from wordfreq import zipf_frequency

from bot.content import Vocabulary

# Function words that carry no topic; modal verbs stay out of this list on purpose only
# where they matter ("own" in "views are my own").
_STOPWORDS_TEXT = """
a about above after again all also am an and any anything are as at be been before being
below between both but by can could did do does doing done down during each else ever few
for from further get gets getting got had has have having he her here hers herself him
himself his how i if in into is it its itself just let lets like me might mine more most
much must my myself need needs no nor not now of off ok okay on once only or other our ours
ourselves out over please really same she should so some something still such than that the
their theirs them themselves then there these they thing things this those through to too
under until up us very was we were what whats when where which while who whom why will with
would yes yet you your yours yourself yourselves im ive id youre dont cant wont isnt arent
hey hi hello thanks thank pls plz would wanna gonna gotta want know tell anyone someone one
way bot chatbot whos wheres hows thats theres heres whens youve youll weve theyre doesnt
didnt wasnt shouldnt wouldnt couldnt havent hasnt aint shes hes theyve theyll theyd itll
thatll wouldve couldve shouldve mustve youd whatre weren werent mustnt neednt hadnt
bots
"""


STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


_TOKEN_RE = re.compile(r"[a-z0-9#]+")


_URL_RE = re.compile(r"https?://\S+|www\.\S+")


# "IT" written in capitals is the department, not the pronoun (unless the whole text shouts).
_IT_RE = re.compile(r"\bIT\b")


MAX_QUERY_CHARS = 600


# A question asked on someone else's behalf reads like the asker's own: in "my colleague on
# reception wants to know if she's allowed ...", "colleague" is not what the question is about.
_ASKERS_TEXT = """
colleague colleagues coworker coworkers workmate workmates teammate teammates friend friends
mate mates manager boss supervisor lead starter starters team member partner wife husband
sister brother mum dad
"""


_ASKERS = frozenset(_ASKERS_TEXT.split())


_ASKING: tuple[tuple[str, ...], ...] = tuple(
    tuple(p.split())
    for p in (
        "wants to know",
        "wanted to know",
        "would like to know",
        "wants to check",
        "asked me to find out",
        "asked me to check",
        "asked me",
        "asked",
        "asks me",
        "asks",
        "is asking",
        "was asking",
        "keeps asking",
        "wonders",
        "is wondering",
        "was wondering",
        "heard",
    )
)


# Words after which "asked" or "wonders" introduce the question itself, not something else.
_ASKED_OBJECT_TEXT = "if whether how what where who can could is are does do there theres that"


_ASKED_OBJECT = frozenset(_ASKED_OBJECT_TEXT.split())


# How many words (a role, a place: "on reception", "in the bakery department") may come
# between the person and the asking verb.
_ASKER_GAP = 5


# Plural and verb endings: "firms", "flagged", "trolling" map like "firm", "flag", "troll".
_INFLECTIONS = ("ing", "ed", "es", "s", "d")


def _split(text: str) -> list[str]:
    """Lowercased word tokens, apostrophes dropped ("don't" -> "dont"), links removed."""
    text = unicodedata.normalize("NFKC", text)
    if not text.isupper():
        text = _IT_RE.sub("infotech", text)
    text = text.lower()
    text = _URL_RE.sub(" ", text).replace("'", "").replace("\u2019", "")
    return _TOKEN_RE.findall(text)


@dataclass(frozen=True, slots=True)
class Tuning:
    """Matcher parameters, chosen on the development set."""

    k1: float = 1.2
    b: float = 0.5
    bag_weight: float = 0.6
    threshold: float = 0.45
    unknown_idf: float = 3.5
    """The weight in coverage of a word no phrasing uses. Such a word is evidence against every
    topic, so it weighs more than a common content word: in "how far is the moon from earth"
    one rare content word ("far") should not explain most of the question."""
    min_evidence: float = 3.0
    typo_cutoff: float = 85.0
    typo_min_len: int = 5
    common_zipf: float = 3.3
    """A word at least this common in English (Zipf scale: 3 is once per million words) is
    taken as meant, not corrected: "brought" is not a typo of "bought", nor "seeking" of
    "seeing". Common misspellings ("recieve", "manger") stay below it."""
    second_weight: float = 0.3
    off_topic_ratio: float = 0.8
    """Abstain outright when the off-topic examples score this share of the best topic and
    either their closest example is at least as alike as the topic's closest phrasing or
    scores `off_example_ratio` times that phrasing."""
    off_example_ratio: float = 1.1
    min_coverage: float = 0.35
    """Below this share of the question explained by the topic, abstain whatever the score..."""
    ample_evidence: float = 20.0
    """...unless the topic's words in it weigh this much (summed IDF): a long question that
    tells a story around its topic explains less of itself than a short one, but names its
    topic as clearly."""
    weights: tuple[float, float, float, float, float, float, float] = (
        2.49,
        0.518,
        2.754,
        6.806,
        -0.627,
        -3.962,
        -6.098,
    )
    """Confidence = logistic(coverage, best score, lead over the runner-up topic, likeness,
    closeness of the off-topic examples relative to the best topic, likeness of the closest
    off-topic example, bias)."""


class Normaliser:
    """Text to stemmed tokens: shorthand, synonyms, typo correction, stop words."""

    def __init__(self, vocabulary: Vocabulary, tuning: Tuning) -> None:
        self._stemmer = Stemmer.Stemmer("english")
        self._single: dict[str, list[str]] = {}
        # Phrases by their first word, longest first, so a question is scanned once.
        self._phrases: dict[str, list[tuple[tuple[str, ...], list[str]]]] = {}
        for key, value in vocabulary.mapping().items():
            # Keys are split like questions are, so "co-worker" and "don't" can match.
            words = tuple(_split(key))
            if len(words) == 1:
                self._single[words[0]] = value.split()
            elif words:
                self._phrases.setdefault(words[0], []).append((words, value.split()))
        for options in self._phrases.values():
            options.sort(key=lambda kv: -len(kv[0]))
        self._known: set[str] = set()
        self._known_stems: set[str] = set()
        self._known_list: list[str] = []
        self._corrections: dict[str, str | None] = {}
        self._tuning = tuning
        # The word list loads on first use (about 0.1 s): load it now, at start-up, not in
        # the middle of answering someone.
        zipf_frequency("policy", "en")

    def learn(self, texts: Sequence[str]) -> None:
        """Remember the corpus words so typos can be corrected towards them."""
        for text in texts:
            self._known.update(self.words(text))
        # Another form of a corpus word ("prizes" for "prize") is not a typo.
        self._known_stems = set(self._stemmer.stemWords(sorted(self._known)))
        # Typos are corrected towards corpus words and towards the vocabulary's own keys
        # ("critisize" -> "criticize" -> "criticise").
        keys = {k for k in self._single if len(k) >= 4}
        self._known_list = sorted({w for w in self._known if len(w) >= 4} | keys)
        self._corrections.clear()

    def _replace(self, word: str) -> list[str] | None:
        """The vocabulary's replacement for a word or for its plural or verb form."""
        found = self._single.get(word)
        if found is not None:
            return found
        for suffix in _INFLECTIONS:
            stem = word[: -len(suffix)]
            if word.endswith(suffix) and len(stem) >= 3:
                # "flagged" -> "flag", "criticising" -> "criticise"
                undoubled = stem[:-1] if stem[-1] == stem[-2] else stem
                found = self._single.get(stem) or self._single.get(stem + "e")
                found = found or self._single.get(undoubled)
                if found is not None:
                    return found
        return None

    @staticmethod
    def _drop_asker(raw: list[str]) -> list[str]:
        """Without "my colleague (on reception) wants to know": the question is the same as
        if the colleague had asked it."""
        for start, word in enumerate(raw):
            if word not in _ASKERS:
                continue
            for end in range(start + 1, min(len(raw), start + 2 + _ASKER_GAP)):
                for verb in _ASKING:
                    stop = end + len(verb)
                    if tuple(raw[end:stop]) != verb:
                        continue
                    after = raw[stop] if stop < len(raw) else ""
                    # "asked me to stop posting her photo" is about her, not a question;
                    # "heard the company checks..." reports what the question is about, while
                    # "heard me criticise..." is part of it.
                    if verb == ("heard",):
                        if after in ("me", "i", ""):
                            continue
                    elif verb[-1] not in ("know", "check", "out") and after not in _ASKED_OBJECT:
                        continue
                    return raw[:start] + raw[stop:]
        return raw

    def words(self, text: str) -> list[str]:
        """Lowercased words after shorthand and synonym replacement, stop words removed."""
        raw = self._drop_asker(_split(text[:MAX_QUERY_CHARS]))
        out: list[str] = []
        i = 0
        while i < len(raw):
            for phrase, replacement in self._phrases.get(raw[i], ()):
                if tuple(raw[i : i + len(phrase)]) == phrase:
                    out.extend(replacement)
                    i += len(phrase)
                    break
            else:
                found = self._replace(raw[i])
                out.extend(raw[i : i + 1] if found is None else found)
                i += 1
        return [w.lstrip("#") for w in out if w not in STOPWORDS and w.lstrip("#")]

    def _correct(self, word: str) -> str | None:
        if word in self._known or len(word) < self._tuning.typo_min_len or word.isdigit():
            return word
        if word not in self._corrections:
            if self._stemmer.stemWord(word) in self._known_stems:
                return word
            if zipf_frequency(word, "en") >= self._tuning.common_zipf:
                # A real word the corpus does not use, not a typo of one it does.
                self._corrections[word] = word
                return word
            near = process.extract(
                word, self._known_list, scorer=fuzz.ratio, score_cutoff=self._tuning.typo_cutoff
            )
            # A short typo usually drops a letter ("polcy"); a short real word that is one
            # letter longer than another ("stick", "world") is not a typo of it.
            # Typos rarely touch the first letter: "action" is not "vacation", nor
            # "inappropriate" "appropriate".
            fits = [
                c for c, _, _ in near if c[0] == word[0] and (len(word) > 6 or len(c) >= len(word))
            ]
            self._corrections[word] = fits[0] if fits else None
            if len(self._corrections) > 50_000:
                self._corrections.clear()
        return self._corrections[word]

    def tokens(self, text: str, correct: bool = True) -> tuple[list[str], int]:
        """Stemmed tokens, and how many words were unknown to the corpus."""
        words = self.words(text)
        unknown = 0
        if correct:
            fixed: list[str] = []
            for w in words:
                c = self._correct(w)
                if c is None:
                    unknown += 1
                elif c in self._single and c not in self._known:
                    fixed.extend(x for x in self._single[c] if x not in STOPWORDS)
                else:
                    fixed.append(c)
            words = fixed
        return list(self._stemmer.stemWords(words)), unknown
