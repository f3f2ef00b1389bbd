"""`unspin resources build`: make every resource unspin needs, reproducibly, in the cache.

Steps (each skipped when its output exists, unless ``force``):
1. WordNet 3.0 made readable by NLTK (from Debian's ``wordnet-base``);
2. the inverse thesaurus from WordNet + Moby (``thesaurus.npz``);
3. substitution pairs mined from the shared real data (``mined-v2.json``);
4. the language model converted from the verified GGUF (``models/``);
5. the spun-text detectors, fast and full tier (``detector-*.json``; see
   ``unspin.detect.train``), rebuilt when their version changes; the full tier's
   language-model evidence on its training texts is bundled too (numbers only),
   as are the full tier's word probe and both tiers' span models, unless
   ``retrain``: then one reading of each tier's training texts gives all three
   (``detect.train.retrain_detection``);
6. the shortlist and the reranker (``shortlist.json``, ``reranker.npz``): the
   copies bundled with unspin (``TRAINED_DIR``), or, with ``retrain``, trained
   here on candidates from real and simulated spun text (the LM's work on about
   500 paragraphs; ``make retrain`` also bundles the result). They come after the
   detectors, whose fast tier's verdict on a text is one of the reranker's features.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from unspin.resources.paths import home, shared_data

THESAURUS_FILE = "thesaurus.npz"
# v2 lists all the tortured phrases (mined.json, before, held out the benchmark's 20 %).
MINED_FILE = "mined-v2.json"
LEGACY_MINED_FILE = "mined.json"
RERANKER_FILE = "reranker.npz"
SHORTLIST_FILE = "shortlist.json"
# The shortlist and reranker as released (how they were trained: its README).
TRAINED_DIR = Path(__file__).parent / "trained"
TRAINED_FILES = (SHORTLIST_FILE, RERANKER_FILE, "reranker.json")
# Simulated spins: the first paragraphs of the pool train the reranker, the
# rest are the benchmark's synthetic test set (same pool, so never overlapping).
SYNTHETIC_POOL = 180
SYNTHETIC_TRAINING_PARAGRAPHS = 120
SYNTHETIC_SEED = 7
CLEAN_TRAINING_EVERY = 2  # every 2nd training original also serves as clean text
# The simulated training spins also swap capitalised common words inside sentences
# ("White House" → "White Home"), which SpinBot does too; the benchmark's spins do not.
TRAINING_CAPITALISED_RATE = 0.2


def _say(message: str) -> None:
    import sys

    print(f"unspin: {message}", file=sys.stderr, flush=True)


def build_thesaurus(target: Path, force: bool = False) -> Path:
    from unspin.resources.thesaurus import build_inverse_thesaurus
    from unspin.resources.wordnet import wordnet

    path = target / THESAURUS_FILE
    if force or not path.exists():
        _say("building the inverse thesaurus (WordNet 3.0 + Moby)…")
        build_inverse_thesaurus(wordnet()).save(path.with_suffix(".tmp.npz"))
        path.with_suffix(".tmp.npz").rename(path)
    return path


def mine_pairs(spinbot_ids: set[str] | None = None, include_pps_train: bool = True,
               include_pps_test: bool = False) -> dict:
    """Mined spun → original counts from the shared data (optionally a subset of SpinBot).

    The tortured phrases held out for the benchmark (``pps_split``) are mined only
    when asked: the shipped table has them, every model and benchmark does not."""
    from unspin.evaluation.datasets import pps_split, spinbot_pairs
    from unspin.resources.mining import merge, mine_aligned_pairs, mine_phrase_pairs, prentice_kinden_pairs

    spinbot = [(p.original, p.spun) for p in spinbot_pairs() if spinbot_ids is None or p.id in spinbot_ids]
    tables = [mine_aligned_pairs(spinbot), mine_phrase_pairs(prentice_kinden_pairs(shared_data()))]
    train, test = pps_split()
    phrases = (train if include_pps_train else []) + (test if include_pps_test else [])
    if phrases:
        tables.append(mine_phrase_pairs((p.correct, p.tortured) for p in phrases))
    return merge(*tables)


def build_mined(target: Path, force: bool = False) -> Path:
    """The shipped table: every listed tortured phrase, so that users get each one back."""
    path = target / MINED_FILE
    if force or not path.exists():
        _say("mining substitution pairs from SpinBot, tortured phrases and Prentice & Kinden…")
        path.write_text(json.dumps(mine_pairs(include_pps_test=True), sort_keys=True))
        (target / LEGACY_MINED_FILE).unlink(missing_ok=True)
    return path


@dataclass(frozen=True)
class TrainingSet:
    """Texts the shortlist and the reranker learn from, and the mined pairs they are restored with."""

    mined: dict
    pairs: list[tuple[str, str]]  # (original, spun), or (original, original) for a clean copy
    groups: list[str]  # each pair's source, named as the detectors' training texts name it


def training_sets(spinbot_ids: set[str] | None = None) -> list[TrainingSet]:
    """What the shortlist and the reranker learn from.

    SpinBot pairs, simulated spins of SOTU text, and some of their originals left
    unspun (clean copies), so that the models also learn what clean text looks
    like: there, every candidate is wrong. Each SpinBot pair (and its clean copy)
    is a set of its own, seeing the pairs mined from the *other* SpinBot pairs only:
    a new text is restored with pairs mined from texts other than itself, and so a
    training text must be, or its swaps are all "mined" and the models learn to
    trust mined pairs, and distrust the rest, far more than new text warrants
    (mined in-sample, 90 % of the right candidates in a fold's SpinBot training
    texts were mined pairs; in the held-out fold, 72 %).
    """
    from unspin.evaluation.datasets import spinbot_pairs, stable_hash, synthetic_pairs
    from unspin.resources.mining import mine_aligned_pairs, subtract

    spinbot = [p for p in spinbot_pairs() if spinbot_ids is None or p.id in spinbot_ids]
    halves = [[p for p in spinbot if stable_hash("half " + p.id) % 2 == half] for half in (0, 1)]
    synthetic = synthetic_pairs(SYNTHETIC_POOL, seed=SYNTHETIC_SEED,
                                capitalised_rate=TRAINING_CAPITALISED_RATE)[:SYNTHETIC_TRAINING_PARAGRAPHS]
    mined = mine_pairs(spinbot_ids={p.id for p in spinbot})
    sets = []
    for half in halves:
        for number, p in enumerate(half):
            pair = (p.original, p.spun)
            clean = [(p.original, p.original)] if number % CLEAN_TRAINING_EVERY == 0 else []
            sets.append(TrainingSet(subtract(mined, mine_aligned_pairs([pair])), [pair, *clean],
                                    [f"spinbot:{p.id}"] * (1 + len(clean))))
    pairs = [(p.original, p.spun) for p in synthetic]
    groups = [f"sotu:{number}" for number in range(len(pairs))]
    sets.append(TrainingSet(mined, pairs + [(original, original) for original, _ in pairs[::CLEAN_TRAINING_EVERY]],
                            groups + groups[::CLEAN_TRAINING_EVERY]))
    return sets


def shortlist_examples(restorer, pairs: list[tuple[str, str]], progress: Callable[[int], None] | None = None):
    """Shortlist feature rows, 0/1 labels and span numbers for every candidate generated on
    (original, spun) pairs, before the LM's full score (residue repairs are not shortlisted)."""
    import numpy as np

    from unspin.engine import RESIDUE_RULES, chunks
    from unspin.evaluation.align import SpinnerChanges

    rows, labels, sizes = [], [], []
    for n, (original, spun) in enumerate(pairs):
        right = _right_edit(SpinnerChanges(original, spun))
        for chunk in chunks(restorer.generated_sentences(spun), lambda sentence: len(sentence.text)):
            for sentence, analysis in zip(chunk, restorer.analyses(chunk)):
                for group, features in restorer.span_groups(sentence, analysis):
                    keep = [i for i, c in enumerate(group) if c.rule not in RESIDUE_RULES]
                    if not keep:
                        continue
                    start, end = group[0].start + sentence.start, group[0].end + sentence.start
                    rows.append(features[keep])
                    labels += [right(start, end, group[i].original) for i in keep]
                    sizes.append(len(keep))
        if progress:
            progress(n + 1)
    return np.concatenate(rows), np.array(labels), np.repeat(np.arange(len(sizes)), sizes)


