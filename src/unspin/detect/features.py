"""Readable evidence of spinning, word by word and summed over a text.

Fast signals (no neural model): a commoner synonym exists for a rare word
(spinners trade common words for rarer "synonyms"); collocation breaks ("White
Home" where "White House" is a known bigram); common word pairs never seen
together; article-agreement errors ("a attainable"); spinner residue
("received't"); known tortured phrases; and how much better a word's commoner
synonym would fit among its neighbours (GloVe vectors): a sense-blind spinner
puts words where their original fitted better, while an author's own word
usually fits best. That last one compares a word with its alternatives, not
with other texts, so it depends little on the style of the text.

Full signals add the language model's view: the surprisal of each content word
and whether a thesaurus synonym is strongly preferred in its place; and, for the
spans only, how sure a probe on the model's hidden states is that a spinner put
each word there (``probe``). Every signal also goes, with its place, to
``spans``, which weighs them into the spans a report shows.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from unspin.candidates import (CONTRACTION_RESIDUE, FUNCTION_WORDS, contraction_residue, inflect, inflection_tags,
                               number_residue, transfer_case)
from unspin.decode import is_article, wants_an
from unspin.detect.types import TorturedHit
from unspin.resources.lexicon import bigram_log_count, zipf
from unspin.resources.thesaurus import MOBY_BACKWARD, MOBY_FORWARD, WORDNET_SIMILAR, WORDNET_SYNSET
from unspin.tokenise import tokenise
from unspin.types import Token

TOP_ORIGINALS = 8  # commonest thesaurus originals kept per spun word
RARE_GAP = 1.0  # zipf points by which an original must be commoner than the word
COLLOCATION_LOG_COUNT = 6.0  # log(1 + count) a replacement bigram needs (~400 uses)
LN_10 = math.log(10)  # zipf frequencies are log10; bigram counts natural logs
COMMON_ZIPF = 4.0  # both words at least this common: their bigram should be attested
FIT_WINDOW = 5  # content words either side that make a word's context (GloVe)
PREFERRED_GAIN = 3.0  # nats by which the LM must prefer a synonym (left and right context)
MIN_LEFT_GAIN = -1.0  # a synonym is scored in full context only if left context alone nearly prefers it
PRIOR_ITEMS = 3  # typical items a mean's spread is shrunk with (see ``Evidence.variances``)
MAX_ORIGINAL_ZIPF = 6.3  # commoner words ("be", "have", "get") are not offered as originals
_STRONG = WORDNET_SYNSET | WORDNET_SIMILAR
_MOBY_BOTH = MOBY_FORWARD | MOBY_BACKWARD

# Aggregated features, in the classifier's column order.
FAST_FEATURES = (
    "rare_synonym_share", "collocation_break_share", "unattested_bigram_share",
    "article_error_rate", "residue_rate", "tortured_rate", "mean_zipf", "spinner_ngram_score", "context_fit_gain",
)
FULL_FEATURES = FAST_FEATURES + ("preferred_synonym_share", "mean_context_gain", "mean_surprisal", "surprisal_excess")


def tier_features(tier: str) -> list[str]:
    """The classifier's columns for a tier ("fast" or "full")."""
    return list(FULL_FEATURES if tier == "full" else FAST_FEATURES)


# What ``lm_evidence`` adds; the rest of ``Evidence`` comes from ``fast_evidence`` (and ``model``).
LM_FIELDS = ("preferred", "surprisals", "function_surprisals", "context_gains")


@dataclass(frozen=True, slots=True)
class Original:
    word: str
    zipf: float
    strong: bool  # WordNet lists it (synset mate or similar adjective), or Moby both ways


@dataclass
class Signal:
    """One piece of evidence at a place in the text; ``detect.spans`` weighs them into spans."""

    start: int
    end: int
    text: str
    suggestion: str
    kind: str  # one of ``detect.spans.SIGNAL_KINDS``
    value: float  # its strength, on the kind's own scale (a score 0..1, nats, log-odds)
    reason: str


