"""Session 25: `boosted.BoostedTrees.predict` (all trees at once) against the per-tree walk the reranker used
before, on the cached reranker and random rows (NaN included): largest difference and time. Usage:
PYTHONPATH=src .venv/bin/python probes/session25/trees_compare.py"""
import time
import numpy as np
from unspin.reranker import FEATURES, Reranker
from unspin.resources.build import RERANKER_FILE
from unspin.resources.paths import home


def per_tree(nodes, features):
    rows, at = np.arange(len(features)), np.zeros(len(features), dtype=np.int64)
    while True:
        leaf = nodes["is_leaf"][at].astype(bool)
        if leaf.all():
            return nodes["value"][at]
        x = features[rows, nodes["feature_idx"][at]]
        go_left = np.where(np.isnan(x), nodes["missing_go_to_left"][at].astype(bool), x <= nodes["num_threshold"][at])
        at = np.where(leaf, at, np.where(go_left, nodes["left"][at], nodes["right"][at]).astype(np.int64))


def old(model, x):
    raw = np.full(len(x), model.baseline)
    for nodes in model.trees:
        raw += per_tree(nodes, x)
    return 1 / (1 + np.exp(-raw))


model = Reranker.load(home() / RERANKER_FILE)
x = np.random.default_rng(0).normal(size=(2000, len(FEATURES))) * 3
x[::7, 3] = np.nan
print("largest difference", np.abs(model.predict(x) - old(model, x)).max())
for rows, repeat in ((2000, 3), (30, 50)):
    for name, f in (("all at once", model.predict), ("per tree", lambda v: old(model, v))):
        t = time.perf_counter()
        for _ in range(repeat):
            f(x[:rows])
        print(f"{rows} rows, {name}: {(time.perf_counter() - t) / repeat * 1000:.1f} ms")
