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
from pathlib import Path

import numpy as np

from unspin.boosted import BoostedTrees

# Bump when the training data or features change, so built rerankers are retrained.
TRAINING_VERSION = 6

# Cheap evidence about the words themselves, computed once for the shortlist
# (``engine.shortlist_features``) and read again by the reranker.
WORD_FEATURES = (
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
    *WORD_FEATURES,
    "gain_margin",  # lm_gain over the best other candidate for the span
    "sentence_strong_share",  # share of the sentence's words with a strongly preferred candidate
    "text_strong_share",  # the same over the whole text: spun text has many, clean text few
    "text_words",  # log(1 + words in the text): short texts give weaker context
    "shortlist_probability",  # the shortlist's P(original) from the cheap evidence (unspin.shortlist)
    "text_spin_prior",  # P(the text was spun) by the fast spun-text check (``Restorer.spin_prior``)
)


class Reranker(BoostedTrees):
    """Probability that a candidate is the original, from its ``FEATURES``.

    Trained with scikit-learn's histogram gradient boosting, then kept as plain
    arrays (``unspin.boosted``): loading and predicting need only numpy, so the
    model loads fast and no pickle is ever read.
    """

    @staticmethod
    def matrix(rows: list[dict[str, float]]) -> np.ndarray:
        return np.array([[row.get(name, 0.0) for name in FEATURES] for row in rows], dtype=np.float64)

    def probabilities(self, rows: list[dict[str, float]]) -> np.ndarray:
        if not rows:
            return np.zeros(0)
        return self.predict(self.matrix(rows))

    @classmethod
    def fit(cls, rows: list[dict[str, float]], labels: list[int], seed: int = 0) -> Reranker:
        from sklearn.ensemble import HistGradientBoostingClassifier

        model = HistGradientBoostingClassifier(
            max_iter=300, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=20,
            l2_regularization=1.0, random_state=seed,
        )
        model.fit(cls.matrix(rows), np.array(labels))
        return cls.from_sklearn(model)

    @staticmethod
    def is_current(path: Path) -> bool:
        """Whether ``path`` holds a reranker this version of unspin can load."""
        meta_path = path.with_suffix(".json")
        if not path.exists() or not meta_path.exists():
            return False
        meta = json.loads(meta_path.read_text())
        return tuple(meta.get("features", ())) == FEATURES and meta.get("training_version") == TRAINING_VERSION

    def save(self, path: Path) -> None:
        with path.open("wb") as handle:
            np.savez_compressed(handle, **self.arrays())
        path.with_suffix(".json").write_text(
            json.dumps({"features": FEATURES, "training_version": TRAINING_VERSION, "trees": len(self.trees)})
        )

    @classmethod
    def load(cls, path: Path) -> Reranker:
        if not cls.is_current(path):
            raise RuntimeError(f"{path} was built by another version; run `unspin resources build`")
        with np.load(path, allow_pickle=False) as data:
            return cls.from_arrays(data)
