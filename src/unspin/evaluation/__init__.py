"""Measuring restorations: token alignment, edit/WER metrics and evaluation data sets."""

from unspin.evaluation.align import Replacement, diff_spans
from unspin.evaluation.datasets import (
    Pair,
    SyntheticPair,
    TorturedPhrase,
    fold_of,
    pps_split,
    sotu_paragraphs,
    spinbot_pairs,
    synthetic_pairs,
)
from unspin.evaluation.metrics import EditCounts, edit_scores, edits_per_thousand_words, word_error_rate

__all__ = [
    "EditCounts",
    "Pair",
    "Replacement",
    "SyntheticPair",
    "TorturedPhrase",
    "diff_spans",
    "edit_scores",
    "edits_per_thousand_words",
    "fold_of",
    "pps_split",
    "sotu_paragraphs",
    "spinbot_pairs",
    "synthetic_pairs",
    "word_error_rate",
]