def _right_edit(changes) -> Callable[[int, int, str], int]:
    """1 if writing ``text`` over ``spun[start:end]``, alone, brings back the original there
    (judged as the benchmark judges edits), else 0; remembered per edit."""
    import functools

    @functools.cache
    def right(start: int, end: int, text: str) -> int:
        return int(changes.judge([(start, end, text)]).correct[0])

    return right


def standalone_sentence(text: str) -> tuple[int, int] | None:
    """One sentence of a training text (chosen by a hash of the text), or None for a text of one.

    The reranker also learns from that sentence as a text of its own: its candidates and LM
    scores are the same (sentences are scored alone), but what the text around them says is not.
    Alone, a sentence has few words and a less certain spin prior (a short spun text looks far
    less spun to the fast check than a paragraph does); without such texts the reranker would
    meet short inputs, a sentence or a phrase a user asks about, only at run time."""
    from unspin.engine import sentence_pieces
    from unspin.evaluation.datasets import stable_hash
    from unspin.tokenise import tokenise

    pieces = [(start, end) for start, end in sentence_pieces(text)
              if any(t.is_word for t in tokenise(text[start:end]))]
    return pieces[stable_hash("alone " + text) % len(pieces)] if len(pieces) > 1 else None


def training_examples(restorer, pairs: list[tuple[str, str]], progress: Callable[[int], None] | None = None):
    """Feature rows and 0/1 labels for every candidate the restorer scores on (original, spun) pairs,
    and again for those of each text's ``standalone_sentence``, judged as a text of its own."""
    from dataclasses import replace

    from unspin.engine import add_context_features
    from unspin.evaluation.align import SpinnerChanges

    rows, labels = [], []
    for n, (original, spun) in enumerate(pairs):
        right = _right_edit(SpinnerChanges(original, spun))
        sentences = restorer.score_sentences(spun)
        alone = standalone_sentence(spun)
        if alone is not None:
            (sentence,) = [s for s in sentences if s.start == alone[0]]
            sentence = replace(sentence, candidates=[replace(c, features=dict(c.features)) for c in sentence.candidates])
            add_context_features([sentence], restorer.spin_prior(sentence.text))
            sentences = [*sentences, sentence]
        for sentence in sentences:
            for candidate in sentence.candidates:
                rows.append(candidate.features)
                labels.append(right(candidate.start + sentence.start, candidate.end + sentence.start,
                                    candidate.original))
        if progress:
            progress(n + 1)
    return rows, labels


