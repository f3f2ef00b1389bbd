"""Session 25: calibrate the check's spans word by word, from span_data.py's records.
Each word gets features (the strongest signal of each kind on it, the n-gram log-odds, the LM's gain and
the word probe's logit in the full tier, the text's probability, frequency, function word, capital) and a
logistic regression says P(a spinner changed it). Training texts' probabilities and n-gram tables are
cross-fitted (fit_detector's folds), and so is the probe; held-out texts are scored by the shipped models.
Usage: PYTHONPATH=src .venv/bin/python probes/session25/span_fit.py TIER DATA_DIR"""
import json, math, sys
import numpy as np
from wordfreq import zipf_frequency
from unspin.candidates import FUNCTION_WORDS
from unspin.detect import model as M
from unspin.detect.checker import DETECTOR_VERSION
from unspin.detect.features import Evidence, tier_features
from unspin.detect.train import training_examples
from unspin.evaluation.datasets import stable_hash
from unspin.resources.paths import home
from unspin.tokenise import tokenise

tier, data = sys.argv[1], sys.argv[2]
full = tier == "full"
KINDS = {"known tortured phrase": "tortured", "number residue": "residue", "broken contraction": "residue",
         "article does not agree": "article", "a much commoner synonym": "rare", "collocation break": "collocation"}


def kind_of(reason):
    for prefix, kind in KINDS.items():
        if reason.startswith(prefix):
            return kind
    if reason.startswith("reads to the language model"):
        return None  # the probe: its logit is a feature of its own
    raise ValueError(reason)


def word_ngram_max(rec, table):
    out = np.zeros(len(rec["words"]))
    starts = {s: i for i, (s, e) in enumerate(rec["words"])}
    ends = {e: i for i, (s, e) in enumerate(rec["words"])}
    for a, b in rec["pieces"]:
        for gram, s, e in M.ngrams(rec["text"], a, b):
            v = table.get(gram, 0.0)
            for i in range(starts.get(s, -1), ends.get(e, -2) + 1):
                out[i] = max(out[i], v)
    return out


def word_features(rec, text_p, table, probe_logits):
    words = rec["words"]
    n = len(words)
    cols = {k: np.zeros(n) for k in ("tortured", "residue", "article", "rare", "collocation", "gain_pos", "scored")}
    index = {s: i for i, (s, e) in enumerate(words)}
    for a, b, reason, score in rec["signals"]:
        kind = kind_of(reason)
        if kind is None:
            continue
        hit = [i for i, (s, e) in enumerate(words) if s < b and a < e]
        if kind == "article":  # the article agrees with nothing: blame the word after it
            hit = [h + 1 for h in hit if h + 1 < n]
        for i in hit:
            cols[kind][i] = max(cols[kind][i], score)
    for a, b, gain in rec.get("gains", []):
        i = index.get(a)
        if i is not None:
            cols["gain_pos"][i] = max(gain, 0.0)
            cols["scored"][i] = 1.0
    cols["ngram"] = word_ngram_max(rec, table)
    p = min(max(text_p, 1e-4), 1 - 1e-4)
    cols["text_logit"] = np.full(n, math.log(p / (1 - p)))
    lowers = [rec["text"][s:e].lower() for s, e in words]
    cols["zipf"] = np.array([zipf_frequency(w, "en") for w in lowers])
    cols["function"] = np.array([float(w in FUNCTION_WORDS) for w in lowers])
    cols["capital"] = np.array([float(rec["text"][s:s + 1].isupper()) for s, e in words])
    if full:
        cols["probe"] = np.asarray(probe_logits, dtype=float)
    return cols


