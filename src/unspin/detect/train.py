"""Fitting the detectors (a step of ``unspin resources build``) and the data they learn from.

Training texts, both sides of every pair (a pair's two sides share a group):

- the SpinBot pairs (Wikipedia, a real spinner);
- simulated spins (``unspin.spin``, seeded by the text) of the training part of
  every clean source in ``corpora`` (speeches, news, encyclopedic entries,
  fiction, scientific papers), so that style is the same on both sides and only
  the evidence of spinning tells them apart;
- the simulated speech spins the reranker trains on (``resources.build``).

The held-out part of each clean source, the synthetic test paragraphs and the
SpinBot test fold (in the benchmark) stay unseen. The full tier's LM features
cost one to four seconds a paragraph on two cores, so it takes at most
``PER_SOURCE["full"]`` paragraphs of each clean source, and a build takes them
from the copy bundled with unspin (``LM_EVIDENCE_FILE``: numbers by text hash,
no text), computing with the LM only texts it lacks. Features are cached per
text in the resource folder, so a changed set computes only the new texts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from unspin.detect.checker import DETECTOR_FILES, DETECTOR_VERSION, evidence_by_sentence
from unspin.detect.features import LM_FIELDS, Evidence, summed, tier_features
from unspin.detect.model import Detector, Example, fit_detector, predict_examples, threshold_fits

FULL_SYNTHETIC = 60
PER_SOURCE = {"fast": 400, "full": 60}  # training paragraphs taken from each clean source
# Simulated spin strengths, one per paragraph (by its hash): 0.25 changes about 11% of the words
# (the synthetic benchmark), 0.8 about a third, as SpinBot does in the Machine Paraphrase Corpus.
SPIN_RATES = (0.25, 0.5, 0.8)
EXAMPLES_FILE = "detector-examples-{tier}.json"
# The cached features of a text change only when their computation does (not with the training set):
# "fast" when ``fast_evidence`` changes, "lm" when ``lm_evidence`` does. A cache whose LM part is
# current gets only its fast part recomputed (milliseconds a text, against a second for the LM).
EVIDENCE_VERSION = {"fast": 5, "lm": 2}
# The full tier's LM evidence of its training texts, bundled (``make retrain`` writes it).
LM_EVIDENCE_FILE = "detector-lm-evidence.json"

LabelledText = tuple[str, int, str]  # (text, 1 if spun, group)
PRIOR_FOLDS = 5  # folds of groups for ``cross_fitted_spin_priors``


def clean_group(source: str, text: str) -> str:
    from unspin.evaluation.datasets import stable_hash

    return f"clean:{source}:{stable_hash(text):x}"


def style_of(group: str) -> str:
    """The source whose style a training group's texts have (the synthetic pairs are speeches)."""
    from unspin.detect.corpora import SPEECHES

    if group.startswith("clean:"):
        return group.split(":")[1]
    return SPEECHES if group.startswith("sotu:") else "Wikipedia (SpinBot)"


def chosen_by_hash(paragraphs: list[str], limit: int) -> list[str]:
    """Up to ``limit`` of ``paragraphs``, chosen by hash, not order (the same ones every run)."""
    from unspin.evaluation.datasets import stable_hash

    return sorted(paragraphs, key=stable_hash)[:limit]


def spun_pairs(source: str, paragraphs: list[str], limit: int) -> list[LabelledText]:
    """Up to ``limit`` paragraphs (``chosen_by_hash``) and their simulated spins."""
    from unspin.evaluation.datasets import stable_hash
    from unspin.spin import spin

    out = []
    for text in chosen_by_hash(paragraphs, limit):
        group, key = clean_group(source, text), stable_hash(text)
        rate = SPIN_RATES[key % len(SPIN_RATES)]
        # A spinner treats the word in "won't" as it treats any other, so residue comes at the same rate.
        spun = spin(text, rate=rate, seed=key % 2**32, residue_rate=rate).text
        out += [(text, 0, group), (spun, 1, group)]
    return out


def labelled_texts(tier: str) -> list[LabelledText]:
    from unspin.detect.corpora import clean_sources, fetch_clean_texts, split_sources
    from unspin.evaluation.datasets import spinbot_pairs, synthetic_pairs
    from unspin.resources.build import SYNTHETIC_POOL, SYNTHETIC_SEED, SYNTHETIC_TRAINING_PARAGRAPHS

    out = []
    for pair in spinbot_pairs():
        if pair.spun == pair.original:  # SpinBot left it unchanged: not a spun text (it would be labelled both ways)
            continue
        out += [(pair.original, 0, f"spinbot:{pair.id}"), (pair.spun, 1, f"spinbot:{pair.id}")]
    synthetic = synthetic_pairs(SYNTHETIC_POOL, seed=SYNTHETIC_SEED)[:SYNTHETIC_TRAINING_PARAGRAPHS]
    if tier == "full":
        synthetic = synthetic[:FULL_SYNTHETIC]
    for index, pair in enumerate(synthetic):
        out += [(pair.original, 0, f"sotu:{index}"), (pair.spun, 1, f"sotu:{index}")]
    training, _ = split_sources(clean_sources(fetch_clean_texts()))
    for source, paragraphs in training.items():
        out += spun_pairs(source, paragraphs, PER_SOURCE[tier])
    return out