def train_models(restorer, spinbot_ids: set[str] | None = None, keep_examples: Path | None = None):
    """Fit the shortlist, then the reranker on what it shortlists, from ``training_sets``;
    both are set on ``restorer`` and returned. Optionally save the reranker's examples (``.npz``).

    Each training text's spin prior comes from a fast detector that never saw its pair
    (``cross_fitted_spin_priors``); with ``spinbot_ids`` (the benchmark's folds), the other SpinBot
    pairs are never learnt from, and ``restorer`` gets the prior of a detector fitted without them."""
    import numpy as np
    from tqdm import tqdm

    from unspin.candidates import CandidateGenerator
    from unspin.detect.checker import spin_probability
    from unspin.detect.train import cross_fitted_spin_priors
    from unspin.engine import Restorer
    from unspin.reranker import Reranker
    from unspin.resources.lexicon import glove
    from unspin.shortlist import Shortlist

    sets = training_sets(spinbot_ids)
    groups = {text: group for s in sets for pair, group in zip(s.pairs, s.groups) for text in pair}
    groups |= {text[alone[0]:alone[1]]: group for text, group in list(groups.items())
               if (alone := standalone_sentence(text)) is not None}
    priors, detector = cross_fitted_spin_priors(
        groups, lambda group: spinbot_ids is None or not group.startswith("spinbot:")
        or group.split(":", 1)[1] in spinbot_ids)
    trainers = [(Restorer(CandidateGenerator(restorer.generator.thesaurus, s.mined, similarity=glove().cosine),
                          restorer.scorer, None, restorer.settings, spin_prior=priors.__getitem__), s.pairs)
                for s in sets]
    total = sum(len(pairs) for _, pairs in trainers)
    with tqdm(total=total, desc="training the shortlist", unit="para", leave=False) as bar:
        parts = [shortlist_examples(trainer, pairs, progress=lambda n: bar.update(1)) for trainer, pairs in trainers]
    offsets = np.cumsum([0] + [int(part[2][-1]) + 1 for part in parts[:-1]])
    shortlist = Shortlist.fit(np.concatenate([part[0] for part in parts]),
                              np.concatenate([part[1] for part in parts]),
                              np.concatenate([part[2] + offset for part, offset in zip(parts, offsets)]))
    rows, labels = [], []
    with tqdm(total=total, desc="training the reranker", unit="para", leave=False) as bar:
        for trainer, pairs in trainers:
            trainer.shortlist = shortlist
            more_rows, more_labels = training_examples(trainer, pairs, progress=lambda n: bar.update(1))
            rows += more_rows
            labels += more_labels
    if keep_examples is not None:
        np.savez_compressed(keep_examples, features=Reranker.matrix(rows), labels=np.array(labels))
    restorer.shortlist, restorer.reranker = shortlist, Reranker.fit(rows, labels)
    if spinbot_ids is not None:
        restorer.spin_prior = lambda text: spin_probability(text, detector)
    return restorer.shortlist, restorer.reranker


