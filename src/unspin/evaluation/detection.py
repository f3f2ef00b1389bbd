"""Detection figures for ``make bench``: is a text spun? (issue #3)

- SpinBot pairs, both sides, cross-fitted by the 2 folds: each fold is scored
  by detectors fitted on the other fold plus simulated spins. Neither tier uses
  the mined pairs or the reranker (both learned from all SpinBot pairs); the
  full tier's language model (SmolLM2) was pretrained by others on web text
  that may include the Wikipedia originals.
- Synthetic: the held-out simulated spins (``resources.build`` trains on the
  first paragraphs of the pool, the detectors on the same or fewer).
- Clean text of other kinds, never trained on: speech paragraphs outside the
  training pool, Reuters news, FOLDOC encyclopedia entries and Jane Austen's
  novels (Debian's ``r-cran-tm``, ``dict-foldoc`` and ``r-cran-janeaustenr``,
  unpacked by ``make clean-texts``), each paragraph of 100+ words: the
  false-positive rate. (No scientific abstracts: none found offline.)
- Tortured phrases: all 7,942 planted in a sentence (with the terms an AND
  fingerprint needs), and every hit on the clean texts.
- Speed of the fast tier, and a reliability diagram (PNG) of both tiers.
"""

from __future__ import annotations

import gzip
import html
import json
import re
import struct
import sys
import time
import zlib
from pathlib import Path

import numpy as np

from unspin.evaluation.datasets import fold_of, sotu_paragraphs, synthetic_pairs
from unspin.evaluation.metrics import expected_calibration_error, reliability_table
from unspin.resources.build import SYNTHETIC_POOL, SYNTHETIC_SEED, SYNTHETIC_TRAINING_PARAGRAPHS

MIN_CLEAN_WORDS = 100
CLEAN_PER_SOURCE = {"fast": 300, "full": 40}  # the full tier is slow on 2 cores
THRESHOLD = 0.5
CLEAN_TEXTS = Path("bench-results/clean-texts")  # where `make clean-texts` unpacks the Debian packages


