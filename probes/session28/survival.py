"""Session 28: a channel statistic from SpinBot's own behaviour, word level. For each word of one
fold's spun texts (label: the diff says SpinBot changed it), from the other fold's pairs:
- kept_rate: of the times the word stood in an original, the share SpinBot left it (smoothed);
- output_count: how often it was written as (part of) a replacement.
Word-level AUC of each, alone, on the test fold."""
import math
from collections import Counter
import numpy as np
from sklearn.metrics import roc_auc_score
from unspin.evaluation.datasets import spinbot_pairs, fold_of
from unspin.evaluation.align import diff_spans
from unspin.tokenise import tokenise
pairs = [p for p in spinbot_pairs() if p.spun != p.original]

def words_and_changed(a, b):
    wa = [t for t in tokenise(a) if t.is_word]; wb = [t for t in tokenise(b) if t.is_word]
    changed = np.zeros(len(wa), bool)
    for r in diff_spans([t.lower for t in wa], [t.lower for t in wb]):
        changed[r.src_start_tok:r.src_end_tok] = True
    return [t.lower for t in wa], changed

for test in (0, 1):
    seen, kept, output = Counter(), Counter(), Counter()
    for p in pairs:
        if fold_of(p.id) == test: continue
        words, changed = words_and_changed(p.original, p.spun)   # original side: changed = SpinBot replaced it
        for w, c in zip(words, changed):
            seen[w] += 1; kept[w] += not c
        words, changed = words_and_changed(p.spun, p.original)
        for w, c in zip(words, changed):
            if c: output[w] += 1
    y, kr, oc, unseen = [], [], [], []
    for p in pairs:
        if fold_of(p.id) != test: continue
        words, changed = words_and_changed(p.spun, p.original)
        for w, c in zip(words, changed):
            y.append(c); kr.append((kept[w] + 1) / (seen[w] + 2)); oc.append(math.log1p(output[w])); unseen.append(seen[w] == 0)
    y, kr, oc, unseen = map(np.array, (y, kr, oc, unseen))
    print(f"test fold {test}: {len(y)} words, {y.mean():.3f} changed; AUC kept_rate (low=spun) {roc_auc_score(y, -kr):.3f}, "
          f"output_count {roc_auc_score(y, oc):.3f}, unseen-in-originals {roc_auc_score(y, unseen):.3f}; "
          f"changed among unseen {y[unseen].mean():.3f}, among seen {y[~unseen].mean():.3f}")

from unspin.candidates import FUNCTION_WORDS
from unspin.resources.lexicon import zipf
print("content words only, and with zipf as a rival:")
for test in (0, 1):
    seen, kept = Counter(), Counter()
    for p in pairs:
        if fold_of(p.id) == test: continue
        words, changed = words_and_changed(p.original, p.spun)
        for w, c in zip(words, changed):
            seen[w] += 1; kept[w] += not c
    y, kr, z = [], [], []
    for p in pairs:
        if fold_of(p.id) != test: continue
        words, changed = words_and_changed(p.spun, p.original)
        for w, c in zip(words, changed):
            if w in FUNCTION_WORDS: continue
            y.append(c); kr.append((kept[w] + 1) / (seen[w] + 2)); z.append(zipf(w))
    y, kr, z = map(np.array, (y, kr, z))
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict
    X1 = np.c_[z]; X2 = np.c_[z, kr, np.log(kr)]
    p1 = cross_val_predict(LogisticRegression(), X1, y, cv=5, method="predict_proba")[:, 1]
    p2 = cross_val_predict(LogisticRegression(), X2, y, cv=5, method="predict_proba")[:, 1]
    print(f"  fold {test}: {len(y)} content words, {y.mean():.3f} changed; AUC kept_rate {roc_auc_score(y, -kr):.3f}, "
          f"zipf {roc_auc_score(y, -z):.3f}, zipf+kept {roc_auc_score(y, p2):.3f} (zipf alone LR {roc_auc_score(y, p1):.3f})")
