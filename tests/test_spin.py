"""The spinner simulator: seeded, rate-respecting, reversible, and careful about what it touches."""

from __future__ import annotations

import lemminflect
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unspin.evaluation.datasets import sotu_paragraphs
from unspin.spin import PHRASES, STOPWORDS, spin
from unspin.tokenise import tokenise
from unspin.types import apply_edits


@pytest.fixture(scope="module")
def speech() -> str:
    """About 2,000 words of State of the Union prose."""
    text, words = [], 0
    for paragraph in sotu_paragraphs(80, seed=1):
        text.append(paragraph)
        words += sum(t.is_word for t in tokenise(paragraph))
        if words >= 2000:
            break
    assert words >= 2000
    return "\n\n".join(text)


def test_same_seed_gives_same_spin(speech: str) -> None:
    assert spin(speech, seed=3) == spin(speech, seed=3)


def test_different_seeds_give_different_spins(speech: str) -> None:
    assert spin(speech, seed=3).text != spin(speech, seed=4).text


def test_rate_is_the_share_of_eligible_words_replaced(speech: str) -> None:
    # At rate 1 every eligible word is replaced: that count is the denominator.
    eligible = len(spin(speech, rate=1.0, phrase_rate=0.0).edits)
    words = sum(t.is_word for t in tokenise(speech))
    assert 0.3 * words < eligible < 0.6 * words
    for rate in (0.1, 0.25, 0.5):
        replaced = len(spin(speech, rate=rate, phrase_rate=0.0, seed=11).edits)
        assert replaced / eligible == pytest.approx(rate, abs=0.04)
    assert spin(speech, rate=0.0).edits == []


def test_edits_undo_the_spin_and_point_into_the_spun_text(speech: str) -> None:
    result = spin(speech, rate=0.5, seed=2)
    assert result.edits and result.text != speech
    for edit in result.edits:
        assert result.text[edit.start : edit.end] == edit.spun
        assert edit.spun != edit.original and edit.confidence == 1.0
    assert apply_edits(result.text, result.edits) == speech


_PIECES = st.one_of(
    st.sampled_from(
        ["The", "possible", "workers", "remembered", "According", "to", "in", "order", "as", "well",
         "Congress", "1990", "run", "quickly", "a", "nation's", "don't", "über", "naïve", "—", "(", "U.S."]
    ),
    st.text(max_size=4),
)
_SEPARATORS = st.sampled_from([" ", "  ", "\n", "\n\n", ", ", ". ", "-", "", "\t"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_PIECES, _SEPARATORS), max_size=30), st.integers(0, 2**32), st.floats(0.0, 1.0))
def test_reversing_the_edits_gives_back_the_input_exactly(parts, seed, rate) -> None:
    text = "".join(piece + separator for piece, separator in parts)
    result = spin(text, rate=rate, seed=seed, phrase_rate=0.5)
    assert apply_edits(result.text, result.edits) == text
    for edit in result.edits:
        assert result.text[edit.start : edit.end] == edit.spun


def test_first_letter_case_is_kept() -> None:
    text = "Remember the workers. Possible answers exist. Quickly, the soldiers marched home. " * 3
    capitalised = 0
    for seed in range(5):
        for edit in spin(text, rate=1.0, seed=seed).edits:
            assert edit.spun[0].isupper() == edit.original[0].isupper(), edit
            capitalised += edit.original[0].isupper()
    assert capitalised > 0


def test_stopwords_numbers_and_names_are_left_alone() -> None:
    text = (
        "In 1990 the government of Washington spent twenty million dollars because they were "
        "worried about the economy, and Smith said that it would not be enough for all of us. "
        "Congress agreed with him on 12 of the 15 points."
    )
    edits = [e for seed in range(5) for e in spin(text, rate=1.0, seed=seed, phrase_rate=0.0).edits]
    assert edits, "the content words should have been spun"
    for edit in edits:
        assert edit.original.lower() not in STOPWORDS
        assert not any(ch.isdigit() for ch in edit.original)
        assert edit.original not in {"Washington", "Smith", "Congress"}


