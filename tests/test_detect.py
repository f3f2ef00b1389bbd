"""``unspin.check``: the report types, the readable features, the two tiers and the CLI.

Tests without the ``slow`` mark use only installed packages and the shared data;
the slow ones need `unspin resources build` (thesaurus, detectors) and, for the
full tier, the language model.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import unspin
from unspin.detect.features import Evidence, Lexicon, fast_evidence
from unspin.detect.model import fit_ngram_table, ngram_evidence
from unspin.detect.types import Report, SentenceReport, Span, TorturedHit
from unspin.evaluation.datasets import fold_of, spinbot_pairs, synthetic_pairs
from unspin.resources.build import SYNTHETIC_POOL, SYNTHETIC_SEED, SYNTHETIC_TRAINING_PARAGRAPHS
from unspin.resources.thesaurus import WORDNET_SYNSET, InverseThesaurus
from unspin.tokenise import tokenise

from test_cli import assert_user_error, run_unspin


def _held_out_synthetic(n: int):
    """Simulated spins that neither the reranker nor the detectors trained on."""
    return synthetic_pairs(SYNTHETIC_POOL, seed=SYNTHETIC_SEED)[SYNTHETIC_TRAINING_PARAGRAPHS:][:n]


# --- fast: types, features on real word statistics, the n-gram table -----------


def test_report_is_json_ready() -> None:
    report = Report(0.8, (0.6, 0.9), 12, "fast", [SentenceReport(0, 10, 0.7)],
                    [Span(0, 5, "White", "x", 0.5, "why")], [TorturedHit(6, 10, "abc", "d", '"abc"')],
                    {"rare_synonym_share": 0.25}, strict_threshold=0.9)
    document = json.loads(json.dumps(report.to_dict()))
    assert document["interval"] == [0.6, 0.9]
    assert report.flagged is False and Report(0.95, (0.9, 1.0), 12, "fast", strict_threshold=0.9).flagged
    assert document["spans"][0]["suggestion"] == "x"
    assert document["tortured"][0]["expected"] == "d"
    assert document["sentences"][0]["probability"] == 0.7


def test_importing_unspin_loads_no_model_code() -> None:
    code = "import sys, unspin; unspin.check; print(sorted(m for m in ('torch', 'transformers', 'sklearn', 'ahocorasick') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def _tiny_lexicon(links: list[tuple[str, str]]) -> Lexicon:
    """A real ``Lexicon`` over a small thesaurus (original → spun links, as WordNet gives them)."""
    return Lexicon(InverseThesaurus.from_links([(o, s, WORDNET_SYNSET) for o, s in links]))


def test_collocation_break_suggests_the_known_bigram() -> None:
    text = "Officials at the White Home said so."
    found = []
    evidence = fast_evidence(text, [(0, len(text))], _tiny_lexicon([("house", "home")]), [], found)[0]
    assert evidence.collocation_break == 1
    signal = next(s for s in found if s.reason.startswith("collocation"))
    assert (text[signal.start : signal.end], signal.suggestion) == ("Home", "House")


def test_collocation_break_blames_the_word_of_the_tighter_collocation() -> None:
    # "good home" is about as frequent a bigram as "white house", only because "good" is common.
    text = "Officials at the White Home said so."
    found = []
    lexicon = _tiny_lexicon([("house", "home"), ("good", "white")])
    assert fast_evidence(text, [(0, len(text))], lexicon, [], found)[0].collocation_break == 1
    signal = next(s for s in found if s.reason.startswith("collocation"))
    assert (text[signal.start : signal.end], signal.suggestion) == ("Home", "House")


def test_article_agreement_errors_are_counted() -> None:
    text = "It was a attainable goal, an useful one, not an honest slip or a unique idea."
    found = []
    evidence = fast_evidence(text, [(0, len(text))], _tiny_lexicon([]), [], found)[0]
    assert evidence.article_error == 2
    fixes = [(text[s.start : s.end], s.suggestion, text[s.end + 1 : s.end + 11])
             for s in found if s.reason.startswith("article")]
    assert fixes == [("a", "an", "attainable"), ("an", "a", "useful one")]


def test_only_what_a_spinner_could_have_written_counts_as_residue() -> None:
    # "received't" ← "won't" (the spinner took "received" for "won"), "1000's" ← "thousands"; a
    # pronunciation (the jargon file's), archaic "is't" and "daresn't", and a decade are English.
    text = ("They received't pay 1000's of pounds. Say /mee't*/, not /bee't*/. Is't so? He daresn't. In the 1990's,"
            " on PDP-10s.")
    found = []
    evidence = fast_evidence(text, [(0, len(text))], _tiny_lexicon([("won", "received")]), [], found)[0]
    flagged = sorted((text[s.start : s.end], s.suggestion) for s in found
                     if s.reason in ("broken contraction", "number residue"))
    assert (evidence.residue, flagged) == (2, [("1000's", "thousands"), ("received't", "won't")])


def test_a_letter_naming_something_is_no_article_error() -> None:
    # "Structure 7A in", "input A and": labels, not articles; after a bracket or a dash, articles.
    text = "It lies in Structure 7A in the east, on input A and B. He was (a honest man)--an repugnant one."
    found = []
    evidence = fast_evidence(text, [(0, len(text))], _tiny_lexicon([]), [], found)[0]
    fixes = [(text[s.start : s.end], s.suggestion) for s in found if s.reason.startswith("article")]
    assert (evidence.article_error, fixes) == (2, [("a", "an"), ("an", "a")])


def test_context_fit_is_judged_within_each_sentence() -> None:
    """The fit of all a text's sentences is computed in one batch; a word's context window must
    still stop at its sentence's ends, so each sentence's gains are those it gets alone."""
    from unspin.detect.checker import lexicon
    from unspin.detect.features import FUNCTION_WORDS, context_fit_gains
    from unspin.tokenise import tokenise

    pair = _held_out_synthetic(3)
    sentences = [[(t, t.lower) for t in tokenise(sentence) if t.is_word and t.lower not in FUNCTION_WORDS]
                 for p in pair for sentence in p.spun.split(". ")]
    together = context_fit_gains(sentences, lexicon())
    alone = [context_fit_gains([sentence], lexicon())[0] for sentence in sentences]
    assert [len(g) for g in together] == [len(g) for g in alone]
    assert all(abs(a - b) < 1e-6 for x, y in zip(together, alone) for a, b in zip(x, y))
    assert sum(g > 0 for gains in together for g in gains) >= 5  # the spins' swapped words fit worse


def test_spinner_wording_learned_on_one_fold_separates_the_other() -> None:
    pairs = spinbot_pairs()
    train = [p for p in pairs if fold_of(p.id) == 1]
    test = [p for p in pairs if fold_of(p.id) == 0]
    table = fit_ngram_table([p.spun for p in train], [p.original for p in train])

    def score(text: str) -> float:
        evidence = Evidence()
        ngram_evidence(text, 0, len(text), table, evidence)
        return evidence.features(False)["spinner_ngram_score"]

    wins = sum(score(p.spun) > score(p.original) for p in test if p.spun != p.original)
    assert wins >= 0.85 * len(test)


def test_a_weighted_text_counts_in_the_ngram_table_as_that_many_copies() -> None:
    pairs = [p for p in spinbot_pairs() if p.spun != p.original][:6]
    spun, original = [p.spun for p in pairs], [p.original for p in pairs]
    weighted = fit_ngram_table(spun, original, weights=([3.0] + [1.0] * 5, [1.0, 2.0] + [1.0] * 4))
    copied = fit_ngram_table([spun[0]] * 3 + spun[1:], original[:1] + [original[1]] * 2 + original[2:])
    assert weighted == copied
    # The real spinner's phrases seen once enter the table only with their weight (a count of 3).
    unweighted = fit_ngram_table(spun, original)
    assert len(weighted) > len(unweighted)
    assert any(gram not in unweighted and value > 0 for gram, value in weighted.items())


def test_real_spins_weigh_in_the_full_detectors_ngram_table() -> None:
    # The regression counts a SpinBot pair REAL_SPIN_WEIGHT times; so does the full tier's table beside it.
    from unspin.detect.model import REAL_SPIN_WEIGHT, Example, _table_for

    pairs = [p for p in spinbot_pairs() if p.spun != p.original][:6]
    examples = [Example(text, label, f"{kind}:{p.id}", Evidence()) for kind in ("spinbot", "sotu") for p in pairs
                for text, label in ((p.spun, 1), (p.original, 0))]
    spun, original = ([e.text for e in examples if e.label == label] for label in (1, 0))
    copies = int(REAL_SPIN_WEIGHT) - 1
    extra_spun, extra_original = ([e.text for e in examples if e.label == label and e.group.startswith("spinbot:")]
                                  for label in (1, 0))
    assert _table_for(examples, "full") == fit_ngram_table(spun + extra_spun * copies, original + extra_original * copies)
    assert _table_for(examples, "fast") == fit_ngram_table(spun, original)
    assert _table_for(examples, "full") != _table_for(examples, "fast")


VALUES = st.lists(st.floats(min_value=-30, max_value=30, allow_nan=False), max_size=40)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), VALUES, VALUES, VALUES), min_size=1, max_size=6))
def test_condensed_evidence_has_the_features_and_spread_of_the_lists(parts) -> None:
    # What a long text keeps of its sections (``Evidence.condensed``) must say what the lists said.
    sections = [Evidence(words=words, content=words, zipf_sum=0.5 * words, zipf_sq=0.3 * words, surprisals=list(a),
                         context_gains=list(b), ngram_values=list(c), fit_gains=list(a + c)) for words, a, b, c in parts]
    listed, condensed = Evidence(), Evidence()
    for section in sections:
        listed = listed + section
        condensed = condensed.condensed() + section.condensed()
    for tier in (False, True):
        assert condensed.features(tier) == pytest.approx(listed.features(tier), rel=1e-9, abs=1e-9)
        typical = {name: 0.1 for name in listed.features(tier)}
        assert condensed.variances(tier, typical, {}) == pytest.approx(listed.variances(tier, typical, {}), rel=1e-6, abs=1e-9)


def test_a_text_checked_in_sections_is_judged_on_all_its_evidence() -> None:
    from unspin.detect.checker import check_sections

    sections = [pair.spun + "\n\n" for pair in _held_out_synthetic(4)] + [_held_out_synthetic(5)[4].original]
    text = "".join(sections)
    whole, parts = check_sections([text], fast=True), check_sections(iter(sections), fast=True)
    assert parts.words == whole.words > 300
    assert parts.probability == pytest.approx(whole.probability, abs=1e-9)
    assert parts.interval == pytest.approx(whole.interval, abs=1e-9)
    assert parts.features == pytest.approx(whole.features, abs=1e-9)
    assert [s.probability for s in parts.sentences] == pytest.approx([s.probability for s in whole.sentences])
    assert [s.start for s in parts.sentences] == [s.start for s in whole.sentences]
    assert all(text[s.start : s.end] == s.text for s in parts.spans + whole.spans)
    # Each section's spans are chosen by its own probability: the clean original's few, if any.
    original = (len(text) - len(sections[-1]), len(text))
    in_original = [s for s in parts.spans if s.start >= original[0]]
    alone = check_sections([sections[-1]], fast=True)
    assert [(s.start - original[0], s.text) for s in in_original] == [(s.start, s.text) for s in alone.spans]
    assert unspin.check(text, fast=True).probability == pytest.approx(whole.probability, abs=1e-12)


@pytest.mark.slow
def test_checking_more_sections_takes_no_more_memory() -> None:
    import tracemalloc

    from unspin.detect.checker import check_sections

    section = "".join(pair.original + "\n\n" for pair in _held_out_synthetic(5))

    def peak(sections: int) -> int:
        tracemalloc.start()
        try:
            report = check_sections((section for _ in range(sections)), fast=True)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            assert report.words > 250 * sections

    check_sections([section], fast=True)  # resources and caches loaded before measuring
    few, many = peak(4), peak(80)
    # Only the report's list of sentences grows (session 27: 1.10 -> 1.32 MB; keeping every
    # section's lists of values instead of their sums: 1.12 -> 2.65 MB).
    assert many < 1.4 * few, (few, many)


GERMAN = ("Der Hund läuft schnell über die Straße, während die Katze auf dem Sofa schläft und die Kinder im "
          "Garten spielen, lachen und singen, bis es dunkel wird und alle schlafen gehen.")


def test_check_goes_on_past_files_it_cannot_read(tmp_path) -> None:
    good, empty, german, binary = (tmp_path / name for name in ("spun.txt", "empty.txt", "german.txt", "binary.dat"))
    good.write_text(_held_out_synthetic(1)[0].spun)
    empty.write_text("")
    german.write_text(GERMAN)
    binary.write_bytes(bytes(range(256)) * 8)
    files = [empty, good, german, binary, tmp_path / "missing.txt"]
    text = run_unspin("check", *files, "--fast")
    assert text.returncode == 2
    errors = text.stderr.decode().splitlines()
    assert len(errors) == 4 and all(line.startswith("unspin: error: ") for line in errors)
    assert [str(f) in line for f, line in zip([empty, german, binary, files[-1]], errors)] == [True] * 4
    assert "unspin checks English only" in errors[1] and "Traceback" not in text.stderr.decode()
    lines = text.stdout.decode().splitlines()
    assert len(lines) == 2 and lines[0].split("\t")[0] == str(good)
    assert lines[1].startswith("unspin: checked 1 file (") and lines[1].endswith("; 4 could not be checked")
    as_json = run_unspin("check", *files, "--fast", "--format", "json")
    assert as_json.returncode == 2
    document = json.loads(as_json.stdout)
    assert [entry["file"] for entry in document["files"]] == [str(f) for f in files]
    assert ["error" in entry for entry in document["files"]] == [True, False, True, True, True]
    assert document["files"][1]["probability"] == pytest.approx(float(lines[0].split("\t")[1].split()[0]), abs=1e-3)
    allowed = run_unspin("check", german, "--fast", "--allow-non-english")
    assert allowed.returncode == 0, allowed.stderr.decode()
    assert allowed.stdout.decode().split("\t")[3] == f"{sum(t.is_word for t in tokenise(GERMAN))} words"


def test_check_shows_progress_on_a_terminal_and_keeps_errors_apart(tmp_path) -> None:
    import os
    import pty
    import re

    good, empty = tmp_path / "spun.txt", tmp_path / "empty.txt"
    good.write_text(_held_out_synthetic(1)[0].spun)
    empty.write_text("")
    plain = run_unspin("check", good, empty, "--fast")
    terminal, stderr = pty.openpty()  # stderr a terminal, stdout redirected: `unspin check ... > out.tsv`
    process = subprocess.Popen([sys.executable, "-m", "unspin", "check", str(good), str(empty), "--fast"],
                               stdout=subprocess.PIPE, stderr=stderr, env={**os.environ, "TERM": "xterm", "COLUMNS": "1000"})
    os.close(stderr)
    stdout = process.stdout.read()
    assert process.wait(timeout=600) == 2
    shown = b""
    while True:
        try:
            chunk = os.read(terminal, 65536)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        shown += chunk
    os.close(terminal)
    assert stdout == plain.stdout  # the results are the same whether or not progress is shown
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown.decode())  # without the terminal's control codes
    assert f"Checking {good} (1 of 2 files)" in screen and f"Checking {empty} (2 of 2 files)" in screen
    # The error has a line of its own, not run into the spinner's.
    assert re.search(rf"(^|[\r\n])unspin: error: {re.escape(str(empty))} is empty\r?\n", screen), screen


def test_check_reports_bad_files_as_user_errors(tmp_path) -> None:
    assert_user_error(run_unspin("check", tmp_path / "missing.txt", "--fast"), "no such file")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert_user_error(run_unspin("check", empty, "--fast"), "is empty")


# --- slow: the built detectors (fast tier without, full tier with the LM) ---------


@pytest.mark.slow
def test_fast_check_ranks_held_out_spins_above_their_originals_without_torch() -> None:
    code = """
