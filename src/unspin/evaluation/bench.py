"""`make bench`: every figure the README reports, measured honestly.

- SpinBot pairs, 2-fold: mined pairs and the reranker come only from the other
  fold (plus simulated spins of speeches), never from the pairs under test.
- Synthetic: speeches spun by ``unspin spin``; training used other paragraphs.
- Tortured phrases: the held-out 20 % of the screener's list (split by hash).
- Clean text: edits made on text nobody spun (SpinBot's originals, speeches, and held-out
  paragraphs of other kinds: news, encyclopedic text, fiction, papers).
- Speed: a 1,000-word article on this machine, and the model's load time.
- Detection (issue #3): see ``unspin.evaluation.detection``; ``--detection-only``.

Writes ``results.json`` and ``results.md`` to ``--out`` and prints the table.
"""

from __future__ import annotations

import argparse
import functools
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from unspin.evaluation.align import SpinnerChanges
from unspin.evaluation.datasets import fold_of, pps_split, spinbot_pairs, synthetic_pairs
from unspin.evaluation.metrics import (
    EditCounts, expected_calibration_error, reliability_table, word_count, word_error_rate,
)
from unspin.resources.build import (
    SYNTHETIC_POOL, SYNTHETIC_SEED, SYNTHETIC_TRAINING_PARAGRAPHS, load_restorer, mine_pairs, train_models,
)

FOLDS = 2
CONFIDENCE_BINS = 10  # edits binned by confidence, for the reliability of the confidences
TORTURED_TEMPLATE = "In this work, the {} is used."


def restoration_sums(restorer, pairs) -> dict:
    """Raw sums over (original, spun) pairs; ``summarise`` turns pooled sums into figures."""
    counts = EditCounts()
    sums = {"pairs": len(pairs), "wer_before": 0.0, "wer_after": 0.0, "clean_edits": 0, "clean_words": 0,
            "edit_confidence": [], "edit_correct": []}
    for original, spun in pairs:
        restoration = restorer.restore(spun)
        changes = SpinnerChanges(original, spun)
        judgement = changes.judge([(edit.start, edit.end, edit.original) for edit in restoration.edits])
        counts = counts + EditCounts.of(judgement, changes)
        sums["edit_confidence"] += [edit.confidence for edit in restoration.edits]  # is each borne out?
        sums["edit_correct"] += judgement.correct
        sums["wer_before"] += word_error_rate(original, spun)
        sums["wer_after"] += word_error_rate(original, restoration.text)
        sums["clean_edits"] += len(restorer.restore(original).edits)
        sums["clean_words"] += word_count(original)  # the edit-density unit of ``metrics``
    sums.update(written=counts.written, written_correct=counts.written_correct, changed=counts.changed,
                recovered=counts.recovered)
    return sums


def _add(values):
    """Sum numbers, or join lists."""
    values = list(values)
    if isinstance(values[0], list):
        return [item for value in values for item in value]
    return sum(values)


def summarise(parts: list[dict]) -> dict:
    """Pool the sums of one or more parts (micro-averaged) into the reported figures."""
    total = {key: _add(part[key] for part in parts) for key in parts[0]}
    counts = EditCounts(total["written"], total["written_correct"], total["changed"], total["recovered"])
    n = max(total["pairs"], 1)
    table = reliability_table(total["edit_correct"], total["edit_confidence"], CONFIDENCE_BINS)
    return {
        "confidence_reliability": [
            {"edits": n, "mean_confidence": predicted, "share_correct": observed} for predicted, observed, n in table
        ],
        "confidence_ece": expected_calibration_error(table),
        "pairs": total["pairs"], "written": counts.written, "written_correct": counts.written_correct,
        "changed": counts.changed, "recovered": counts.recovered, "precision": counts.precision,
        "recall": counts.recall,
        "f1": counts.f1, "wer_before": total["wer_before"] / n, "wer_after": total["wer_after"] / n,
        "clean_edits": total["clean_edits"], "clean_words": total["clean_words"],
        "clean_edits_per_1000_words": 1000 * total["clean_edits"] / max(total["clean_words"], 1),
    }


