"""Session 28: two saved detectors of a tier on the benchmark's held-out clean paragraphs and their
spins (cached features): AUC, and clean paragraphs flagged / spins caught at each one's strict
threshold and at 0.5, per source. Usage: heldout_compare.py TIER OLD_JSON NEW_JSON"""
import sys
from pathlib import Path
import numpy as np
from sklearn.metrics import roc_auc_score
from unspin.detect.corpora import clean_sources, fetch_clean_texts, split_sources
from unspin.detect.model import Detector, predict_examples
from unspin.detect.train import style_of
from unspin.evaluation.detection import held_out_examples
tier = sys.argv[1]
held = held_out_examples(tier, split_sources(clean_sources(fetch_clean_texts()))[1])
y = np.array([e.label for e in held]); src = np.array([style_of(e.group) for e in held])
for path in sys.argv[2:]:
    det = Detector.load(Path(path)); p = np.array(predict_examples(det, held)); th = det.threshold
    print(f"{path}: AUC {roc_auc_score(y, p):.4f}; strict {th}: clean flagged {((p >= th) & (y == 0)).sum()} of {(y == 0).sum()}, "
          f"spins caught {(p[y == 1] >= th).mean():.3f}; at 0.5: clean flagged {((p >= .5) & (y == 0)).sum()}, spins caught {(p[y == 1] >= .5).mean():.3f}")
    for s in sorted(set(src)):
        m = src == s
        print(f"   {s:30s} strict: clean {((p >= th) & (y == 0) & m).sum()} of {((y == 0) & m).sum()}, recall {(p[m & (y == 1)] >= th).mean():.3f}; "
              f"0.5: clean {((p >= .5) & (y == 0) & m).sum()}, recall {(p[m & (y == 1)] >= .5).mean():.3f}")
