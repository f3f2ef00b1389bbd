"""Where a text was spun: the check's signals weighed, word by word, into the spans a report shows.

Each signal the check finds (a known tortured phrase, residue, an article that does not agree, a
much commoner synonym, a collocation break, wording typical of spinner output, the language model's
preference for a synonym, the word probe) is evidence about a word, and alone each is weak: shown as
spans, every signal together covered about 190 of every 1,000 words of clean held-out paragraphs
(docs/journal.md, sessions 24-25). A small boosted-trees model (``SpanModel``) reads a word's signals
with the text's probability of being spun, the word's frequency and whether it is a function word or
capitalised, and gives P(a spinner changed this word); it is trained on the detectors' training
texts, word by word against the diff with each spin's original (``fit_span_model``), with every
training text's probability, n-gram table and word probe cross-fitted, so that it learns how much
they say about text they did not see. A span is a word with a signal of its own (a tortured phrase:
its words together; an article that does not agree: it and the next word) whose P is at least
``SPAN_FLOOR``; its score is that P.
"""

from __future__ import annotations

import json
import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from unspin.boosted import BoostedTrees
from unspin.candidates import FUNCTION_WORDS, transfer_case
from unspin.decode import wants_an
from unspin.detect.features import Evidence, Signal, summed
from unspin.detect.types import Span
from unspin.resources.lexicon import zipf
from unspin.types import Token

SPAN_FLOOR = 0.5  # a word is shown when a spinner more likely than not changed it
SPAN_FILE = "detector-spans-{tier}.npz"
SPAN_VERSION = 2
# Signals whose strength is a feature of its own (``Signal.value``; the strongest on a word counts).
SIGNAL_KINDS = ("tortured", "residue", "article", "rare", "collocation")
FAST_COLUMNS = (*SIGNAL_KINDS, "ngram", "text_logit", "zipf", "function_word", "capitalised")
FULL_COLUMNS = (*FAST_COLUMNS, "lm_gain", "lm_scored", "probe")
# The order a span's reasons are told in, and its suggestion looked for.
REASON_ORDER = ("tortured", "residue", "article", "collocation", "lm", "rare", "probe", "ngram")
MAX_REASONS = 3
TREES = {"max_iter": 60, "learning_rate": 0.2, "max_leaf_nodes": 8, "l2_regularization": 1.0}
# Signals that are rules rather than measurements, too rare in the training texts for the trees to
# learn (30 broken contractions, 4 number residues, 33 tortured phrases in the fast tier's): a word
# they mark gets at least their own precision there (``SpanModel.floors``).
RULE_KINDS = ("residue", "tortured")


def columns(tier: str) -> tuple[str, ...]:
    return FULL_COLUMNS if tier == "full" else FAST_COLUMNS


def _positive(signal: Signal) -> bool:
    """Whether a signal speaks for its word having been changed (a small LM gain does; a loss not)."""
    return signal.value > 0 or signal.kind in SIGNAL_KINDS


