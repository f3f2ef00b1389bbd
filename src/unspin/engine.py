"""The restoration pipeline: tokenise → candidates → score → (refine) → decode → edits.

Refining scores the neighbours of the likely edits again, with those edits made.

``Restorer`` holds the loaded resources and is pure apart from them: text in,
``Restoration`` out. ``restore()`` uses one process-wide ``Restorer`` that is
loaded lazily from the resource cache on first use.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from unspin.candidates import FUNCTION_WORDS, Candidate, CandidateGenerator, by_span, transfer_case
from unspin.decode import select_edits
from unspin.reranker import Reranker
from unspin.resources.lexicon import bigram_log_count, bigram_table, glove, zipf
from unspin.resources.thesaurus import (
    MOBY_BACKWARD, MOBY_FORWARD, WORDNET_SIMILAR, WORDNET_SYNSET,
)
from unspin.scorer import Scorer, SentenceAnalysis, context_after
from unspin.shortlist import FEATURES as SHORTLIST_FEATURES
from unspin.shortlist import Shortlist
from unspin.tokenise import sentence_spans, tokenise
from unspin.types import Cancelled, Edit, Restoration, Token, apply_edits

MAX_SENTENCE_CHARS = 1200  # longer "sentences" (lists, tables) are scored in pieces
# Sentences whose language-model work is batched together: enough for a few full
# model calls, few enough that their first passes (about 5 MB each) stay small.
CHUNK_CHARS = 4000

T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    """Knobs of the search; the defaults are what the benchmark reports."""

    per_span: int = 3  # candidates per span given the LM's full score (packed scoring makes a third cheap)
    min_shortlist: float = 0.005  # shortlist probability below which a candidate is not scored
    lm_proposals: int = 6  # LM's own guesses per content word
    min_proposal_cosine: float = 0.5  # GloVe similarity an LM guess needs to the spun word
    min_proposal_surprisal: float = 3.0  # only words the LM finds this surprising (nats) get its guesses
    # One refining pass per entry: the neighbours of the edits at least this probable are judged again.
    refine_floors: tuple[float, ...] = (0.5,)
    # How much of the paragraph before a sentence the LM reads first, at least (where there is as
    # much; at most about three times as much: ``sentence_contexts``). 0: none, as the bundled
    # shortlist and reranker were trained; another value needs them trained with it (README,
    # session 13: 400 brought back a little more on SpinBot fold 0, and cost about a fifth of the speed).
    context_chars: int = 0


@dataclass
class ScoredSentence:
    """A sentence with every scored candidate (for decoding or for training)."""

    start: int
    text: str
    tokens: list[Token]
    candidates: list[Candidate]
    focus: list[tuple[int, int]] | None = None  # if set, only spans inside these are scored
    context: str = ""  # the paragraph's text before the sentence that the LM reads first


class Restorer:
    """Restores spun text with a candidate generator, an LM scorer and a reranker."""

    def __init__(self, generator: CandidateGenerator, scorer: Scorer, reranker: Reranker | None,
                 settings: Settings = Settings(), shortlist: Shortlist | None = None,
                 spin_prior: Callable[[str], float] | None = None) -> None:
        self.generator = generator
        self.scorer = scorer
        # P(the text was spun) by independent evidence (the fast spun-text check, ``load_restorer``):
        # in a text that looks spun, a word the LM would rather see replaced more likely was.
        self.spin_prior = spin_prior
        self.reranker = reranker
        self.settings = settings
        self.shortlist = shortlist

    # -- public -------------------------------------------------------------
    def restore(self, text: str, min_confidence: float = 0.5,
                should_stop: Callable[[], bool] | None = None, spun: bool | None = None) -> Restoration:
        """Restore ``text``; ``should_stop`` is asked between sentences and raises ``Cancelled`` when
        true; ``spun`` is what the caller knows of the text (``text_spin_prior``)."""
        if self.reranker is None or self.shortlist is None:
            raise RuntimeError("no reranker or shortlist loaded: run `unspin resources build`")
        sentences = self.score_sentences(text, should_stop, spun)
        self._rerank(sentences)
        for floor in self.settings.refine_floors:
            if should_stop is not None and should_stop():
                raise Cancelled
            self._refine(sentences, floor)
        edits: list[Edit] = []
        for sentence in sentences:
            for edit in select_edits(sentence.text, sentence.tokens, sentence.candidates, min_confidence):
                edits.append(Edit(edit.start + sentence.start, edit.end + sentence.start, edit.spun,
                                  edit.original, edit.confidence, edit.alternatives, edit.reason))
        return Restoration(apply_edits(text, edits), edits, source=text)

    def _rerank(self, sentences: list[ScoredSentence]) -> None:
        """Each candidate's probability of being the original."""
        candidates = [c for sentence in sentences for c in sentence.candidates]
        # One reranker call for the whole text: its cost is per call (tree by tree), not per row.
        for candidate, p in zip(candidates, self.reranker.probabilities([c.features for c in candidates])):
            candidate.probability = float(p)
        for sentence in sentences:
            _score_residue(sentence.candidates)

    def _refine(self, sentences: list[ScoredSentence], floor: float) -> None:
        """Judge the words next to each likely edit again, in the sentence with those edits made.

        Spinners often change neighbouring words ("counterfeit consciousness" ←
        "artificial intelligence"), and each was first judged beside the other's
        spun form; with one restored, the LM can judge the other. The edits
        assumed are those the decoder makes at ``floor`` (0.5, its default),
        whatever floor the caller asks for, so a higher floor still gives a
        subset of the edits.
        Words within ``NEIGHBOURHOOD`` words of an assumed edit get new candidates
        and probabilities, which replace their first ones; the context features
        (how spun the text looks) stay those of the first pass. The LM reads the
        sentences after an edit in their window with the edits made, but the
        window's start as it was.
        """
        revised: list[tuple[ScoredSentence, ScoredSentence, list[tuple[int, int, int]]]] = []
        for number, sentence in enumerate(sentences):
            assumed = select_edits(sentence.text, sentence.tokens, sentence.candidates, floor)
            # After an edited sentence, the rest of its window is read again too (unscored unless
            # edited), so that the LM reads what follows the edits with them made, in one sequence.
            continuing = bool(revised) and revised[-1][0] is sentences[number - 1] and _continues(
                sentences[number - 1], sentence)
            if not assumed and not continuing:
                continue
            context = context_after(revised[-1][1].context, revised[-1][1].text) if continuing else sentence.context
            text = apply_edits(sentence.text, assumed)
            moved = _revised_ranges(assumed)
            tokens = tokenise(text)
            focus = _neighbourhood(tokens, [(start, end) for start, end, _ in moved])
            # Candidates are local to their words, so only the focused runs need generating.
            generated = [c for run in focus
                         for c in self.generator.generate(text, [t for t in tokens if _within(t.start, t.end, [run])])]
            # A sentence with nothing to score is read again only as the context of the next one.
            if generated or (number + 1 < len(sentences) and _continues(sentence, sentences[number + 1])):
                revised.append((sentence, ScoredSentence(sentence.start, text, tokens, generated, focus, context),
                                moved))
        if not revised:
            return
        for chunk in chunks([again for _, again, _ in revised], lambda again: len(again.text)):
            self._score(chunk)
        for sentence, again, _ in revised:
            for group in by_span(again.candidates).values():
                _set_gain_margins(group)
                for candidate in group:
                    candidate.features.update((name, sentence.candidates[0].features[name]) for name in CONTEXT_FEATURES)
        self._rerank([again for _, again, _ in revised])
        for sentence, again, moved in revised:
            focus = [_to_source(a, b, moved) for a, b in again.focus or ()]
            for candidate in again.candidates:
                candidate.start, candidate.end = _to_source(candidate.start, candidate.end, moved)
            sentence.candidates = [c for c in sentence.candidates
                                   if not _within(c.start, c.end, focus)] + again.candidates

    def score_sentences(self, text: str, should_stop: Callable[[], bool] | None = None,
                        spun: bool | None = None) -> list[ScoredSentence]:
        """Every sentence of ``text`` with its scored candidates, context features included.

        Sentences are scored a chunk at a time (``CHUNK_CHARS``), the chunk's
        language-model work batched into a few calls; ``should_stop`` is asked
        before each sentence."""
        prior = self.text_spin_prior(text, spun)
        out: list[ScoredSentence] = []
        for chunk in chunks(self.generated_sentences(text, should_stop), lambda sentence: len(sentence.text)):
            self._score(chunk)
            out += chunk
        add_context_features(out, prior)
        return out

    def text_spin_prior(self, text: str, spun: bool | None = None) -> float:
        """P(``text`` was spun) as the reranker reads it: 1 or 0 when the caller knows (``spun``),
        else the fast check's estimate (``spin_prior``). A short text looks nearly clean to that
        check (a tortured phrase in a 7-word sentence: about 0.2), so a caller who knows it was
        spun gets the edits the reranker makes in text it is sure of."""
        if spun is not None:
            return 1.0 if spun else 0.0
        if self.spin_prior is None:
            raise RuntimeError("no spin prior given: load the restorer with `load_restorer`")
        return self.spin_prior(text)

    def generated_sentences(self, text: str, should_stop: Callable[[], bool] | None = None
                            ) -> Iterator[ScoredSentence]:
        """The sentences of ``text`` that have words, each with its generated candidates (unscored)."""
        pieces = sentence_pieces(text)
        for (start, end), context in zip(pieces, sentence_contexts(text, pieces, self.settings.context_chars)):
            if should_stop is not None and should_stop():
                raise Cancelled
            sentence = text[start:end]
            tokens = tokenise(sentence)
            if any(t.is_word for t in tokens):
                yield ScoredSentence(start, sentence, tokens, self.generator.generate(sentence, tokens), context=context)

    def analyses(self, chunk: list[ScoredSentence]) -> list[SentenceAnalysis]:
        """The LM's first pass over each sentence of ``chunk``, read after its context."""
        return self.scorer.analyse_many([sentence.text for sentence in chunk],
                                        [sentence.context for sentence in chunk])

    def span_groups(self, sentence: ScoredSentence, analysis: SentenceAnalysis
                    ) -> Iterator[tuple[list[Candidate], np.ndarray]]:
        """Each span's candidates (the LM's own guesses included) with their shortlist features,
        before the LM's full score: what the shortlist chooses from, and learns from."""
        text, tokens = sentence.text, sentence.tokens
        focus = sentence.focus
        asked = tokens if focus is None else [t for t in tokens if _within(t.start, t.end, focus)]
        candidates = sentence.candidates + self._lm_proposals(
            text, asked, analysis, {c.key for c in sentence.candidates})
        starts = [t.start for t in tokens]
        for (start, end), group in by_span(candidates).items():
            if focus is not None and not _within(start, end, focus):
                continue
            spun_lp = self.scorer.word_logprobs(analysis, start, [text[start:end]])[0]
            left = self.scorer.word_logprobs(analysis, start, [c.original for c in group]) - spun_lp
            for candidate, gain in zip(group, left):
                candidate.features["left_gain"] = float(gain)
            at = bisect.bisect_left(starts, start)
            previous = tokens[at - 1].lower if at > 0 else ""
            following = next((t.lower for t in tokens[at:] if t.start >= end), "")
            yield group, shortlist_features(text[start:end], start > 0, previous, following, group, left)

    # -- internals -----------------------------------------------------------
    def _score(self, chunk: list[ScoredSentence]) -> None:
        """Replace each sentence's generated candidates by the shortlisted few, scored in full."""
        if self.shortlist is None:
            raise RuntimeError("no shortlist loaded: run `unspin resources build`")
        analyses = self.analyses(chunk)
        requests = []
        for sentence, analysis in zip(chunk, analyses):
            kept: list[Candidate] = []
            for group, features in self.span_groups(sentence, analysis):
                kept += self._shortlisted(group, features)
            sentence.candidates = kept
            requests.append((analysis, [(c.start, c.end, c.original) for c in kept]))
        for sentence, analysis, gains in zip(chunk, analyses, self.scorer.replacement_gains_many(requests)):
            for candidate, gain in zip(sentence.candidates, gains):
                self._featurise(candidate, gain, analysis)

    def _shortlisted(self, group: list[Candidate], features: np.ndarray) -> list[Candidate]:
        """The span's most probable candidates by the shortlist, or its likeliest residue repairs:
        those are ranked by left gain and thesaurus link, and kept unless the left context rejects
        them ("Top 100 Games" is no residue of "Top hundred Games")."""
        per_span = self.settings.per_span
        probabilities = self.shortlist.probabilities(features)
        residue = [i for i, c in enumerate(group) if c.rule in RESIDUE_RULES]
        if residue:
            gains = {i: group[i].features["left_gain"] + RESIDUE_LINK_BONUS * bool(group[i].flags) for i in residue}
            ranked = sorted(residue, key=gains.__getitem__, reverse=True)[:per_span]
            chosen = [i for i in ranked if gains[i] >= MIN_RESIDUE_GAIN]
        else:
            order = np.argsort(-probabilities, kind="stable")[:per_span]
            chosen = [i for i in order if probabilities[i] >= self.settings.min_shortlist]
        for i in chosen:  # the evidence the reranker shares with the shortlist
            group[i].features.update(zip(SHORTLIST_FEATURES, features[i].tolist()))
            group[i].features["shortlist_probability"] = float(probabilities[i])
        return [group[i] for i in chosen]

    def _lm_proposals(self, sentence: str, tokens: list[Token], analysis: SentenceAnalysis,
                      known: set[tuple[int, int, str]]) -> list[Candidate]:
        """The LM's own guesses at content words, kept when close in meaning (GloVe)."""
        vectors = glove()
        out = []
        for token in tokens:
            if not token.is_word or token.lower in FUNCTION_WORDS or "'" in token.text:
                continue
            first = analysis.token_at(token.start)
            if first >= len(analysis.token_ids) or -analysis.token_logprobs[first] < self.settings.min_proposal_surprisal:
                continue
            for word, _ in self.scorer.proposals(analysis, token.start, self.settings.lm_proposals):
                word = word.lower()
                if word == token.lower or word in FUNCTION_WORDS:
                    continue
                candidate = Candidate(token.start, token.end, token.text,
                                      transfer_case(token.text, word), "lm")
                if candidate.key in known:
                    continue
                cosine = vectors.cosine(word, token.lower)
                if cosine >= self.settings.min_proposal_cosine:
                    candidate.features["glove_cosine"] = cosine
                    out.append(candidate)
        return out

    def _featurise(self, candidate: Candidate, gain: float, analysis: SentenceAnalysis) -> None:
        """The reranker's features: the shortlist's evidence plus the LM's full score."""
        first = analysis.token_at(candidate.start)
        last = max(first + 1, analysis.token_at(candidate.end - 1) + 1)
        f = candidate.features
        f["lm_gain"] = gain
        f["spun_surprisal"] = -float(analysis.token_logprobs[first:last].mean()) if last > first else 0.0
        f["rule"] = float(candidate.rule in RESIDUE_RULES)


