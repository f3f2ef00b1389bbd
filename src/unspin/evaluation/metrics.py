"""Scores for a restoration, measured on tokens against the known original.

Edit scoring is by token (``align.SpinnerChanges``): the spinner's changes are
where the spun text differs from the original; the restorer's edits are made
inside the stretches of those changes they touch, which are then aligned with
the original's. *Precision* is the share of the tokens the edits wrote that
are the original's own, in their place; *recall* the share of the original's
tokens that the spinner replaced or removed that the edits brought back. A
token, not a whole diff block, is the unit because one block often joins
several neighbouring swaps ("associations as often as possible" ←
"organizations frequently"): bringing back "organizations" is right even when
"as often as possible" stays. Every token the spinner changed counts for
recall, including long rewrites that no word-swap restorer can undo (SpinBot
also reorders clauses and rewrites phrases).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from unspin.evaluation.align import Judgement, ProposedEdit, SpinnerChanges, diff_spans
from unspin.tokenise import tokenise


@dataclass(frozen=True, slots=True)
class EditCounts:
    """Token counts behind precision and recall; add them to pool over documents (micro-averaging)."""

    written: int = 0  # tokens the edits wrote (a deletion counts as one)
    written_correct: int = 0  # of those, the original's own tokens in their place
    changed: int = 0  # original tokens the spinner replaced or removed
    recovered: int = 0  # of those, brought back by the edits

    @classmethod
    def of(cls, judgement: Judgement, changes: SpinnerChanges) -> EditCounts:
        return cls(judgement.written, judgement.written_correct, changes.changed, judgement.recovered)

    def __add__(self, other: EditCounts) -> EditCounts:
        return EditCounts(
            self.written + other.written,
            self.written_correct + other.written_correct,
            self.changed + other.changed,
            self.recovered + other.recovered,
        )

    @property
    def precision(self) -> float:
        return _ratio(self.written_correct, self.written)

    @property
    def recall(self) -> float:
        return _ratio(self.recovered, self.changed)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return _ratio(2 * p * r, p + r)


def _ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, or 0.0 when undefined."""
    return numerator / denominator if denominator else 0.0


def edit_scores(spun: str, original: str, restored: str) -> EditCounts:
    """Score a restored text: its edits are the blocks where it differs from the spun one."""
    changes = SpinnerChanges(original, spun)
    return EditCounts.of(changes.judge(text_edits(spun, restored)), changes)


def text_edits(before: str, after: str) -> list[ProposedEdit]:
    """The token blocks where ``after`` differs from ``before``, as (start, end, new text) in ``before``."""
    old, new = tokenise(before), tokenise(after)
    edits = []
    for block in diff_spans(old, new):
        start = old[block.src_start_tok].start if block.src_start_tok < len(old) else len(before)
        end = old[block.src_end_tok - 1].end if block.src_end_tok > block.src_start_tok else start
        written = new[block.dst_start_tok : block.dst_end_tok]
        edits.append((start, end, after[written[0].start : written[-1].end] if written else ""))
    return edits


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Token edit distance / reference length, on lower-case tokens (punctuation included).

    An empty reference gives 0.0 for an empty hypothesis and 1.0 otherwise.
    """
    ref = [t.lower for t in tokenise(reference)]
    hyp = [t.lower for t in tokenise(hypothesis)]
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))
    for i, ref_token in enumerate(ref, start=1):
        current = [i]
        for j, hyp_token in enumerate(hyp, start=1):
            current.append(
                min(
                    previous[j] + 1,  # reference token deleted
                    current[j - 1] + 1,  # hypothesis token inserted
                    previous[j - 1] + (ref_token != hyp_token),
                )
            )
        previous = current
    return previous[-1] / len(ref)


def word_count(text: str) -> int:
    """Word tokens of ``text`` (punctuation and bare numbers are not words)."""
    return sum(token.is_word for token in tokenise(text))


def edits_per_thousand_words(n_edits: int, text: str) -> float:
    """Edit density: edits per 1,000 word tokens of ``text`` (0.0 for no words)."""
    return _ratio(1000 * n_edits, word_count(text))


def reliability_table(outcomes: Sequence[int | bool], probabilities: Sequence[float],
                      bins: int = 10) -> list[tuple[float, float, int]]:
    """(mean predicted probability, observed share of outcomes, count) for each non-empty
    bin of equal width; a probability of 1.0 falls in the top bin."""
    sums: dict[int, list[float]] = {}
    for outcome, probability in zip(outcomes, probabilities):
        cell = sums.setdefault(min(int(probability * bins), bins - 1), [0.0, 0.0, 0])
        cell[0] += probability
        cell[1] += float(outcome)
        cell[2] += 1
    return [(p / n, o / n, int(n)) for _, (p, o, n) in sorted(sums.items())]


def expected_calibration_error(table: list[tuple[float, float, int]]) -> float:
    """|observed − predicted| per bin of a ``reliability_table``, weighted by its count."""
    total = sum(n for _, _, n in table)
    return _ratio(sum(abs(observed - predicted) * n for predicted, observed, n in table), total)