def spinbot_cross_validation(folds: list[int] | None = None) -> dict:
    pairs = spinbot_pairs()
    per_fold = []
    for fold in folds if folds is not None else range(FOLDS):
        train_ids = {p.id for p in pairs if fold_of(p.id, FOLDS) != fold}
        test = [(p.original, p.spun) for p in pairs if fold_of(p.id, FOLDS) == fold]
        restorer = load_restorer(with_reranker=False, mined=mine_pairs(spinbot_ids=train_ids))
        train_models(restorer, spinbot_ids=train_ids)
        per_fold.append(restoration_sums(restorer, test))
        print(f"fold {fold}: {json.dumps(summarise(per_fold[-1:]))}", file=sys.stderr, flush=True)
    return summarise(per_fold)


def synthetic_figures(restorer) -> dict:
    # The reranker trained on the first paragraphs of this pool; test on the rest.
    pool = synthetic_pairs(SYNTHETIC_POOL, seed=SYNTHETIC_SEED)
    test = pool[SYNTHETIC_TRAINING_PARAGRAPHS:]
    return summarise([restoration_sums(restorer, [(p.original, p.spun) for p in test])])


def tortured_figures(restorer, spun: bool | None = None) -> dict:
    """Top-1 exact restoration of held-out tortured phrases, each in a neutral sentence.

    ``spun=None``: the restorer's spin prior is the fast check's, blind to the screener's list
    of tortured phrases (the held-out phrases are on it, and the prior would know them: median
    0.40 against 0.19 blind, on the template's sentences). ``spun=True``: the user says the
    phrase is spun (a sleuth restoring a flagged phrase), as ``restore(..., spun=True)``."""
    from dataclasses import replace

    from unspin.detect.checker import spin_probability
    from unspin.engine import Restorer
    from unspin.types import apply_edits

    _train, test = pps_split()
    prefix, suffix = TORTURED_TEMPLATE.split("{}")
    exact = 0
    blind = Restorer(restorer.generator, restorer.scorer, restorer.reranker, restorer.settings, restorer.shortlist,
                     functools.partial(spin_probability, known_tortured=False))
    for phrase in test:
        start, end = len(prefix), len(prefix) + len(phrase.tortured)
        result = blind.restore(prefix + phrase.tortured + suffix, spun=spun)
        # Judge the phrase alone: edits to the template words are not counted.
        inside = [replace(e, start=e.start - start, end=e.end - start)
                  for e in result.edits if e.start >= start and e.end <= end]
        got = apply_edits(phrase.tortured, inside)
        exact += got.strip().lower() == phrase.correct.strip().lower()
    return {"phrases": len(test), "exact": exact, "top1_accuracy": exact / max(len(test), 1)}


def other_styles_figures(restorer) -> dict:
    """Per kind of clean text (the detection benchmark's held-out paragraphs of speeches, news,
    encyclopedic text, fiction and papers; never trained on), as ``restoration_sums``: the false
    edits on the paragraphs as written, and the restoration of their spins by ``unspin spin`` at the
    synthetic set's rate (the detection benchmark spins them harder, up to 0.8)."""
    from unspin.detect.corpora import clean_sources, split_sources
    from unspin.detect.train import chosen_by_hash
    from unspin.evaluation.datasets import stable_hash
    from unspin.evaluation.detection import HELD_OUT_PER_SOURCE
    from unspin.spin import spin

    _training, held_out = split_sources(clean_sources())
    figures = {}
    for source, paragraphs in sorted(held_out.items()):
        chosen = chosen_by_hash(paragraphs, HELD_OUT_PER_SOURCE["full"])  # the full tier's held-out ones
        pairs = [(text, spin(text, seed=stable_hash(text) % 2**32).text) for text in chosen]
        figures[source] = summarise([restoration_sums(restorer, pairs)])
    return figures


