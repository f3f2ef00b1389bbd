"""Choosing the edits of a sentence from its scored candidates.

Each span keeps its most probable candidate; spans are taken greedily by
probability, skipping any that overlap one already taken, down to the
confidence floor (a candidate below 0.5 is more likely wrong than right, so
that is the default floor and unspun text stays as it is). Articles are then
made to agree with the word that follows a restored word ("a agreement" →
"an agreement").
"""

from __future__ import annotations

import re

from unspin.candidates import Candidate, by_span
from unspin.types import Edit, Token

_VOWEL_SOUND = re.compile(r"^(?:[aeiou]|hou?r|honest|honou?r|heir)", re.I)
_CONSONANT_SOUND = re.compile(r"^(?:u[nrs]?[aeiou]|uni|eu|ewe|one|once|use|usu|ur[aeiou])", re.I)


def wants_an(word: str) -> bool:
    """Whether ``word`` takes "an" (by its first sound, from spelling)."""
    return bool(_VOWEL_SOUND.match(word)) and not _CONSONANT_SOUND.match(word)


def is_article(tokens: list[Token], i: int) -> bool:
    """Whether ``tokens[i]`` is the article "a" or "an": not a letter glued to a word or number
    ("Structure 7A") nor a capital naming something after a word ("input A", "Vitamin A")."""
    token = tokens[i]
    if token.lower not in ("a", "an"):
        return False
    if i == 0:
        return True
    before = tokens[i - 1]
    glued = before.end == token.start and before.text[-1:].isalnum()
    return not glued and not (token.text[0].isupper() and before.is_word)


def select_edits(sentence: str, tokens: list[Token], candidates: list[Candidate],
                 min_confidence: float) -> list[Edit]:
    best = []
    for group in by_span(candidates).values():
        group.sort(key=lambda c: c.probability, reverse=True)
        best.append((group[0], tuple((c.original, round(c.probability, 4)) for c in group[1:4])))
    best.sort(key=lambda pair: pair[0].probability, reverse=True)
    taken: list[Edit] = []
    for candidate, alternatives in best:
        if candidate.probability < min_confidence:
            break
        if any(candidate.start < e.end and e.start < candidate.end for e in taken):
            continue
        taken.append(Edit(candidate.start, candidate.end, candidate.spun, candidate.original,
                          round(candidate.probability, 4), alternatives, candidate.rule))
    taken += _article_fixes(sentence, tokens, taken)
    return sorted(taken, key=lambda e: e.start)


def _article_fixes(sentence: str, tokens: list[Token], edits: list[Edit]) -> list[Edit]:
    fixes = []
    for edit in edits:
        before = [t for t in tokens if t.end <= edit.start]
        if not before or not is_article(tokens, len(before) - 1) or sentence[before[-1].end : edit.start] != " ":
            continue
        article = before[-1]
        if any(e.start < article.end and article.start < e.end for e in edits):
            continue
        wanted = "an" if wants_an(edit.original) else "a"
        if article.lower != wanted:
            cased = wanted.capitalize() if article.text[0].isupper() else wanted
            fixes.append(Edit(article.start, article.end, article.text, cased, edit.confidence,
                              (), "article agreement"))
    return fixes