def test_known_expressions_are_rewritten_whole() -> None:
    result = spin("According to the report, we must act in order to help.", rate=1.0, phrase_rate=1.0)
    phrases = {e.original: e.spun for e in result.edits if e.reason == "phrase"}
    assert phrases["According to"] in {r[0].upper() + r[1:] for r in PHRASES["according to"]}
    assert phrases["in order to"] in PHRASES["in order to"]


def test_inflection_follows_the_replaced_word() -> None:
    text = "Yesterday they walked home and the soldiers remembered everything."
    for seed in range(8):
        for edit in spin(text, rate=1.0, seed=seed).edits:
            head = edit.spun.split()[0].lower()
            if edit.original in ("walked", "remembered"):
                forms = {f for lemma in lemminflect.getAllLemmas(head).get("VERB", ())
                         for tag in ("VBD", "VBN")
                         for f in lemminflect.getAllInflections(lemma, "VERB").get(tag, (lemma + "ed",))}
                assert head in forms, edit
            if edit.original == "soldiers":
                last = edit.spun.split()[-1].lower()
                plurals = {f for lemma in lemminflect.getAllLemmas(last).get("NOUN", ())
                           for f in lemminflect.getAllInflections(lemma, "NOUN").get("NNS", ())}
                assert last in plurals, edit


def test_capitalised_common_words_are_spun_only_when_asked() -> None:
    text = "Reporters at the White House said the Grand Canyon and Acme Games would reopen."
    inside = {"White", "House", "Grand", "Canyon", "Acme", "Games"}
    by_default = [e for seed in range(10) for e in spin(text, rate=1.0, seed=seed).edits]
    assert not any(edit.original in inside for edit in by_default)
    asked = [e for seed in range(10) for e in spin(text, rate=0.0, seed=seed, capitalised_rate=1.0).edits]
    swapped = {edit.original for edit in asked}
    assert {"White", "House", "Grand", "Games"} <= swapped
    assert "Acme" not in swapped  # not a common word
    for edit in asked:
        assert edit.original in inside and edit.spun[0].isupper(), edit
    assert "Reporters" not in swapped  # sentence-initial words follow ``rate``, here 0


def test_capitalised_rate_zero_spins_as_before(speech: str) -> None:
    # The benchmark's spins must not move when the option exists but is off.
    assert spin(speech, rate=0.3, seed=4) == spin(speech, rate=0.3, seed=4, capitalised_rate=0.0)
    assert spin(speech, rate=0.3, seed=4) != spin(speech, rate=0.3, seed=4, capitalised_rate=0.5)


def test_residue_is_left_only_when_asked_and_leaves_the_rest_of_the_spin_alone(speech: str) -> None:
    text = "We won't stop. Thousands of people can't wait, and I don't know why hundreds came, but it isn't so."
    assert not any(e.reason == "residue" for seed in range(10) for e in spin(text, rate=1.0, seed=seed).edits)
    residue = [e for seed in range(10) for e in spin(text, rate=0.0, seed=seed, residue_rate=1.0).edits]
    assert {e.original for e in residue} == {"won't", "Thousands", "can't", "don't", "hundreds"}
    for edit in residue:
        assert edit.reason == "residue"
        if edit.original.endswith("n't"):
            word = edit.spun.removesuffix("'t")
            assert word.isalpha() and word.lower() != edit.original[:-2].lower(), edit
        else:
            assert edit.spun == {"Thousands": "1000's", "hundreds": "100's"}[edit.original]
    # Its own random stream: every word swap is the one made without residue.
    both = text + "\n\n" + speech
    for seed in range(5):
        plain = spin(both, rate=0.3, seed=seed)
        with_residue = spin(both, rate=0.3, seed=seed, residue_rate=1.0)
        swaps = [(e.original, e.spun) for e in with_residue.edits if e.reason != "residue"]
        assert swaps == [(e.original, e.spun) for e in plain.edits]
        assert len(swaps) < len(with_residue.edits)
        assert apply_edits(with_residue.text, with_residue.edits) == both
