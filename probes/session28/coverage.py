"""Session 28: how much of one SpinBot fold's substitutions does the other fold's mined table know
(as spun phrases)? And how often do those spun phrases occur in the originals?"""
from collections import Counter
from unspin.evaluation.datasets import spinbot_pairs, fold_of
from unspin.resources.mining import mine_aligned_pairs
from unspin.evaluation.align import diff_spans
from unspin.tokenise import tokenise
pairs = [p for p in spinbot_pairs() if p.spun != p.original]
for test in (0, 1):
    train = [(p.original, p.spun) for p in pairs if fold_of(p.id) != test]
    table = mine_aligned_pairs(train)
    multi = {k for k in table if " " in k}
    blocks = known = right = 0; kinds = Counter()
    for p in pairs:
        if fold_of(p.id) != test: continue
        st, ot = tokenise(p.spun), tokenise(p.original)
        for b in diff_spans(st, ot):
            key = " ".join(t.lower for t in st[b.src_start_tok:b.src_end_tok])
            val = " ".join(t.lower for t in ot[b.dst_start_tok:b.dst_end_tok])
            blocks += 1
            if key in table:
                known += 1; right += val in table[key]
    print(f"test fold {test}: {len(table)} keys ({len(multi)} multiword) from {len(train)} pairs; "
          f"test blocks {blocks}, key known {known} ({known/blocks:.2f}), with right original {right} ({right/blocks:.2f})")
