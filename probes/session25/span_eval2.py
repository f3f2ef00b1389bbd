"""Session 25: span calibrator variants: only words with a signal of their own may be spans; tree sizes.
Usage: PYTHONPATH=src .venv/bin/python probes/session25/span_eval2.py TIER DATA_DIR"""
import sys, time
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

tier, data = sys.argv[1], sys.argv[2]
d = np.load(f"{data}/{tier}-matrices.npz")
names = list(d["names"])
tr = {k: d[f"train_{k}"] for k in ("x", "y", "w", "label", "base")}
ho = {k: d[f"heldout_{k}"] for k in ("x", "y", "w", "label", "base")}
SIG = [n for n in ("tortured", "residue", "article", "rare", "collocation", "gain_pos") if n in names]


def has_signal(x):
    s = (x[:, [names.index(n) for n in SIG]] > 0).any(1) | (x[:, names.index("ngram")] > 0)
    if "probe" in names:
        s |= x[:, names.index("probe")] > 0
    return s


def figures(marked, h, tag):
    spun, clean = h["label"] == 1, h["label"] == 0
    right = (marked & (h["y"] == 1) & spun).sum(); m = (marked & spun).sum(); changed = ((h["y"] == 1) & spun).sum()
    p, r = right / max(m, 1), right / max(changed, 1)
    print(f"  {tag:34s} P {p:.3f} R {r:.3f} F1 {2*p*r/max(p+r,1e-9):.3f}  clean marked/1000 {1000*(marked & clean).sum()/clean.sum():.1f}", flush=True)


sh, st = has_signal(ho["x"]), has_signal(tr["x"])
print(tier, "held-out words with a signal", round(sh.mean(), 3), "; changed words with one", round(sh[ho["y"] == 1].mean(), 3))
for tag, kw in (("300 trees lr .05 15 leaves", dict(max_iter=300, learning_rate=0.05, max_leaf_nodes=15)),
                ("60 trees lr .2 8 leaves", dict(max_iter=60, learning_rate=0.2, max_leaf_nodes=8)),
                ("30 trees lr .3 8 leaves", dict(max_iter=30, learning_rate=0.3, max_leaf_nodes=8))):
    for only in (False, True):
        keep = st if only else np.ones(len(st), bool)
        gb = HistGradientBoostingClassifier(l2_regularization=1.0, random_state=0, **kw).fit(tr["x"][keep], tr["y"][keep], sample_weight=tr["w"][keep])
        t0 = time.time(); ph = gb.predict_proba(ho["x"])[:, 1]; dt = time.time() - t0
        print(f"{tag}, fitted on {'signal words' if only else 'all words'}: predict {len(ph)/dt:.0f} rows/s (sklearn)", flush=True)
        for floor in (0.4, 0.5, 0.6):
            figures((ph >= floor) & sh, ho, f"signal words, floor {floor}")
        if not only:
            figures(ph >= 0.5, ho, "any word, floor 0.5")
