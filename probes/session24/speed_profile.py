"""Session 24: the bench's 1,000-word article restored (after a warm-up on its first 500 characters)
twice, timed, then once under cProfile. Usage (the machine otherwise idle):
    OMP_NUM_THREADS=2 PYTHONPATH=src .venv/bin/python probes/session24/speed_profile.py"""
import cProfile
import pstats
import tempfile
import time

from unspin.evaluation.bench import SYNTHETIC_POOL, SYNTHETIC_SEED, synthetic_pairs
from unspin.resources.build import load_restorer

restorer = load_restorer()
article = " ".join(p.spun for p in synthetic_pairs(SYNTHETIC_POOL, seed=SYNTHETIC_SEED)[-12:])
text = " ".join(article.split()[:1000])
restorer.restore(text[:500])
for _ in range(2):
    start = time.perf_counter()
    result = restorer.restore(text)
    seconds = time.perf_counter() - start
    print(f"timed {seconds:.1f} s, {1000 / seconds:.1f} words/s, {len(result.edits)} edits", flush=True)
with tempfile.NamedTemporaryFile(suffix=".prof") as out:
    cProfile.run("restorer.restore(text)", out.name)
    pstats.Stats(out.name).sort_stats("cumulative").print_stats(45)