def text_evidence(text: str, full: bool, scorer=None, known_tortured: bool = True) -> Evidence:
    """A whole text's evidence, without n-grams (the expensive, table-free part); without the
    screener's list of tortured phrases unless ``known_tortured``."""
    from unspin.detect.tortured import default_matcher

    tortured = default_matcher().find(text) if known_tortured else []
    return summed(evidence for _, _, _, evidence in evidence_by_sentence(text, full, [], tortured, scorer))


def examples(items: list[LabelledText], full: bool, scorer=None, progress=None) -> list[Example]:
    out = []
    for text, label, group in items:
        out.append(Example(text, label, group, text_evidence(text, full, scorer)))
        if progress:
            progress(1)
    return out


def save_examples(path: Path, rows: list[Example]) -> None:
    document = {"version": EVIDENCE_VERSION, "examples": [asdict(e) for e in rows]}
    path.with_suffix(".tmp").write_text(json.dumps(document))
    path.with_suffix(".tmp").replace(path)


def with_lm_part(text: str, lm_part: dict) -> Evidence:
    """The text's evidence: its fast part computed now (milliseconds), its LM part (``LM_FIELDS``)
    as computed before."""
    evidence = text_evidence(text, full=False)
    for name in LM_FIELDS:
        setattr(evidence, name, lm_part[name])
    return evidence


def load_examples(path: Path) -> list[Example] | None:
    """Cached examples, or ``None`` when missing or their LM features were computed another way;
    a cache with an outdated fast part is brought up to date, in place."""
    if not path.exists():
        return None
    document = json.loads(path.read_text())
    version = document.get("version")
    if isinstance(version, int):  # before the parts were versioned apart
        version = {"fast": version, "lm": version}
    if not isinstance(version, dict) or version.get("lm") != EVIDENCE_VERSION["lm"]:
        return None
    names = set(Evidence.__dataclass_fields__)
    rows = [Example(e["text"], e["label"], e["group"], Evidence(**{k: v for k, v in e["evidence"].items() if k in names}))
            for e in document["examples"]]
    if version.get("fast") != EVIDENCE_VERSION["fast"]:
        for row in rows:
            row.evidence = with_lm_part(row.text, {name: getattr(row.evidence, name) for name in LM_FIELDS})
        save_examples(path, rows)
    return rows


def text_key(text: str) -> str:
    """A text's name in the bundled LM evidence (which holds no text)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def bundled_lm_evidence() -> dict[str, dict]:
    """The bundled LM evidence by ``text_key``; empty when missing or computed another way."""
    from unspin.resources.build import TRAINED_DIR

    path = TRAINED_DIR / LM_EVIDENCE_FILE
    if not path.exists():
        return {}
    document = json.loads(path.read_text())
    return document["texts"] if document.get("version") == EVIDENCE_VERSION["lm"] else {}


def export_lm_evidence(rows: list[Example], path: Path) -> None:
    """Write the LM part of ``rows``' evidence by text hash (what ``bundled_lm_evidence`` reads)."""
    def lm_part(evidence: Evidence) -> dict:
        lists = {name: [round(value, 4) for value in getattr(evidence, name)] for name in LM_FIELDS if name != "preferred"}
        return lists | {"preferred": evidence.preferred}

    texts = {text_key(row.text): lm_part(row.evidence) for row in rows}
    path.write_text(json.dumps({"version": EVIDENCE_VERSION["lm"], "texts": texts}, separators=(",", ":")))


def cached_examples(path: Path, wanted: list[LabelledText], tier: str,
                    bundled: dict[str, dict] | None = None) -> list[Example]:
    """Examples of ``wanted``; features found in ``path`` are reused, the LM part of the rest taken
    from ``bundled`` (``bundled_lm_evidence``) where it has them, the rest computed, and all saved
    there (the file then holds exactly ``wanted``)."""
    from tqdm import tqdm

    known = {(e.text, e.label, e.group): e for e in load_examples(path) or []}
    items = list(dict.fromkeys(item for item in wanted if item not in known))
    if not items:
        return [known[item] for item in wanted]
    if tier == "full" and bundled:
        for item in items:
            if (lm_part := bundled.get(text_key(item[0]))) is not None:
                known[item] = Example(*item, with_lm_part(item[0], lm_part))
        items = [item for item in items if item not in known]
    if items:
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


def training_examples(target: Path, tier: str, use_bundled: bool = True) -> list[Example]:
    """The tier's training examples, computed once (with the bundled LM evidence unless not
    ``use_bundled``) and cached in ``target``."""
    bundled = bundled_lm_evidence() if use_bundled and tier == "full" else None
    return cached_examples(target / EXAMPLES_FILE.format(tier=tier), labelled_texts(tier), tier, bundled)