import json, sys, unspin
from unspin.evaluation.datasets import synthetic_pairs
pairs = synthetic_pairs(180, seed=7)[120:140]
out = [[unspin.check(p.original, fast=True).to_dict(), unspin.check(p.spun, fast=True).to_dict(), p.spun]
       for p in pairs]
print(json.dumps({"torch": "torch" in sys.modules, "out": out}))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    document = json.loads(result.stdout)
    assert document["torch"] is False
    wins = 0
    for original, spun, text in document["out"]:
        wins += spun["probability"] > original["probability"]
        for report in (original, spun):
            low, high = report["interval"]
            assert 0.0 <= low <= report["probability"] <= high <= 1.0
            assert report["tier"] == "fast"
        for span in spun["spans"]:
            assert text[span["start"] : span["end"]] == span["text"]
    assert wins >= 0.8 * len(document["out"])


@pytest.mark.slow
def test_spin_probability_is_what_the_fast_check_says() -> None:
    from unspin.detect.checker import spin_probability

    for pair in spinbot_pairs()[:3]:
        for text in (pair.spun, pair.original):
            assert spin_probability(text) == pytest.approx(unspin.check(text, fast=True).probability, abs=1e-9)
    # Blind to the screener's list (as the benchmark's held-out phrases need), a known tortured
    # phrase no longer counts; in a text with none, nothing changes.
    tortured = "In this work, the counterfeit consciousness is used."
    assert unspin.check(tortured, fast=True).tortured
    assert spin_probability(tortured, known_tortured=False) < spin_probability(tortured)
    plain = spinbot_pairs()[0].original
    assert spin_probability(plain, known_tortured=False) == pytest.approx(spin_probability(plain), abs=1e-12)