STRONG_GAIN = 2.0  # nats: a candidate this much likelier than the spun word is a strong preference


def add_context_features(sentences: list[ScoredSentence], spin_prior: float) -> None:
    """How spun the surroundings look, so one candidate is judged in context.

    In spun text many words have a synonym the LM strongly prefers; in clean
    text few do. The share of such words in the sentence and in the whole text
    tells the reranker which kind of text a candidate sits in, and the margin
    over the span's next-best candidate tells it how clear the choice is.
    ``spin_prior``, the probability that the text was spun by other evidence
    (spinner wording, collocation breaks, rare synonyms: ``Restorer.spin_prior``),
    tells it the same from outside the LM.
    """
    strong_words = total_words = 0
    sentence_shares = []
    for sentence in sentences:
        strong = 0
        for group in by_span(sentence.candidates).values():
            strong += _set_gain_margins(group) >= STRONG_GAIN
        words = sum(t.is_word for t in sentence.tokens)
        sentence_shares.append(strong / max(words, 1))
        strong_words += strong
        total_words += words
    text_share = strong_words / max(total_words, 1)
    for sentence, share in zip(sentences, sentence_shares):
        for candidate in sentence.candidates:
            candidate.features["sentence_strong_share"] = share
            candidate.features["text_strong_share"] = text_share
            candidate.features["text_words"] = math.log1p(total_words)
            candidate.features["text_spin_prior"] = spin_prior


