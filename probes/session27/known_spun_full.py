"""Session 27: `check(text, spun=True)` against `check(text)` in the full tier (session 26 measured the
fast one), on the 40 held-out synthetic SOTU spins (rate 0.25) of session 26's `known_spun.py` and
their originals: precision and recall of the changed words the spans cover, and the originals' words
covered per 1,000. Usage: OMP_NUM_THREADS=2 PYTHONPATH=src .venv/bin/python probes/session27/known_spun_full.py [full|fast]"""
import sys
import time

import unspin
from unspin.detect.probe import word_labels
from unspin.evaluation.datasets import synthetic_pairs
from unspin.evaluation.detection import words_covered
from unspin.resources.build import SYNTHETIC_POOL, SYNTHETIC_SEED, SYNTHETIC_TRAINING_PARAGRAPHS

fast = sys.argv[1:] == ["fast"]
pairs = synthetic_pairs(SYNTHETIC_POOL, seed=SYNTHETIC_SEED)[SYNTHETIC_TRAINING_PARAGRAPHS:][:40]
started = time.time()
for told in (False, True):
    right = marked = changed = clean_marked = clean_words = 0
    for pair in pairs:
        truth = word_labels(pair.spun, pair.original).astype(bool)
        marks = words_covered(pair.spun, unspin.check(pair.spun, fast=fast, spun=told).spans)
        right, marked, changed = right + (truth & marks).sum(), marked + marks.sum(), changed + truth.sum()
        clean = words_covered(pair.original, unspin.check(pair.original, fast=fast, spun=told).spans)
        clean_marked, clean_words = clean_marked + clean.sum(), clean_words + len(clean)
    print(f"{'fast' if fast else 'full'}, spun={told}: spins precision {right / max(marked, 1):.3f}, recall "
          f"{right / changed:.3f}; originals {1000 * clean_marked / clean_words:.1f} words per 1,000 covered "
          f"({time.time() - started:.0f} s)", flush=True)
