"""The pure core: tokeniser offsets, edit application, decoding and article agreement."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unspin.candidates import Candidate, transfer_case
from unspin.decode import select_edits, wants_an
from unspin.tokenise import sentence_spans, tokenise
from unspin.types import Edit, apply_edits

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)


@given(TEXT)
def test_tokens_point_at_their_text(text: str) -> None:
    tokens = tokenise(text)
    assert all(text[t.start : t.end] == t.text for t in tokens)
    assert all(a.end <= b.start for a, b in zip(tokens, tokens[1:]))
    # Nothing but whitespace is left between tokens; only spintax residue ("{that a}") holds any.
    assert all(t.text.startswith("{") for t in tokens if any(c.isspace() for c in t.text))
    covered = "".join(t.text for t in tokens)
    assert "".join(covered.split()) == "".join(text.split())


@given(TEXT)
def test_sentences_are_ordered_slices_without_outer_space(text: str) -> None:
    spans = list(sentence_spans(text))
    assert all(0 <= a < b <= len(text) for a, b in spans)
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:]))
    for a, b in spans:
        assert text[a:b] == text[a:b].strip()
    # Only whitespace lies outside the sentences.
    assert "".join("".join(text[a:b] for a, b in spans).split()) == "".join(text.split())


def test_spinner_residue_stays_whole() -> None:
    words = [t.text for t in tokenise("It received't help 1000's of them {that a} day.")]
    assert "received't" in words and "1000's" in words and "{that a}" in words


def test_sentences_split_at_ends_not_at_abbreviations() -> None:
    text = "Mr. Smith went to Washington. He said no! The U.S. economy grew."
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "Mr. Smith went to Washington.", "He said no!", "The U.S. economy grew."]


@settings(max_examples=200)
@given(st.text(min_size=1, max_size=200), st.data())
def test_apply_edits_changes_only_the_edited_spans(text: str, data) -> None:
    cuts = sorted(data.draw(st.sets(st.integers(0, len(text)), max_size=6)))
    spans = list(zip(cuts[::2], cuts[1::2]))
    edits = [Edit(a, b, text[a:b], f"<{i}>", 0.9) for i, (a, b) in enumerate(spans)]
    restored = apply_edits(text, edits)
    # Undo each edit from the back: the input comes back exactly.
    rebuilt, shift = restored, 0
    for i, (a, b) in enumerate(spans):
        start = a + shift
        assert rebuilt[start : start + len(f"<{i}>")] == f"<{i}>"
        shift += len(f"<{i}>") - (b - a)
    assert apply_edits(restored, []) == restored
    if not edits:
        assert restored == text


def test_apply_edits_rejects_overlap_and_mismatch() -> None:
    with pytest.raises(ValueError):
        apply_edits("abcdef", [Edit(0, 3, "abc", "x", 1.0), Edit(2, 4, "cd", "y", 1.0)])
    with pytest.raises(ValueError):
        apply_edits("abcdef", [Edit(0, 3, "xyz", "x", 1.0)])


@pytest.mark.parametrize("word,expected", [
    ("agreement", True), ("hour", True), ("honest", True), ("possible", False),
    ("university", False), ("one", False), ("umbrella", True), ("European", False), ("user", False),
])
def test_article_choice_follows_sound(word: str, expected: bool) -> None:
    assert wants_an(word) is expected


def test_case_is_carried_over() -> None:
    assert transfer_case("Home", "house") == "House"
    assert transfer_case("HOME", "house") == "HOUSE"
    assert transfer_case("home", "house") == "house"


def _candidate(sentence: str, spun: str, original: str, p: float) -> Candidate:
    start = sentence.index(spun)
    return Candidate(start, start + len(spun), spun, original, "thesaurus", probability=p)


def test_decoder_keeps_best_non_overlapping_edits_above_floor() -> None:
    sentence = "It is a attainable plan based on facts."
    candidates = [
        _candidate(sentence, "attainable", "possible", 0.9),
        _candidate(sentence, "attainable", "viable", 0.6),
        _candidate(sentence, "based on", "according to", 0.8),
        _candidate(sentence, "based", "founded", 0.7),  # overlaps a better edit
        _candidate(sentence, "facts", "data", 0.3),  # below the floor
    ]
    edits = select_edits(sentence, tokenise(sentence), candidates, min_confidence=0.5)
    assert [(e.spun, e.original) for e in edits] == [("attainable", "possible"), ("based on", "according to")]
    assert edits[0].alternatives[0][0] == "viable"
    assert apply_edits(sentence, edits) == "It is a possible plan according to facts."


def test_decoder_fixes_the_article_before_a_restored_word() -> None:
    sentence = "They signed a settlement today."
    edits = select_edits(sentence, tokenise(sentence), [_candidate(sentence, "settlement", "agreement", 0.9)], 0.5)
    assert apply_edits(sentence, edits) == "They signed an agreement today."


def test_a_letter_naming_something_is_no_article() -> None:
    # "Structure 7A", "input A": labels, whatever follows them; "(a" after a bracket is the article.
    sentence = "Structure 7A settlement, input A settlement (a settlement)."
    candidates = [Candidate(m.start(), m.end(), "settlement", "agreement", "thesaurus", probability=0.9)
                  for m in re.finditer("settlement", sentence)]
    edits = select_edits(sentence, tokenise(sentence), candidates, 0.5)
    assert apply_edits(sentence, edits) == "Structure 7A agreement, input A agreement (an agreement)."


def test_fast_inflection_equals_lemminflect() -> None:
    """``inflect_word`` skips lemminflect's copies; it must give what lemminflect gives."""
    from lemminflect import getInflection
    from wordfreq import top_n_list

    from unspin.candidates import inflect_word

    words = top_n_list("en", 3000)[::2] + ["iPhone", "NASA", "Paris", "octopus", "criterion", "quizz", "run-up"]
    tags = ("NN", "NNS", "NNP", "NNPS", "VB", "VBD", "VBG", "VBN", "VBP", "VBZ", "JJ", "JJR", "JJS", "RB", "RBR", "RBS")
    compared = 0
    for word in words:
        for tag in tags:
            expected = getInflection(word, tag=tag)
            assert inflect_word(word, tag) == (expected[0] if expected else None), (word, tag)
            compared += 1
    assert compared == len(words) * len(tags)


