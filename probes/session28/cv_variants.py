"""Session 28: n-gram table variants judged by cross-validation on the training texts only (the
detector's own 5-fold threshold_fits): AUC on the SpinBot texts and on the other texts, and the
clean non-SpinBot texts above the strict threshold. Usage: cv_variants.py TIER VARIANT..."""
import math, sys, time
from collections import Counter
import numpy as np
from sklearn.metrics import roc_auc_score
import unspin.detect.model as m
from unspin.detect.checker import DETECTOR_VERSION
from unspin.detect.features import tier_features
from unspin.evaluation.detection import _training_examples

def table(examples, w, raw_min):
    counts, raw = [Counter(), Counter()], Counter()
    for e in examples:
        weight = w if e.group.startswith("spinbot:") else 1
        for g in m.text_ngrams(e.text):
            counts[0 if e.label else 1][g] += weight; raw[g] += 1
    totals = [sum(c.values()) for c in counts]
    vocabulary = set(counts[0]) | set(counts[1]); size = len(vocabulary)
    out = {}
    for gram in vocabulary:
        s, o = counts[0][gram], counts[1][gram]
        if (raw[gram] if raw_min else s + o) >= m.MIN_NGRAM_COUNT:
            out[gram] = round(math.log((s + .5) / (totals[0] + .5 * size)) - math.log((o + .5) / (totals[1] + .5 * size)), 3)
    return out

tier = sys.argv[1]
examples = _training_examples(tier)
for variant in sys.argv[2:]:
    w, raw_min = float(variant.split(",")[0]), "raw" in variant
    m._table_for = lambda ex, tier=None: table(ex, w, raw_min)
    t = time.time()
    fits = m.threshold_fits(examples, tier, DETECTOR_VERSION, tier_features(tier))
    p, y = np.array(fits.scores), np.array([e.label for e in examples])
    sb = np.array([e.group.startswith("spinbot:") for e in examples])
    neg = np.sort(p[(y == 0)])
    allowed = m.allowed_false_positives(len(neg), m.MAX_TRAINING_FPR)
    th = max(0.5, neg[-1 - allowed])
    print(f"{tier} {variant}: AUC spinbot {roc_auc_score(y[sb], p[sb]):.4f} others {roc_auc_score(y[~sb], p[~sb]):.4f}; "
          f"strict {th:.3f}: recall spinbot {(p[sb & (y == 1)] >= th).mean():.3f} others {(p[~sb & (y == 1)] >= th).mean():.3f}; "
          f"errors at 0.5 spinbot {((p[sb] >= .5) != y[sb]).sum()} others {((p[~sb] >= .5) != y[~sb]).sum()} ({time.time()-t:.0f}s)", flush=True)
