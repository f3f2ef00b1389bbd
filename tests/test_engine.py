"""The restoration engine with its real resources and language model (built by `make setup`)."""

from __future__ import annotations

from pathlib import Path

import pytest

import unspin
from unspin.evaluation.metrics import word_error_rate
from unspin.resources.model import ModelUnavailable, verified
from unspin.types import Cancelled, apply_edits

pytestmark = pytest.mark.slow
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def restorer():
    from unspin.engine import default_restorer

    return default_restorer()


def test_restoring_the_example_brings_it_closer_to_the_original(restorer) -> None:
    spun = (EXAMPLES / "spun-news.txt").read_text(encoding="utf-8")
    original = (EXAMPLES / "spun-news.original.txt").read_text(encoding="utf-8")
    result = unspin.restore(spun)
    assert result.edits
    assert word_error_rate(original, result.text) < word_error_rate(original, spun)


def test_only_edited_spans_change(restorer) -> None:
    spun = (EXAMPLES / "spun-news.txt").read_text(encoding="utf-8")
    result = restorer.restore(spun)
    assert apply_edits(spun, result.edits) == result.text
    cursor = 0
    for edit in result.edits:
        assert spun[edit.start : edit.end] == edit.spun
        assert 0.5 <= edit.confidence <= 1.0
        cursor = edit.end
    # Paragraph breaks, quotes and spacing survive exactly.
    assert result.text.count("\n\n") == spun.count("\n\n")
    assert result.text.count('"') == spun.count('"')


def test_a_higher_floor_keeps_a_subset_of_the_edits(restorer) -> None:
    spun = (EXAMPLES / "spun-news.txt").read_text(encoding="utf-8")
    loose = {(e.start, e.original) for e in restorer.restore(spun, min_confidence=0.5).edits}
    strict = {(e.start, e.original) for e in restorer.restore(spun, min_confidence=0.9).edits}
    assert strict <= loose
    assert len(restorer.restore(spun, min_confidence=1.0).edits) <= len(strict)


def test_clean_text_is_left_alone(restorer) -> None:
    original = (EXAMPLES / "spun-news.original.txt").read_text(encoding="utf-8")
    result = restorer.restore(original)
    # Measured, not the target: the benchmark reports the rate per 1,000 words (README).
    assert len(result.edits) <= 0.025 * len(original.split()), result.edits
    assert result.text == original or len(result.edits) > 0


def test_spinner_residue_is_repaired(restorer) -> None:
    text = "The minister said the government received't raise taxes this year."
    result = restorer.restore(text)
    repaired = [e for e in result.edits if e.spun == "received't"]
    assert repaired and repaired[0].original.endswith("n't") and repaired[0].original != "received't"
    # The repair follows the base the spinner came from: a thesaurus link, or failing one (as
    # here) the base nearest in meaning.
    from unspin.tokenise import tokenise

    offered = {c.original: c.flags for c in restorer.generator.generate(text, tokenise(text)) if c.rule == "contraction"}
    assert any(offered.values()), "some contraction base should be linked to 'received'"
    assert offered[repaired[0].original]
    assert "The minister said the government " in result.text


def test_english_that_only_looks_like_residue_is_left_alone(restorer) -> None:
    # No spinner reaches "mee" or "bee" from "won", "can" or "don" (the jargon file's
    # pronunciations), nor "is" ("is't": archaic "is it") or "daresn't" (archaic "dare not").
    from unspin.tokenise import tokenise

    text = "The word is pronounced /mee't*/ or /bee't*/, and he daresn't say it. Is't true?"
    offered = [c.original for c in restorer.generator.generate(text, tokenise(text)) if c.rule == "contraction"]
    assert offered == []
    assert [e.spun for e in restorer.restore(text).edits if "'t" in e.spun] == []


