"""Session 25: the spans of the bundled example (fast and full check), each against the words the spinner
changed there; and how often capitalised words inside sentences were changed in the fast tier's training spins
(span_data.py's records). Usage: PYTHONPATH=src .venv/bin/python probes/session25/example_spans.py [DATA_DIR]"""
import json, sys
import numpy as np
import unspin
from unspin.detect.probe import word_labels
from unspin.evaluation.detection import words_covered
from unspin.tokenise import tokenise

spun, original = open("examples/spun-news.txt").read(), open("examples/spun-news.original.txt").read()
changed = word_labels(spun, original).astype(bool)
words = [t for t in tokenise(spun) if t.is_word]
for fast in (True, False):
    report = unspin.check(spun, fast=fast)
    right = sum(bool(changed[[i for i, w in enumerate(words) if s.start < w.end and w.start < s.end]].any()) for s in report.spans)
    home = [s for s in report.spans if s.text.endswith("Home")]
    print(report.tier, f"P {report.probability:.3f}: {len(report.spans)} spans, {right} on words the spinner changed;",
          f"'Home' a span: {bool(home)}; the original: {int(words_covered(original, unspin.check(original, fast=fast).spans).sum())} words under spans")
if len(sys.argv) > 1:
    for name, pick in (("SpinBot", True), ("simulated", False)):
        inside = hit = 0
        for r in json.load(open(f"{sys.argv[1]}/fast-train.json")):
            if r["label"] and r["group"].startswith("spinbot:") == pick:
                for (s, e), c in zip(r["words"], r["changed"]):
                    if r["text"][s].isupper() and s > 1 and r["text"][s - 2 : s] != ". ":
                        inside, hit = inside + 1, hit + c
        print(f"{name} spins: {hit} of {inside} capitalised words inside sentences changed ({hit / inside:.1%})")
    rules = {}
    for r in json.load(open(f"{sys.argv[1]}/fast-train.json")):
        marks = dict(zip(map(tuple, r["words"]), r["changed"]))
        for a, b, reason, _ in r["signals"]:
            if reason in ("broken contraction", "number residue", "known tortured phrase"):
                hit = max((c for (s, e), c in marks.items() if s < b and a < e), default=0)
                rules[reason] = [x + y for x, y in zip(rules.get(reason, [0, 0]), (1, hit))]
    print("rule signals in the fast tier's training texts (count, on changed words):", rules)