CONTEXT_FEATURES = ("sentence_strong_share", "text_strong_share", "text_words", "text_spin_prior")


def _set_gain_margins(group: list[Candidate]) -> float:
    """Set each candidate's margin over the span's best other choice; return the best gain."""
    gains = sorted((c.features["lm_gain"] for c in group), reverse=True)
    for candidate in group:
        gain = candidate.features["lm_gain"]
        # The best other choice; alone, the candidate competes with the spun word (gain 0).
        others = gains[1:] if gain == gains[0] else gains
        candidate.features["gain_margin"] = gain - (others[0] if others else 0.0)
    return gains[0]


NEIGHBOURHOOD = 2  # words either side of an edit that the refining pass scores again


def _continues(previous: ScoredSentence, sentence: ScoredSentence) -> bool:
    """Whether ``sentence`` is read in the same window as ``previous`` (its context extends theirs)."""
    return bool(sentence.context) and sentence.context == context_after(previous.context, previous.text)


def _revised_ranges(edits: list[Edit]) -> list[tuple[int, int, int]]:
    """(start, end, shift) of each edit's new text in the edited sentence; ``shift`` is how far
    text after it has moved (new length less old, summed over it and the edits before)."""
    out, shift = [], 0
    for edit in sorted(edits, key=lambda e: e.start):
        start = edit.start + shift
        shift += len(edit.original) - len(edit.spun)
        out.append((start, start + len(edit.original), shift))
    return out


