"""Gradient-boosted trees kept as plain arrays: fitted with scikit-learn, predicted with numpy.

scikit-learn's ``HistGradientBoostingClassifier`` fits them; its trees are then copied out as node
arrays, so loading and predicting need only numpy and no pickle is ever read. The trees are padded
into one table and walked all at once, one level per step, so that a prediction costs a few numpy
calls per level rather than per tree (the fast check scores every text's words with them).
"""

from __future__ import annotations

import numpy as np

# The node fields prediction needs (sklearn's TreePredictor layout).
NODE_FIELDS = ("value", "feature_idx", "num_threshold", "missing_go_to_left", "left", "right", "is_leaf")


class BoostedTrees:
    """P(positive) of each row of a feature matrix, from a binary boosted-trees model."""

    def __init__(self, trees: list[np.ndarray], baseline: float) -> None:
        self.trees = trees
        self.baseline = baseline
        width = max((len(nodes) for nodes in trees), default=1)
        # One flat table of every tree's nodes, tree i's at [i * width, (i + 1) * width).
        table = np.zeros(len(trees) * width, dtype=trees[0].dtype if trees else None) if trees else None
        for i, nodes in enumerate(trees):
            table[i * width : i * width + len(nodes)] = nodes
        self._offsets = np.arange(len(trees), dtype=np.int64) * width
        if table is not None:
            self._feature = table["feature_idx"].astype(np.int64)
            self._threshold = table["num_threshold"].astype(np.float64)
            self._left_if_missing = table["missing_go_to_left"].astype(bool)
            self._left = table["left"].astype(np.int64) + np.repeat(self._offsets, width)
            self._right = table["right"].astype(np.int64) + np.repeat(self._offsets, width)
            self._leaf = table["is_leaf"].astype(bool)
            self._value = table["value"].astype(np.float64)
        self._depth = max((_depth(nodes) for nodes in trees), default=0)

    def predict(self, features: np.ndarray) -> np.ndarray:
        """P(positive) for each row of ``features`` (columns in the order the model was fitted on)."""
        features = np.asarray(features, dtype=np.float64)
        if not len(features) or not self.trees:
            return np.full(len(features), 1.0 / (1.0 + np.exp(-self.baseline)))
        columns = features.shape[1]
        at = np.broadcast_to(self._offsets, (len(features), len(self.trees))).copy()  # every row at every root
        row_start = (np.arange(len(features), dtype=np.int64) * columns)[:, None]
        flat = features.ravel()
        for _ in range(self._depth):
            x = flat[row_start + self._feature[at]]
            go_left = np.where(np.isnan(x), self._left_if_missing[at], x <= self._threshold[at])
            at = np.where(self._leaf[at], at, np.where(go_left, self._left[at], self._right[at]))
        raw = self.baseline + self._value[at].sum(axis=1)
        return 1.0 / (1.0 + np.exp(-raw))

    @classmethod
    def from_sklearn(cls, model) -> BoostedTrees:
        """The arrays of a fitted binary ``HistGradientBoostingClassifier`` (numeric features only)."""
        trees = [predictors[0].nodes[list(NODE_FIELDS)].copy() for predictors in model._predictors]
        return cls(trees, float(np.ravel(model._baseline_prediction)[0]))

    def arrays(self) -> dict[str, np.ndarray]:
        """What ``from_arrays`` reads back (for ``np.savez``)."""
        return {"baseline": np.array(self.baseline)} | {f"tree_{i}": nodes for i, nodes in enumerate(self.trees)}

    @classmethod
    def from_arrays(cls, data) -> BoostedTrees:
        trees = [data[f"tree_{i}"] for i in range(sum(name.startswith("tree_") for name in data.files))]
        return cls(trees, float(data["baseline"]))


def _depth(nodes: np.ndarray) -> int:
    """Edges on the longest path from the root to a leaf."""
    deepest, stack = 0, [(0, 0)]
    while stack:
        node, depth = stack.pop()
        if nodes["is_leaf"][node]:
            deepest = max(deepest, depth)
        else:
            stack += [(int(nodes["left"][node]), depth + 1), (int(nodes["right"][node]), depth + 1)]
    return deepest
