"""Session 25: the raw material for calibrating the check's spans. For every training and held-out
text of a tier: its words, which of them the simulator / SpinBot changed (diff against the original),
every signal the check finds before spans are chosen (n-gram signals are left to the fit, whose table
depends on the fold), and, for the full tier, the LM's full-context gain for each word it scored and the
word probe's hidden-state rows (training: kept to cross-fit the probe) or logits (held out).
Usage: PYTHONPATH=src .venv/bin/python probes/session25/span_data.py TIER OUT_DIR"""
import json, re, sys, time
import numpy as np
from unspin.detect import checker, features as F
from unspin.detect.corpora import clean_sources, fetch_clean_texts, split_sources
from unspin.detect.probe import word_labels
from unspin.detect.tortured import default_matcher
from unspin.detect.train import labelled_texts, spun_pairs
from unspin.evaluation.detection import HELD_OUT_PER_SOURCE
from unspin.tokenise import tokenise

tier, out = sys.argv[1], sys.argv[2]
full = tier == "full"
F.PREFERRED_GAIN = -1e9  # every scored replacement becomes a signal; its gain is read from the reason
GAIN = re.compile(r"\(\+(-?[0-9.]+) nats\)")


class Recorder:
    def __init__(self, probe):
        self.probe, self.rows, self.logits_ = probe, [], []

    def logits(self, rows):
        self.rows.append(np.asarray(rows, dtype=np.float16))
        values = self.probe.logits(rows)
        self.logits_.append(np.asarray(values, dtype=np.float32))
        return values


real_probe = checker.word_probe() if full else None
_, held_out = split_sources(clean_sources(fetch_clean_texts()))
splits = {"train": labelled_texts(tier),
          "heldout": [i for s, t in held_out.items() for i in spun_pairs(s, t, HELD_OUT_PER_SOURCE[tier])]}
matcher = default_matcher()
for split, items in splits.items():
    originals = {g: t for t, l, g in items if not l}
    records, rows = [], []
    t0 = time.time()
    for n, (text, label, group) in enumerate(items):
        recorder = Recorder(real_probe) if full else None
        checker.word_probe = lambda: recorder
        found = []
        per = checker.evidence_by_sentence(text, full, found, matcher.find(text))
        words = [t for t in tokenise(text) if t.is_word]
        marks = word_labels(text, originals[group]) if label else np.zeros(len(words), np.int8)
        rec = {"text": text, "label": label, "group": group, "pieces": [[a, b] for a, b, _, _ in per],
               "words": [[t.start, t.end] for t in words], "changed": marks.tolist(), "signals": [], "gains": []}
        for s in found:
            m = GAIN.search(s.reason)
            if m and s.reason.startswith("the language model prefers"):
                rec["gains"].append([s.start, s.end, float(m.group(1))])
            else:
                rec["signals"].append([s.start, s.end, s.reason, round(s.score, 4)])
        if full:
            r = np.concatenate(recorder.rows) if recorder.rows else np.zeros((0, 1152), np.float16)
            if len(r) != len(words):
                print("word count mismatch, skipped", group, len(r), len(words), flush=True)
                continue
            rec["probe_logits"] = [round(float(v), 3) for v in (np.concatenate(recorder.logits_) if recorder.logits_ else [])]
            if split == "train":
                rows.append(r)
        records.append(rec)
        if n % 50 == 0:
            print(split, n, len(items), f"{time.time() - t0:.0f} s", flush=True)
    json.dump(records, open(f"{out}/{tier}-{split}.json", "w"))
    if rows:
        np.save(f"{out}/{tier}-{split}-rows.npy", np.concatenate(rows))
    print("done", split, len(records), f"{time.time() - t0:.0f} s", flush=True)
