"""``check``: is a text spun, where, and why.

Resources load lazily, once per process: the thesaurus and the tortured-phrase
automaton for both tiers, the fitted detectors from the cache (built by
``unspin resources build``), and, for the full tier only, the language model
of the restore engine. The fast tier never imports torch.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import itertools
import threading
from collections.abc import Iterable

from unspin.detect.features import Evidence, Lexicon, Signal, fast_evidence, lm_evidence, summed
from unspin.detect.model import Detector, ngram_evidence
from unspin.detect.spans import choose_spans
from unspin.detect.types import Report, SentenceReport, Span, TorturedHit
from unspin.tokenise import tokenise
from unspin.types import Token

DETECTOR_VERSION = 8
# A text or sentence of fewer words gets the fast tier's answer in a full check: each sentence is
# read alone, so the LM would judge its first word by nothing and its second by one word. On held-out
# texts of one and two words (README, session 14) the full tier's answers were confident a fifth
# of the time and then right 56-67 %, the fast tier's seldom confident; both did alike on three.
MIN_FULL_WORDS = 3
# ``check(spun=True)``: the text's probability the span model is given at least, for a text the user
# knows was spun. At 0.9 the fast check's spans on lightly spun held-out paragraphs (rate 0.25) are
# right about as often as their floor says (precision 0.50, recall 0.51; at 0.99: 0.40 and 0.80;
# docs/journal.md, session 26).
KNOWN_SPUN_PROBABILITY = 0.9
# A longer text is checked section by section (``check_sections``): about 35,000 words, so a
# paper or a report is one text, while a book or a crawl dump is read in bounded memory.
SECTION_CHARS = 200_000
DETECTOR_FILES = {"fast": "detector-fast.json", "full": "detector-full.json"}
_lock = threading.Lock()


@functools.cache
def lexicon() -> Lexicon:
    from unspin.resources.build import THESAURUS_FILE
    from unspin.resources.paths import home
    from unspin.resources.thesaurus import load_shared

    path = home() / THESAURUS_FILE
    if not path.exists():
        raise FileNotFoundError(f"resources missing in {home()}: {THESAURUS_FILE}; run `unspin resources build`")
    return Lexicon(load_shared(path))


@functools.cache
def detector(tier: str) -> Detector:
    from unspin.resources.paths import home

    path = home() / DETECTOR_FILES[tier]
    if not path.exists():
        raise FileNotFoundError(f"resources missing in {home()}: {path.name}; run `unspin resources build`")
    loaded = Detector.load(path)
    if loaded.version != DETECTOR_VERSION:
        raise FileNotFoundError(f"{path} is out of date; run `unspin resources build`")
    return loaded


def _scorer():
    from unspin.engine import default_restorer

    return default_restorer().scorer


@functools.cache
def word_probe():
    """The full tier's word probe (``detect.probe``), from the cache."""
    from unspin.detect.probe import PROBE_FILE, WordProbe
    from unspin.resources.paths import home

    path = home() / PROBE_FILE
    if not WordProbe.is_current(path):
        raise FileNotFoundError(f"resources missing or out of date in {home()}: {PROBE_FILE}; run `unspin resources build`")
    return WordProbe.load(path)


@functools.cache
def span_model(tier: str):
    """The tier's span model (``detect.spans``), from the cache."""
    from unspin.detect.spans import SPAN_FILE, SpanModel
    from unspin.resources.paths import home

    path = home() / SPAN_FILE.format(tier=tier)
    if not SpanModel.is_current(path, tier):
        raise FileNotFoundError(f"resources missing or out of date in {home()}: {path.name}; run `unspin resources build`")
    return SpanModel.load(path, tier)


def units(text: str) -> list[tuple[int, int]]:
    """The sentences (long ones cut) that are scored one by one."""
    from unspin.engine import sentence_pieces

    return sentence_pieces(text)


def evidence_by_sentence(text: str, full: bool, found: list[Signal], tortured: list[TorturedHit],
                         scorer=None, probe=None) -> list[tuple[int, int, list[Token], Evidence]]:
    """Each sentence of ``text`` with its tokens and its evidence (no n-grams: those need a
    detector's table); the full tier reads ``scorer`` and ``probe`` (default: the cached ones)."""
    pieces = units(text)
    tokens = [tokenise(text[start:end], start) for start, end in pieces]
    evidences = fast_evidence(text, pieces, lexicon(), tortured, found, tokens)
    if full and pieces:
        lm_evidence(text, pieces, lexicon(), scorer if scorer is not None else _scorer(), evidences, found,
                    probe if probe is not None else word_probe())
    return [(start, end, words, evidence) for (start, end), words, evidence in zip(pieces, tokens, evidences)]


