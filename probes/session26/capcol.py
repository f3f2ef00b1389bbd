"""How often a collocation-break signal on a capitalised word (inside a sentence) marks a changed word.
Usage: PYTHONPATH=src .venv/bin/python probes/session26/capcol.py"""
from collections import Counter
import numpy as np
from unspin.detect.spans import text_signals, _labels
from unspin.detect.train import labelled_texts
items = labelled_texts("fast")
ts = [text_signals(t, l, g, False) for t, l, g in items]
originals = {t.group: t.text for t in ts if not t.label}
c = Counter()
ex = []
for t in ts:
    if t.label and t.group not in originals: continue
    marks = _labels(t, originals)
    pos = {w.start: i for i, w in enumerate(t.words)}
    firsts = {t.words[0].start} if t.words else set()
    starts = {s for s, e in t.pieces}
    for s in t.signals:
        if s.kind != "collocation": continue
        i = pos.get(s.start)
        if i is None: continue
        w = t.words[i]
        cap = w.text[:1].isupper() and w.start not in starts
        src = "spinbot" if t.group.startswith("spinbot:") else "sim"
        c[src, cap, t.label, int(marks[i])] += 1
        if cap and src=="spinbot": ex.append((t.label, int(marks[i]), s.text, s.suggestion))
for k in sorted(c): print(k, c[k])
print(ex[:40])