def cv_scores(examples):
    """fit_detector's threshold folds: each training text's probability and n-gram table from the fold without it."""
    feats = tier_features(tier)
    folds = [stable_hash("threshold:" + e.group) % M.THRESHOLD_FOLDS for e in examples]
    out = {}
    for k in range(M.THRESHOLD_FOLDS):
        det = M._fit([e for e, f in zip(examples, folds) if f != k], tier, DETECTOR_VERSION, feats)
        inside = [e for e, f in zip(examples, folds) if f == k]
        for e, p in zip(inside, M.predict_examples(det, inside)):
            out[e.text, e.group] = (p, det.ngrams, k)
    return out


def load_heldout_examples():
    doc = json.load(open(home() / f"detector-heldout-{tier}.json"))
    names = set(Evidence.__dataclass_fields__)
    return [M.Example(e["text"], e["label"], e["group"], Evidence(**{k: v for k, v in e["evidence"].items() if k in names}))
            for e in doc["examples"]]


def matrices():
    train = json.load(open(f"{data}/{tier}-train.json"))
    held = json.load(open(f"{data}/{tier}-heldout.json"))
    scores = cv_scores(training_examples(home(), tier))
    probe = {}
    if full:  # cross-fit the probe by the same folds
        from unspin.detect.probe import WordProbe
        rows = np.load(f"{data}/{tier}-train-rows.npy")
        offsets = np.cumsum([0] + [len(r["words"]) for r in train])
        fold = np.concatenate([np.full(len(r["words"]), scores[r["text"], r["group"]][2]) for r in train])
        y = np.concatenate([np.asarray(r["changed"]) for r in train])
        w = np.concatenate([np.full(len(r["words"]), 3.0 if r["group"].startswith("spinbot:") else 1.0) for r in train])
        logits = np.zeros(len(y))
        for k in range(M.THRESHOLD_FOLDS):
            m = WordProbe.fit(rows[fold != k].astype(np.float32), y[fold != k], w[fold != k])
            logits[fold == k] = m.logits(rows[fold == k].astype(np.float32))
            print("probe fold", k, flush=True)
        probe = {i: logits[offsets[i]:offsets[i + 1]] for i in range(len(train))}
    det = M.Detector.load(home() / f"detector-{tier}.json")
    ex = load_heldout_examples()
    held_p = {(e.text, e.group): p for e, p in zip(ex, M.predict_examples(det, ex))}
    out = {}
    for split, recs in (("train", train), ("heldout", held)):
        blocks, ys, ws, lab = [], [], [], []
        for i, r in enumerate(recs):
            if split == "train":
                p, table, _ = scores[r["text"], r["group"]]
                pl = probe.get(i)
            else:
                p, table, pl = held_p[r["text"], r["group"]], det.ngrams, r.get("probe_logits")
            cols = word_features(r, p, table, pl)
            blocks.append(cols)
            ys.append(np.asarray(r["changed"]))
            ws.append(np.full(len(r["words"]), 3.0 if r["group"].startswith("spinbot:") else 1.0))
            lab.append(np.full(len(r["words"]), r["label"]))
        names = list(blocks[0])
        x = np.concatenate([np.column_stack([b[k] for k in names]) for b in blocks])
        base = np.concatenate([_baseline(r) | (b["ngram"] >= M.TELLING_LOG_ODDS) for r, b in zip(recs, blocks)])
        out[split] = dict(x=x, y=np.concatenate(ys), w=np.concatenate(ws), label=np.concatenate(lab), base=base)
    np.savez(f"{data}/{tier}-matrices.npz", names=np.array(names),
             **{f"{s}_{k}": v for s, d in out.items() for k, v in d.items()})


def _baseline(r):
    """Words any current span covers (before scoring: every signal; n-gram spans not included)."""
    hit = np.zeros(len(r["words"]), bool)
    for a, b, reason, score in r["signals"]:
        for i, (s, e) in enumerate(r["words"]):
            if s < b and a < e:
                hit[i] = True
    for a, b, gain in r.get("gains", []):
        if gain >= 3.0:
            for i, (s, e) in enumerate(r["words"]):
                if s < b and a < e:
                    hit[i] = True
    return hit


if __name__ == "__main__":
    matrices()
