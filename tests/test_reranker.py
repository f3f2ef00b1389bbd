"""The reranker's own predictor must agree with the scikit-learn model it was trained as."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from unspin.reranker import FEATURES, Reranker


def _training_set(seed: int = 0) -> tuple[list[dict[str, float]], list[int]]:
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(1500, len(FEATURES)))
    values[rng.random(values.shape) < 0.1] = 0.0  # absent features read as 0, as in real rows
    labels = (values[:, 0] + values[:, 1] * values[:, 2] > 0.5).astype(int)
    rows = [dict(zip(FEATURES, row)) for row in values]
    return rows, labels.tolist()


def test_numpy_trees_reproduce_scikit_learn(tmp_path: Path) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    rows, labels = _training_set()
    model = HistGradientBoostingClassifier(max_iter=40, max_leaf_nodes=15, random_state=0)
    model.fit(Reranker.matrix(rows), labels)
    reranker = Reranker.from_sklearn(model)
    path = tmp_path / "reranker.npz"
    reranker.save(path)
    loaded = Reranker.load(path)
    unseen, _ = _training_set(seed=1)
    expected = model.predict_proba(Reranker.matrix(unseen))[:, 1]
    np.testing.assert_allclose(loaded.probabilities(unseen), expected, atol=1e-12)


def test_fit_learns_the_signal() -> None:
    rows, labels = _training_set()
    reranker = Reranker.fit(rows, labels)
    unseen, truth = _training_set(seed=2)
    predicted = reranker.probabilities(unseen) > 0.5
    assert (predicted == np.array(truth, dtype=bool)).mean() > 0.9


def test_a_reranker_of_another_version_is_refused(tmp_path: Path) -> None:
    rows, labels = _training_set()
    path = tmp_path / "reranker.npz"
    Reranker.fit(rows[:300], labels[:300]).save(path)
    meta = json.loads(path.with_suffix(".json").read_text())
    path.with_suffix(".json").write_text(json.dumps({**meta, "features": list(FEATURES[:-1])}))
    assert not Reranker.is_current(path)
    with pytest.raises(RuntimeError, match="another version"):
        Reranker.load(path)