def speed_figures(restorer) -> dict:
    article = " ".join(p.spun for p in synthetic_pairs(SYNTHETIC_POOL, seed=SYNTHETIC_SEED)[-12:])
    words = article.split()[:1000]
    text = " ".join(words)
    restorer.restore(text[:500])  # warm-up
    start = time.perf_counter()
    restorer.restore(text)
    seconds = time.perf_counter() - start
    load = subprocess.run(
        [sys.executable, "-c", "import time; t=time.perf_counter(); from unspin.resources.build import load_restorer; "
         "load_restorer(); print(time.perf_counter()-t)"],
        capture_output=True, text=True, check=True,
    )
    return {
        "words": len(words), "seconds": seconds, "words_per_second": len(words) / seconds,
        "dtype": restorer.scorer.dtype,
        "model_load_seconds": float(load.stdout.strip().splitlines()[-1]),
        "peak_memory_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def markdown(results: dict) -> str:
    s, y, t, c = results["spinbot"], results["synthetic"], results["tortured"], results["speed"]
    lines = [
        "| benchmark | figure | value |", "|---|---|---|",
        f"| SpinBot pairs (folds {s['folds']} of 2, {s['pairs']} paragraphs) | precision / recall / F1 (tokens, `metrics`) | {s['precision']:.3f} / {s['recall']:.3f} / {s['f1']:.3f} |",
        f"| | WER before → after | {s['wer_before']:.3f} → {s['wer_after']:.3f} |",
        f"| | false edits on the originals | {s['clean_edits_per_1000_words']:.2f} per 1,000 words |",
        f"| | edit confidence: expected calibration error | {s.get('confidence_ece', float('nan')):.3f} |",
        f"| Synthetic SOTU spins ({y['pairs']} paragraphs) | precision / recall / F1 (tokens) | {y['precision']:.3f} / {y['recall']:.3f} / {y['f1']:.3f} |",
        f"| | WER before → after | {y['wer_before']:.3f} → {y['wer_after']:.3f} |",
        f"| | false edits on the originals | {y['clean_edits_per_1000_words']:.2f} per 1,000 words |",
        f"| | edit confidence: expected calibration error | {y.get('confidence_ece', float('nan')):.3f} |",
        f"| Tortured phrases (held-out {t['phrases']}) | top-1 exact restoration | {t['top1_accuracy']:.3f} |",
        *([f"| | the same, told it is spun (`spun=True`) | {results['tortured_known_spun']['top1_accuracy']:.3f} |"]
          if "tortured_known_spun" in results else []),
        *[f"| Held-out {source} ({f['pairs']} paragraphs) | false edits; P / R / F1 on their spins (rate 0.25) | "
          f"{f['clean_edits_per_1000_words']:.2f} per 1,000 words; {f['precision']:.3f} / {f['recall']:.3f} / {f['f1']:.3f} |"
          for source, f in results.get("other_styles", {}).items()],
        f"| Speed ({c['words']}-word article, 2 cores, model in {c['dtype']}) | words/s | {c['words_per_second']:.1f} |",
        f"| | model load (after build) | {c['model_load_seconds']:.2f} s |",
        f"| | peak memory (bench process) | {c['peak_memory_mib']:.0f} MiB |",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench-results"))
    parser.add_argument("--skip-cv", action="store_true", help="skip the (slow) SpinBot cross-validation")
    parser.add_argument("--fold", type=int, action="append", help="run only these SpinBot folds (0, 1)")
    parser.add_argument("--skip-shipped", action="store_true", help="skip synthetic, tortured and speed figures")
    parser.add_argument("--detection-only", action="store_true", help="run only the detection figures (issue #3)")
    parser.add_argument("--skip-detection", action="store_true", help="skip the detection figures")
    parser.add_argument("--detection-tier", choices=("fast", "full"), action="append",
                        help="detection: only this tier (default both)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    results_path = args.out / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    if not args.skip_detection:
        from unspin.evaluation.detection import detection_figures
        from unspin.evaluation.detection import markdown as detection_markdown

        results["detection"] = detection_figures(args.out, tuple(args.detection_tier or ("fast", "full")))
        results_path.write_text(json.dumps(results, indent=2))
        (args.out / "detection.md").write_text(detection_markdown(results["detection"]))
        print(detection_markdown(results["detection"]))
    if args.detection_only:
        return 0
    if not args.skip_shipped:
        # The shipped models over the mined table the models were trained with: the shipped
        # table also lists the held-out tortured phrases, which the benchmark must not see.
        shipped = load_restorer(mined=mine_pairs())
        results["speed"] = speed_figures(shipped)
        results["synthetic"] = synthetic_figures(shipped)
        results["tortured"] = tortured_figures(shipped)
        results["tortured_known_spun"] = tortured_figures(shipped, spun=True)
        results["other_styles"] = other_styles_figures(shipped)
        results_path.write_text(json.dumps(results, indent=2))
        print(json.dumps(results), file=sys.stderr, flush=True)
    if not args.skip_cv:
        results["spinbot"] = spinbot_cross_validation(args.fold)
        results["spinbot"]["folds"] = args.fold or list(range(FOLDS))
    results_path.write_text(json.dumps(results, indent=2))
    if all(key in results for key in ("spinbot", "synthetic", "tortured", "speed")):
        table = markdown(results)
        (args.out / "results.md").write_text(table)
        print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
