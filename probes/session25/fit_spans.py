"""Session 25: fit a tier's span model through the product's path (``detect.spans``) and save it into the
cache and the package's bundled copies. The full tier reads span_data.py's records (its LM pass, made
before the signals got kinds: their reasons say which) instead of a second pass over the training texts.
Usage: PYTHONPATH=src .venv/bin/python probes/session25/fit_spans.py TIER [DATA_DIR]"""
import json, shutil, sys, time
import numpy as np
from tqdm import tqdm
from unspin.detect.features import Signal
from unspin.detect.spans import SPAN_FILE, TextSignals, fit_span_model, text_signals
from unspin.detect.train import training_examples
from unspin.resources.build import TRAINED_DIR
from unspin.resources.paths import home
from unspin.tokenise import tokenise

tier = sys.argv[1]
KINDS = {"known tortured phrase": "tortured", "number residue": "residue", "broken contraction": "residue",
         "article does not agree": "article", "a much commoner synonym": "rare", "collocation break": "collocation",
         "the language model prefers": "lm"}


def from_record(r, rows):
    signals = []
    for a, b, reason, score in r["signals"]:
        if reason.startswith("reads to the language model"):
            continue
        (kind,) = [k for p, k in KINDS.items() if reason.startswith(p)]
        signals.append(Signal(a, b, r["text"][a:b], "", kind, score, reason))
    signals += [Signal(a, b, r["text"][a:b], "", "lm", gain, "") for a, b, gain in r["gains"]]
    words = [t for a, b in r["pieces"] for t in tokenise(r["text"][a:b], a) if t.is_word]
    assert [[w.start, w.end] for w in words] == r["words"], r["group"]
    return TextSignals(r["text"], r["label"], r["group"], [tuple(p) for p in r["pieces"]], words, signals, rows)


t0 = time.time()
examples = training_examples(home(), tier)
if tier == "full":
    records = json.load(open(f"{sys.argv[2]}/full-train.json"))
    rows = np.load(f"{sys.argv[2]}/full-train-rows.npy")
    bounds = np.cumsum([0] + [len(r["words"]) for r in records])
    texts = [from_record(r, rows[a:b]) for r, a, b in zip(records, bounds, bounds[1:])]
else:
    texts = [text_signals(e.text, e.label, e.group, False) for e in tqdm(examples)]
model = fit_span_model(tier, texts, examples, print)
path = home() / SPAN_FILE.format(tier=tier)
model.save(path)
shutil.copyfile(path, TRAINED_DIR / path.name)
print(tier, len(texts), "texts", len(model.trees), "trees", f"{time.time() - t0:.0f} s")