def test_a_plain_number_is_repaired_only_where_the_words_read_better(restorer) -> None:
    # "1000's" is malformed for certain; "100" is residue after "a", genuine in a title.
    assert restorer.restore("There were 1000's of people in the square.").text == (
        "There were thousands of people in the square.")
    assert restorer.restore("It costs about a 1000 dollars.").text == "It costs about a thousand dollars."
    assert restorer.restore("Here are the Top 100 Games of the year.").edits == []


def test_a_neighbour_of_a_restored_word_is_judged_again_beside_it(restorer) -> None:
    # "random noise" spun word by word (not a listed phrase, so not mined whole): beside
    # "clamor", "arbitrary" looks right to the LM; beside the restored "noise" it does not.
    from dataclasses import replace

    from unspin.engine import Restorer

    text = "In this work, the arbitrary clamor is used."
    assert "arbitrary clamor" not in restorer.generator.mined
    # Told the text is spun: alone, a 7-word sentence looks nearly clean to the fast check
    # (the spin prior), and the reranker holds back there (README, session 15).
    single = Restorer(restorer.generator, restorer.scorer, restorer.reranker,
                      replace(restorer.settings, refine_floors=()), restorer.shortlist, restorer.spin_prior)
    assert [e.spun for e in single.restore(text, spun=True).edits] == ["clamor"]
    refined = restorer.restore(text, spun=True)
    assert "the random noise is used" in refined.text
    assert refined.text == apply_edits(text, refined.edits)


def test_a_text_that_looks_spun_gets_more_confident_edits(restorer) -> None:
    """The spin prior (the fast check's verdict on the whole text) is evidence for every edit:
    the same spun text, said to look spun, gets surer edits than said to look clean."""
    from dataclasses import replace as with_fields

    from unspin.detect.checker import spin_probability
    from unspin.engine import Restorer

    spun = (EXAMPLES / "spun-news.txt").read_text(encoding="utf-8")
    assert restorer.spin_prior is spin_probability and spin_probability(spun) > 0.5
    confidence = {}
    for prior in (0.02, 0.98):
        told = Restorer(restorer.generator, restorer.scorer, restorer.reranker,
                        with_fields(restorer.settings, refine_floors=()), restorer.shortlist, lambda text: prior)
        confidence[prior] = sum(edit.confidence for edit in told.restore(spun, min_confidence=0.0).edits)
    assert confidence[0.98] > 1.2 * confidence[0.02]
    with pytest.raises(RuntimeError, match="spin prior"):
        Restorer(restorer.generator, restorer.scorer, restorer.reranker, shortlist=restorer.shortlist).restore(spun)


def test_a_caller_who_knows_the_text_was_spun_gets_the_edits_of_a_sure_prior(restorer) -> None:
    """``spun=True`` / ``False`` stand in for the fast check's verdict with certainty, which a
    short text never gets from the check; ``None`` keeps the check's."""
    from unspin.engine import Restorer

    text = "The model was trained with profound learning on a huge information set."
    assert 0.05 < restorer.spin_prior(text) < 0.95

    def told(prior: float) -> list:
        return Restorer(restorer.generator, restorer.scorer, restorer.reranker, restorer.settings,
                        restorer.shortlist, lambda _: prior).restore(text, min_confidence=0.0).edits

    sure, clean = told(1.0), told(0.0)
    assert restorer.restore(text, min_confidence=0.0, spun=True).edits == sure
    assert unspin.restore(text, min_confidence=0.0, spun=False).edits == clean
    assert unspin.restore(text, min_confidence=0.0).edits == told(restorer.spin_prior(text))
    assert sum(e.confidence for e in sure) > sum(e.confidence for e in clean)