def _neighbourhood(tokens: list[Token], ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Character spans of the words within ``NEIGHBOURHOOD`` words of each range, outside every range."""
    words = [t for t in tokens if t.is_word]
    near: set[int] = set()
    for start, end in ranges:
        inside = [k for k, t in enumerate(words) if t.start < end and start < t.end]
        if inside:
            near.update(range(max(inside[0] - NEIGHBOURHOOD, 0), min(inside[-1] + NEIGHBOURHOOD + 1, len(words))))
    kept = [k for k in sorted(near)
            if not any(words[k].start < end and start < words[k].end for start, end in ranges)]
    spans: list[tuple[int, int]] = []
    for position, k in enumerate(kept):  # consecutive words make one span, so phrases fit inside
        if position and kept[position - 1] == k - 1:
            spans[-1] = (spans[-1][0], words[k].end)
        else:
            spans.append((words[k].start, words[k].end))
    return spans


def _within(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """Whether ``start:end`` lies inside one of ``spans``."""
    return any(a <= start and end <= b for a, b in spans)


def _to_source(start: int, end: int, moved: list[tuple[int, int, int]]) -> tuple[int, int]:
    """A span of the edited sentence (outside every edit) placed in the sentence as it was."""
    shift = 0
    for _, edit_end, after in moved:  # in order: the last edit before the span holds the total
        if edit_end <= start:
            shift = after
    return start - shift, end - shift


RESIDUE_RULES = ("contraction", "number", "spintax")
RESIDUE_LINK_BONUS = 3.0  # nats: a thesaurus link outweighs a small LM preference
MIN_RESIDUE_GAIN = -4.0  # nats (link bonus included): a repair the left context rejects more is not scored


def _score_residue(candidates: list[Candidate]) -> None:
    """Spinner residue ("received't", "1000's", "{a|b}") is malformed for certain,
    so the only question is which repair: the LM's posterior among the repairs
    (softmax of their gains) is the confidence. A repair whose word the
    thesaurus links to the residue ("received" ← "won") gets a prior bonus,
    since the spinner reached the residue through that link. The reranker
    never saw such tokens in training, so its opinion is not used for them.

    A plain number ("100") is residue only sometimes ("a 100" ← "a hundred",
    but "Top 100 Games" is genuine), so there the words as written compete
    too, with gain 0."""
    for group in by_span([c for c in candidates if c.rule in RESIDUE_RULES]).values():
        gains = [c.features["lm_gain"] + RESIDUE_LINK_BONUS * bool(c.flags) for c in group]
        top = max(gains)
        weights = [math.exp(g - top) for g in gains]
        unchanged = math.exp(-top) if _plain_number(group[0].spun) else 0.0
        for candidate, weight in zip(group, weights):
            candidate.probability = 0.99 * weight / (sum(weights) + unchanged)


def _plain_number(spun: str) -> bool:
    """A number written as digits alone ("100"), which writers use as often as spinners do."""
    return spun.replace(",", "").isdigit()


def shortlist_features(spun: str, inside: bool, previous: str, following: str,
                       group: list[Candidate], left_gains: np.ndarray) -> np.ndarray:
    """The shortlist's ``FEATURES`` for a span's candidates (one row each), from cheap evidence:
    left-context gain, how each is linked to the spun form, frequencies, GloVe, bigrams.
    Built column by column: a span can have hundreds of candidates, and an article thousands of spans."""
    n = len(group)
    spun_lower = spun.lower()
    spun_words = spun_lower.split()
    originals = [c.original.lower() for c in group]
    words = [original.split() for original in originals]
    cosines = glove().cosines(originals, spun_lower)
    ranks = np.empty(n)
    ranks[np.argsort(-left_gains, kind="stable")] = np.arange(n)
    flags = np.fromiter((c.flags for c in group), dtype=np.int64, count=n)
    counts, log1p = bigram_table(), math.log1p  # (previous, following and the originals are lower case)
    left_spun = bigram_log_count(previous, spun_words[0]) if previous else 0.0
    right_spun = bigram_log_count(spun_words[-1], following) if following else 0.0
    # math.log1p rather than numpy's, which can differ in the last bit from the values the models learnt.
    columns = (
        np.clip(left_gains, -15.0, 15.0),
        np.maximum(left_gains - left_gains.max(), -20.0),
        [math.log1p(rank) for rank in ranks.tolist()],
        [c.features.get("glove_cosine", cosine) for c, cosine in zip(group, cosines)],
        [math.log1p(c.mined_count) for c in group],
        flags & WORDNET_SYNSET != 0,
        flags & WORDNET_SIMILAR != 0,
        flags & MOBY_FORWARD != 0,
        flags & MOBY_BACKWARD != 0,
        [c.rule == "lm" for c in group],
        [zipf(original) for original in originals],
        np.full(n, zipf(spun_lower)),
        [math.log1p(c.fanout) for c in group],
        np.full(n, len(spun_words)),
        [len(w) for w in words],
        [log1p(counts.get((previous, w[0]), 0)) - left_spun if previous and w else 0.0 for w in words],
        [log1p(counts.get((w[-1], following), 0)) - right_spun if following and w else 0.0 for w in words],
        np.full(n, float(inside and spun[:1].isupper())),
        np.full(n, float(spun_lower in FUNCTION_WORDS)),
    )
    return np.column_stack([np.asarray(column, dtype=float) for column in columns])


def chunks(items: Iterable[T], size: Callable[[T], int], limit: int = CHUNK_CHARS) -> Iterator[list[T]]:
    """Consecutive items in groups whose total ``size`` just reaches ``limit`` (the last may fall short):
    the units whose language-model work is batched together."""
    chunk: list[T] = []
    total = 0
    for item in items:
        chunk.append(item)
        total += size(item)
        if total >= limit:
            yield chunk
            chunk, total = [], 0
    if chunk:
        yield chunk


PARAGRAPH_BREAK = re.compile(r"\n[ \t\r]*\n")
_WHITESPACE = re.compile(r"\s")


def sentence_contexts(text: str, pieces: list[tuple[int, int]], limit: int) -> list[str]:
    """What the LM reads before each piece of ``text``: the paragraph's text before it, from a
    word's start, without the whitespace before the piece; at least ``limit`` characters of it
    where the paragraph has them, and at most about three times that.

    Pieces are read in windows whose contexts start at one point, so that the scorer reads a
    window once; a new window starts ``limit`` characters back when a context would pass
    ``3 * limit``."""
    if limit <= 0:
        return [""] * len(pieces)
    breaks = [0] + [match.end() for match in PARAGRAPH_BREAK.finditer(text)]
    anchor, out = 0, []
    for start, _ in pieces:
        paragraph = breaks[bisect.bisect_right(breaks, start) - 1]
        if anchor < paragraph:
            anchor = paragraph
        elif start - anchor > 3 * limit:
            anchor = _word_start(text, max(paragraph, start - limit), start)
        out.append(text[anchor:start].rstrip())
    return out


def _word_start(text: str, at: int, limit: int) -> int:
    """``at``, or the start of the next word if ``at`` falls inside one (``limit`` at most)."""
    if at == 0 or text[at - 1].isspace():
        return at
    space = _WHITESPACE.search(text, at, limit)
    return space.end() if space else limit


def sentence_pieces(text: str) -> list[tuple[int, int]]:
    """Sentence spans, with over-long ones cut at spaces so the LM sees bounded input."""
    pieces = []
    for start, end in sentence_spans(text):
        while end - start > MAX_SENTENCE_CHARS:
            cut = text.rfind(" ", start, start + MAX_SENTENCE_CHARS)
            cut = cut if cut > start else start + MAX_SENTENCE_CHARS
            pieces.append((start, cut))
            start = cut + 1 if text[cut : cut + 1] == " " else cut
        if end > start:
            pieces.append((start, end))
    return pieces


_default_lock = threading.Lock()


@functools.cache
def _default_restorer() -> Restorer:
    from unspin.resources.build import load_restorer

    return load_restorer()


def default_restorer() -> Restorer:
    with _default_lock:
        return _default_restorer()


def restore(text: str, *, min_confidence: float = 0.5, should_stop: Callable[[], bool] | None = None,
            spun: bool | None = None) -> Restoration:
    """Restore spun ``text``: the most likely original wording and each edit's confidence.

    ``should_stop`` (asked between sentences) lets a caller cancel a long text: ``Cancelled`` is raised.
    ``spun``: ``None`` lets the fast check judge how spun the text looks; ``True`` says the caller
    knows it was spun (bolder edits), ``False`` that it is believed clean (only the surest).
    """
    if not 0.0 <= min_confidence <= 1.0:
        raise ValueError("min_confidence must be between 0 and 1")
    return default_restorer().restore(text, min_confidence=min_confidence, should_stop=should_stop, spun=spun)


def restore_blocks(blocks: Iterable[str], *, min_confidence: float = 0.5,
                   should_stop: Callable[[], bool] | None = None,
                   spun: bool | None = None) -> Iterator[tuple[int, str, Restoration]]:
    """Restore a long text given as consecutive blocks (``textio.iter_paragraph_blocks``).

    Yields ``(offset, block, restoration)``: the block's place in the whole text,
    the block, and its restoration with edit offsets relative to the block. The
    CLI and the HTTP service both restore through this one loop, with the same
    block size, so they make the same edits (context features are per block).
    """
    offset = 0
    for block in blocks:
        yield offset, block, restore(block, min_confidence=min_confidence, should_stop=should_stop, spun=spun)
        offset += len(block)
