"""Candidate originals for each span of a sentence.

Sources, each marked on the candidate so the reranker can weigh them:
- the inverse thesaurus (WordNet + Moby links, read backwards), with inflection
  carried over ("traces" → "lines");
- substitution pairs mined from real spun text (SpinBot, tortured phrases);
- rules for spinner residue: contractions ("received't" → "won't"), number
  words ("1000's" → "thousands") and spintax ("{that|a}").
The language model's own proposals are added later, by the engine, since they
need the sentence's first LM pass.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from unspin.resources.thesaurus import InverseThesaurus, MAX_PHRASE_WORDS
from unspin.types import Token

# Function words are left alone unless a mined pair says spinners swap them.
FUNCTION_WORDS = frozenset(
    """a an the and or but nor so yet for of in on at by to from with without into onto upon
    over under about above below between among through during before after since until
    while as than that this these those there here which who whom whose what when where
    why how i me my mine we us our ours you your yours he him his she her hers it its they
    them their theirs is am are was were be been being have has had having do does did
    not no can could will would shall should may might must also just only very too
    then thus if else each every any some all both either neither one other such own
    same more most less least much many few""".split()
)

CONTRACTION_BASES = {
    "won": "won't", "can": "can't", "do": "don't", "does": "doesn't",
    "did": "didn't", "is": "isn't", "are": "aren't", "was": "wasn't", "were": "weren't",
    "has": "hasn't", "have": "haven't", "had": "hadn't", "could": "couldn't",
    "would": "wouldn't", "should": "shouldn't", "must": "mustn't", "need": "needn't",
}
NUMBER_WORDS = {
    "10": "ten", "100": "hundred", "1000": "thousand", "1,000": "thousand",
    "1000000": "million", "1,000,000": "million", "1000000000": "billion",
    "1,000,000,000": "billion", "12": "dozen",
}
# Contractions whose base is a word in its own right, so a spinner swaps it.
SWAPPABLE_CONTRACTIONS = {"won": "won't", "can": "can't", "don": "don't"}
VALID_NT_BASES = frozenset(
    "can won don doesn didn isn aren wasn weren hasn haven hadn couldn wouldn shouldn mustn needn ain mightn shan oughtn daren"
    " daresn mayn usedn".split()  # the last three archaic ("he daresn't", Moby Dick)
)
# Archaic "'t" for "it" ("is't", "do't", "in't"): English, not residue.
IT_ELISION_BASES = frozenset("is was do did in on to for with at of by upon".split())
# Failing a thesaurus link, how near in meaning (GloVe cosine) the word of an "X't" must be to a
# contraction's base for the spinner to have reached it from there: "received" is 0.56 from "won",
# "able" 0.89 from "can"; the jargon file's pronunciation "/mee't*/" at most 0.08, "bee" 0.29.
RESIDUE_MIN_COSINE = 0.4
CONTRACTION_RESIDUE = re.compile(r"([^\W\d_]+)(['’])t")
_NUMBER = re.compile(r"([\d,]+)(['’]?s)?")
_SPINTAX = re.compile(r"^\{([^{}]*)\}$")


@dataclass(slots=True)
class Candidate:
    """A possible original for the characters ``start:end`` of a sentence."""

    start: int
    end: int
    spun: str
    original: str
    rule: str  # thesaurus | mined | lm | contraction | number | spintax
    flags: int = 0
    fanout: int = 0
    mined_count: int = 0
    features: dict[str, float] = field(default_factory=dict)
    probability: float = 0.0

    @property
    def key(self) -> tuple[int, int, str]:
        return self.start, self.end, self.original.lower()


def by_span(candidates: list[Candidate]) -> dict[tuple[int, int], list[Candidate]]:
    """Candidates grouped by the (start, end) span they would replace, in first-seen order."""
    groups: dict[tuple[int, int], list[Candidate]] = {}
    for candidate in candidates:
        groups.setdefault((candidate.start, candidate.end), []).append(candidate)
    return groups


def transfer_case(spun: str, original: str) -> str:
    """Give ``original`` the capitalisation pattern of ``spun``."""
    if spun[:1].islower():  # the common case, decided without scanning ``spun``
        return original
    if len(spun) > 1 and spun.isupper():
        return original.upper()
    if spun[:1].isupper() and original[:1].islower():
        return original[:1].upper() + original[1:]
    return original


@functools.lru_cache(maxsize=100_000)
def inflection_tags(word: str) -> tuple[tuple[str, str], ...]:
    """(lemma, Penn tag) pairs that produce ``word``, e.g. traces → (trace, NNS), (trace, VBZ)."""
    from lemminflect import getAllInflections, getAllLemmas

    found = []
    for upos, lemmas in getAllLemmas(word).items():
        for lemma in lemmas:
            if lemma == word:
                continue
            for tag, forms in getAllInflections(lemma, upos=upos).items():
                if word in forms:
                    found.append((lemma, tag))
    return tuple(dict.fromkeys(found))


@functools.lru_cache(maxsize=100_000)
def inflect(phrase: str, tag: str) -> str | None:
    """Inflect a word or phrase to a Penn tag; phrases inflect their head word."""
    words = phrase.split()
    head = len(words) - 1 if tag.startswith("NN") else 0
    form = inflect_word(words[head], tag)
    if form is None:
        return None
    words[head] = form
    return " ".join(words)


def inflect_word(word: str, tag: str) -> str | None:
    """``lemminflect.getInflection(word, tag)[0]`` (None when it has none), without its cost.

    A word's thesaurus originals are inflected by the hundred, nearly all of them
    dropped at once, and lemminflect deep-copies its dictionary entry on every call.
    For a lower-case word and a common tag, this reads the same entry and applies the
    same fallbacks (alternative tags, then its out-of-vocabulary model) without
    copying; anything else goes to lemminflect itself. A test compares the two.
    """
    from lemminflect import getInflection
    from lemminflect.core.LexicalUtils import getCapsStyle, pennTagAlts, tagToUPos

    if tag in ("NNP", "NNPS") or getCapsStyle(word) != "lower":
        forms = getInflection(word, tag=tag)
        return forms[0] if forms else None
    inflections, key = _inflections(), word.lower()
    entry = inflections._getInflDict().get(key, {})
    overrides = inflections._getOverridesDict().get(key)
    forms = {**entry, **overrides} if overrides else entry
    found = forms.get(tag)
    for alternative in pennTagAlts(tag) if found is None else ():
        found = forms.get(alternative)
        if found:
            break
    if found is None:
        found = _oov_forms(word, tagToUPos(tag)).get(tag)
    return found[0].lower() if found else None


@functools.lru_cache(maxsize=100_000)
def _oov_forms(word: str, upos: str) -> dict[str, tuple[str, ...]]:
    """lemminflect's rule-built forms of a word it does not list (one model call serves every
    tag of a part of speech: "VBD", "VBG", "VBN", "VBZ"). Read-only."""
    return _inflections().getAllInflectionsOOV(word, upos)


@functools.cache
def _inflections():
    from lemminflect.core.Inflections import Inflections

    return Inflections()


def contraction_residue(base: str, thesaurus: InverseThesaurus,
                        similarity: Callable[[str, str], float] | None) -> tuple[dict[str, str], set[str]]:
    """What an "X't" whose X (lower case) is ``base`` may be spinner residue of: the contractions
    it may stand for (base word → contraction) and the base words a spinner would have reached it
    from; none for an English contraction ("don't", "is't").

    Only "won", "can" and "don" are words a spinner would swap ("doesn" is not), unless the
    residue still ends in "n" ("performsn't" ← "doesn't"). The spinner came from a base the
    thesaurus links to the residue's word, or failing any link, from the nearest in meaning
    (GloVe), if it is within ``RESIDUE_MIN_COSINE``. No such base: not residue at all."""
    if base.endswith("n"):
        bases, word_part = CONTRACTION_BASES, base[:-1]
    else:
        bases, word_part = SWAPPABLE_CONTRACTIONS, base
    if base in VALID_NT_BASES or base in IT_ELISION_BASES or len(word_part) < 2:
        return bases, set()
    linked = {link.original for link in thesaurus.originals(word_part)}
    for lemma, tag in inflection_tags(word_part):
        linked |= {inflect(link.original, tag) for link in thesaurus.originals(lemma)}
    flagged = set(bases) & linked
    if not flagged and similarity is not None:
        nearest = max(bases, key=lambda word: similarity(word, word_part))
        flagged = {nearest} if similarity(nearest, word_part) >= RESIDUE_MIN_COSINE else set()
    return bases, flagged


def number_residue(text: str) -> str | None:
    """The number words a spinner wrote ``text`` for ("1000's" ← "thousands"), or None. Without
    the apostrophe a plural number is often genuine ("PDP-10s"); candidates are offered for it
    all the same (``CandidateGenerator``), for the language model to judge."""
    number = _NUMBER.fullmatch(text)
    if number and number.group(2) and len(number.group(2)) == 2 and number.group(1) in NUMBER_WORDS:
        return NUMBER_WORDS[number.group(1)] + "s"
    return None


class CandidateGenerator:
    """Turns a tokenised sentence into candidate originals (no I/O, no model)."""

    def __init__(self, thesaurus: InverseThesaurus, mined: dict[str, dict[str, int]],
                 max_thesaurus: int = 400, similarity: Callable[[str, str], float] | None = None) -> None:
        self.thesaurus = thesaurus
        self.mined = mined
        self.max_thesaurus = max_thesaurus
        self.similarity = similarity  # word-vector cosine, for choosing among residue repairs

    def generate(self, sentence: str, tokens: list[Token]) -> list[Candidate]:
        found: dict[tuple[int, int, str], Candidate] = {}
        for i, token in enumerate(tokens):
            for rule_candidate in self._rules(token):
                found.setdefault(rule_candidate.key, rule_candidate)
            for n in range(1, MAX_PHRASE_WORDS + 1):
                span = tokens[i : i + n]
                if len(span) < n or not all(t.is_word for t in span):
                    break
                # Phrases only across single spaces: "based on", not "based, on".
                if any(sentence[a.end : b.start] != " " for a, b in zip(span, span[1:])):
                    break
                for candidate in self._lookups(sentence, span):
                    found.setdefault(candidate.key, candidate)
        return list(found.values())

    def _lookups(self, sentence: str, span: list[Token]) -> list[Candidate]:
        start, end = span[0].start, span[-1].end
        spun = sentence[start:end]
        key = " ".join(t.lower for t in span)
        out: list[Candidate] = []
        for original, count in self.mined.get(key, {}).items():
            out.append(Candidate(start, end, spun, transfer_case(spun, original), "mined",
                                 mined_count=count, fanout=self.thesaurus.fanout(original)))
        if len(span) == 1 and key in FUNCTION_WORDS:
            return out
        links = self.thesaurus.originals(key)
        if links:
            for link in links[: self.max_thesaurus]:
                out.append(Candidate(start, end, spun, transfer_case(spun, link.original),
                                     "thesaurus", flags=link.flags, fanout=link.fanout))
        if len(span) == 1:
            # Inflected form: look up the lemma too, inflecting each original the same way.
            for lemma, tag in inflection_tags(key):
                for original, count in self.mined.get(lemma, {}).items():
                    form = inflect(original, tag)
                    if form:
                        out.append(Candidate(start, end, spun, transfer_case(spun, form), "mined",
                                             mined_count=count, fanout=self.thesaurus.fanout(original)))
                for link in self.thesaurus.originals(lemma)[: self.max_thesaurus]:
                    form = inflect(link.original, tag)
                    if form and form != key:
                        out.append(Candidate(start, end, spun, transfer_case(spun, form),
                                             "thesaurus", flags=link.flags, fanout=link.fanout))
        return out

    def _rules(self, token: Token) -> list[Candidate]:
        text, lower = token.text, token.lower
        out: list[Candidate] = []
        spintax = _SPINTAX.match(text)
        if spintax:
            inner = spintax.group(1)
            # "{a|b|c}" lists the alternatives; residue without bars may hold them space-separated.
            choices = inner.split("|") if "|" in inner else [inner, *inner.split()]
            for choice in dict.fromkeys(choices):
                if choice.strip():
                    out.append(Candidate(token.start, token.end, text, choice.strip(), "spintax"))
            return out
        contraction = CONTRACTION_RESIDUE.fullmatch(text)
        if contraction:
            out += self._contraction_repairs(token, contraction.group(1).lower(), contraction.group(2))
        number = _NUMBER.fullmatch(text)
        if number and number.group(1) in NUMBER_WORDS:
            word = NUMBER_WORDS[number.group(1)]
            out.append(Candidate(token.start, token.end, text,
                                 word + ("s" if number.group(2) else ""), "number"))
        return out

    def _contraction_repairs(self, token: Token, base: str, apostrophe: str) -> list[Candidate]:
        """Repairs of "received't": the spinner swapped the base of "won't" as if it were a word
        (``contraction_residue`` says which bases, and which of them it came from); none when no
        spinner could have made it ("/mee't*/", a pronunciation)."""
        bases, flagged = contraction_residue(base, self.thesaurus, self.similarity)
        if not flagged:
            return []
        out = []
        for word, restored in bases.items():
            restored = restored.replace("'", apostrophe)  # keep the text's apostrophe
            if restored.lower() != token.lower:
                out.append(Candidate(token.start, token.end, token.text, transfer_case(token.text, restored),
                                     "contraction", flags=int(word in flagged)))
        return out