@pytest.mark.slow
def test_spin_priors_come_from_detectors_that_never_saw_the_text() -> None:
    """Each training text's prior is the verdict of a detector fitted without its group's fold,
    and a group the caller rejects (the benchmark's test fold) is learnt from by none of them."""
    from unspin.detect.checker import DETECTOR_VERSION, spin_probability
    from unspin.detect.features import tier_features
    from unspin.detect.model import fit_detector
    from unspin.detect.train import PRIOR_FOLDS, cross_fitted_spin_priors, training_examples
    from unspin.evaluation.datasets import stable_hash
    from unspin.resources.paths import home

    pairs = spinbot_pairs()[:4]
    texts = {text: f"spinbot:{pair.id}" for pair in pairs for text in (pair.spun, pair.original)}
    test_fold = {pair.id for pair in spinbot_pairs() if fold_of(pair.id) == 0}
    learnt_from = lambda group: group.split(":", 1)[1] not in test_fold  # noqa: E731
    priors, detector = cross_fitted_spin_priors(texts, learnt_from)
    pool = [e for e in training_examples(home(), "fast") if learnt_from(e.group)]
    text, group = next(iter(texts.items()))
    fold = stable_hash("prior " + group) % PRIOR_FOLDS
    others = [e for e in pool if stable_hash("prior " + e.group) % PRIOR_FOLDS != fold]
    unseen = fit_detector(others, "fast", DETECTOR_VERSION, tier_features("fast"), max_fpr=None)
    assert all(e.group != group for e in others)
    assert priors[text] == pytest.approx(spin_probability(text, unseen), abs=1e-12)
    whole = fit_detector(pool, "fast", DETECTOR_VERSION, tier_features("fast"), max_fpr=None)
    assert detector.coef == pytest.approx(whole.coef)
    assert all(0.0 < p < 1.0 for p in priors.values())
    # And they still tell the sides apart, on texts none of their detectors saw.
    assert sum(priors[p.spun] > priors[p.original] for p in pairs) >= 3


