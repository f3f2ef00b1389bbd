"""Session 28: the benchmark's fast-tier speed alone (its texts, one thread), N runs.
Usage: OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python probes/session28/fast_speed.py N"""
import sys
from unspin.detect.corpora import clean_sources, fetch_clean_texts
from unspin.evaluation.datasets import synthetic_pairs
from unspin.evaluation.detection import fast_speed
from unspin.resources.build import SYNTHETIC_POOL, SYNTHETIC_SEED
sources = clean_sources(fetch_clean_texts())
texts = [t for group in sources.values() for t in group] + [p.spun for p in synthetic_pairs(SYNTHETIC_POOL, seed=SYNTHETIC_SEED)]
for _ in range(int(sys.argv[1])):
    r = fast_speed(texts)
    print({k: round(v, 1) for k, v in r.items()}, flush=True)