@dataclass
class Evidence:
    """Counts behind the features of a text (or of one sentence)."""

    words: int = 0
    content: int = 0
    pairs: int = 0
    rare_synonym: int = 0
    collocation_break: int = 0
    unattested_bigram: int = 0
    article_error: int = 0
    residue: int = 0
    tortured: int = 0
    zipf_sum: float = 0.0
    zipf_sq: float = 0.0
    preferred: int = 0
    surprisals: list[float] = field(default_factory=list)
    function_surprisals: list[float] = field(default_factory=list)
    context_gains: list[float] = field(default_factory=list)
    ngram_values: list[float] = field(default_factory=list)  # log-odds spun/original (``model``)
    fit_gains: list[float] = field(default_factory=list)  # GloVe: best synonym's fit minus the word's, ≥ 0

    def __add__(self, other: Evidence) -> Evidence:
        summed = Evidence()
        for name in Evidence.__dataclass_fields__:
            setattr(summed, name, getattr(self, name) + getattr(other, name))
        return summed

    def condensed(self) -> Evidence:
        """The same evidence with each list of values kept as its ``Moments``: all the features
        need of them, so the evidence of a text of any length takes the same memory."""
        out = Evidence(**{name: getattr(self, name) for name in _COUNT_FIELDS})
        for name in _LIST_FIELDS:
            setattr(out, name, Moments.of(getattr(self, name)))
        return out

    def features(self, full: bool) -> dict[str, float]:
        content, words = max(self.content, 1), max(self.words, 1)
        out = {
            "rare_synonym_share": self.rare_synonym / content,
            "collocation_break_share": self.collocation_break / content,
            "unattested_bigram_share": self.unattested_bigram / max(self.pairs, 1),
            "article_error_rate": 100 * self.article_error / words,
            "residue_rate": 100 * self.residue / words,
            "tortured_rate": 100 * self.tortured / words,
            "mean_zipf": self.zipf_sum / content,
            "spinner_ngram_score": _mean(self.ngram_values),
            "context_fit_gain": _mean(self.fit_gains),
        }
        if full:
            out["preferred_synonym_share"] = self.preferred / content
            out["mean_context_gain"] = _mean(self.context_gains)
            out["mean_surprisal"] = _mean(self.surprisals)
            # Content words surprise more than function words in spun text: the genre's own
            # difficulty (which moves both) cancels out.
            function = _mean(self.function_surprisals)
            out["surprisal_excess"] = out["mean_surprisal"] - function
        return out

    def item_spreads(self) -> dict[str, tuple[float, int]]:
        """For each averaged quantity: the variance of its items within this text, and their number."""
        content = max(self.content, 1)
        lists = {"ngram_values": self.ngram_values, "fit_gains": self.fit_gains, "surprisals": self.surprisals,
                 "function_surprisals": self.function_surprisals, "context_gains": self.context_gains}
        out = {name: (_variance(values), len(values)) for name, values in lists.items()}
        out["zipf"] = (max(self.zipf_sq / content - (self.zipf_sum / content) ** 2, 0.0), self.content)
        return out

    def variances(self, full: bool, typical: dict[str, float], item_variance: dict[str, float],
                  features: dict[str, float] | None = None) -> dict[str, float]:
        """Sampling variance of each feature (binomial, Poisson or the variance of a mean over n):
        what makes a short text's probability uncertain. Rare events (articles, residue,
        tortured phrases) are counted at least at their ``typical`` (training) rate; the spread
        of a mean's items is the text's own, shrunk towards the ``item_variance`` of training
        texts as if ``PRIOR_ITEMS`` typical items were added, so that three words that happen
        to agree do not pass for a certain mean."""
        features = features if features is not None else self.features(full)  # (the caller's, if made)
        spreads = self.item_spreads()

        def rate(name: str) -> float:
            return 100 * max(features[name], typical.get(name, 0.0)) / words
        content, words, pairs = max(self.content, 1), max(self.words, 1), max(self.pairs, 1)

        def share(name: str, n: int) -> float:
            p = min(max(features[name], 0.5 / n), 1 - 0.5 / n)
            return p * (1 - p) / n

        def mean_of(name: str) -> float:
            variance, n = spreads[name]
            prior = item_variance.get(name, 1.0)
            return (n * variance + PRIOR_ITEMS * prior) / (n + PRIOR_ITEMS) / max(n, 1)

        out = {
            "rare_synonym_share": share("rare_synonym_share", content),
            "collocation_break_share": share("collocation_break_share", content),
            "unattested_bigram_share": share("unattested_bigram_share", pairs),
            "article_error_rate": rate("article_error_rate"),
            "residue_rate": rate("residue_rate"),
            "tortured_rate": rate("tortured_rate"),
            "mean_zipf": mean_of("zipf"),
            "spinner_ngram_score": mean_of("ngram_values"),
            "context_fit_gain": mean_of("fit_gains"),
        }
        if full:
            out["preferred_synonym_share"] = share("preferred_synonym_share", content)
            out["mean_surprisal"] = mean_of("surprisals")
            out["mean_context_gain"] = mean_of("context_gains")
            out["surprisal_excess"] = mean_of("surprisals") + mean_of("function_surprisals")
        return out