@pytest.mark.slow
def test_short_texts_get_wider_intervals() -> None:
    pair = _held_out_synthetic(1)[0]
    long_report = unspin.check(pair.spun, fast=True)
    first_sentence = long_report.sentences[0]
    short_report = unspin.check(pair.spun[first_sentence.start : first_sentence.end], fast=True)
    assert short_report.words < long_report.words
    width = lambda r: r.interval[1] - r.interval[0]  # noqa: E731
    assert width(short_report) > width(long_report)


def test_strict_threshold_allows_false_positives_only_within_the_upper_bound() -> None:
    from scipy.stats import beta

    from unspin.detect.model import allowed_false_positives

    for negatives in (50, 299, 300, 614, 1000, 2700):
        allowed = allowed_false_positives(negatives, 0.01)
        assert 0 <= allowed < 0.01 * negatives or allowed == 0
        if negatives >= 300:  # 0 false positives in 299 or fewer cannot bound the rate at 1 %
            assert beta.ppf(0.95, allowed + 1, negatives - allowed) <= 0.01
        assert beta.ppf(0.95, allowed + 2, negatives - allowed - 1) > 0.01  # one more would break it
    assert allowed_false_positives(1000, 0.01) < allowed_false_positives(2700, 0.01)


@pytest.mark.slow
def test_a_heading_of_a_few_words_gets_a_moderated_probability() -> None:
    """A one- to three-word text's features could as well have come out otherwise, so its
    probability is pulled towards 0.5 (a long text's stays what its logit says)."""
    from unspin.detect.checker import detector, evidence_by_sentence
    from unspin.detect.model import _sigmoid, ngram_evidence

    model = detector("fast")
    pair = _held_out_synthetic(1)[0]
    pulled = 0
    for text in ("Footnotes", "Commentaries", "The exchange soft cover books:", "See also", pair.spun):
        total = Evidence()
        for start, end, tokens, evidence in evidence_by_sentence(text, False, [], []):
            ngram_evidence(text, start, end, model.ngrams, evidence, tokens=tokens)
            total = total + evidence
        raw = _sigmoid(model.logit(total.features(False)))
        probability, (low, high) = model.predict(total)
        assert low <= probability <= high
        assert abs(probability - 0.5) <= abs(raw - 0.5) + 1e-9  # never more confident than the regression
        if total.words <= 5:
            pulled += abs(raw - 0.5) - abs(probability - 0.5) > 0.01
        else:
            assert abs(probability - raw) < 0.05
    assert pulled >= 3