def test_a_training_text_also_teaches_one_of_its_sentences_as_a_text_of_its_own(restorer) -> None:
    """Short inputs are met in training too: one sentence of each training text comes again as a
    text alone, the same candidates and labels, judged by its own length and its own spin prior."""
    import math

    from unspin.detect.checker import spin_probability
    from unspin.resources.build import standalone_sentence, training_examples

    original = (EXAMPLES / "spun-news.original.txt").read_text(encoding="utf-8").split("\n\n")[1]
    spun = (EXAMPLES / "spun-news.txt").read_text(encoding="utf-8").split("\n\n")[1]
    start, end = standalone_sentence(spun)
    assert standalone_sentence(spun) == (start, end) and 0 < end - start < len(spun.strip())
    assert standalone_sentence(spun[start:end]) is None
    rows, labels = training_examples(restorer, [(original, spun)])
    fewest = min(r["text_words"] for r in rows)
    in_text = [(r, y) for r, y in zip(rows, labels) if r["text_words"] > fewest]
    alone = [(r, y) for r, y in zip(rows, labels) if r["text_words"] == fewest]
    assert alone and len(in_text) > len(alone)
    assert math.expm1(fewest) < math.expm1(in_text[0][0]["text_words"]) - 5
    assert all(r["text_spin_prior"] == pytest.approx(spin_probability(spun[start:end])) for r, _ in alone)
    assert all(r["text_spin_prior"] == pytest.approx(spin_probability(spun)) for r, _ in in_text)
    # The same candidates, scored once: LM gains and labels as in the whole text.
    same = {(r["lm_gain"], r["spun_words"], y) for r, y in in_text}
    assert all((r["lm_gain"], r["spun_words"], y) in same for r, y in alone)


def test_scores_in_the_default_precision_track_float32(restorer, float32_scorer) -> None:
    """The default scorer (in bfloat16 where that runs clearly faster) may round differently from
    float32, by about half a nat on this sentence on some CPUs, and differently again with the
    matrix shapes; what must hold is that its gains mean the same: the same order and sign, close
    to float32's. That packed scoring computes what the whole edited sentence does is checked
    exactly in float32 (``test_replacements_run_side_by_side_do_not_see_each_other``)."""
    sentence = "The White Home mentioned on Monday that the president will visit Ohio."
    replacements = [(10, 14, "House"), (15, 24, "said"), (0, 3, "A")]
    default, reference = (scorer.replacement_gains(scorer.analyse(sentence), replacements)
                          for scorer in (restorer.scorer, float32_scorer))
    assert default == pytest.approx(reference, abs=1.0)
    assert sorted(range(3), key=default.__getitem__) == sorted(range(3), key=reference.__getitem__)
    assert default[0] > 3  # "White House" is far likelier than "White Home"
    assert default[2] < 0  # and "A White Home" less likely than "The White Home"


@pytest.fixture(scope="module")
def float32_scorer():
    """The default model in float32, whose arithmetic does not depend on the matrix shapes
    (bfloat16 rounds differently with them, by ~0.3 nats)."""
    from unspin.resources.model import default_model_dir
    from unspin.scorer import CausalLMScorer

    return CausalLMScorer.from_pretrained(default_model_dir(), dtype="float32")


def test_sentences_scored_together_score_as_they_do_alone(float32_scorer) -> None:
    """Batching pads sentences and gathers their caches; none of that may leak into a score."""
    scorer = float32_scorer
    sentences = ["The White Home mentioned on Monday that the president will visit Ohio.",
                 "Short one.",
                 "A much longer sentence, with commas and clauses, that the model reads to its very end point"]
    together = scorer.analyse_many(sentences)
    requests = [(together[0], [(10, 14, "House"), (15, 24, "said")]), (together[1], [(6, 9, "two")]),
                (together[2], [(2, 6, "far"), (86, 91, "stop")])]  # the last one ends the sentence
    batched = scorer.replacement_gains_many(requests)
    for sentence, analysis, (_, replacements), gains in zip(sentences, together, requests, batched):
        alone = scorer.analyse(sentence)
        assert analysis.token_ids == alone.token_ids
        assert analysis.token_logprobs == pytest.approx(alone.token_logprobs, abs=1e-3)
        assert gains == pytest.approx(scorer.replacement_gains(alone, replacements), abs=1e-3)
    assert batched[0][0] > 3  # and the scores still mean something: "White House"


