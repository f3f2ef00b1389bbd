"""Session 24: where the check's spans point, on the benchmark's held-out paragraphs and their spins
(`evaluation.detection.localisation_figures`), the full tier with and without the word probe's spans,
and the fast tier. Usage: PYTHONPATH=src .venv/bin/python probes/session24/localise.py"""
import json, time
from unspin.detect import checker
from unspin.detect.corpora import clean_sources, fetch_clean_texts, split_sources
from unspin.evaluation.detection import localisation_figures

_, held_out = split_sources(clean_sources(fetch_clean_texts()))
for name, tier, probe in (("full, with the probe's spans (shipped)", "full", True),
                          ("full, without them", "full", False), ("fast", "fast", True)):
    if not probe:
        checker.word_probe = lambda: None
    t0 = time.time()
    print(name, json.dumps(localisation_figures(tier, held_out)), f"{time.time() - t0:.0f} s", flush=True)
