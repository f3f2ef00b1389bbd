"""Probe: int8 dynamic quantisation (per-channel weights, fbgemm) of llama.py's linear layers.
Usage: OMP_NUM_THREADS=2 PYTHONPATH=src .venv/bin/python probes/session26/q8.py f32|q8|q8noDown [N]; writes /tmp/s26/q8-MODE.json"""
import os, sys, time, json
import torch
import torch.nn.functional as F
from unspin import llama as L
from unspin.evaluation.datasets import spinbot_pairs

MODE = sys.argv[1]  # f32 | q8 | q8nohead | q8noDown
N = int(sys.argv[2]) if len(sys.argv) > 2 else 20
torch.backends.quantized.engine = "fbgemm"
packed = {}
def prepack(w):
    w = w.float()
    scale = w.abs().amax(dim=1).clamp(min=1e-8) / 127.0
    q = torch.quantize_per_channel(w, scale.double(), torch.zeros(w.shape[0], dtype=torch.long), 0, torch.qint8)
    return torch.ops.quantized.linear_prepack(q, None)
orig_linear = F.linear
def qlinear(x, w, b=None):
    p = packed.get(id(w))
    if p is None:
        return orig_linear(x, w, b)
    shape = x.shape
    y = torch.ops.quantized.linear_dynamic(x.reshape(-1, shape[-1]).contiguous(), p, True)
    return y.reshape(*shape[:-1], y.shape[-1])

import unspin
from unspin.resources.build import load_restorer
r = load_restorer()
model = r.scorer.model if hasattr(r, "scorer") else None
m = r.scorer.model
if MODE.startswith("q8"):
    for layer in m.layers:
        for name in ("qkv", "output", "gate_up", "down"):
            if MODE == "q8noDown" and name == "down":
                continue
            packed[id(getattr(layer, name))] = prepack(getattr(layer, name))
    if MODE not in ("q8nohead",):
        packed[id(m.output_embedding)] = prepack(m.output_embedding)
    L.F.linear = qlinear
pairs = spinbot_pairs()[100:100 + N]
r.restore("A warm up sentence, to be restored once.")
t = time.time(); out = []
words = 0
for p in pairs:
    res = r.restore(p.spun)
    words += len(p.spun.split())
    out.append([(e.start, e.end, e.original, round(e.confidence, 4)) for e in res.edits])
dt = time.time() - t
print(MODE, f"{words} words {dt:.1f} s {words/dt:.1f} words/s")
json.dump(out, open(f"/tmp/s26/q8-{MODE}.json", "w"))