@pytest.mark.slow
def test_a_full_check_leaves_one_or_two_words_to_the_fast_tier() -> None:
    """The LM reads each sentence alone, so it has nothing to judge a one-word heading by: the
    full check answers such a text, and such a sentence inside a longer one, as the fast tier does."""
    from unspin.detect.checker import MIN_FULL_WORDS

    pair = _held_out_synthetic(1)[0]
    for heading in ("Commentaries", "See also"):
        assert len(heading.split()) < MIN_FULL_WORDS
        full, fast = unspin.check(heading), unspin.check(heading, fast=True)
        assert full.tier == "fast" and full.probability == fast.probability
        document = f"{heading}\n\n{pair.spun}"
        full, fast = unspin.check(document), unspin.check(document, fast=True)
        assert full.tier == "full"
        assert full.sentences[0].probability == pytest.approx(fast.sentences[0].probability)
        # The paragraph's sentences are the LM's to judge, and it judges them otherwise.
        assert [s.probability for s in full.sentences[1:]] != pytest.approx([s.probability for s in fast.sentences[1:]])
    assert unspin.check("The trade paperbacks:").tier == "full"


@pytest.mark.slow
def test_features_beyond_the_training_range_are_held_at_its_edge() -> None:
    """A one-word text's mean can lie far outside every training paragraph's; the regression's
    straight line is not carried there (a test that the fitted bounds are used and sensible)."""
    from unspin.detect.checker import detector

    for tier in ("fast", "full"):
        model = detector(tier)
        low, high = model.observed_range
        assert len(low) == len(high) == len(model.features)
        assert all(a <= b for a, b in zip(low, high))
        edge = dict(zip(model.features, high))
        for name in model.features:
            beyond = {**edge, name: edge[name] + 1000.0}
            assert model.logit(beyond) == pytest.approx(model.logit(edge))