def models_current(folder: Path) -> bool:
    """Whether ``folder`` holds a shortlist and a reranker this version of unspin can load."""
    from unspin.reranker import Reranker
    from unspin.shortlist import Shortlist

    return Reranker.is_current(folder / RERANKER_FILE) and Shortlist.is_current(folder / SHORTLIST_FILE)


def install_trained(target: Path) -> bool:
    """Put the bundled shortlist and reranker in ``target`` (files that differ are replaced).

    False, and nothing written, when the bundled ones were trained for another
    ``TRAINING_VERSION`` or feature set: then they must be trained here."""
    if not models_current(TRAINED_DIR):
        return False
    for name in TRAINED_FILES:
        _install(TRAINED_DIR / name, target / name)
    return True


def _install(bundled: Path, copy: Path) -> None:
    """Copy a bundled file into the cache unless an identical copy is there."""
    if not copy.exists() or copy.read_bytes() != bundled.read_bytes():
        shutil.copyfile(bundled, copy)


def detection_current(folder: Path = TRAINED_DIR) -> bool:
    """Whether ``folder`` (by default the package's bundled copies) holds a word probe and span
    models of this version."""
    from unspin.detect.probe import PROBE_FILE, WordProbe
    from unspin.detect.spans import SPAN_FILE, SpanModel

    return WordProbe.is_current(folder / PROBE_FILE) and all(
        SpanModel.is_current(folder / SPAN_FILE.format(tier=tier), tier) for tier in ("fast", "full"))


def install_detection(target: Path) -> list[Path]:
    """Copy the bundled word probe and both tiers' span models into ``target`` (a missing,
    broken or stale copy is replaced; ``detection_current`` says whether they can be)."""
    from unspin.detect.checker import span_model, word_probe
    from unspin.detect.probe import PROBE_FILE
    from unspin.detect.spans import SPAN_FILE

    names = [PROBE_FILE] + [SPAN_FILE.format(tier=tier) for tier in ("fast", "full")]
    for name in names:
        _install(TRAINED_DIR / name, target / name)
    word_probe.cache_clear()
    span_model.cache_clear()
    return [target / name for name in names]


def bundle_trained(source: Path, into: Path = TRAINED_DIR) -> list[Path]:
    """Copy what ``build_all(retrain=True)`` trained in ``source`` into ``into`` (the package's
    bundled copies, by default): the shortlist and reranker, the word probe, the span models and
    the full detector's language-model evidence on its training texts. The inverse of
    ``install_trained`` and ``install_detection``; ``make retrain`` runs it."""
    from unspin.detect.probe import PROBE_FILE, WordProbe
    from unspin.detect.spans import SPAN_FILE, SpanModel
    from unspin.detect.train import EXAMPLES_FILE, LM_EVIDENCE_FILE, export_lm_evidence, load_examples

    if not models_current(source):
        raise RuntimeError(f"no current shortlist and reranker in {source}: run `unspin resources build --retrain`")
    if not WordProbe.is_current(source / PROBE_FILE):
        raise RuntimeError(f"no current word probe in {source}: run `unspin resources build --retrain`")
    spans = [SPAN_FILE.format(tier=tier) for tier in ("fast", "full")]
    if not all(SpanModel.is_current(source / name, tier) for name, tier in zip(spans, ("fast", "full"))):
        raise RuntimeError(f"no current span models in {source}: run `unspin resources build --retrain`")
    examples = load_examples(source / EXAMPLES_FILE.format(tier="full"))
    if not examples:
        raise RuntimeError(f"no full-tier detector examples in {source}: run `unspin resources build --retrain`")
    written = []
    for name in (*TRAINED_FILES, PROBE_FILE, *spans):
        shutil.copyfile(source / name, into / name)
        written.append(into / name)
    export_lm_evidence(examples, into / LM_EVIDENCE_FILE)
    return [*written, into / LM_EVIDENCE_FILE]


