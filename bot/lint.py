"""Flags content that would forbid protected activity (pay, conditions, criticism, unions)."""

from __future__ import annotations

import re

_PROHIBITION = re.compile(
    r"\b(never|must not|mustn't|may not|cannot|can't|can not|should not|shouldn't|"
    r"not allowed|not permitted|prohibited|forbidden|banned|do not|don't|avoid|refrain)\b"
)
_SPEECH = re.compile(
    r"\b(discuss\w*|talk\w*|speak\w*|shar\w*|post\w*|mention\w*|complain\w*|criticis\w*|"
    r"criticiz\w*|compar\w*|organi[sz]\w*|contact\w*|report\w*|rais\w*|disclos\w*|reveal\w*|"
    r"join\w*|tell\w*)\b"
)
_PROTECTED = re.compile(
    r"\b(pay|salar\w*|wages?|compensation|bonus\w*|hours|overtime|benefits|"
    r"working conditions|conditions of (?:work|employment)|workplace safety|"
    r"management|managers?|your employer|the company's leadership|"
    r"unions?|trade unions?|colleagues|co-?workers|regulators?|authorit\w*|labou?r board|"
    r"the police|lawyer|ombudsman)\b"
)
# A clause that affirms the right ("nothing in this policy stops you ...") is not a ban.
_SAFE_HARBOUR = re.compile(
    r"\b(nothing in|nothing (?:stops|prevents|limits|restricts)|"
    r"does not (?:restrict|limit|prevent|stop|apply)|doesn't (?:restrict|limit|prevent|stop)|"
    r"never (?:restricts?|limits?|prevents?|stops?)|protected|you (?:are|remain) free|free to|"
    r"your right|always (?:may|can|allowed)|will never (?:be )?(?:punish|penal)|"
    r"no one (?:may|can|will) (?:punish|retaliat)|retaliat\w*|"
    r"(?:not|never|\w+n't) be (?:disciplined|punished|penali[sz]ed|sanctioned|dismissed|fired))\b"
)
# Where one clause ends and another begins: an affirmation in one does not excuse a ban in
# another ("Do not discuss pay with colleagues, to avoid retaliation" is still a ban).
_CLAUSE = re.compile(
    r"[,;:()\u2013\u2014]|\s-\s|\b(?:but|because|so that|so as to|to avoid|in order to|"
    r"otherwise|or else|unless|although|though|however|whereas)\b"
)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def protected_activity_problems(text: str) -> list[str]:
    """Sentences of `text` that read as forbidding protected activity, with a reason."""
    problems = []
    for sentence in _sentences(text):
        clauses = [c for c in _CLAUSE.split(sentence.lower()) if c and c.strip()]
        plain = [c for c in clauses if not _SAFE_HARBOUR.search(c)]
        subject = next((m for c in plain if (m := _PROTECTED.search(c))), None)
        for clause in plain:
            ban, speech = _PROHIBITION.search(clause), _SPEECH.search(clause)
            if ban and speech and subject:
                problems.append(
                    f"may forbid protected activity ('{ban.group(0)}' + '{speech.group(0)}' + "
                    f"'{subject.group(0)}'): \"{sentence[:160]}\""
                )
                break
    return problems
