"""Session 26: `retrain_detection` end to end into $UNSPIN_HOME (a copy of the cache without the
detector files), timed. Usage: UNSPIN_HOME=/tmp/s26/home OMP_NUM_THREADS=2 PYTHONPATH=src .venv/bin/python probes/session26/retrain.py"""
import time, os
from pathlib import Path
from unspin.detect.train import retrain_detection
t = time.time()
retrain_detection(Path(os.environ["UNSPIN_HOME"]), say=lambda m: print(f"[{time.time()-t:7.1f}s] {m}", flush=True))
print(f"done in {time.time()-t:.1f} s", flush=True)
