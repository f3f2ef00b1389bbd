"""The channel model: how likely is a candidate to be the word the spinner replaced?

Each candidate is described by a few features a person can read (LM gain,
which thesaurus listed the link, how often the swap was seen in real spun
text, word frequencies, GloVe similarity, collocations). A gradient-boosted
classifier, trained on candidates from real and simulated spun text whose
originals we know, turns them into a probability that the candidate is the
original. Trained with log-loss, its output is used directly as the edit's
confidence; the benchmark reports how well calibrated it is.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np

FEATURES = (
    "lm_gain",  # Δ log P over the span and right context
    "left_gain",  # Δ log P of the first token, left context only
    "spun_surprisal",  # mean −log P of the spun span's tokens
    "wordnet_synset",
    "wordnet_similar",
    "moby_forward",
    "moby_backward",
    "mined_log_count",
    "lm_proposal",
    "rule",  # contraction, number word or spintax
    "glove_cosine",
    "zipf_original",
    "zipf_spun",
    "log_fanout",
    "spun_words",
    "original_words",
    "bigram_left_gain",
    "bigram_right_gain",
    "capitalised_inside",
    "spun_is_function_word",
)


class Reranker:
    """Probability that a candidate is the original, from its ``FEATURES``."""

    def __init__(self, model) -> None:
        self.model = model

    @staticmethod
    def matrix(rows: list[dict[str, float]]) -> np.ndarray:
        return np.array([[row.get(name, 0.0) for name in FEATURES] for row in rows], dtype=np.float64)

    def probabilities(self, rows: list[dict[str, float]]) -> np.ndarray:
        if not rows:
            return np.zeros(0)
        return self.model.predict_proba(self.matrix(rows))[:, 1]

    @classmethod
    def fit(cls, rows: list[dict[str, float]], labels: list[int], seed: int = 0) -> Reranker:
        from sklearn.ensemble import HistGradientBoostingClassifier

        model = HistGradientBoostingClassifier(
            max_iter=300, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=20,
            l2_regularization=1.0, random_state=seed,
        )
        model.fit(cls.matrix(rows), np.array(labels))
        return cls(model)

    def save(self, path: Path) -> None:
        import sklearn

        path.write_bytes(pickle.dumps(self.model))
        path.with_suffix(".json").write_text(json.dumps({"sklearn": sklearn.__version__, "features": FEATURES}))

    @classmethod
    def load(cls, path: Path) -> Reranker:
        import sklearn

        meta = json.loads(path.with_suffix(".json").read_text())
        if meta["sklearn"] != sklearn.__version__ or tuple(meta["features"]) != FEATURES:
            raise RuntimeError(f"{path} was built by another version; run `unspin resources build --force`")
        # Our own file, written by `unspin resources build` into the user's cache.
        return cls(pickle.loads(path.read_bytes()))
