"""Session 25: where the check's spans point now (calibrated, P >= 0.5), on the benchmark's held-out
paragraphs and their spins (`evaluation.detection.localisation_figures`). Usage:
PYTHONPATH=src .venv/bin/python probes/session25/localise.py fast|full"""
import json, sys, time
from unspin.detect.corpora import clean_sources, fetch_clean_texts, split_sources
from unspin.evaluation.detection import localisation_figures

_, held_out = split_sources(clean_sources(fetch_clean_texts()))
for tier in sys.argv[1:]:
    t0 = time.time()
    print(tier, json.dumps(localisation_figures(tier, held_out)), f"{time.time() - t0:.0f} s", flush=True)