def build_detectors(target: Path, force: bool = False, say: Callable[[str], None] | None = None,
                    use_bundled: bool = True) -> list[Path]:
    """Fit and save both tiers' detectors unless an up-to-date one is there (``say`` tells the user);
    the full tier's LM evidence comes from the bundled copy unless not ``use_bundled``."""
    paths = []
    for tier in ("fast", "full"):
        path = target / DETECTOR_FILES[tier]
        current = path.exists() and json.loads(path.read_text()).get("version") == DETECTOR_VERSION
        if force or not current:
            if say:
                say(f"fitting the {tier} spun-text detector on clean texts and their simulated spins…")
            if force:
                (target / EXAMPLES_FILE.format(tier=tier)).unlink(missing_ok=True)
            fit_detector(training_examples(target, tier, use_bundled), tier, DETECTOR_VERSION, tier_features(tier)).save(path)
        paths.append(path)
    return paths


def retrain_detection(target: Path, training: Callable[[str], list[LabelledText]] = labelled_texts,
                      say: Callable[[str], None] | None = None, tiers: tuple[str, ...] = ("fast", "full")) -> None:
    """Fit the ``tiers``' detectors and span models (and the full tier's word probe) in ``target``
    from one reading of each tier's training texts (``training(tier)``, by default
    ``labelled_texts``): each text's evidence, signals and probe rows come from the same pass of
    the model (``spans.text_signals``; both tiers about 45 minutes on 2 cores in float32).
    The examples are cached as ``training_examples`` caches them, so that ``bundle_trained`` finds
    the full tier's LM evidence there."""
    from tqdm import tqdm

    from unspin.detect.checker import detector, span_model, word_probe
    from unspin.detect.probe import PROBE_FILE, fit_word_probe
    from unspin.detect.spans import SPAN_FILE, fit_span_model, text_signals

    scorer = None
    for tier in tiers:
        full = tier == "full"
        if full:
            from unspin.resources.model import default_model_dir
            from unspin.scorer import CausalLMScorer

            scorer = CausalLMScorer.from_pretrained(default_model_dir())
        if say:
            say(f"reading the {tier} check's training texts; then fitting its detector"
                + (", the word probe" if full else "") + " and its span model…")
        wanted = training(tier)
        read = {item: text_signals(*item, full, scorer)
                for item in tqdm(list(dict.fromkeys(wanted)), desc=f"training texts ({tier})", unit="text", leave=False)}
        texts = [read[item] for item in wanted]
        examples = [Example(t.text, t.label, t.group, t.evidence) for t in texts]
        save_examples(target / EXAMPLES_FILE.format(tier=tier), examples)
        if full:
            fit_word_probe(list(read.values())).save(target / PROBE_FILE)
        # One cross-fit gives the detector its threshold and the span model each text's probability.
        fits = threshold_fits(examples, tier, DETECTOR_VERSION, tier_features(tier))
        fit_detector(examples, tier, DETECTOR_VERSION, tier_features(tier), fits=fits).save(target / DETECTOR_FILES[tier])
        fit_span_model(tier, texts, examples, fits, say).save(target / SPAN_FILE.format(tier=tier))
    for cached in (detector, span_model, word_probe):
        cached.cache_clear()


def cross_fitted_spin_priors(texts: dict[str, str], learnt_from: Callable[[str], bool],
                             target: Path | None = None) -> tuple[dict[str, float], Detector]:
    """The fast tier's P(spun) of each of ``texts`` (text → its group, as the training texts name
    them: ``spinbot:<id>``, ``sotu:<n>``), each from a detector that never saw its group, and the
    detector fitted on every group ``learnt_from`` allows (what scores new text).

    The restore engine's reranker learns how far to trust this prior (``Restorer.spin_prior``)
    on texts the fast detector was fitted on; scored by a detector that had seen them, they would
    look far more certainly spun, or clean, than new text ever does. So the groups are split in
    ``PRIOR_FOLDS`` folds and each text is scored by a detector fitted without its fold; a group
    ``learnt_from`` rejects (the benchmark's test pairs) is never learnt from at all."""
    from unspin.evaluation.datasets import stable_hash
    from unspin.resources.paths import home

    def fold(group: str) -> int:
        return stable_hash("prior " + group) % PRIOR_FOLDS

    def fit(examples: list[Example]) -> Detector:
        return fit_detector(examples, "fast", DETECTOR_VERSION, tier_features("fast"), max_fpr=None)

    pool = [e for e in training_examples(target or home(), "fast") if learnt_from(e.group)]
    wanted = {fold(group) for group in texts.values()}
    folds = {k: fit([e for e in pool if fold(e.group) != k]) for k in sorted(wanted)}
    examples = [Example(text, 0, group, text_evidence(text, full=False)) for text, group in texts.items()]
    priors = {}
    for k, detector in folds.items():
        inside = [e for e in examples if fold(e.group) == k]
        priors |= {e.text: p for e, p in zip(inside, predict_examples(detector, inside))}
    return priors, fit(pool)