_LIST_FIELDS = ("surprisals", "function_surprisals", "context_gains", "ngram_values", "fit_gains")
_COUNT_FIELDS = tuple(name for name in Evidence.__dataclass_fields__ if name not in _LIST_FIELDS)


def summed(parts: Iterable[Evidence]) -> Evidence:
    """The evidence of a text from that of its sentences, in one pass (adding them one by one
    with ``+`` copies the growing lists each time: quadratic in a long text)."""
    total = Evidence()
    for part in parts:
        for name in _COUNT_FIELDS:
            setattr(total, name, getattr(total, name) + getattr(part, name))
        for name in _LIST_FIELDS:
            getattr(total, name).extend(getattr(part, name))
    return total


@dataclass(frozen=True, slots=True)
class Moments:
    """A list of values as its count, sum and sum of squares (``Evidence.condensed``); adds to
    another ``Moments`` or to a list."""

    n: int = 0
    total: float = 0.0
    squares: float = 0.0

    @classmethod
    def of(cls, values: list[float] | Moments) -> Moments:
        if isinstance(values, Moments):
            return values
        return cls(len(values), math.fsum(values), math.fsum([value * value for value in values]))

    def __add__(self, other: list[float] | Moments) -> Moments:
        other = Moments.of(other)
        return Moments(self.n + other.n, self.total + other.total, self.squares + other.squares)

    __radd__ = __add__

    def __len__(self) -> int:
        return self.n


# Plain Python for the short lists of one sentence: numpy's per-call cost would be most of the
# fast tier's time (it checks every sentence on its own as well as the whole text).
def _mean(values: list[float] | Moments) -> float:
    if isinstance(values, Moments):
        return values.total / values.n if values.n else 0.0
    return math.fsum(values) / len(values) if values else 0.0


def _variance(values: list[float] | Moments) -> float:
    if isinstance(values, Moments):
        return max(values.squares / values.n - _mean(values) ** 2, 0.0) if values.n else 0.0
    mean = _mean(values)
    return math.fsum([(value - mean) ** 2 for value in values]) / len(values) if values else 0.0


def typical_item_variances(evidences: list[Evidence]) -> dict[str, float]:
    """The average within-text variance of each averaged quantity's items over texts with a
    few of them (a detector keeps it, for ``Evidence.variances``)."""
    spreads = [evidence.item_spreads() for evidence in evidences]
    out = {}
    for name in spreads[0] if spreads else ():
        values = [s[name][0] for s in spreads if s[name][1] >= PRIOR_ITEMS]
        out[name] = round(float(np.mean(values)), 4) if values else 1.0
    return out


