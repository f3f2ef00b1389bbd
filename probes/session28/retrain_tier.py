"""Session 28: `retrain_detection` for some tiers into $UNSPIN_HOME, timed.
Usage: UNSPIN_HOME=/tmp/s28/home OMP_NUM_THREADS=2 PYTHONPATH=src .venv/bin/python probes/session28/retrain_tier.py fast [full]"""
import os, sys, time
from pathlib import Path
from unspin.detect.train import retrain_detection
t = time.time()
retrain_detection(Path(os.environ["UNSPIN_HOME"]), say=lambda m: print(f"[{time.time()-t:7.1f}s] {m}", flush=True),
                  tiers=tuple(sys.argv[1:]))
print(f"done in {time.time()-t:.1f} s", flush=True)
