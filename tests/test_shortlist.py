"""The shortlist: a conditional logit over a span's candidates with "unchanged" as the baseline."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from unspin.resources.lexicon import glove
from unspin.shortlist import FEATURES, Shortlist


def _spans(n_spans: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spans of 1–8 candidates; in a third of them the original is the candidate with the
    largest first feature (plus noise), elsewhere the span was not changed."""
    rng = np.random.default_rng(seed)
    rows, labels, groups = [], [], []
    for span in range(n_spans):
        size = int(rng.integers(1, 9))
        x = rng.normal(size=(size, len(FEATURES)))
        y = np.zeros(size, dtype=int)
        if rng.random() < 1 / 3:
            best = int(np.argmax(x[:, 0] + 0.3 * rng.normal(size=size)))
            x[best, 0] += 3.0
            y[best] = 1
        rows.append(x)
        labels.append(y)
        groups += [span] * size
    return np.concatenate(rows), np.concatenate(labels), np.array(groups)


def test_probabilities_are_a_softmax_with_unchanged_as_the_baseline() -> None:
    rng = np.random.default_rng(0)
    shortlist = Shortlist(rng.normal(size=len(FEATURES)), -1.0, np.zeros(len(FEATURES)), np.ones(len(FEATURES)))
    features = rng.normal(size=(5, len(FEATURES))) * 10  # large scores: the computation must not overflow
    scores = features @ shortlist.weights + shortlist.bias
    expected = [np.exp(s - np.logaddexp.reduce(np.r_[0.0, scores])) for s in scores]
    np.testing.assert_allclose(shortlist.probabilities(features), expected, rtol=1e-9)
    assert shortlist.probabilities(features).sum() < 1.0


def test_fit_finds_the_original_and_tells_unchanged_spans() -> None:
    features, labels, groups = _spans(3000, seed=1)
    shortlist = Shortlist.fit(features, labels, groups)
    test_features, test_labels, test_groups = _spans(600, seed=2)
    top_is_original, changed_top, unchanged_top = [], [], []
    for span in np.unique(test_groups):
        rows = test_groups == span
        p = shortlist.probabilities(test_features[rows])
        if test_labels[rows].any():
            top_is_original.append(test_labels[rows][np.argmax(p)] == 1)
            changed_top.append(p.max())
        else:
            unchanged_top.append(p.max())
    assert np.mean(top_is_original) > 0.8
    assert np.mean(changed_top) > np.mean(unchanged_top) + 0.3


def test_rows_of_a_span_must_be_adjacent() -> None:
    features, labels, groups = _spans(20, seed=3)
    with pytest.raises(ValueError, match="adjacent"):
        Shortlist.fit(features, labels, groups[::-1].copy() % 3)


def test_saved_shortlist_loads_the_same_and_another_version_is_refused(tmp_path: Path) -> None:
    features, labels, groups = _spans(300, seed=4)
    shortlist = Shortlist.fit(features, labels, groups)
    path = tmp_path / "shortlist.json"
    shortlist.save(path)
    np.testing.assert_allclose(Shortlist.load(path).probabilities(features[:7]), shortlist.probabilities(features[:7]))
    meta = json.loads(path.read_text())
    meta["training_version"] = -1
    path.write_text(json.dumps(meta))
    with pytest.raises(RuntimeError, match="another version"):
        Shortlist.load(path)


def test_batched_glove_cosines_equal_one_at_a_time() -> None:
    vectors = glove()
    phrases = ["house", "home", "dwelling", "white house", "no-such-wordzz", "according to", "purple"]
    expected = [vectors.cosine(phrase, "home") for phrase in phrases]
    np.testing.assert_allclose(vectors.cosines(phrases, "home"), expected, atol=1e-6)
    assert vectors.cosines(phrases, "qqqzzzunknown").tolist() == [0.0] * len(phrases)