class Lexicon:
    """Spun word → its commonest thesaurus originals, with Zipf frequencies.

    The Zipf frequency of every thesaurus phrase is computed once, when loaded,
    so that a word's originals are ranked with array operations; inflection
    ("traces" → "lines") is applied to the few kept, not to every link.
    """

    def __init__(self, thesaurus) -> None:
        self._thesaurus = thesaurus
        vocab = thesaurus.vocab
        single = np.array([w.isalpha() and w not in FUNCTION_WORDS for w in vocab], dtype=bool)
        self._vocab_zipf = np.array([zipf(w) if ok else -1.0 for w, ok in zip(vocab, single)], dtype=np.float32)
        # Only single words, not too generic ("be" for "cost"), can be offered as originals.
        self._eligible = single & (self._vocab_zipf <= MAX_ORIGINAL_ZIPF)

    @functools.lru_cache(maxsize=10_000)
    def contraction_repair(self, base: str) -> str | None:
        """For an "X't" whose X (lower case) is ``base``: the contraction it is spinner residue of
        ("won't" for "received't"), as the restore engine judges it (``contraction_residue``);
        None when it is no residue ("don't", "/mee't*/")."""
        from unspin.resources.lexicon import glove

        bases, flagged = contraction_residue(base, self._thesaurus, glove().cosine)
        return next((contraction for word, contraction in bases.items() if word in flagged), None)

    def _ranked(self, word: str) -> list[tuple[str, float, bool]]:
        ids, flags = self._thesaurus.link_arrays(word)
        keep = self._eligible[ids]
        ids, flags = ids[keep], flags[keep]
        order = np.argsort(-self._vocab_zipf[ids], kind="stable")[:TOP_ORIGINALS]
        vocab = self._thesaurus.vocab
        strong = ((flags & _STRONG) > 0) | ((flags & _MOBY_BOTH) == _MOBY_BOTH)
        return [(vocab[ids[i]], float(self._vocab_zipf[ids[i]]), bool(strong[i])) for i in order]

    @functools.lru_cache(maxsize=300_000)
    def originals(self, word: str) -> tuple[Original, ...]:
        """Single-word originals a spinner may have replaced by ``word`` (inflection carried over)."""
        found = {w: Original(w, z, s) for w, z, s in self._ranked(word)}
        if len(found) < TOP_ORIGINALS:
            for lemma, tag in inflection_tags(word):
                for original, _, strong in self._ranked(lemma):
                    form = inflect(original, tag)
                    if form and form != word and form.isalpha() and form not in found:
                        found[form] = Original(form, zipf(form), strong)
        ranked = sorted(found.values(), key=lambda o: -o.zipf)
        return tuple(o for o in ranked if o.zipf <= MAX_ORIGINAL_ZIPF)[:TOP_ORIGINALS]


def _words(tokens: list[Token]) -> list[Token]:
    return [t for t in tokens if t.is_word]


def _adjacent(text: str, left: Token, right: Token) -> bool:
    return text[left.end : right.start] == " "


def fast_evidence(text: str, pieces: list[tuple[int, int]], lexicon: Lexicon, tortured: list[TorturedHit],
                  found: list[Signal], tokens: list[list[Token]] | None = None) -> list[Evidence]:
    """Count the fast signals of each sentence ``text[start:end]`` of ``pieces`` (``tortured``:
    the text's hits; ``tokens``: each sentence's tokens, if already made); append each piece of
    evidence, with offsets into ``text``, to ``found``."""
    if tokens is None:
        tokens = [tokenise(text[start:end], start) for start, end in pieces]
    counted = [_sentence_counts(text, words, lexicon, [h for h in tortured if start <= h.start < end], found)
               for (start, end), words in zip(pieces, tokens)]
    # The context fit of all sentences at once: its numpy work costs per call, not per word.
    for (evidence, _), gains in zip(counted, context_fit_gains([fitted for _, fitted in counted], lexicon)):
        evidence.fit_gains = gains
    return [evidence for evidence, _ in counted]


