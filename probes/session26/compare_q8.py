"""Session 26: the edits of q8.py's runs against float32's (same spans and originals; confidence gaps).
Usage: python probes/session26/compare_q8.py q8 [q8noDown]"""
import json, sys
a = json.load(open("/tmp/s26/q8-f32.json"))
for mode in sys.argv[1:]:
    b = json.load(open(f"/tmp/s26/q8-{mode}.json"))
    same, gaps = 0, []
    for x, y in zip(a, b):
        dx = {tuple(e[:3]): e[3] for e in x}; dy = {tuple(e[:3]): e[3] for e in y}
        same += len(dx.keys() & dy.keys()); gaps += [abs(dx[k] - dy[k]) for k in dx.keys() & dy.keys()]
    print(mode, "edits f32", sum(map(len, a)), mode, sum(map(len, b)), "in common", same,
          "mean |confidence gap|", round(sum(gaps) / len(gaps), 4), "max", round(max(gaps), 4))