@pytest.mark.slow
def test_full_check_scores_a_held_out_spin_above_its_original() -> None:
    pair = _held_out_synthetic(3)[2]
    spun, original = unspin.check(pair.spun), unspin.check(pair.original)
    assert spun.tier == original.tier == "full"
    assert spun.probability > original.probability
    assert "mean_surprisal" in spun.features
    assert all(pair.spun[s.start : s.end] == s.text for s in spun.spans)
    assert [(s.start, s.end) for s in spun.sentences] == sorted((s.start, s.end) for s in spun.sentences)


@pytest.mark.slow
def test_check_command_text_and_json(tmp_path) -> None:
    pair = _held_out_synthetic(1)[0]
    files = [tmp_path / "spun.txt", tmp_path / "original.txt"]
    files[0].write_text(pair.spun)
    files[1].write_text(pair.original)
    text = run_unspin("check", *files, "--fast")
    assert text.returncode == 0, text.stderr.decode()
    lines = text.stdout.decode().splitlines()
    assert [line.split("\t")[0] for line in lines[:2]] == [str(f) for f in files]
    assert lines[2].startswith("unspin: checked 2 files")
    as_json = run_unspin("check", *files, "--fast", "--format", "json")
    document = json.loads(as_json.stdout)
    assert [f["file"] for f in document["files"]] == [str(f) for f in files]
    assert document["files"][0]["probability"] == pytest.approx(float(lines[0].split("\t")[1].split()[0]), abs=1e-3)
    for line, report in zip(lines, document["files"]):  # the verdict column says what the JSON says
        assert report["flagged"] == (report["probability"] >= report["strict_threshold"])
        verdict = "flagged" if report["flagged"] else "spun?" if report["probability"] >= 0.5 else "clean"
        assert line.split("\t")[2] == verdict
    flagged = sum(report["flagged"] for report in document["files"])
    assert f"{flagged} above the strict threshold" in document["summary"]
    known = json.loads(run_unspin("check", *files, "--fast", "--format", "json", "--spun").stdout)
    for told, judged in zip(known["files"], document["files"]):  # the same verdict, at least the same spans
        assert told["probability"] == judged["probability"]
        assert {(s["start"], s["end"]) for s in judged["spans"]} <= {(s["start"], s["end"]) for s in told["spans"]}