def _sentence_counts(text: str, tokens: list[Token], lexicon: Lexicon, tortured: list[TorturedHit],
                     found: list[Signal]) -> tuple[Evidence, list[tuple[Token, str]]]:
    """``fast_evidence`` of one sentence but the context fit; and the content words it needs."""
    evidence = Evidence()
    fitted: list[tuple[Token, str]] = []  # content words and their lower case, for the context fit
    evidence.tortured = len(tortured)
    for hit in tortured:
        found.append(Signal(hit.start, hit.end, hit.text, hit.expected, "tortured", 0.95, "known tortured phrase"))
    previous: Token | None = None
    previous_lower = ""
    for i, token in enumerate(tokens):
        if not token.is_word:
            previous = None
            continue
        evidence.words += 1
        lower = token.lower
        if (number_words := number_residue(token.text)) is not None:
            evidence.residue += 1
            found.append(Signal(token.start, token.end, token.text, number_words, "residue", 0.6, "number residue"))
        residue = CONTRACTION_RESIDUE.fullmatch(lower)
        if residue and (repair := lexicon.contraction_repair(residue.group(1))) is not None:
            evidence.residue += 1
            found.append(Signal(token.start, token.end, token.text, transfer_case(token.text, repair), "residue",
                                0.9, "broken contraction"))
        adjacent = previous is not None and _adjacent(text, previous, token)
        if adjacent:
            _pair(previous, token, previous_lower, lower, lexicon, evidence, found)
        if adjacent and is_article(tokens, i - 1):
            wrong = (previous_lower == "an") != wants_an(lower)
            if wrong and lower.isalpha() and len(lower) > 1 and not token.text.isupper():
                evidence.article_error += 1
                fixed = "an" if previous_lower == "a" else "a"
                found.append(Signal(previous.start, previous.end, previous.text,
                                    transfer_case(previous.text, fixed), "article", 0.7,
                                    f"article does not agree with '{token.text}'"))
        if lower not in FUNCTION_WORDS and lower.isalpha() and len(lower) > 1:
            evidence.content += 1
            fitted.append((token, lower))
            frequency = zipf(lower)
            evidence.zipf_sum += frequency
            evidence.zipf_sq += frequency * frequency
            originals = lexicon.originals(lower)
            commoner = [o for o in originals if o.strong and o.zipf >= frequency + RARE_GAP and o.zipf >= 3.5]
            if commoner and not token.text[:1].isupper():
                evidence.rare_synonym += 1
                gap = commoner[0].zipf - frequency
                found.append(Signal(token.start, token.end, token.text, commoner[0].word, "rare",
                                    min(0.5, 0.1 * gap), "a much commoner synonym exists"))
        previous, previous_lower = token, lower
    return evidence, fitted


@functools.lru_cache(maxsize=300_000)
def _unit_vector(word: str) -> np.ndarray | None:
    from unspin.resources.lexicon import glove

    found = glove().word_vectors([word])
    return found[0] if len(found) else None


@functools.lru_cache(maxsize=300_000)
def _original_vectors(word: str, lexicon: Lexicon) -> np.ndarray | None:
    """The unit vectors of a word's originals (single words), one a row (``None`` when it has none)."""
    from unspin.resources.lexicon import glove

    found = glove().word_vectors([o.word for o in lexicon.originals(word)])
    return found if len(found) else None


