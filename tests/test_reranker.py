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


# --- the bundled shortlist and reranker (`unspin resources build` installs them) ---


def test_bundled_models_are_current_and_make_sense() -> None:
    """Fails when features or TRAINING_VERSION change without `make retrain` (or a build would
    train for an hour): the bundled models must load, and rank as a channel model should."""
    from unspin.resources.build import RERANKER_FILE, SHORTLIST_FILE, TRAINED_DIR
    from unspin.shortlist import FEATURES as SHORTLIST_FEATURES
    from unspin.shortlist import Shortlist

    reranker = Reranker.load(TRAINED_DIR / RERANKER_FILE)
    shortlist = Shortlist.load(TRAINED_DIR / SHORTLIST_FILE)
    # A WordNet synonym the LM strongly prefers, seen spun in real text, beats an unlisted word
    # the LM dislikes, for both models.
    word = {"zipf_original": 5.0, "zipf_spun": 3.5, "spun_surprisal": 9.0, "log_fanout": 3.0,
            "spun_words": 1.0, "original_words": 1.0, "text_spin_prior": 0.9}
    likely = word | {"lm_gain": 8.0, "left_gain": 4.0, "wordnet_synset": 1.0, "mined_log_count": 2.0,
              "glove_cosine": 0.8, "gain_margin": 5.0, "text_strong_share": 0.2, "text_words": 4.5,
              "sentence_strong_share": 0.2, "shortlist_probability": 0.6}
    unlikely = word | {"lm_gain": -6.0, "left_gain": -5.0, "glove_cosine": 0.1, "gain_margin": -6.0,
                "text_strong_share": 0.2, "text_words": 4.5, "sentence_strong_share": 0.2,
                "shortlist_probability": 0.01}
    high, low = reranker.probabilities([likely, unlikely])
    assert high > 0.5 > low
    rows = np.zeros((2, len(SHORTLIST_FEATURES)))
    column = {name: i for i, name in enumerate(SHORTLIST_FEATURES)}
    rows[0, [column["left_gain_clipped"], column["wordnet_synset"], column["mined_log_count"]]] = 4.0, 1.0, 2.0
    rows[1, column["left_gain_clipped"]] = -5.0
    rows[1, column["left_gain_behind_best"]] = -9.0
    first, second = shortlist.probabilities(rows)
    assert first > second


def test_build_installs_the_bundled_models_once(tmp_path: Path) -> None:
    from unspin.resources.build import RERANKER_FILE, TRAINED_DIR, TRAINED_FILES, install_trained

    assert install_trained(tmp_path)
    for name in TRAINED_FILES:
        assert (tmp_path / name).read_bytes() == (TRAINED_DIR / name).read_bytes()
    stamps = {name: (tmp_path / name).stat().st_mtime_ns for name in TRAINED_FILES}
    (tmp_path / RERANKER_FILE).write_bytes(b"a damaged or locally trained copy")
    assert install_trained(tmp_path)
    assert (tmp_path / RERANKER_FILE).read_bytes() == (TRAINED_DIR / RERANKER_FILE).read_bytes()
    for name in TRAINED_FILES:
        if name != RERANKER_FILE:  # identical files are left alone
            assert (tmp_path / name).stat().st_mtime_ns == stamps[name]


def test_bundled_models_of_another_version_are_not_installed(tmp_path: Path, monkeypatch) -> None:
    import shutil

    from unspin.resources import build

    stale = tmp_path / "bundled"
    shutil.copytree(build.TRAINED_DIR, stale)
    meta = json.loads((stale / build.SHORTLIST_FILE).read_text())
    meta["training_version"] -= 1
    (stale / build.SHORTLIST_FILE).write_text(json.dumps(meta))
    monkeypatch.setattr(build, "TRAINED_DIR", stale)
    target = tmp_path / "cache"
    target.mkdir()
    assert not build.install_trained(target)
    assert list(target.iterdir()) == []


def test_retrained_models_are_bundled_back(tmp_path: Path) -> None:
    """``make retrain``'s last step copies the trained models, the full detector's LM evidence and
    the span models from the cache into the package: the inverse of installing them."""
    import shutil

    from unspin.detect.probe import PROBE_FILE
    from unspin.detect.spans import SPAN_FILE
    from unspin.detect.train import EXAMPLES_FILE, LM_EVIDENCE_FILE, load_examples, text_key
    from unspin.resources import build
    from unspin.resources.paths import home

    cache, bundle = tmp_path / "cache", tmp_path / "bundle"
    cache.mkdir()
    bundle.mkdir()
    with pytest.raises(RuntimeError, match="--retrain"):
        build.bundle_trained(cache, bundle)  # nothing trained yet: nothing half-bundled
    assert list(bundle.iterdir()) == []
    assert build.install_trained(cache)
    examples = EXAMPLES_FILE.format(tier="full")
    shutil.copyfile(home() / examples, cache / examples)
    with pytest.raises(RuntimeError, match="probe"):
        build.bundle_trained(cache, bundle)  # no word probe trained yet: nothing half-bundled either
    assert list(bundle.iterdir()) == []
    shutil.copyfile(home() / PROBE_FILE, cache / PROBE_FILE)
    with pytest.raises(RuntimeError, match="span models"):
        build.bundle_trained(cache, bundle)  # no span models fitted yet
    assert list(bundle.iterdir()) == []
    spans = [SPAN_FILE.format(tier=tier) for tier in ("fast", "full")]
    for name in spans:
        shutil.copyfile(home() / name, cache / name)
    build.bundle_trained(cache, bundle)
    for name in (*build.TRAINED_FILES, PROBE_FILE, *spans):
        assert (bundle / name).read_bytes() == (build.TRAINED_DIR / name).read_bytes()
    exported = json.loads((bundle / LM_EVIDENCE_FILE).read_text())["texts"]
    rows = load_examples(cache / examples)
    assert rows and set(exported) == {text_key(row.text) for row in rows}
    first = exported[text_key(rows[0].text)]
    assert first["preferred"] == rows[0].evidence.preferred
    assert len(first["surprisals"]) == len(rows[0].evidence.surprisals)