def test_check_reads_documents_with_the_restore_readers(tmp_path) -> None:
    from test_readers import make_pdf

    # The PDF's core font is Latin-1, so both files get the text as that font can show it.
    text = _held_out_synthetic(1)[0].spun.encode("latin-1", "replace").decode("latin-1")
    plain, pdf = tmp_path / "spun.txt", tmp_path / "spun.pdf"
    plain.write_text(text)
    pdf.write_bytes(make_pdf([text]))
    result = run_unspin("check", plain, pdf, "--fast", "--format", "json")
    assert result.returncode == 0, result.stderr.decode()
    from_text, from_pdf = json.loads(result.stdout)["files"]
    assert from_pdf["words"] == from_text["words"] > 0


# --- the full tier's LM evidence on its training texts, bundled (numbers by text hash) ---


def _bundled_spinbot_text() -> tuple[str, dict]:
    from unspin.detect.train import bundled_lm_evidence, text_key

    bundled = bundled_lm_evidence()
    assert bundled, "the bundled LM evidence is missing or of another EVIDENCE_VERSION: run `make retrain`"
    text = next(p.spun for p in spinbot_pairs() if text_key(p.spun) in bundled)
    return text, bundled[text_key(text)]


def test_build_takes_the_lm_evidence_of_a_training_text_from_the_bundle(tmp_path) -> None:
    from unspin.detect.train import LM_FIELDS, cached_examples, export_lm_evidence, load_examples, text_key, text_evidence

    text, lm_part = _bundled_spinbot_text()
    (row,) = cached_examples(tmp_path / "examples.json", [(text, 1, "spinbot:x")], "full", {text_key(text): lm_part})
    for name in LM_FIELDS:
        assert getattr(row.evidence, name) == lm_part[name]
    fast = text_evidence(text, full=False)  # the rest is computed here
    assert (row.evidence.words, row.evidence.rare_synonym, row.evidence.fit_gains) == (
        fast.words, fast.rare_synonym, fast.fit_gains)
    assert load_examples(tmp_path / "examples.json")[0].evidence == row.evidence  # and cached
    export_lm_evidence([row], tmp_path / "bundle.json")
    exported = json.loads((tmp_path / "bundle.json").read_text())["texts"]
    assert exported == {text_key(text): lm_part}