def context_fit_gains(sentences: list[list[tuple[Token, str]]], lexicon: Lexicon) -> list[list[float]]:
    """For each sentence (its content words, each with its lower case), for each of its words
    (names left out) that has originals: how much closer (cosine) the best of them is than the
    word itself to the mean vector of the ``FIT_WINDOW`` content words either side in its
    sentence; 0 when the word fits best."""
    content = [word for sentence in sentences for word in sentence]
    out: list[list[float]] = [[] for _ in sentences]
    if not content:
        return out
    found = [_unit_vector(lower) for _, lower in content]
    vectors = np.stack([v if v is not None else np.zeros(50, dtype=np.float32) for v in found]).astype(np.float64)
    # Window sums by cumulative sums: context of word i = words i-W..i+W of its sentence, less itself.
    sums = np.vstack([np.zeros((1, vectors.shape[1])), np.cumsum(vectors, axis=0)])
    known = np.concatenate([[0], np.cumsum([v is not None for v in found])])
    lengths = [len(sentence) for sentence in sentences]
    ends = np.cumsum(lengths)
    at = np.arange(len(content))
    low = np.maximum(at - FIT_WINDOW, np.repeat(ends - lengths, lengths))
    high = np.minimum(at + FIT_WINDOW + 1, np.repeat(ends, lengths))
    contexts = sums[high] - sums[low] - vectors
    contexts /= np.maximum(np.sqrt(np.einsum("ij,ij->i", contexts, contexts)), 1e-8)[:, None]
    own = np.einsum("ij,ij->i", vectors, contexts)
    alone = (known[high] - known[low] <= 1).tolist()  # no known word around it
    blocks: list[np.ndarray] = []  # the originals' vectors of each word that has some,
    words: list[int] = []  # that word's place in ``content``,
    slots: list[tuple[int, int]] = []  # and its gain's in ``out``
    i = 0
    for number, sentence in enumerate(sentences):
        for token, lower in sentence:
            if found[i] is not None and not alone[i] and not token.text[:1].isupper():
                originals = _original_vectors(lower, lexicon)
                if originals is not None:
                    blocks.append(originals)
                    words.append(i)
                    slots.append((number, len(out[number])))
                out[number].append(0.0)
            i += 1
    if blocks:
        sizes = np.array([len(block) for block in blocks])
        owner = np.repeat(words, sizes)  # the word each original's row belongs to
        scores = np.einsum("ij,ij->i", np.concatenate(blocks), contexts[owner])
        best = np.maximum.reduceat(scores, np.cumsum(sizes) - sizes)
        for (number, place), gain in zip(slots, np.maximum(best - own[words], 0.0).tolist()):
            out[number][place] = gain
    return out


def _pair(left: Token, right: Token, a: str, b: str, lexicon: Lexicon, evidence: Evidence,
          found: list[Signal]) -> None:
    """Bigram checks for two adjacent words (``a``, ``b``: their lower case)."""
    if not (a.isalpha() and b.isalpha()):
        return
    count = bigram_log_count(a, b)
    if zipf(a) >= COMMON_ZIPF and zipf(b) >= COMMON_ZIPF and not (
            a in FUNCTION_WORDS and b in FUNCTION_WORDS):
        evidence.pairs += 1
        if count == 0:
            evidence.unattested_bigram += 1
    if count > 0 or a in FUNCTION_WORDS or b in FUNCTION_WORDS:
        return
    # "White Home": a close synonym of one word makes a well-known bigram with the other.
    repairs = [(count, right, o.word, (a, o.word)) for o in lexicon.originals(b)
               if o.strong and (count := bigram_log_count(a, o.word)) >= COLLOCATION_LOG_COUNT]
    repairs += [(count, left, o.word, (o.word, b)) for o in lexicon.originals(a)
                if o.strong and (count := bigram_log_count(o.word, b)) >= COLLOCATION_LOG_COUNT]
    if repairs:
        evidence.collocation_break += 1
        # Which word to blame: the repair whose bigram is the tighter collocation (pointwise
        # mutual information, counts over the words' frequencies), so "White Home" suggests
        # "White House", not "Good Home", which is about as frequent only because "good" is.
        _, where, suggestion, _ = max(repairs, key=lambda repair: repair[0] - LN_10 * sum(map(zipf, repair[3])))
        best = max(repair[0] for repair in repairs)
        other = right.text if where is left else left.text
        found.append(Signal(where.start, where.end, where.text, transfer_case(where.text, suggestion), "collocation",
                            min(0.45, best / 40), f"collocation break: '{suggestion}' goes with '{other}'"))


