"""``detect.spans``: which words the check shows as spun, and how sure it is of each.

The unmarked tests build words and signals by hand; the slow ones check real texts with the
bundled span models (`unspin resources build`), on spins no model was trained on.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pytest

import unspin
from unspin.detect.features import Signal
from unspin.detect.spans import FAST_COLUMNS, FULL_COLUMNS, SPAN_FLOOR, choose_spans, word_matrix
from unspin.tokenise import tokenise

from test_detect import _held_out_synthetic

TEXT = "It was a attainable goal of counterfeit consciousness, said the White Home today."


def _words(text: str = TEXT):
    return [t for t in tokenise(text) if t.is_word]


def _signal(phrase: str, kind: str, value: float, suggestion: str = "", reason: str = "") -> Signal:
    start = re.search(rf"\b{phrase}\b", TEXT).start()
    return Signal(start, start + len(phrase), phrase, suggestion, kind, value, reason or kind)


def _index(word: str) -> int:
    return [t.text for t in _words()].index(word)


def test_a_words_signals_become_its_row_and_the_article_counts_for_the_next_word() -> None:
    signals = [_signal("a", "article", 0.7, "an"), _signal("Home", "collocation", 0.3, "House"),
               _signal("Home", "ngram", 1.5), _signal("today", "ngram", -0.4), _signal("said", "lm", -2.0)]
    index, x = word_matrix(TEXT, _words(), signals, 0.9, "fast")
    at = {name: i for i, name in enumerate(FAST_COLUMNS)}
    # "today" (a negative n-gram) and "said" (a synonym the LM likes less) have nothing for them.
    assert [_words()[i].text for i in index] == ["a", "attainable", "Home"]
    rows = dict(zip((_words()[i].text for i in index), x))
    assert rows["attainable"][at["article"]] == 0.7 and rows["a"][at["article"]] == 0.0
    assert (rows["Home"][at["collocation"]], rows["Home"][at["ngram"]], rows["Home"][at["capitalised"]]) == (0.3, 1.5, 1.0)
    assert rows["a"][at["function_word"]] == 1.0
    assert np.allclose(x[:, at["text_logit"]], np.log(0.9 / 0.1))


def test_the_full_tier_adds_the_lm_and_the_probe() -> None:
    signals = [_signal("said", "lm", 4.0, "stated"), _signal("said", "lm", 1.0, "told"), _signal("said", "probe", 2.0),
               _signal("today", "probe", -3.0)]
    index, x = word_matrix(TEXT, _words(), signals, 0.5, "full")
    at = {name: i for i, name in enumerate(FULL_COLUMNS)}
    assert index == [_index("said")]  # a probe's negative log-odds speak for no word
    assert (x[0, at["lm_gain"]], x[0, at["lm_scored"]], x[0, at["probe"]]) == (4.0, 1.0, 2.0)


def test_spans_are_words_phrases_and_articles_above_the_floor() -> None:
    signals = [_signal("a", "article", 0.7, "an", "article does not agree with 'attainable'"),
               _signal("counterfeit consciousness", "tortured", 0.95, "artificial intelligence", "known tortured phrase"),
               _signal("consciousness", "rare", 0.3, "awareness", "a much commoner synonym exists"),
               _signal("Home", "ngram", 1.0, "", "wording typical of spinner output"),
               _signal("Home", "collocation", 0.3, "House", "collocation break"),
               _signal("today", "rare", 0.2, "now", "a much commoner synonym exists")]
    probabilities = np.zeros(len(_words()))
    probabilities[[_index("attainable"), _index("consciousness"), _index("Home"), _index("today")]] = [0.8, 0.9, 0.7, 0.4]
    spans = choose_spans(TEXT, _words(), signals, probabilities)
    assert [(s.text, s.suggestion, s.score) for s in spans] == [
        ("a attainable", "an attainable", 0.8),  # the article and the word it does not agree with
        ("counterfeit consciousness", "artificial intelligence", 0.9),  # the phrase, at its likeliest word
        ("Home", "House", 0.7),  # the suggestion of the most telling kind
    ]  # "today" (0.4) is under the floor
    assert all(TEXT[s.start : s.end] == s.text for s in spans)
    assert spans[2].reason == "collocation break; wording typical of spinner output"
    assert [s.text for s in choose_spans(TEXT, _words(), signals, probabilities, floor=0.3)][-1] == "today"
    # Where the word has a suggestion of its own, the article is made to agree with it.
    for word, expected in (("possible", "a possible"), ("achievable", "an achievable")):
        preferred = _signal("attainable", "lm", 9.0, word, "the language model prefers it")
        assert choose_spans(TEXT, _words(), [*signals, preferred], probabilities)[0].suggestion == expected


def test_a_build_installs_the_bundled_word_probe_and_span_models(tmp_path) -> None:
    from unspin.detect.probe import PROBE_FILE, WordProbe
    from unspin.detect.spans import SPAN_FILE, SpanModel
    from unspin.resources.build import TRAINED_DIR, detection_current, install_detection

    assert detection_current() and not detection_current(tmp_path)
    probe_path, *paths = install_detection(tmp_path)
    assert probe_path == tmp_path / PROBE_FILE
    probe = WordProbe.load(probe_path)
    assert probe.weights.shape == probe.mean.shape == probe.scale.shape == (2 * 576,)
    for tier, path in zip(("fast", "full"), paths):
        assert path == tmp_path / SPAN_FILE.format(tier=tier)
        assert SpanModel.is_current(path, tier) and not SpanModel.is_current(path, "full" if tier == "fast" else "fast")
    for path in (probe_path, *paths):
        assert path.read_bytes() == (TRAINED_DIR / path.name).read_bytes()
    probe_path.write_bytes(b"not a probe")
    paths[0].write_bytes(b"not a model")
    assert not WordProbe.is_current(probe_path) and not SpanModel.is_current(paths[0], "fast")
    assert not detection_current(tmp_path)
    install_detection(tmp_path)  # a broken or stale copy is replaced
    assert WordProbe.is_current(probe_path) and SpanModel.is_current(paths[0], "fast") and detection_current(tmp_path)


@pytest.mark.slow
def test_retraining_reads_each_training_text_once_for_detector_probe_and_spans(tmp_path) -> None:
    """``make retrain``'s detection step on a sample of the training texts (6 SpinBot pairs and 6
    simulated ones, of 20-60 words): the examples it caches hold the evidence ``text_evidence`` gives, and
    what it fits has learnt the sample's labels."""
    from unspin.detect.checker import DETECTOR_FILES, _scorer
    from unspin.detect.model import Detector, predict_examples
    from unspin.detect.probe import PROBE_FILE, WordProbe, word_labels
    from unspin.detect.spans import SPAN_FILE, SpanModel, text_signals
    from unspin.detect.train import EXAMPLES_FILE, labelled_texts, load_examples, retrain_detection, text_evidence

    @functools.cache
    def sample(tier: str) -> list[tuple[str, int, str]]:  # (both tiers: the full tier's texts are fewer)
        items = labelled_texts("full")
        short = sorted({g for t, label, g in items if not label and 20 <= len(t.split()) <= 60})
        chosen = [g for g in short if g.startswith("spinbot:")][:6] + [g for g in short if g.startswith("clean:")][:6]
        return [item for item in items if item[2] in chosen]

    retrain_detection(tmp_path, training=sample)
    for tier in ("fast", "full"):
        examples = load_examples(tmp_path / EXAMPLES_FILE.format(tier=tier))
        assert [(e.text, e.label, e.group) for e in examples] == sample(tier)
        for example in examples[:2]:
            assert example.evidence == text_evidence(example.text, tier == "full", _scorer() if tier == "full" else None)
        detector = Detector.load(tmp_path / DETECTOR_FILES[tier])
        probabilities = np.array(predict_examples(detector, examples))
        labels = np.array([e.label for e in examples])
        assert probabilities[labels == 1].mean() > probabilities[labels == 0].mean() + 0.2
        assert SpanModel.is_current(tmp_path / SPAN_FILE.format(tier=tier), tier)
    # The probe was fitted on the pass's rows: the words the sample's spinners changed read as changed.
    probe = WordProbe.load(tmp_path / PROBE_FILE)
    originals = {g: t for t, label, g in sample("full") if not label}
    text, _, group = next(item for item in sample("full") if item[1] and item[2].startswith("spinbot:"))
    marks = word_labels(text, originals[group])
    logits = probe.logits(text_signals(text, 1, group, True, _scorer()).probe_rows.astype(np.float32))
    assert logits[marks == 1].mean() > logits[marks == 0].mean()