def check(text: str, *, fast: bool = False, spun: bool = False) -> Report:
    """``unspin.check``: the report on ``text``; ``spun``: the text is known to be spun, so its
    spans are chosen as if its probability were at least ``KNOWN_SPUN_PROBABILITY``. A text
    longer than ``SECTION_CHARS`` is read in sections (``check_sections``)."""
    from unspin.textio import iter_paragraph_blocks

    return check_sections(iter_paragraph_blocks(io.StringIO(text), SECTION_CHARS), fast=fast, spun=spun)


def check_sections(sections: Iterable[str], *, fast: bool = False, spun: bool = False) -> Report:
    """The report on the text that ``sections`` make when joined (each of whole paragraphs, as
    ``textio.iter_paragraph_blocks`` cuts them), read one section at a time so that memory does
    not grow with the text: the probability and features come from the evidence of all of it,
    as for one text (evidence adds up sentence by sentence); each section is a text of its own
    for the screener's AND/NOT conditions and for its spans, which are chosen by its own
    probability (that of the whole text when there is one section)."""
    from unspin.detect.tortured import default_matcher

    sections = iter(sections)
    first = next(sections, "")
    second = next(sections, None)
    if second is None:  # one section: a one- or two-word text is the fast tier's (``MIN_FULL_WORDS``)
        fast = fast or sum(token.is_word for token in tokenise(first)) < MIN_FULL_WORDS
    else:
        sections = itertools.chain([second], sections)
    tier = "fast" if fast else "full"
    with _lock:  # loading is once per process; the LM itself serialises its passes
        model, matcher, spanner = detector(tier), default_matcher(), span_model(tier)
        lexicon()
        screen = None if fast else detector("fast")
        if not fast:
            _scorer()
            word_probe()
    total: Evidence | None = None
    prediction = (0.0, (0.0, 1.0))  # the last section's probability and interval
    sentences: list[SentenceReport] = []
    spans: list[Span] = []
    tortured: list[TorturedHit] = []
    offset = 0
    for text in itertools.chain([first], sections):
        hits = matcher.find(text)
        found: list[Signal] = []
        per_sentence = evidence_by_sentence(text, not fast, found, hits)
        for start, end, tokens, evidence in per_sentence:
            ngram_evidence(text, start, end, model.ngrams, evidence, found, tokens)
            probability = _sentence_probability(text, start, end, tokens, evidence, model, screen)
            sentences.append(SentenceReport(offset + start, offset + end, probability))
        evidence = summed(evidence for _, _, _, evidence in per_sentence)
        if evidence.words:
            words = [token for _, _, tokens, _ in per_sentence for token in tokens if token.is_word]
            prediction = model.predict(evidence)
            believed = max(prediction[0], KNOWN_SPUN_PROBABILITY) if spun else prediction[0]
            chosen = choose_spans(text, words, found, spanner.word_probabilities(text, words, found, believed))
            spans += _shifted(chosen, offset)
        tortured += _shifted(hits, offset)
        # A second section on: the lists of values kept as sums, so memory stays that of one section.
        total = evidence if total is None else total.condensed() + evidence.condensed()
        offset += len(text)
    if total is None or total.words == 0:
        return Report(0.0, (0.0, 1.0), 0, tier, sentences, [], tortured, {}, model.threshold)
    probability, interval = prediction if second is None else model.predict(total)  # (one section: its own)
    return Report(probability, interval, total.words, tier, sentences, spans, tortured, total.features(not fast),
                  model.threshold)


def _shifted(items: list, offset: int) -> list:
    """Spans or tortured hits of a section, with offsets into the whole text."""
    if not offset:
        return items
    return [dataclasses.replace(item, start=item.start + offset, end=item.end + offset) for item in items]


def spin_probability(text: str, model: Detector | None = None, known_tortured: bool = True) -> float:
    """P(``text`` was spun) by the fast tier (or ``model``, another fast-tier detector): what
    ``check(text, fast=True).probability`` says, without the report around it. The restore engine
    takes it as evidence (``Restorer.spin_prior``). Without ``known_tortured``, the screener's
    tortured phrases are not looked for (a benchmark's held-out phrases must not be known)."""
    from unspin.detect.model import Example, predict_examples
    from unspin.detect.tortured import default_matcher
    from unspin.detect.train import text_evidence

    with _lock:  # loading is once per process
        model = model or detector("fast")
        lexicon()
        default_matcher()
    return predict_examples(model, [Example(text, 0, "", text_evidence(text, full=False, known_tortured=known_tortured))])[0]


def _sentence_probability(text: str, start: int, end: int, tokens: list[Token], evidence: Evidence,
                          model: Detector, screen: Detector | None) -> float:
    """A sentence's probability: ``model``'s, or in a full check (``screen``: the fast tier's
    detector) the fast tier's for a sentence of fewer than ``MIN_FULL_WORDS`` words."""
    if screen is None or evidence.words >= MIN_FULL_WORDS:
        return model.predict(evidence)[0]
    alone = evidence + Evidence()
    alone.ngram_values = []  # the fast tier's own table scores them
    ngram_evidence(text, start, end, screen.ngrams, alone, tokens=tokens)
    return screen.predict(alone)[0]