def word_matrix(text: str, words: list[Token], signals: list[Signal], probability: float,
                tier: str) -> tuple[list[int], np.ndarray]:
    """The words (indices into ``words``, in text order) that a signal speaks for, and one row of
    ``columns(tier)`` for each: the strongest signal of each kind on it (an article's disagreement
    counts for the word after it, the one a spinner swapped in), the text's probability as
    log-odds, and the word's frequency, function-word and capital flags. Other words are no span."""
    at = {name: i for i, name in enumerate(columns(tier))}
    ends, starts = [w.end for w in words], [w.start for w in words]
    values: dict[int, list[float]] = {}
    probe: dict[int, float] = {}
    scored: set[int] = set()
    wanted: set[int] = set()

    def row(i: int) -> list[float]:
        return values.setdefault(i, [0.0] * len(at))

    for signal in signals:
        if ("lm_gain" if signal.kind == "lm" else signal.kind) not in at:
            continue  # the language model's, in a fast tier's matrix
        first, stop = bisect_right(ends, signal.start), bisect_left(starts, signal.end)
        if signal.kind == "probe":  # one for each word, negative too
            probe.update((i, signal.value) for i in range(first, stop))
        elif signal.kind == "lm":
            scored.update(range(first, stop))
            for i in range(first, stop):
                row(i)[at["lm_gain"]] = max(row(i)[at["lm_gain"]], signal.value)
        else:
            target = range(stop, min(stop + 1, len(words))) if signal.kind == "article" else range(first, stop)
            for i in target:
                row(i)[at[signal.kind]] = max(row(i)[at[signal.kind]], signal.value)
            if signal.kind == "article":  # the word it does not agree with is evidence too
                wanted.update(target)
        if _positive(signal):
            wanted.update(range(first, stop))
    index = sorted(wanted)
    x = np.array([values.get(i) or [0.0] * len(at) for i in index]).reshape(len(index), len(at))
    p = min(max(probability, 1e-4), 1 - 1e-4)
    x[:, at["text_logit"]] = math.log(p / (1 - p))
    for row_number, i in enumerate(index):
        lower = text[words[i].start : words[i].end].lower()
        x[row_number, at["zipf"]] = zipf(lower)
        x[row_number, at["function_word"]] = lower in FUNCTION_WORDS
        x[row_number, at["capitalised"]] = text[words[i].start].isupper()
        if tier == "full":
            x[row_number, at["lm_scored"]] = i in scored
            x[row_number, at["probe"]] = probe.get(i, 0.0)
    return index, x


class SpanModel(BoostedTrees):
    """P(a spinner changed the word) for each row of a ``word_matrix`` of its tier; ``floors``:
    the least P of a word a ``RULE_KINDS`` signal marks."""

    tier = "fast"
    floors: dict[str, float] = {}

    def word_probabilities(self, text: str, words: list[Token], signals: list[Signal], probability: float) -> np.ndarray:
        """P(changed) for each of ``words``; 0 for a word no signal speaks for."""
        index, x = word_matrix(text, words, signals, probability, self.tier)
        out = np.zeros(len(words))
        out[index] = self.predict_with_floors(x)
        return out

    def predict_with_floors(self, x: np.ndarray) -> np.ndarray:
        p = self.predict(x)
        names = columns(self.tier)
        for kind, floor in self.floors.items():
            p = np.where(x[:, names.index(kind)] > 0, np.maximum(p, floor), p)
        return p

    @classmethod
    def fit(cls, tier: str, x: np.ndarray, changed: np.ndarray, weights: np.ndarray) -> SpanModel:
        from sklearn.ensemble import HistGradientBoostingClassifier

        trees = HistGradientBoostingClassifier(random_state=0, **TREES).fit(x, changed, sample_weight=weights)
        model = cls.from_sklearn(trees)
        model.tier = tier
        marked = {kind: x[:, columns(tier).index(kind)] > 0 for kind in RULE_KINDS}
        # Laplace's rule of succession: the precision, kept off 1 by so few cases
        model.floors = {kind: round(float((changed[m].sum() + 1) / (m.sum() + 2)), 4) for kind, m in marked.items()}
        return model

    def save(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as handle:
            np.savez_compressed(handle, meta=np.array(json.dumps(_meta(self.tier))),
                                floors=np.array(json.dumps(self.floors)), **self.arrays())
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path, tier: str) -> SpanModel:
        with np.load(path, allow_pickle=False) as data:
            if json.loads(str(data["meta"])) != _meta(tier):
                raise ValueError(f"{path} was made for another tier, feature set or version")
            model = cls.from_arrays(data)
            model.floors = json.loads(str(data["floors"]))
        model.tier = tier
        return model

    @staticmethod
    def is_current(path: Path, tier: str) -> bool:
        try:
            SpanModel.load(path, tier)
        except (OSError, ValueError, KeyError):
            return False
        return True