def build_all(force: bool = False, retrain: bool = False) -> Path:
    """Build every resource into the cache directory; returns it. The shortlist and reranker
    are the bundled ones unless ``retrain`` (or they are out of date)."""
    from unspin.resources.model import DTYPE_FILE, convert_default_model, machine_dtype
    from unspin.resources.wordnet import prepare_wordnet

    target = home()
    prepare_wordnet()
    build_thesaurus(target, force)
    build_mined(target, force)
    _say("checking and converting the language model (SmolLM2-135M)…")
    convert_default_model(force)
    if force:
        (target / DTYPE_FILE).unlink(missing_ok=True)
    _say(f"the model computes in {machine_dtype()} on this machine")  # timed once here, remembered
    from unspin.detect.train import build_detectors, retrain_detection

    # The detectors first: the reranker learns from the fast one's verdict on each text (its spin prior).
    if not retrain and detection_current():
        install_detection(target)
    if retrain or not detection_current(target):  # (a stale bundle: unless fitted here before)
        why = "" if retrain else " (the bundled word probe and span models are for another version of unspin)"
        _say(f"training the detectors, the word probe and the span models{why}…")
        retrain_detection(target, say=_say)
    else:
        build_detectors(target, force, say=_say)
    if not retrain:
        install_trained(target)
    if retrain or not models_current(target):
        why = "" if retrain else " (the bundled ones are for another version of unspin)"
        _say(f"training the shortlist and the reranker on SpinBot pairs and simulated spins{why}…")
        restorer = load_restorer(with_reranker=False)
        shortlist, reranker = train_models(restorer, keep_examples=target / "reranker-examples.npz")
        shortlist.save(target / SHORTLIST_FILE)
        reranker.save(target / RERANKER_FILE)
    return target


def load_restorer(with_reranker: bool = True, model: str | Path | None = None, mined: dict | None = None):
    """A ``Restorer`` over the built resources (``model`` may name any HF causal LM)."""
    from unspin.candidates import CandidateGenerator
    from unspin.detect.checker import DETECTOR_FILES, spin_probability
    from unspin.engine import Restorer
    from unspin.reranker import Reranker
    from unspin.resources.lexicon import glove
    from unspin.resources.model import default_model_dir
    from unspin.resources.thesaurus import load_shared
    from unspin.scorer import CausalLMScorer
    from unspin.shortlist import Shortlist

    target = home()
    missing = [name for name in (THESAURUS_FILE, MINED_FILE, DETECTOR_FILES["fast"]) if not (target / name).exists()]
    if with_reranker:
        missing += [name for name in (RERANKER_FILE, SHORTLIST_FILE) if not (target / name).exists()]
    model_dir = Path(model) if model else default_model_dir()
    if model is None and not (model_dir / "config.json").exists():
        missing.append("models/")
    if missing:
        raise FileNotFoundError(
            f"resources missing in {target}: {', '.join(missing)}; run `unspin resources build`"
        )
    thesaurus = load_shared(target / THESAURUS_FILE)
    mined_pairs = mined if mined is not None else json.loads((target / MINED_FILE).read_text())
    reranker = Reranker.load(target / RERANKER_FILE) if with_reranker else None
    shortlist = Shortlist.load(target / SHORTLIST_FILE) if with_reranker else None
    generator = CandidateGenerator(thesaurus, mined_pairs, similarity=glove().cosine)
    return Restorer(generator, CausalLMScorer.from_pretrained(model_dir), reranker, shortlist=shortlist,
                    spin_prior=spin_probability)


if __name__ == "__main__":  # `make retrain`: bundle what `unspin resources build --retrain` trained
    for written in bundle_trained(home()):
        print(f"bundled {written}")
