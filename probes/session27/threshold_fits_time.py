"""Session 27: how long one threshold cross-fit (`model.threshold_fits`) takes per tier on the cached examples, the work retrain_detection now does once instead of twice. Usage: OMP_NUM_THREADS=2 PYTHONPATH=src .venv/bin/python probes/session27/threshold_fits_time.py"""
import time, sys
from unspin.detect.train import load_examples, EXAMPLES_FILE
from unspin.detect.model import threshold_fits
from unspin.detect.features import tier_features
from unspin.detect.checker import DETECTOR_VERSION
from unspin.resources.paths import home
for tier in ("fast", "full"):
    ex = load_examples(home() / EXAMPLES_FILE.format(tier=tier))
    t = time.time(); threshold_fits(ex, tier, DETECTOR_VERSION, tier_features(tier)); print(tier, len(ex), round(time.time() - t, 1), "s")