def binary_figures(labels: list[int], probabilities: list[float], threshold: float = THRESHOLD) -> dict:
    from sklearn.metrics import roc_auc_score

    y, p = np.array(labels), np.array(probabilities)
    flagged = p >= threshold
    tp, fp = int((flagged & (y == 1)).sum()), int((flagged & (y == 0)).sum())
    fn = int((~flagged & (y == 1)).sum())
    negatives = int((y == 0).sum())
    out = {"texts": len(y), "spun": int(y.sum()), "threshold": threshold,
           "fpr": fp / negatives if negatives else 0.0,
           "false_positives": fp}
    if 0 < y.sum() < len(y):
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        out |= {"auc": float(roc_auc_score(y, p)), "precision": precision, "recall": recall,
                "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0}
    return out


def _is_spinbot(group: str, fold: int) -> bool:
    return group.startswith("spinbot:") and fold_of(group.split(":", 1)[1]) == fold


def spinbot_detection(tier: str) -> tuple[dict, list[int], list[float]]:
    """Cross-fitted figures on the 195 SpinBot pairs (both sides)."""
    from unspin.detect.checker import DETECTOR_VERSION
    from unspin.detect.features import FAST_FEATURES, FULL_FEATURES
    from unspin.detect.model import fit_detector, predict_examples
    from unspin.detect.train import training_examples
    from unspin.resources.paths import home

    examples = training_examples(home(), tier)
    features = list(FULL_FEATURES if tier == "full" else FAST_FEATURES)
    labels: list[int] = []
    probabilities: list[float] = []
    for fold in (0, 1):
        test = [e for e in examples if _is_spinbot(e.group, fold)]
        train = [e for e in examples if not _is_spinbot(e.group, fold)]
        detector = fit_detector(train, tier, DETECTOR_VERSION, features)
        probabilities += predict_examples(detector, test)
        labels += [e.label for e in test]
    return binary_figures(labels, probabilities), labels, probabilities


def synthetic_detection(tier: str) -> tuple[dict, list[int], list[float]]:
    import unspin

    held_out = synthetic_pairs(SYNTHETIC_POOL, seed=SYNTHETIC_SEED)[SYNTHETIC_TRAINING_PARAGRAPHS:]
    labels, probabilities = [], []
    for pair in held_out:
        for text, label in ((pair.original, 0), (pair.spun, 1)):
            probabilities.append(unspin.check(text, fast=tier == "fast").probability)
            labels.append(label)
    return binary_figures(labels, probabilities), labels, probabilities


# --- clean text of other kinds ----------------------------------------------------


def _long(paragraphs: list[str]) -> list[str]:
    return [p for p in (" ".join(x.split()) for x in paragraphs) if len(p.split()) >= MIN_CLEAN_WORDS]


def speech_paragraphs() -> list[str]:
    """State of the Union paragraphs outside the synthetic pool (seed 7), 100+ words."""
    used = {p.original for p in synthetic_pairs(SYNTHETIC_POOL, seed=SYNTHETIC_SEED)}
    return [p for p in _long(sotu_paragraphs(1500, seed=11)) if p not in used]


def reuters_articles(folder: Path) -> list[str]:
    """Reuters-21578 article bodies shipped with R's tm package (Debian ``r-cran-tm``)."""
    out = []
    for path in sorted(folder.glob("usr/lib/R/site-library/tm/texts/*/*.xml")):
        body = re.search(r"<BODY>(.*?)</BODY>", path.read_text(encoding="utf-8", errors="replace"), re.S)
        if body:
            out.append(re.sub(r"\s*Reuter\s*\x03?\s*$", "", html.unescape(body.group(1))))
    return _long(out)


def foldoc_paragraphs(folder: Path) -> list[str]:
    """Prose paragraphs of the Free On-line Dictionary of Computing (Debian ``dict-foldoc``)."""
    path = folder / "usr/share/dictd/foldoc.dict.dz"
    if not path.exists():
        return []
    text = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
    paragraphs = re.split(r"\n\s*\n", text)
    cleaned = []
    for block in paragraphs:
        if not block.startswith("   ") or "http" in block:
            continue
        block = re.sub(r"<[^>]*>", " ", block).replace("{", "").replace("}", "")
        cleaned.append(block)
    return _long(cleaned)


def r_character_vectors(path: Path) -> list[list[str]]:
    """The character vectors in an R lazy-load database (``*.rdb``: zlib-compressed XDR objects)."""
    data = path.read_bytes()
    position, out = 0, []
    while position + 4 < len(data):
        stream = zlib.decompressobj()
        raw = stream.decompress(data[position + 4 :])
        position = len(data) - len(stream.unused_data)
        if not raw.startswith(b"X\n"):
            continue
        at = 14  # "X\n", then format version, R version, minimal R version
        if struct.unpack(">i", raw[2:6])[0] == 3:
            at += 4 + struct.unpack(">i", raw[at : at + 4])[0]  # native encoding name
        flags, count = struct.unpack(">ii", raw[at : at + 8])
        if flags & 0xFF != 16:  # STRSXP
            continue
        at += 8
        strings = []
        for _ in range(count):
            length = struct.unpack(">i", raw[at + 4 : at + 8])[0]
            at += 8
            strings.append(raw[at : at + max(length, 0)].decode("utf-8", errors="replace"))
            at += max(length, 0)
        out.append(strings)
    return out


def austen_paragraphs(folder: Path) -> list[str]:
    """Paragraphs of Jane Austen's six novels (Debian ``r-cran-janeaustenr``)."""
    path = folder / "usr/lib/R/site-library/janeaustenr/data/Rdata.rdb"
    if not path.exists():
        return []
    paragraphs = []
    for book in r_character_vectors(path):
        paragraphs += "\n".join(book).split("\n\n")
    return _long(paragraphs)


def clean_sources(folder: Path = CLEAN_TEXTS) -> dict[str, list[str]]:
    sources = {"speeches (SOTU)": speech_paragraphs(), "news (Reuters-21578)": reuters_articles(folder),
               "encyclopedic (FOLDOC)": foldoc_paragraphs(folder), "fiction (Austen)": austen_paragraphs(folder)}
    return {name: texts for name, texts in sources.items() if texts}


def _sample(texts: list[str], n: int) -> list[str]:
    """``n`` texts spread over the source (the same every run)."""
    import random

    return texts if len(texts) <= n else random.Random(0).sample(texts, n)


def clean_detection(tier: str, sources: dict[str, list[str]]) -> tuple[dict, list[float]]:
    import unspin

    figures, everything = {}, []
    for name, texts in sources.items():
        chosen = _sample(texts, CLEAN_PER_SOURCE[tier])
        probabilities = [unspin.check(text, fast=tier == "fast").probability for text in chosen]
        figures[name] = binary_figures([0] * len(chosen), probabilities)
        everything += probabilities
    return figures, everything


# --- tortured phrases, speed, reliability ----------------------------------------


def tortured_detection(sources: dict[str, list[str]]) -> dict:
    """Planted recall over every listed phrase, and the hits on clean text."""
    from unspin.detect.tortured import default_matcher, load_fingerprints
    from unspin.resources.paths import shared_data

    matcher = default_matcher()
    listed = json.loads((shared_data() / "tortured-phrases" / "pps-phrases.json").read_text())["phrases"]
    fingerprints: dict[str, list] = {}
    for fingerprint in load_fingerprints(shared_data() / "tortured-phrases"):
        fingerprints.setdefault(fingerprint.phrase.lower(), []).append(fingerprint)
    found, missed = 0, []
    for entry in listed:
        fingerprint = fingerprints[entry["tortured"].lower()][0]
        needed = " and ".join(c.text.rstrip("*") for c in fingerprint.conditions if c.required)
        sentence = f"In this work, the {entry['tortured']} is used{' with ' + needed if needed else ''}."
        if any(h.fingerprint == fingerprint.fingerprint for h in matcher.find(sentence)):
            found += 1
        else:
            missed.append(sentence)
    clean_hits = []
    for name, texts in sources.items():
        for text in texts:
            clean_hits += [{"source": name, "text": h.text, "fingerprint": h.fingerprint} for h in matcher.find(text)]
    return {"phrases": len(listed), "found": found, "recall": found / len(listed), "missed": missed[:20],
            "clean_paragraphs": sum(len(t) for t in sources.values()), "clean_hits": clean_hits}


def fast_speed(texts: list[str]) -> dict:
    """Words per second of the fast tier on one core, resources loaded."""
    import unspin

    started = time.perf_counter()
    unspin.check(texts[0], fast=True)  # loads the resources
    load = time.perf_counter() - started
    start, cpu = time.perf_counter(), time.process_time()
    words = sum(unspin.check(text, fast=True).words for text in texts)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    # CPU time is what one core spent; wall time also counts waiting for a busy machine.
    return {"texts": len(texts), "words": words, "seconds": seconds, "cpu_seconds": cpu_seconds,
            "words_per_second": words / seconds, "words_per_cpu_second": words / cpu_seconds,
            "load_seconds": load}


def reliability(curves: dict[str, tuple[list[int], list[float]]], path: Path, bins: int = 10) -> dict:
    """Observed share of spun texts per bin of predicted probability; draws the diagram to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(5.5, 5.5))
    axis.plot([0, 1], [0, 1], color="grey", linestyle="--", label="perfect calibration")
    table = {}
    for name, (labels, probabilities) in curves.items():
        rows = reliability_table(labels, probabilities, bins)
        table[name] = rows
        axis.plot([r[0] for r in rows], [r[1] for r in rows], marker="o", label=f"{name} (n={len(labels)})")
        table[name + " ECE"] = expected_calibration_error(rows)
    axis.set_xlabel("predicted probability of spinning")
    axis.set_ylabel("observed share spun")
    axis.set_title("unspin check: reliability (held-out texts)")
    axis.legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return table


def detection_figures(out: Path, tiers: tuple[str, ...] = ("fast", "full")) -> dict:
    """Every detection figure; writes ``reliability.png`` into ``out``."""
    sources = clean_sources()
    results: dict = {"clean_sources": {name: len(texts) for name, texts in sources.items()}}
    curves = {}
    for tier in tiers:
        spinbot, y1, p1 = spinbot_detection(tier)
        synthetic, y2, p2 = synthetic_detection(tier)
        clean, p3 = clean_detection(tier, sources)
        results[tier] = {"spinbot": spinbot, "synthetic": synthetic, "clean": clean}
        curves[tier] = (y1 + y2 + [0] * len(p3), p1 + p2 + p3)
        print(f"detection ({tier}): {json.dumps(results[tier])}", file=sys.stderr, flush=True)
    results["tortured"] = tortured_detection(sources)
    texts = [t for group in sources.values() for t in group] + [
        p.spun for p in synthetic_pairs(SYNTHETIC_POOL, seed=SYNTHETIC_SEED)]
    results["fast_speed"] = fast_speed(texts)
    results["reliability"] = reliability(curves, out / "reliability.png")
    return results


def markdown(results: dict) -> str:
    lines = ["| detection benchmark | tier | AUC | F1 | FPR (at 0.5) |", "|---|---|---|---|---|"]
    for tier in ("full", "fast"):
        if tier not in results:
            continue
        r = results[tier]
        for name, key in (("SpinBot pairs (cross-fitted by fold)", "spinbot"), ("synthetic SOTU (held out)", "synthetic")):
            f = r[key]
            lines.append(f"| {name}, {f['texts']} texts | {tier} | {f['auc']:.3f} | {f['f1']:.3f} | {f['fpr']:.3f} |")
        for name, f in r["clean"].items():
            lines.append(f"| clean {name}, {f['texts']} paragraphs | {tier} | — | — | {f['fpr']:.3f} |")
    t = results["tortured"]
    lines.append(f"| tortured phrases planted | — | recall {t['found']}/{t['phrases']} | "
                 f"{len(t['clean_hits'])} hits in {t['clean_paragraphs']} clean paragraphs | — |")
    s = results["fast_speed"]
    lines.append(f"| fast tier speed, {s['words']:,} words, 1 thread | fast | {s['words_per_cpu_second']:,.0f} words per CPU-second "
                 f"({s['words_per_second']:,.0f} per wall-clock second) | — | — |")
    return "\n".join(lines) + "\n"