def _meta(tier: str) -> dict:
    return {"version": SPAN_VERSION, "tier": tier, "columns": list(columns(tier)), "trees": TREES}


# --- choosing the spans -----------------------------------------------------------------


def choose_spans(text: str, words: list[Token], signals: list[Signal], probabilities: np.ndarray,
                 floor: float = SPAN_FLOOR) -> list[Span]:
    """The spans of a report, in text order: each word with a signal for it, a tortured phrase's
    words together and an article with the word it does not agree with, scored by the highest P
    of their words and kept at ``floor`` or above."""
    ends, starts = [w.end for w in words], [w.start for w in words]
    by_word: dict[int, list[Signal]] = {}
    units: list[list[int]] = []  # word index ranges [first, stop)
    for signal in signals:
        first, stop = bisect_right(ends, signal.start), bisect_left(starts, signal.end)
        if _positive(signal):
            for i in range(first, stop):
                by_word.setdefault(i, []).append(signal)
        if signal.kind in ("tortured", "article"):
            stop = min(stop + (signal.kind == "article"), len(words))
            if first < stop:
                units.append([first, stop])
    units.sort()
    merged: list[list[int]] = []
    for unit in units:  # overlapping phrases become one
        if merged and unit[0] < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], unit[1])
        else:
            merged.append(unit)
    in_phrase = {i for first, stop in merged for i in range(first, stop)}
    merged += [[i, i + 1] for i in by_word if i not in in_phrase]
    spans = []
    for first, stop in sorted(merged):
        score = float(probabilities[first:stop].max())
        if score < floor:
            continue
        start, end = words[first].start, words[stop - 1].end
        found = _by_kind(list({id(s): s for i in range(first, stop) for s in by_word.get(i, [])}.values()))
        strongest: dict[str, Signal] = {}
        for signal in found:  # (in order of kind, the strongest first)
            strongest.setdefault(signal.kind, signal)
        reasons = [signal.reason for signal in strongest.values()][:MAX_REASONS]
        suggestion = _suggestion(text, found, words[stop - 1], _by_kind(by_word.get(stop - 1, [])))
        spans.append(Span(start, end, text[start:end], suggestion, round(score, 4), "; ".join(reasons)))
    return spans


def _by_kind(signals: list[Signal]) -> list[Signal]:
    return sorted(signals, key=lambda s: (REASON_ORDER.index(s.kind), -s.value))


def _suggestion(text: str, found: list[Signal], last: Token, on_last: list[Signal]) -> str:
    """The first suggestion (in ``REASON_ORDER``) for the span ending with the word ``last``. An
    article's span takes a suggestion for its word where there is one, with the article made to
    agree ("a attainable" -> "a possible"), else the article that agrees with the word as it is."""
    for signal in found:
        if not signal.suggestion:
            continue
        if signal.kind != "article":
            return signal.suggestion
        word = next((s.suggestion for s in on_last if s.kind != "article" and s.suggestion), None)
        if word is None:
            return signal.suggestion + text[signal.end : last.end]
        article = transfer_case(signal.text, "an" if wants_an(word) else "a")
        return article + text[signal.end : last.start] + word
    return ""


# --- training ---------------------------------------------------------------------------


@dataclass
class TextSignals:
    """A training text as the check reads it: its evidence (what the detector learns from), its
    words and signals but the n-grams' (which depend on the table), and in the full tier the word
    probe's rows for its words (to fit the probe, and to cross-fit it for the span model)."""

    text: str
    label: int
    group: str
    evidence: Evidence  # without n-grams, as ``detect.train.text_evidence`` gives it
    pieces: list[tuple[int, int]]
    words: list[Token]
    signals: list[Signal]
    probe_rows: np.ndarray | None = None


