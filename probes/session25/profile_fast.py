"""Session 25: cProfile of the fast check on 600 held-out clean paragraphs. Usage: PYTHONPATH=src .venv/bin/python probes/session25/profile_fast.py"""
import cProfile, pstats, unspin
from unspin.detect.corpora import clean_sources, fetch_clean_texts, split_sources
_, held_out = split_sources(clean_sources(fetch_clean_texts()))
texts = [t for ts in held_out.values() for t in ts][:600]
unspin.check(texts[0], fast=True)
cProfile.run("for t in texts: unspin.check(t, fast=True)", "/tmp/profile_fast.out")
pstats.Stats("/tmp/profile_fast.out").sort_stats("cumulative").print_stats(25)