def _localisation(count: int, fast: bool) -> tuple[float, float, float]:
    """Over ``count`` held-out paragraphs spun at rate 0.5 (about a third of the words changed, as
    SpinBot changes): the share of spun words under a span that the simulator changed, the share of
    changed words under one, and the share of the originals' words under one."""
    from unspin.detect.probe import word_labels
    from unspin.evaluation.detection import words_covered
    from unspin.spin import spin

    right = marked = changed = clean_marked = clean_words = 0
    for seed, pair in enumerate(_held_out_synthetic(count)):
        text = spin(pair.original, rate=0.5, seed=seed).text
        spun = unspin.check(text, fast=fast)
        assert all(text[s.start : s.end] == s.text and SPAN_FLOOR <= s.score <= 1 for s in spun.spans)
        truth, marks = word_labels(text, pair.original).astype(bool), words_covered(text, spun.spans)
        right, marked, changed = right + (truth & marks).sum(), marked + marks.sum(), changed + truth.sum()
        clean = words_covered(pair.original, unspin.check(pair.original, fast=fast).spans)
        clean_marked, clean_words = clean_marked + clean.sum(), clean_words + len(clean)
    return right / max(marked, 1), right / changed, clean_marked / clean_words


@pytest.mark.slow
def test_the_fast_checks_spans_point_at_the_changed_words_of_held_out_spins() -> None:
    # Every signal as a span (before session 25) gave precision 0.59 and marked ~19 % of clean words;
    # measured here in session 25: 0.68, recall 0.46, no clean word marked.
    precision, recall, clean = _localisation(40, fast=True)
    assert precision > 0.6 and recall > 0.35 and clean < 0.01, (precision, recall, clean)