def test_replacements_run_side_by_side_do_not_see_each_other(float32_scorer, monkeypatch) -> None:
    """A sentence's replacements run as one packed sequence (split in several when long):
    each must score exactly as the whole edited sentence does, whatever its pack-mates."""
    import unspin.scorer

    scorer = float32_scorer
    monkeypatch.setattr(scorer, "right_context", 10_000)  # score to the end, as the full sentence is
    sentence = "The White Home mentioned on Monday that the president will visit Ohio next week."
    analysis = scorer.analyse(sentence)
    replacements = [(10, 14, "House"), (15, 24, "said"), (0, 3, "A"), (28, 34, "Tuesday"),
                    (44, 53, "prime minister of the country"), (59, 64, "see"), (65, 69, "Texas"),
                    (70, 74, "last"), (4, 9, "Black")]
    direct = [scorer.analyse(sentence[:start] + new + sentence[end:]).total_logprob - analysis.total_logprob
              for start, end, new in replacements]
    packed = scorer.replacement_gains(analysis, replacements)
    monkeypatch.setattr(unspin.scorer, "MAX_PACK_TOKENS", 12)  # several packs for the one sentence
    split = scorer.replacement_gains(analysis, replacements)
    assert packed == pytest.approx(direct, abs=2e-3)
    assert split == pytest.approx(direct, abs=2e-3)


def test_a_sentence_read_after_its_context_scores_as_in_one_pass_over_both(float32_scorer, monkeypatch) -> None:
    """In context, the first pass and every replacement see the preceding text, placed where it
    stands: a sentence's scores equal those of one pass over context and sentence together,
    beside a sentence read alone in the same batch (different lengths of cache and context)."""
    scorer = float32_scorer
    monkeypatch.setattr(scorer, "right_context", 10_000)
    context = "The White House said on Monday that the president would travel to Ohio."
    sentence = "He will meet workers at a factory there on Friday."
    replacements = [(0, 2, "She"), (26, 33, "plant"), (43, 49, "Saturday"), (8, 12, "visit with")]
    in_context, alone = scorer.analyse_many([sentence, "Short one."], [context, ""])
    joint = scorer.analyse(context + " " + sentence)
    skip = len(joint.token_ids) - len(in_context.token_ids)
    assert in_context.token_ids == joint.token_ids[skip:] and in_context.context == skip
    assert in_context.token_logprobs == pytest.approx(joint.token_logprobs[skip:], abs=1e-3)
    gains, short = scorer.replacement_gains_many([(in_context, replacements), (alone, [(6, 9, "two")])])
    for (start, end, new), gain in zip(replacements, gains):
        edited = scorer.analyse(context + " " + sentence[:start] + new + sentence[end:])
        assert gain == pytest.approx(float(edited.token_logprobs[skip:].sum() - joint.token_logprobs[skip:].sum()), abs=2e-3)
    assert short == pytest.approx(scorer.replacement_gains(scorer.analyse("Short one."), [(6, 9, "two")]), abs=1e-3)
    # The context is evidence: after it, the LM expects "He" far more than at a text's start.
    assert scorer.word_logprobs(in_context, 0, ["He"])[0] > scorer.word_logprobs(scorer.analyse(sentence), 0, ["He"])[0] + 3


