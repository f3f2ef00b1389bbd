"""Fitting the detectors (a step of ``unspin resources build``) and the data they learn from.

Training texts: both sides of every SpinBot pair, and simulated spins of the
speech paragraphs the reranker trains on (``resources.build.training_pairs``);
the synthetic test paragraphs and all other clean text stay unseen. The full
tier's LM features cost about a second a paragraph here, so it uses only the
first ``FULL_SYNTHETIC`` simulated pairs. Features are cached per text in the
resource folder, so a changed set computes only the new texts.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from unspin.detect.checker import DETECTOR_FILES, DETECTOR_VERSION, evidence_by_sentence
from unspin.detect.features import FAST_FEATURES, FULL_FEATURES, Evidence
from unspin.detect.model import Example, fit_detector

FULL_SYNTHETIC = 60
EXAMPLES_FILE = "detector-examples-{tier}.json"


def labelled_texts(tier: str) -> list[tuple[str, int, str]]:
    """(text, 1 if spun, group) for training; a pair's two sides share a group."""
    from unspin.evaluation.datasets import spinbot_pairs, synthetic_pairs
    from unspin.resources.build import SYNTHETIC_POOL, SYNTHETIC_SEED, SYNTHETIC_TRAINING_PARAGRAPHS

    out = []
    for pair in spinbot_pairs():
        out += [(pair.original, 0, f"spinbot:{pair.id}"), (pair.spun, 1, f"spinbot:{pair.id}")]
    synthetic = synthetic_pairs(SYNTHETIC_POOL, seed=SYNTHETIC_SEED)[:SYNTHETIC_TRAINING_PARAGRAPHS]
    if tier == "full":
        synthetic = synthetic[:FULL_SYNTHETIC]
    for index, pair in enumerate(synthetic):
        out += [(pair.original, 0, f"sotu:{index}"), (pair.spun, 1, f"sotu:{index}")]
    return out


def text_evidence(text: str, full: bool, scorer=None) -> Evidence:
    """A whole text's evidence, without n-grams (the expensive, table-free part)."""
    from unspin.detect.tortured import default_matcher

    total = Evidence()
    for _, _, evidence in evidence_by_sentence(text, full, [], default_matcher().find(text), scorer):
        total = total + evidence
    return total


def examples(items: list[tuple[str, int, str]], full: bool, scorer=None, progress=None) -> list[Example]:
    out = []
    for text, label, group in items:
        out.append(Example(text, label, group, text_evidence(text, full, scorer)))
        if progress:
            progress(1)
    return out


def save_examples(path: Path, rows: list[Example]) -> None:
    document = {"version": DETECTOR_VERSION, "examples": [asdict(e) for e in rows]}
    path.with_suffix(".tmp").write_text(json.dumps(document))
    path.with_suffix(".tmp").replace(path)


def load_examples(path: Path) -> list[Example] | None:
    """Cached training examples, or ``None`` when missing or of another version."""
    if not path.exists():
        return None
    document = json.loads(path.read_text())
    if document.get("version") != DETECTOR_VERSION:
        return None
    names = set(Evidence.__dataclass_fields__)
    return [Example(e["text"], e["label"], e["group"], Evidence(**{k: v for k, v in e["evidence"].items() if k in names}))
            for e in document["examples"]]


def training_examples(target: Path, tier: str) -> list[Example]:
    """The tier's training examples, computed once and cached in ``target``."""
    from tqdm import tqdm

    path = target / EXAMPLES_FILE.format(tier=tier)
    known = {(e.text, e.label, e.group): e for e in load_examples(path) or []}
    wanted = labelled_texts(tier)
    items = [item for item in wanted if item not in known]
    if not items:
        return [known[item] for item in wanted]
    scorer = None
    if tier == "full":
        from unspin.resources.model import default_model_dir
        from unspin.scorer import CausalLMScorer

        scorer = CausalLMScorer.from_pretrained(default_model_dir())
    with tqdm(total=len(items), desc=f"detector features ({tier})", unit="text", leave=False) as bar:
        known |= {(e.text, e.label, e.group): e for e in examples(items, tier == "full", scorer, bar.update)}
    rows = [known[item] for item in wanted]
    save_examples(path, rows)
    return rows


def build_detectors(target: Path, force: bool = False) -> list[Path]:
    """Fit and save both tiers' detectors unless an up-to-date one is there."""
    paths = []
    for tier in ("fast", "full"):
        path = target / DETECTOR_FILES[tier]
        current = path.exists() and json.loads(path.read_text()).get("version") == DETECTOR_VERSION
        if force or not current:
            if force:
                (target / EXAMPLES_FILE.format(tier=tier)).unlink(missing_ok=True)
            features = list(FULL_FEATURES if tier == "full" else FAST_FEATURES)
            fit_detector(training_examples(target, tier), tier, DETECTOR_VERSION, features).save(path)
        paths.append(path)
    return paths