@pytest.mark.slow
def test_told_a_light_spin_is_spun_the_check_shows_where() -> None:
    # Held-out paragraphs spun at rate 0.25 (about a tenth of the words changed) read as clean, so
    # the check shows few spans (session 26 on 40: recall 0.09); told they are spun (``spun=True``),
    # it shows about half the changed words, half its spans on them (0.51, 0.50), and the same probability.
    from unspin.detect.probe import word_labels
    from unspin.evaluation.detection import words_covered
    from unspin.spin import spin

    counts = np.zeros((2, 3))  # (judged, told) × (right, marked, changed)
    for seed, pair in enumerate(_held_out_synthetic(20)):
        text = spin(pair.original, rate=0.25, seed=seed).text
        truth = word_labels(text, pair.original).astype(bool)
        judged, told = unspin.check(text, fast=True), unspin.check(text, fast=True, spun=True)
        assert told.probability == judged.probability
        for row, report in enumerate((judged, told)):
            marks = words_covered(text, report.spans)
            counts[row] += [(truth & marks).sum(), marks.sum(), truth.sum()]
    recall, precision = counts[:, 0] / counts[:, 2], counts[:, 0] / np.maximum(counts[:, 1], 1)
    assert recall[1] > max(3 * recall[0], 0.3) and precision[1] > 0.35, (recall, precision)


@pytest.mark.slow
def test_the_full_checks_spans_point_at_the_changed_words_of_held_out_spins() -> None:
    # Measured in session 25: precision 0.73, recall 0.72, no clean word marked.
    precision, recall, clean = _localisation(12, fast=False)
    assert precision > 0.6 and recall > 0.5 and clean < 0.01, (precision, recall, clean)
