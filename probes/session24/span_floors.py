"""Session 24: where the spans point if only spans scoring at least a floor are shown (one check per
text, the benchmark's held-out pairs as `localisation_figures` draws them).
Usage: PYTHONPATH=src .venv/bin/python probes/session24/span_floors.py [fast|full]"""
import sys
import numpy as np
import unspin
from unspin.detect.corpora import clean_sources, fetch_clean_texts, split_sources
from unspin.detect.probe import word_labels
from unspin.detect.train import spun_pairs
from unspin.evaluation.detection import HELD_OUT_PER_SOURCE, words_covered

tier = sys.argv[1] if len(sys.argv) > 1 else "full"
floors = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
_, held_out = split_sources(clean_sources(fetch_clean_texts()))
pairs = [item for source, texts in held_out.items() for item in spun_pairs(source, texts, HELD_OUT_PER_SOURCE[tier])]
originals = {group: text for text, label, group in pairs if not label}
sums = {f: [0, 0, 0, 0, 0] for f in floors}  # right, marked, changed, clean marked, clean words
for text, label, group in pairs:
    spans = unspin.check(text, fast=tier == "fast").spans
    truth = word_labels(text, originals[group]).astype(bool) if label else None
    for f in floors:
        marks = words_covered(text, [s for s in spans if s.score >= f])
        s = sums[f]
        if label:
            s[0] += int((marks & truth).sum()); s[1] += int(marks.sum()); s[2] += int(truth.sum())
        else:
            s[3] += int(marks.sum()); s[4] += len(marks)
for f, (right, marked, changed, clean, words) in sums.items():
    p, r = right / max(marked, 1), right / max(changed, 1)
    print(f"{tier} floor {f:.1f}: P {p:.3f} R {r:.3f} F1 {2 * p * r / max(p + r, 1e-9):.3f} | clean words covered "
          f"{clean} of {words} ({1000 * clean / max(words, 1):.1f} per 1,000)", flush=True)
