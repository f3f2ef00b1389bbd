"""Session 25: the fast check's spans on 40 held-out synthetic SOTU spins (rate 0.25, as drawn) and on the
same paragraphs spun at rate 0.5: precision and recall of the words they cover. Usage:
PYTHONPATH=src .venv/bin/python probes/session25/light_spins.py"""
import unspin
from unspin.detect.probe import word_labels
from unspin.evaluation.datasets import synthetic_pairs
from unspin.evaluation.detection import words_covered
from unspin.resources.build import SYNTHETIC_POOL, SYNTHETIC_SEED, SYNTHETIC_TRAINING_PARAGRAPHS
from unspin.spin import spin

pairs = synthetic_pairs(SYNTHETIC_POOL, seed=SYNTHETIC_SEED)[SYNTHETIC_TRAINING_PARAGRAPHS:][:40]
for name, texts in (("rate 0.25", [p.spun for p in pairs]),
                    ("rate 0.5", [spin(p.original, rate=0.5, seed=i).text for i, p in enumerate(pairs)])):
    right = marked = changed = 0
    for text, pair in zip(texts, pairs):
        truth, marks = word_labels(text, pair.original).astype(bool), words_covered(text, unspin.check(text, fast=True).spans)
        right, marked, changed = right + (truth & marks).sum(), marked + marks.sum(), changed + truth.sum()
    print(f"{name}: precision {right / max(marked, 1):.3f}, recall {right / changed:.3f}")
