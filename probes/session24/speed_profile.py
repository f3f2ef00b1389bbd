import cProfile, pstats, time, sys, json
from unspin.evaluation.bench import synthetic_pairs, SYNTHETIC_POOL, SYNTHETIC_SEED
from unspin.resources.build import load_restorer
r = load_restorer()
article = " ".join(p.spun for p in synthetic_pairs(SYNTHETIC_POOL, seed=SYNTHETIC_SEED)[-12:])
text = " ".join(article.split()[:1000])
r.restore(text[:500])
for i in range(2):
    t = time.perf_counter(); res = r.restore(text); print("timed", time.perf_counter() - t, len(res.edits), flush=True)
json.dump([(e.start, e.end, e.original, round(e.confidence, 4)) for e in res.edits], open(sys.argv[1], "w"))
cProfile.run("r.restore(text)", "/tmp/s24/prof.out")
p = pstats.Stats("/tmp/s24/prof.out"); p.sort_stats("cumulative").print_stats(45)