class _RowRecorder:
    """Stands in for the word probe while training texts are read: keeps each word's rows."""

    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []

    def logits(self, rows: np.ndarray) -> np.ndarray:
        self.rows.append(np.asarray(rows, dtype=np.float16))
        return np.zeros(len(rows))


def text_signals(text: str, label: int, group: str, full: bool, scorer=None) -> TextSignals:
    """What ``check`` finds in a training text before n-grams, the probe and the spans: one reading
    gives everything the detector, the word probe and the span model learn from."""
    from unspin.detect.checker import evidence_by_sentence
    from unspin.detect.tortured import default_matcher

    found: list[Signal] = []
    recorder = _RowRecorder() if full else None
    sentences = evidence_by_sentence(text, full, found, default_matcher().find(text), scorer, recorder)
    words = [token for _, _, tokens, _ in sentences for token in tokens if token.is_word]
    rows = None
    if recorder is not None:
        rows = np.concatenate(recorder.rows) if recorder.rows else np.zeros((0, 0), np.float16)
    evidence = summed(part for _, _, _, part in sentences)
    return TextSignals(text, label, group, evidence, [(start, end) for start, end, _, _ in sentences], words,
                       [s for s in found if s.kind != "probe"], rows)


def fit_span_model(tier: str, texts: list[TextSignals], examples, fits,
                   say: Callable[[str], None] | None = None) -> SpanModel:
    """Fit the tier's span model on ``texts`` (``text_signals`` of its training texts), whose
    ``examples`` (the detector's, with evidence) and their ``fits`` (``model.threshold_fits``, as
    the detector's threshold was chosen) give each text's cross-fitted probability and n-gram
    table; in the full tier the word probe is cross-fitted by the same folds."""
    from unspin.detect.model import ngram_evidence
    from unspin.detect.probe import WordProbe, originals_by_group, training_labels, training_weights
    from unspin.tokenise import tokenise

    fitted = {(e.text, e.group): (probability, fits.detectors[fold], fold)
              for e, probability, fold in zip(examples, fits.scores, fits.folds)}
    originals = originals_by_group(texts)
    kept = [t for t in texts if (t.text, t.group) in fitted and (not t.label or t.group in originals)]
    changed = [training_labels(t, originals) for t in kept]
    weighed = [training_weights(t) for t in kept]
    probe_logits: list[np.ndarray | None] = [None] * len(kept)
    if tier == "full":
        folds = np.concatenate([np.full(len(t.words), fitted[t.text, t.group][2]) for t in kept])
        rows = np.concatenate([t.probe_rows for t in kept])
        labels, weights = np.concatenate(changed), np.concatenate(weighed)
        logits = np.zeros(len(labels))
        for fold in sorted(set(folds.tolist())):
            if say:
                say(f"span model ({tier}): word probe without fold {fold}")
            probe = WordProbe.fit(rows[folds != fold].astype(np.float32), labels[folds != fold], weights[folds != fold])
            logits[folds == fold] = probe.logits(rows[folds == fold].astype(np.float32))
        bounds = np.cumsum([0] + [len(t.words) for t in kept])
        probe_logits = [logits[a:b] for a, b in zip(bounds, bounds[1:])]
    blocks, labels, weights = [], [], []
    for item, logits, marks, weight in zip(kept, probe_logits, changed, weighed):
        probability, detector, _ = fitted[item.text, item.group]
        signals = list(item.signals)
        for start, end in item.pieces:
            ngram_evidence(item.text, start, end, detector.ngrams, Evidence(), signals, tokenise(item.text[start:end], start))
        if logits is not None:
            signals += [Signal(w.start, w.end, w.text, "", "probe", float(v), "") for w, v in zip(item.words, logits)]
        index, x = word_matrix(item.text, item.words, signals, probability, tier)
        blocks.append(x)
        labels.append(marks[index])
        weights.append(weight[index])
    return SpanModel.fit(tier, np.concatenate(blocks), np.concatenate(labels), np.concatenate(weights))