@pytest.mark.slow
def test_bundled_lm_evidence_is_what_the_language_model_gives() -> None:
    """The bundle was computed on one machine; the LM here (float32 or bfloat16) must agree."""
    from unspin.detect.train import text_evidence

    text, lm_part = _bundled_spinbot_text()
    here = text_evidence(text, full=True)
    assert len(here.surprisals) == len(lm_part["surprisals"]) > 20
    difference = [abs(a - b) for a, b in zip(here.surprisals, lm_part["surprisals"])]
    assert sum(difference) / len(difference) < 0.2
    assert abs(here.preferred - lm_part["preferred"]) <= 1


@pytest.mark.slow
def test_the_simulators_residue_is_flagged_repaired_and_raises_the_probability() -> None:
    # The detectors learn residue from the simulator's spins: what it leaves must be what the check
    # reads as residue, with the original as the repair, and count towards "spun".
    from unspin.spin import spin

    text = ("The company said it won't raise prices this year, although thousands of customers "
            "can't pay their bills and many don't expect the economy to improve before the spring.")
    clean = unspin.check(text, fast=True).probability
    flagged = total = 0
    for seed in range(20):
        result = spin(text, rate=0.0, seed=seed, residue_rate=1.0)
        report = unspin.check(result.text, fast=True)
        suggestions = {(span.start, span.end): span.suggestion.lower() for span in report.spans}
        for edit in result.edits:
            total += 1
            flagged += suggestions.get((edit.start, edit.end)) == edit.original.lower()
        assert report.probability > clean + 0.1, result.text
    assert total >= 60 and flagged >= 0.9 * total


# --- the word probe on the language model's hidden states (``detect.probe``) -----------


@pytest.mark.slow
def test_the_word_probe_marks_the_changed_words_of_held_out_spins() -> None:
    # Spins the probe never saw: the words the simulator changed get higher log-odds than the words
    # it left (the spans it feeds are tested in test_spans).
    from sklearn.metrics import roc_auc_score

    from unspin.detect.checker import word_probe
    from unspin.detect.probe import text_rows, word_labels
    from unspin.engine import default_restorer

    labels, logits = [], []
    for pair in _held_out_synthetic(16):
        labels += word_labels(pair.spun, pair.original).tolist()
        logits += word_probe().logits(text_rows(pair.spun, default_restorer().scorer)).tolist()
    assert 0.1 < sum(labels) / len(labels) < 0.5
    assert roc_auc_score(labels, logits) > 0.75
