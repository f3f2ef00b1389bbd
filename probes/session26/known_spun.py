"""Session 26: the fast check's spans if the text's probability were taken as P (a user who knows the
text was spun), on 40 held-out synthetic SOTU spins (rate 0.25) and their originals: precision and
recall of the words the spans cover, and the originals' words covered per 1,000. Usage:
PYTHONPATH=src .venv/bin/python probes/session26/known_spun.py [P ...]"""
import sys
import unspin
from unspin.detect.probe import word_labels
from unspin.detect.spans import SpanModel
from unspin.evaluation.datasets import synthetic_pairs
from unspin.evaluation.detection import words_covered
from unspin.resources.build import SYNTHETIC_POOL, SYNTHETIC_SEED, SYNTHETIC_TRAINING_PARAGRAPHS

pairs = synthetic_pairs(SYNTHETIC_POOL, seed=SYNTHETIC_SEED)[SYNTHETIC_TRAINING_PARAGRAPHS:][:40]
original_method = SpanModel.word_probabilities
for known in [None] + [float(a) for a in sys.argv[1:]]:
    if known is not None:
        SpanModel.word_probabilities = lambda self, t, w, s, p, k=known: original_method(self, t, w, s, max(p, k))
    right = marked = changed = clean_marked = clean_words = 0
    for pair in pairs:
        truth = word_labels(pair.spun, pair.original).astype(bool)
        marks = words_covered(pair.spun, unspin.check(pair.spun, fast=True).spans)
        right, marked, changed = right + (truth & marks).sum(), marked + marks.sum(), changed + truth.sum()
        clean = words_covered(pair.original, unspin.check(pair.original, fast=True).spans)
        clean_marked, clean_words = clean_marked + clean.sum(), clean_words + len(clean)
    print(f"P {known}: spins precision {right / max(marked, 1):.3f}, recall {right / changed:.3f};"
          f" originals {1000 * clean_marked / clean_words:.1f} words per 1,000 covered", flush=True)
