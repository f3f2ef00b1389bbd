"""Session 28: does counting SpinBot texts W times in the spinner n-gram table (and so letting a
phrase seen once in a real spin pass MIN_NGRAM_COUNT) help the SpinBot F1? Cross-fitted as the bench.
Usage: PYTHONPATH=src .venv/bin/python probes/session28/ngram_weight.py TIER W [W...]"""
import math, sys, time
from collections import Counter
import numpy as np
import unspin.detect.model as m
import unspin.evaluation.detection as d

def weighted_table(examples, w):
    counts = [Counter(), Counter()]
    for e in examples:
        weight = w if e.group.startswith("spinbot:") else 1
        for g in m.text_ngrams(e.text):
            counts[0 if e.label else 1][g] += weight
    totals = [sum(c.values()) for c in counts]
    vocabulary = set(counts[0]) | set(counts[1])
    size = len(vocabulary)
    table = {}
    for gram in vocabulary:
        s, o = counts[0][gram], counts[1][gram]
        if s + o >= m.MIN_NGRAM_COUNT:
            table[gram] = round(math.log((s + m.NGRAM_SMOOTHING) / (totals[0] + m.NGRAM_SMOOTHING * size))
                                - math.log((o + m.NGRAM_SMOOTHING) / (totals[1] + m.NGRAM_SMOOTHING * size)), 3)
    return table

tier = sys.argv[1]
for w in map(float, sys.argv[2:]):
    t = time.time()
    m._table_for = lambda ex, w=w: weighted_table(ex, w)
    d._cross_fitted.cache_clear()
    fig, labels, probs = d.spinbot_detection(tier)
    y, p = np.array(labels), np.array(probs)
    row = []
    for th in (0.4, 0.45, 0.5, 0.55):
        fp = int(((p >= th) & (y == 0)).sum()); fn = int(((p < th) & (y == 1)).sum())
        row.append(f"{th}: {fp}+{fn}")
    print(tier, "W", w, "F1", round(fig["f1"], 4), "AUC", round(fig["auc"], 4), "strict recall",
          round(fig["strict"]["recall"], 3), "strict FP", fig["strict"]["false_positives"], row, f"{time.time()-t:.0f}s", flush=True)
