"""Scores for a restoration, measured on tokens against the known original.

Edit scoring: the *gold* edits are the blocks where the spun text differs from
the original, the *system* edits the blocks where the restored text differs
from the spun one (both by ``diff_spans``). A system edit is a true positive
when it covers exactly the spun tokens of a gold block and writes the
original's tokens there (compared in lower case). Every other system edit is a
false positive; every gold block not matched is a false negative.

All gold blocks count for ``recall``, including insertions, deletions and long
rewrites that no word-swap restorer can undo (SpinBot also reorders clauses and
rewrites phrases). ``swap_recall`` is restricted to word swaps: gold blocks that
replace 1–4 tokens by 1–4 tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from unspin.evaluation.align import Replacement, diff_spans
from unspin.tokenise import tokenise

MAX_SWAP_TOKENS = 4


@dataclass(frozen=True, slots=True)
class EditCounts:
    """Edit-level counts; add them to pool over documents (micro-averaging)."""

    true_pos: int
    false_pos: int
    false_neg: int
    swap_gold: int = 0  # gold blocks that are word swaps
    swap_true_pos: int = 0  # of those, restored exactly

    def __add__(self, other: EditCounts) -> EditCounts:
        return EditCounts(
            self.true_pos + other.true_pos,
            self.false_pos + other.false_pos,
            self.false_neg + other.false_neg,
            self.swap_gold + other.swap_gold,
            self.swap_true_pos + other.swap_true_pos,
        )

    @property
    def precision(self) -> float:
        return _ratio(self.true_pos, self.true_pos + self.false_pos)

    @property
    def recall(self) -> float:
        return _ratio(self.true_pos, self.true_pos + self.false_neg)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return _ratio(2 * p * r, p + r)

    @property
    def swap_recall(self) -> float:
        return _ratio(self.swap_true_pos, self.swap_gold)


def _ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, or 0.0 when undefined."""
    return numerator / denominator if denominator else 0.0


def is_word_swap(block: Replacement) -> bool:
    return 1 <= block.src_length <= MAX_SWAP_TOKENS and 1 <= block.dst_length <= MAX_SWAP_TOKENS


def edit_scores(spun: str, original: str, restored: str) -> EditCounts:
    """Count exact restorations of the spinner's edits (see the module docstring)."""
    spun_tokens, original_tokens, restored_tokens = ([t.text for t in tokenise(x)] for x in (spun, original, restored))
    gold = {(b.src_start_tok, b.src_end_tok): b for b in diff_spans(spun_tokens, original_tokens)}
    system = diff_spans(spun_tokens, restored_tokens)
    original_lower = [t.lower() for t in original_tokens]
    restored_lower = [t.lower() for t in restored_tokens]

    true_pos = swap_true_pos = 0
    for block in system:
        match = gold.get((block.src_start_tok, block.src_end_tok))
        if match and (
            restored_lower[block.dst_start_tok : block.dst_end_tok]
            == original_lower[match.dst_start_tok : match.dst_end_tok]
        ):
            true_pos += 1
            swap_true_pos += is_word_swap(match)
    return EditCounts(
        true_pos=true_pos,
        false_pos=len(system) - true_pos,
        false_neg=len(gold) - true_pos,
        swap_gold=sum(is_word_swap(b) for b in gold.values()),
        swap_true_pos=swap_true_pos,
    )


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
