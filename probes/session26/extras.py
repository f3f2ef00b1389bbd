"""Probe: new full-tier aggregations of the cached per-word LM lists, cross-fitted as spinbot_detection.
Usage: PYTHONPATH=src .venv/bin/python probes/session26/extras.py"""
import sys, math, itertools
import numpy as np
from unspin.detect import features as F
from unspin.evaluation import detection as D
from unspin.detect.checker import DETECTOR_VERSION, MIN_FULL_WORDS
from unspin.detect.model import fit_detector, predict_examples
from sklearn.metrics import roc_auc_score

def topmean(v, k):
    v = sorted(v, reverse=True)[:k]
    return sum(v) / k if v else 0.0
def share(v, t):
    return sum(1 for x in v if x >= t) / max(len(v), 1)
def q(v, p):
    return float(np.percentile(v, p)) if v else 0.0

EXTRAS = {
    "gain_top2": lambda e: topmean(e.context_gains, 2),
    "gain_top4": lambda e: topmean(e.context_gains, 4),
    "gain_share1": lambda e: share(e.context_gains, 1.0),
    "gain_share5": lambda e: share(e.context_gains, 5.0),
    "gain_log": lambda e: F._mean([math.log1p(g) for g in e.context_gains]),
    "surp_q75": lambda e: q(e.surprisals, 75),
    "surp_q90": lambda e: q(e.surprisals, 90),
    "surp_top3": lambda e: topmean(e.surprisals, 3),
    "fit_top2": lambda e: topmean(e.fit_gains, 2),
    "fit_share": lambda e: share(e.fit_gains, 0.05),
}
orig_features, orig_var = F.Evidence.features, F.Evidence.variances
def features(self, full):
    out = orig_features(self, full)
    if full:
        for k, f in EXTRAS.items():
            out[k] = f(self)
    return out
def variances(self, full, typical, item_variance, features=None):
    out = orig_var(self, full, typical, item_variance, features)
    for k in EXTRAS:
        out[k] = 0.0
    return out
F.Evidence.features, F.Evidence.variances = features, variances

examples = D._training_examples("full")
fast = D._cross_fitted("fast")
tested = [e for fold in (0, 1) for e in examples if D._is_spinbot(e.group, fold)]

def run(extra):
    cols = F.tier_features("full") + list(extra)
    scored = {}
    for fold in (0, 1):
        test = [e for e in examples if D._is_spinbot(e.group, fold)]
        det = fit_detector([e for e in examples if not D._is_spinbot(e.group, fold)], "full", DETECTOR_VERSION, cols, max_fpr=None)
        for e, p in zip(test, predict_examples(det, test)):
            scored[e.text, e.group] = p
    y = np.array([e.label for e in tested])
    p = np.array([fast[e.text, e.group][0] if e.evidence.words < MIN_FULL_WORDS else scored[e.text, e.group] for e in tested])
    fp = int(((p >= .5) & (y == 0)).sum()); fn = int(((p < .5) & (y == 1)).sum())
    print(f"{'+'.join(extra) or 'shipped':40s} errors {fp+fn:3d} ({fp} fp, {fn} fn) AUC {roc_auc_score(y, p):.4f}", flush=True)

sets = [()] + [(k,) for k in EXTRAS] + [tuple(a.split(',')) for a in sys.argv[1:]]
for s in sets:
    run(s)