def lm_evidence(text: str, pieces: list[tuple[int, int]], lexicon: Lexicon, scorer,
                evidences: list[Evidence], found: list[Signal], probe=None) -> None:
    """Add the LM's view of each sentence ``text[start:end]`` to its evidence: one pass gives
    every word's surprisal and ranks its thesaurus originals by left context; the best of each
    content word is then scored in full (left and right context, re-using the first pass's
    cache). The word ``probe`` (if given: a ``probe.WordProbe``) reads the same pass and adds
    spans, not evidence. Sentences go to the LM a chunk at a time, so that they share its calls."""
    from unspin.engine import chunks

    worded = [(piece, evidence, words) for piece, evidence in zip(pieces, evidences)
              if (words := _words(tokenise(text[piece[0] : piece[1]])))]
    for chunk in chunks(worded, lambda item: item[0][1] - item[0][0]):
        _lm_chunk(text, chunk, lexicon, scorer, found, probe)


def _lm_chunk(text: str, chunk: list[tuple[tuple[int, int], Evidence, list[Token]]], lexicon: Lexicon, scorer,
              found: list[Signal], probe) -> None:
    """``lm_evidence`` for one chunk of (piece, its evidence, its word tokens)."""
    from unspin.detect.probe import PROBE_LAYER, sentence_rows

    layers = (PROBE_LAYER,) if probe is not None else ()
    analyses = scorer.analyse_many([text[start:end] for (start, end), _, _ in chunk], layers=layers)
    requests, places = [], []
    for analysis, ((start, _), evidence, words) in zip(analyses, chunk):
        if probe is not None:  # (the words' offsets, like the analysis's, count from the sentence's start)
            _probe_signals(start, words, probe.logits(sentence_rows(analysis, words)), found)
        replacements: list[tuple[int, int, str]] = []
        where: list[Token] = []
        for token in words:
            lower = token.lower
            if lower in FUNCTION_WORDS:
                value = scorer.word_logprobs(analysis, token.start, [token.text])[0]
                if value > -30.0:
                    evidence.function_surprisals.append(float(-value))
                continue
            if not lower.isalpha() or len(lower) < 2:
                continue
            options = [token.text] + [transfer_case(token.text, o.word) for o in lexicon.originals(lower)]
            logprobs = scorer.word_logprobs(analysis, token.start, options)
            if logprobs[0] <= -30.0:
                continue
            evidence.surprisals.append(float(-logprobs[0]))
            best = int(np.argmax(logprobs[1:])) + 1 if len(options) > 1 else 0
            if best and logprobs[best] - logprobs[0] >= MIN_LEFT_GAIN:
                replacements.append((token.start, token.end, options[best]))
                where.append(token)
            else:
                evidence.context_gains.append(0.0)
        requests.append((analysis, replacements))
        places.append(where)
    for ((start, _), evidence, _), where, (_, replacements), gains in zip(
        chunk, places, requests, scorer.replacement_gains_many(requests)
    ):
        for token, (_, _, word), gain in zip(where, replacements, gains):
            evidence.context_gains.append(max(float(gain), 0.0))
            evidence.preferred += int(gain >= PREFERRED_GAIN)
            # Every synonym scored in full is evidence about its word, a small gain too (``detect.spans``).
            found.append(Signal(start + token.start, start + token.end, token.text, word, "lm", float(gain),
                                f"the language model prefers '{word}' ({gain:+.1f} nats)"))


def _probe_signals(start: int, words: list[Token], logits, found: list[Signal]) -> None:
    """The probe's log-odds for every word, as signals. No suggestion: the probe says a word was
    swapped in, not what it replaced (``unspin restore`` looks for that)."""
    for token, logit in zip(words, logits):
        probability = 1 / (1 + math.exp(-float(logit)))
        found.append(Signal(start + token.start, start + token.end, token.text, "", "probe", float(logit),
                            f"reads to the language model as a word swapped in (word probe: P {probability:.2f})"))