def test_fast_word_frequency_equals_wordfreq() -> None:
    """``zipf`` skips wordfreq's tokeniser for plain lower-case words; it must give what wordfreq gives."""
    from wordfreq import top_n_list, zipf_frequency

    from unspin.resources.lexicon import zipf

    words = top_n_list("en", 4000)[::2] + ["qwzx", "unspun", "xylographically", "according to", "Paris", "don't", "1990s"]
    for word in words:
        assert zipf(word) == zipf_frequency(word, "en"), word
    assert zipf("qwzx") == 0.0 and zipf("the") > 7


WORD = st.text(alphabet="abcdefghij", min_size=1, max_size=8)


@given(st.lists(WORD, min_size=2, max_size=12), st.data())
def test_an_edit_of_the_restored_sentence_maps_back_to_the_spun_one(words: list[str], data) -> None:
    """The refining pass edits the restored sentence; its edits must land on the same words of the spun one."""
    from unspin.engine import _neighbourhood, _revised_ranges, _to_source

    source = " ".join(words)
    tokens = tokenise(source)
    first = data.draw(st.sets(st.integers(0, len(tokens) - 1), min_size=1, max_size=len(tokens) - 1))
    news = data.draw(st.lists(WORD, min_size=len(first), max_size=len(first)))
    edits = [Edit(tokens[i].start, tokens[i].end, tokens[i].text, new + "x", 0.9)
             for i, new in zip(sorted(first), news)]
    restored = apply_edits(source, edits)
    moved = _revised_ranges(edits)
    assert [restored[a:b] for a, b, _ in moved] == [e.original for e in edits]
    focus = _neighbourhood(tokenise(restored), [(a, b) for a, b, _ in moved])
    assert focus, "some word lies next to an edit and outside all of them"
    for a, b in focus:
        assert not any(a < end and start < b for start, end, _ in moved)
        start, end = _to_source(a, b, moved)
        assert source[start:end] == restored[a:b]
        second = Edit(start, end, source[start:end], "new", 0.9)
        assert apply_edits(source, edits + [second]) == apply_edits(restored, [Edit(a, b, restored[a:b], "new", 0.9)])
