"""Session 25: the fast check's words per CPU-second on the bench's texts (`evaluation.detection.fast_speed`:
every clean paragraph, training and held out, and the synthetic spins), for whichever unspin is on PYTHONPATH.
Usage: OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python probes/session25/speed_compare.py LABEL"""
import sys
from unspin.detect.corpora import clean_sources, fetch_clean_texts
from unspin.evaluation.datasets import synthetic_pairs
from unspin.evaluation.detection import fast_speed
from unspin.resources.build import SYNTHETIC_POOL, SYNTHETIC_SEED

sources = clean_sources(fetch_clean_texts())
texts = [t for group in sources.values() for t in group] + [p.spun for p in synthetic_pairs(SYNTHETIC_POOL, seed=SYNTHETIC_SEED)]
f = fast_speed(texts)
print(sys.argv[1], f"{f['texts']} texts, {f['words']} words: {f['words_per_cpu_second']:.0f} words per CPU-second, {f['words_per_second']:.0f} per second", flush=True)
