"""Session 25: fit word-level span calibrators on the training matrices and score them on the held-out ones.
Usage: PYTHONPATH=src .venv/bin/python probes/session25/span_eval.py TIER DATA_DIR"""
import sys
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

tier, data = sys.argv[1], sys.argv[2]
d = np.load(f"{data}/{tier}-matrices.npz")
names = list(d["names"])
tr = {k: d[f"train_{k}"] for k in ("x", "y", "w", "label", "base")}
ho = {k: d[f"heldout_{k}"] for k in ("x", "y", "w", "label", "base")}
print(tier, "features", names, "train words", len(tr["y"]), "held-out words", len(ho["y"]))


def figures(marked, h, tag):
    spun, clean = h["label"] == 1, h["label"] == 0
    right = (marked & (h["y"] == 1) & spun).sum(); m = (marked & spun).sum(); changed = ((h["y"] == 1) & spun).sum()
    p, r = right / max(m, 1), right / max(changed, 1)
    print(f"  {tag:28s} P {p:.3f} R {r:.3f} F1 {2*p*r/max(p+r,1e-9):.3f}  clean marked/1000 {1000*(marked & clean).sum()/clean.sum():.1f}")


figures(ho["base"].astype(bool), ho, "every signal (now)")


def design(x, inter):
    if not inter:
        return x
    t = x[:, names.index("text_logit")][:, None]
    return np.column_stack([x, x * t])


for inter in (False, True):
    xt, xh = design(tr["x"], inter), design(ho["x"], inter)
    mu, sd = xt.mean(0), xt.std(0) + 1e-9
    lr = LogisticRegression(C=1.0, max_iter=2000).fit((xt - mu) / sd, tr["y"], sample_weight=tr["w"])
    ph = lr.predict_proba((xh - mu) / sd)[:, 1]
    spun = ho["label"] == 1
    print(f"logistic{' x text' if inter else ''}: held-out spins' words AUC {roc_auc_score(ho['y'][spun], ph[spun]):.3f}; all words AUC {roc_auc_score(ho['y'], ph):.3f}")
    if not inter:
        print("  weights", {n: round(float(c), 2) for n, c in zip(names, lr.coef_[0])})
    for floor in (0.3, 0.4, 0.5, 0.6, 0.7):
        figures(ph >= floor, ho, f"floor {floor}")
    # calibration of the score on held-out words
    bins = np.clip((ph * 10).astype(int), 0, 9)
    print("  reliability", [(b / 10, int((bins == b).sum()), round(float(ho["y"][bins == b].mean()), 3)) for b in range(10) if (bins == b).sum()])
gb = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, max_leaf_nodes=15, l2_regularization=1.0).fit(tr["x"], tr["y"], sample_weight=tr["w"])
ph = gb.predict_proba(ho["x"])[:, 1]
spun = ho["label"] == 1
print(f"boosted trees: held-out spins' words AUC {roc_auc_score(ho['y'][spun], ph[spun]):.3f}; all AUC {roc_auc_score(ho['y'], ph):.3f}")
for floor in (0.3, 0.4, 0.5, 0.6, 0.7):
    figures(ph >= floor, ho, f"floor {floor}")
bins = np.clip((ph * 10).astype(int), 0, 9)
print("  reliability", [(b / 10, int((bins == b).sum()), round(float(ho["y"][bins == b].mean()), 3)) for b in range(10) if (bins == b).sum()])
