"""The word probe: did a spinner put this word here? Read off the language model's hidden states.

For each word, the model's hidden states after layer ``PROBE_LAYER`` at the word's last token and at
the token after it go into a logistic regression trained on spun texts whose originals are known (a
word is positive when the diff against the original puts it in a changed block; every word of an
original is negative). A fluent but wrong synonym still reads, to the model, like a word swapped
in. The full check shows the words it is surest of as suspicious spans (``features.lm_evidence``);
the states come from the pass the check already runs. Fitted on the full tier's training texts
(``resources.build``); tied to the model it was read from, the default SmolLM2.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

PROBE_LAYER = 16  # of SmolLM2's 30 (docs/journal.md, sessions 22 and 24)
PROBE_C = 0.05  # inverse L2 strength of the logistic regression (0.01-0.2 did alike in session 22)
REAL_WORD_WEIGHT = 3.0  # a SpinBot pair's words count thrice, as its texts do in the detectors
PROBE_FILE = "detector-probe.npz"
PROBE_VERSION = 1


def word_rows(states: np.ndarray, last_tokens: list[int]) -> np.ndarray:
    """One row per word: the states at its last LM token and at the next (the same at the end)."""
    if not last_tokens:
        return np.zeros((0, 2 * states.shape[1]), dtype=np.float32)
    last = np.clip(np.asarray(last_tokens), 0, len(states) - 1)
    following = np.minimum(last + 1, len(states) - 1)
    return np.concatenate([states[last], states[following]], axis=1)


class WordProbe:
    """Log-odds that each word was put there by a spinner, from ``word_rows``."""

    def __init__(self, weights: np.ndarray, bias: float, mean: np.ndarray, scale: np.ndarray) -> None:
        self.weights = np.asarray(weights, dtype=np.float32)
        self.bias = float(bias)
        self.mean = np.asarray(mean, dtype=np.float32)
        self.scale = np.asarray(scale, dtype=np.float32)

    def logits(self, rows: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return np.zeros(0)
        return ((rows - self.mean) / self.scale) @ self.weights + self.bias

    @classmethod
    def fit(cls, rows: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> WordProbe:
        from sklearn.linear_model import LogisticRegression

        mean, scale = rows.mean(axis=0), rows.std(axis=0) + 1e-6
        model = LogisticRegression(C=PROBE_C, max_iter=500)
        model.fit((rows - mean) / scale, labels, sample_weight=weights)
        return cls(model.coef_[0], float(model.intercept_[0]), mean, scale)

    def save(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as handle:
            np.savez_compressed(handle, weights=self.weights, bias=np.array(self.bias), mean=self.mean,
                                scale=self.scale, meta=np.array(json.dumps(_meta())))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> WordProbe:
        with np.load(path, allow_pickle=False) as data:
            if json.loads(str(data["meta"])) != _meta():
                raise ValueError(f"{path} was made for another probe layer or version")
            return cls(data["weights"], float(data["bias"]), data["mean"], data["scale"])

    @staticmethod
    def is_current(path: Path) -> bool:
        try:
            WordProbe.load(path)
        except (OSError, ValueError, KeyError):
            return False
        return True


def _meta() -> dict:
    return {"version": PROBE_VERSION, "layer": PROBE_LAYER, "c": PROBE_C}


def sentence_rows(analysis, tokens) -> np.ndarray:
    """``word_rows`` of the word ``tokens`` of an analysed sentence (offsets within it)."""
    return word_rows(analysis.states, [analysis.token_at(t.end - 1) for t in tokens])


def text_rows(text: str, scorer) -> np.ndarray:
    """The probe's rows of every word of ``text``, read sentence by sentence as ``check`` reads it."""
    from unspin.detect.checker import units
    from unspin.engine import chunks
    from unspin.tokenise import tokenise

    worded = [(text[a:b], words) for a, b in units(text)
              if (words := [t for t in tokenise(text[a:b]) if t.is_word])]
    out = []
    for chunk in chunks(worded, lambda item: len(item[0])):
        for (_, words), analysis in zip(chunk, scorer.analyse_many([s for s, _ in chunk], layers=(PROBE_LAYER,))):
            out.append(sentence_rows(analysis, words))
    return np.concatenate(out) if out else np.zeros((0, 0), dtype=np.float32)


def word_labels(spun: str, original: str) -> np.ndarray:
    """1 for each word of ``spun`` inside a block the diff against ``original`` changed."""
    from unspin.evaluation.align import diff_spans
    from unspin.tokenise import tokenise

    words = [t.text.lower() for t in tokenise(spun) if t.is_word]
    others = [t.text.lower() for t in tokenise(original) if t.is_word]
    labels = np.zeros(len(words), dtype=np.int8)
    for block in diff_spans(words, others):
        labels[block.src_start_tok : block.src_end_tok] = 1
    return labels


def fit_word_probe(texts: list) -> WordProbe:
    """Fit the probe on training texts as ``spans.text_signals`` reads them (each with its words'
    ``probe_rows``): every word of a spin labelled by the diff against its original, every word of
    an original negative; a SpinBot pair's words weigh ``REAL_WORD_WEIGHT``."""
    originals = originals_by_group(texts)
    texts = [t for t in texts if not t.label or t.group in originals]
    rows = [t.probe_rows for t in texts]
    width = max((r.shape[1] for r in rows if len(r)), default=0)
    x = np.concatenate([r.reshape(len(r), width) for r in rows]).astype(np.float32)
    labels = np.concatenate([training_labels(t, originals) for t in texts])
    return WordProbe.fit(x, labels, np.concatenate([training_weights(t) for t in texts]))


def originals_by_group(texts: list) -> dict[str, str]:
    """Each group's original (a group holds one original and its spin)."""
    return {t.group: t.text for t in texts if not t.label}


def training_labels(item, originals: dict[str, str]) -> np.ndarray:
    """1 for each of a training text's ``words`` that its spinner changed (none in an original)."""
    if not item.label:
        return np.zeros(len(item.words), np.int8)
    marks = word_labels(item.text, originals[item.group])
    if len(marks) != len(item.words):  # the diff's words and the check's are the same tokens
        raise RuntimeError(f"word count mismatch in a training text of {item.group}")
    return marks


def training_weights(item) -> np.ndarray:
    """A SpinBot pair's words weigh ``REAL_WORD_WEIGHT``, simulated spins' 1."""
    return np.full(len(item.words), REAL_WORD_WEIGHT if item.group.startswith("spinbot:") else 1.0)
