"""Session 28: how the fast check's P(spun), the restore engine's spin prior, moves when the n-gram
table weighs real spins 3 times: the shipped (version 7) fast detector against one fitted now on the
same cached examples, on the held-out clean paragraphs and their spins (the benchmark's), and on the
SpinBot texts (cross-fitted by fold, old and new code alike via the probe's table switch).
Usage: PYTHONPATH=src .venv/bin/python probes/session28/prior_shift.py OLD_DETECTOR_JSON"""
import sys
import numpy as np
from unspin.detect.model import Detector, fit_detector, predict_examples
from unspin.detect.features import tier_features
from unspin.detect.checker import DETECTOR_VERSION
from unspin.detect.train import load_examples, style_of
from unspin.resources.paths import home
old = Detector.load(__import__("pathlib").Path(sys.argv[1]))
training = load_examples(home() / "detector-examples-fast.json")
new = fit_detector(training, "fast", DETECTOR_VERSION, tier_features("fast"))
print("strict thresholds old / new", old.threshold, new.threshold)
from unspin.detect.corpora import clean_sources, fetch_clean_texts, split_sources
from unspin.evaluation.detection import held_out_examples
held = held_out_examples("fast", split_sources(clean_sources(fetch_clean_texts()))[1])
po, pn = np.array(predict_examples(old, held)), np.array(predict_examples(new, held))
y = np.array([e.label for e in held]); src = np.array([style_of(e.group) for e in held])
for s in sorted(set(src)) + ["all"]:
    m = (src == s) if s != "all" else np.ones(len(src), bool)
    for label in (0, 1):
        k = m & (y == label)
        print(f"{s:28s} {'spun ' if label else 'clean'} n={k.sum():4d} mean P old {po[k].mean():.3f} new {pn[k].mean():.3f}; "
              f">=0.5 old {(po[k]>=.5).mean():.3f} new {(pn[k]>=.5).mean():.3f}")
from sklearn.metrics import roc_auc_score
for name, det, p in (("old", old, po), ("new", new, pn)):
    print(f"{name}: AUC {roc_auc_score(y, p):.4f}; at strict {det.threshold}: clean flagged {((p >= det.threshold) & (y == 0)).sum()} of {(y == 0).sum()}, "
          f"spins caught {((p >= det.threshold) & (y == 1)).mean() / (y == 1).mean():.3f}; at 0.5 clean flagged {((p >= .5) & (y == 0)).sum()}")
    for s in sorted(set(src)):
        m = src == s
        print(f"   {s:28s} strict: clean {((p >= det.threshold) & (y == 0) & m).sum()} of {((y == 0) & m).sum()}, recall {((p >= det.threshold) & (y == 1) & m).sum() / ((y == 1) & m).sum():.3f}")
