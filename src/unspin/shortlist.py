"""The shortlist: which of a span's candidates get the language model's full score.

A spun word has up to hundreds of thesaurus candidates; only a couple per span
can be scored in full. The shortlist is a channel model over cheap evidence:
the first-token log-probability gain in left context, how the candidate is
linked to the spun form (thesaurus source, mined counts, fan-out), frequencies,
GloVe similarity and bigram fit on either side. It gives, for each candidate,

    P(candidate is the original | span) = exp(s_c) / (1 + Σ_k exp(s_k)),

a conditional logit over the span's candidates in which "the span was not
changed" is the baseline alternative (score 0), so the probabilities both rank
a span's candidates and say whether the span is worth scoring at all. It is
fitted on the candidates of spun and clean text whose originals are known.
Linear and stored as a few numbers in JSON: it scores ~100k candidates an
article with one matrix product per span.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from unspin.reranker import TRAINING_VERSION, WORD_FEATURES

FEATURES = (
    "left_gain_clipped",  # Δ log P of the first token, left context only, within ±15 nats
    "left_gain_behind_best",  # how far below the span's best left gain (clipped at −20)
    "left_rank",  # log(1 + rank of the left gain in the span)
    "glove_cosine",
    "mined_log_count",
    "wordnet_synset",
    "wordnet_similar",
    "moby_forward",
    "moby_backward",
    "lm_proposal",
    *WORD_FEATURES,
)
L2 = 1e-3


class Shortlist:
    """P(original) for each candidate of one span, from a ``FEATURES`` matrix (one row each)."""

    def __init__(self, weights: np.ndarray, bias: float, mean: np.ndarray, scale: np.ndarray) -> None:
        self.weights = np.asarray(weights, dtype=np.float64)
        self.bias = float(bias)
        self.mean = np.asarray(mean, dtype=np.float64)
        self.scale = np.asarray(scale, dtype=np.float64)

    def scores(self, features: np.ndarray) -> np.ndarray:
        return ((features - self.mean) / self.scale) @ self.weights + self.bias

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """The softmax over the span's candidates and "unchanged" (score 0)."""
        if len(features) == 0:
            return np.zeros(0)
        scores = self.scores(features)
        top = max(0.0, float(scores.max()))
        weights = np.exp(scores - top)
        return weights / (np.exp(-top) + weights.sum())

    @classmethod
    def fit(cls, features: np.ndarray, labels: np.ndarray, groups: np.ndarray, l2: float = L2) -> Shortlist:
        """Maximum likelihood with an L2 penalty; ``groups`` numbers the spans, rows of a span adjacent.

        A span with no label 1 was not changed (or its original is not among the
        candidates): its likelihood is that of the baseline alternative.
        """
        from scipy.optimize import minimize

        features = np.asarray(features, dtype=np.float64)
        labels = np.asarray(labels, dtype=np.float64)
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        if np.unique(groups).size != starts.size:
            raise ValueError("rows of a span must be adjacent")
        sizes = np.diff(np.r_[starts, len(groups)])
        index = np.repeat(np.arange(starts.size), sizes)
        mean, scale = features.mean(axis=0), features.std(axis=0) + 1e-9
        design = np.column_stack([(features - mean) / scale, np.ones(len(features))])

        def loss_and_gradient(w: np.ndarray) -> tuple[float, np.ndarray]:
            s = design @ w
            top = np.maximum(np.maximum.reduceat(s, starts), 0.0)
            e = np.exp(s - top[index])
            total = np.exp(-top) + np.add.reduceat(e, starts)
            log_partition = np.log(total) + top
            chosen = np.add.reduceat(s * labels, starts)
            loss = float(np.mean(log_partition - chosen)) + l2 * float(w[:-1] @ w[:-1])
            residual = (e / total[index] - labels) / starts.size
            gradient = design.T @ residual
            gradient[:-1] += 2 * l2 * w[:-1]
            return loss, gradient

        result = minimize(loss_and_gradient, np.zeros(design.shape[1]), jac=True, method="L-BFGS-B",
                          options={"maxiter": 500})
        return cls(result.x[:-1], result.x[-1], mean, scale)

    @staticmethod
    def is_current(path: Path) -> bool:
        if not path.exists():
            return False
        meta = json.loads(path.read_text())
        return tuple(meta.get("features", ())) == FEATURES and meta.get("training_version") == TRAINING_VERSION

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({
            "features": FEATURES, "training_version": TRAINING_VERSION,
            "weights": self.weights.tolist(), "bias": self.bias,
            "mean": self.mean.tolist(), "scale": self.scale.tolist(),
        }, indent=1))

    @classmethod
    def load(cls, path: Path) -> Shortlist:
        if not cls.is_current(path):
            raise RuntimeError(f"{path} was built by another version; run `unspin resources build`")
        meta = json.loads(path.read_text())
        return cls(np.array(meta["weights"]), meta["bias"], np.array(meta["mean"]), np.array(meta["scale"]))