def test_a_paragraph_read_once_scores_as_its_sentences_read_each_after_its_context(float32_scorer) -> None:
    """Sentences whose contexts extend one another share one sequence; nothing may change for that."""
    scorer = float32_scorer
    sentences = ["The White House said on Monday that the president would travel to Ohio.",
                 "He will meet workers at a factory.", "They make parts for cars there."]
    contexts = ["", sentences[0], sentences[0] + " " + sentences[1]]
    together = scorer.analyse_many(sentences, contexts)
    requests = [(analysis, [(0, 2, "One"), (len(sentence) - 6, len(sentence) - 1, "there")])
                for analysis, sentence in zip(together, sentences)]
    gains = scorer.replacement_gains_many(requests)
    for sentence, context, analysis, (_, replacements), gain in zip(sentences, contexts, together, requests, gains):
        alone = scorer.analyse_many([sentence], [context])[0]
        assert (analysis.context, analysis.cached, analysis.token_ids) == (alone.context, alone.cached, alone.token_ids)
        assert analysis.token_logprobs == pytest.approx(alone.token_logprobs, abs=1e-3)
        assert analysis.next_logprobs[-1].numpy() == pytest.approx(alone.next_logprobs[-1].numpy(), abs=1e-3)
        assert gain == pytest.approx(scorer.replacement_gains(alone, replacements), abs=1e-3)


def test_the_context_is_the_paragraph_before_the_sentence_in_whole_words() -> None:
    from unspin.engine import sentence_contexts, sentence_pieces

    text = "A heading\n\nOne two three. Four five six. Seven eight. Nine ten eleven twelve. Thirteen."
    pieces = sentence_pieces(text)
    starts = [text[a:b].split()[0].rstrip(".") for a, b in pieces]
    contexts = dict(zip(starts, sentence_contexts(text, pieces, 10)))
    assert contexts["A"] == "" and contexts["One"] == ""  # a paragraph's first sentence has none
    assert contexts["Four"] == "One two three."
    assert contexts["Seven"] == "One two three. Four five six."  # one window: up to three times 10
    assert contexts["Nine"] == "eight."  # a new window, 10 back and on to a word's start
    assert contexts["Thirteen"] == "twelve."  # 31 past the window's start: another
    assert sentence_contexts(text, pieces, 0) == [""] * len(pieces)


def test_inflected_forms_find_inflected_originals(restorer) -> None:
    from unspin.tokenise import tokenise

    sentence = "He followed the traces of the animals."
    originals = {c.original for c in restorer.generator.generate(sentence, tokenise(sentence)) if c.spun == "traces"}
    assert "lines" in originals and "tracks" in originals


def _shortlisted(restorer, sentence: str, spun: str) -> tuple[int, set[str]]:
    """How many candidates the span ``spun`` has, and the originals the shortlist keeps for it."""
    (piece,) = restorer.generated_sentences(sentence)
    (analysis,) = restorer.scorer.analyse_many([piece.text])
    for group, features in restorer.span_groups(piece, analysis):
        if group[0].spun == spun:
            return len(group), {c.original for c in restorer._shortlisted(group, features)}
    raise AssertionError(f"no candidates for {spun!r}")


def test_the_shortlist_keeps_the_originals_among_many_candidates(restorer) -> None:
    """The issue's examples: only the shortlisted few of a span's candidates get the language
    model's full score, and the original must be among them."""
    cases = [("It could have vital effects on car makers.", "vital", "significant"),
             ("The government weighed a attainable ban on some exports.", "attainable", "possible")]
    for sentence, spun, original in cases:
        candidates, kept = _shortlisted(restorer, sentence, spun)
        assert candidates > 20 and original in kept and len(kept) <= restorer.settings.per_span, (spun, kept)


def test_tampered_model_file_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"GGUF" + b"\0" * 100)
    with pytest.raises(ModelUnavailable, match="refusing"):
        verified(fake)


def test_a_restore_told_to_stop_stops_at_the_next_sentence(restorer) -> None:
    spun = (EXAMPLES / "spun-news.txt").read_text(encoding="utf-8")
    asked: list[int] = []

    def stop_after_one_sentence() -> bool:
        asked.append(1)
        return len(asked) > 1

    with pytest.raises(Cancelled):
        restorer.restore(spun, should_stop=stop_after_one_sentence)
    assert len(asked) == 2  # asked before each sentence; the second answer stopped it
    never = restorer.restore(spun, should_stop=lambda: False)
    assert never == restorer.restore(spun)
