"""Session 28: does counting SpinBot texts W times in the spinner n-gram table (and so letting a
phrase seen once in a real spin pass MIN_NGRAM_COUNT) help the SpinBot F1? Cross-fitted as the bench.
Usage: PYTHONPATH=src .venv/bin/python probes/session28/ngram_weight.py TIER W [W...]"""
import sys, time
import numpy as np
import unspin.detect.model as m
import unspin.evaluation.detection as d

def weighted_table(examples, w):
    """As ``fit_ngram_table`` with each SpinBot text counted ``w`` times (what the code does now)."""
    sides = [[e for e in examples if e.label == label] for label in (1, 0)]
    return m.fit_ngram_table(*([e.text for e in side] for side in sides),
                             weights=tuple([w if e.group.startswith("spinbot:") else 1.0 for e in side] for side in sides))

tier = sys.argv[1]
for w in map(float, sys.argv[2:]):
    t = time.time()
    m._table_for = lambda ex, tier=None, w=w: weighted_table(ex, w)
    d._cross_fitted.cache_clear()
    fig, labels, probs = d.spinbot_detection(tier)
    y, p = np.array(labels), np.array(probs)
    row = []
    for th in (0.4, 0.45, 0.5, 0.55):
        fp = int(((p >= th) & (y == 0)).sum()); fn = int(((p < th) & (y == 1)).sum())
        row.append(f"{th}: {fp}+{fn}")
    print(tier, "W", w, "F1", round(fig["f1"], 4), "AUC", round(fig["auc"], 4), "strict recall",
          round(fig["strict"]["recall"], 3), "strict FP", fig["strict"]["false_positives"], row, f"{time.time()-t:.0f}s", flush=True)
