"""Session 26: what `retrain_detection` fitted in one pass (in NEW, an UNSPIN_HOME) against the
bundled models (installed in OLD, the usual cache): the training examples' evidence, the detectors'
weights and strict thresholds, the word probe, and the span models' probabilities on the same rows.
Usage: PYTHONPATH=src .venv/bin/python probes/session26/compare_retrain.py OLD NEW"""
import json, sys
from pathlib import Path
import numpy as np
from unspin.detect.checker import DETECTOR_FILES
from unspin.detect.model import Detector
from unspin.detect.probe import PROBE_FILE, WordProbe
from unspin.detect.spans import SPAN_FILE, SpanModel, columns
from unspin.detect.train import EXAMPLES_FILE, load_examples

old, new = Path(sys.argv[1]), Path(sys.argv[2])
for tier in ("fast", "full"):
    a = {(e.text, e.group): e.evidence for e in load_examples(old / EXAMPLES_FILE.format(tier=tier))}
    b = {(e.text, e.group): e.evidence for e in load_examples(new / EXAMPLES_FILE.format(tier=tier))}
    same = sum(a[k] == b[k] for k in b if k in a)
    gaps = [max([abs(x - y) for x, y in zip(getattr(a[k], f), getattr(b[k], f))] or [0.0])
            for k in b if k in a for f in ("surprisals", "context_gains", "function_surprisals")
            if len(getattr(a[k], f)) == len(getattr(b[k], f))]
    lengths = sum(len(getattr(a[k], f)) != len(getattr(b[k], f)) for k in b if k in a
                  for f in ("surprisals", "context_gains", "function_surprisals"))
    print(tier, f"examples {len(b)} (old {len(a)}), evidence identical {same}, LM lists of other length {lengths},"
          f" largest LM value gap {max(gaps):.4f}")
    da, db = Detector.load(old / DETECTOR_FILES[tier]), Detector.load(new / DETECTOR_FILES[tier])
    print(tier, "detector: largest weight gap", round(float(np.max(np.abs(np.array(da.coef) - np.array(db.coef)))), 4),
          "strict threshold", da.threshold, "->", db.threshold)
    sa, sb = SpanModel.load(old / SPAN_FILE.format(tier=tier), tier), SpanModel.load(new / SPAN_FILE.format(tier=tier), tier)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5000, len(columns(tier))))
    x[:, columns(tier).index("text_logit")] *= 3
    pa, pb = sa.predict_with_floors(np.abs(x)), sb.predict_with_floors(np.abs(x))
    print(tier, "span model: P on 5,000 random rows, mean |gap|", round(float(np.mean(np.abs(pa - pb))), 4),
          "agree at 0.5", round(float(np.mean((pa >= .5) == (pb >= .5))), 4), "floors", sa.floors, sb.floors)
pa, pb = WordProbe.load(old / PROBE_FILE), WordProbe.load(new / PROBE_FILE)
cos = float(pa.weights @ pb.weights / np.linalg.norm(pa.weights) / np.linalg.norm(pb.weights))
print("probe: cosine of weights", round(cos, 4), "bias", round(pa.bias, 4), round(pb.bias, 4))
