"""Language-model scoring: how fluent is a sentence, and how much would a replacement help?

The decoder asks two things of a causal LM, per sentence:

1. one forward pass over the sentence as written (``analyse``), which gives the
   log-probability of every token and the model's next-token distribution at
   every position (used to rank candidates and to propose words of its own);
2. for a batch of single-span replacements (``replacement_gains``), the change in
   log-probability of the replaced span plus a few tokens of right context.
   The replacements re-use the first pass's key/value cache: each one only
   runs its new tokens, attending to the cached prefix, so a batch of 30
   replacements costs about as much as one extra pass over the sentence.

``Scorer`` is the interface; ``CausalLMScorer`` implements it for any Hugging
Face causal LM (the default is SmolLM2-135M, see ``resources.model``).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

RIGHT_CONTEXT_TOKENS = 4
# Left-context ranking sees only a word's first LM token; each further token
# is charged this many nats, roughly what the model spends on a word piece.
EXTRA_TOKEN_COST = 2.0


@dataclass
class SentenceAnalysis:
    """The first pass over one sentence."""

    text: str
    token_ids: list[int]
    token_spans: list[tuple[int, int]]  # character span of each LM token in ``text``
    token_logprobs: np.ndarray  # log P(token i | tokens before it)
    next_logprobs: object  # torch.Tensor [n_tokens, vocab]: distribution that predicted token i
    cache: object  # per-layer (keys, values) of the pass, with the start token first

    def token_at(self, char: int) -> int:
        """Index of the first LM token that ends after ``char``."""
        for index, (_, end) in enumerate(self.token_spans):
            if end > char:
                return index
        return len(self.token_spans)

    @property
    def total_logprob(self) -> float:
        return float(self.token_logprobs.sum())


class Scorer(Protocol):
    """What the decoder needs from a language model."""

    def analyse(self, sentence: str) -> SentenceAnalysis: ...

    def replacement_gains(
        self, analysis: SentenceAnalysis, replacements: list[tuple[int, int, str]]
    ) -> list[float]: ...

    def word_logprobs(self, analysis: SentenceAnalysis, char: int, words: list[str]) -> np.ndarray: ...

    def proposals(self, analysis: SentenceAnalysis, char: int, k: int) -> list[tuple[str, float]]: ...


def _default_dtype() -> str:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
            flags = handle.read()
    except OSError:
        return "float32"
    return "bfloat16" if "avx512_bf16" in flags or "amx_bf16" in flags else "float32"


class CausalLMScorer:
    """A ``Scorer`` over a Hugging Face causal language model, on the CPU."""

    def __init__(self, model, tokenizer, right_context: int = RIGHT_CONTEXT_TOKENS) -> None:
        import torch

        self._torch = torch
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.right_context = right_context
        start = tokenizer.bos_token_id
        if start is None:
            start = tokenizer.eos_token_id
        self._start_id = int(start if start is not None else 0)
        self._lock = threading.Lock()
        self._first_token_cache: dict[str, tuple[int, int]] = {}
        vocab = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
        # Tokens that start a new word ("Ġword" in byte-level BPE) and are alphabetic.
        self._word_start = np.array(
            [t.startswith("Ġ") and t[1:].isascii() and t[1:].isalpha() for t in vocab], dtype=bool
        )

    @classmethod
    def from_pretrained(cls, name_or_path: str | Path, threads: int | None = None,
                        dtype: str | None = None) -> CausalLMScorer:
        """Load any causal LM by local path or (cached) hub name.

        ``dtype`` defaults to bfloat16 where the CPU has native bfloat16 matrix
        instructions (about 1.8× faster here, same rankings), else float32;
        ``UNSPIN_DTYPE`` overrides it.
        """
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        if threads:
            torch.set_num_threads(threads)
        tokenizer = AutoTokenizer.from_pretrained(str(name_or_path))
        chosen = dtype or os.environ.get("UNSPIN_DTYPE") or _default_dtype()
        model = AutoModelForCausalLM.from_pretrained(
            str(name_or_path), dtype=getattr(torch, chosen), attn_implementation="sdpa"
        )
        return cls(model, tokenizer)

    # -- first pass ---------------------------------------------------------
    def analyse(self, sentence: str) -> SentenceAnalysis:
        torch = self._torch
        encoded = self.tokenizer(sentence, return_offsets_mapping=True, add_special_tokens=False)
        ids = list(encoded["input_ids"])
        spans = [tuple(span) for span in encoded["offset_mapping"]]
        inputs = torch.tensor([[self._start_id, *ids]])
        with self._lock, torch.inference_mode():
            out = self.model(input_ids=inputs, use_cache=True)
        logprobs = torch.log_softmax(out.logits[0, :-1].float(), dim=-1)
        token_logprobs = logprobs[torch.arange(len(ids)), torch.tensor(ids)].numpy() if ids else np.zeros(0)
        cache = [(layer.keys, layer.values) for layer in out.cache.layers]
        return SentenceAnalysis(sentence, ids, spans, token_logprobs, logprobs, cache)

    # -- candidates ranked by left context alone --------------------------
    def _first_tokens(self, words: list[str], spaced: bool) -> list[tuple[int, int]]:
        """(first LM token id, number of LM tokens) of each word; the uncached ones are
        tokenised in one batch (far cheaper than one call each)."""
        keys = [(" " if spaced else "") + word for word in words]
        missing = list(dict.fromkeys(key for key in keys if key not in self._first_token_cache))
        if missing:
            for key, ids in zip(missing, self.tokenizer(missing, add_special_tokens=False)["input_ids"]):
                self._first_token_cache[key] = (ids[0], len(ids))
        return [self._first_token_cache[key] for key in keys]

    def word_logprobs(self, analysis: SentenceAnalysis, char: int, words: list[str]) -> np.ndarray:
        """Estimated log P(word | text before ``char``): first token's, less a charge per further token."""
        index = analysis.token_at(char)
        if index >= len(analysis.token_ids) or not words:
            return np.full(len(words), -30.0)
        spaced = char > 0 and analysis.text[char - 1] == " "
        firsts = self._first_tokens(words, spaced)
        values = analysis.next_logprobs[index, [token for token, _ in firsts]].float().numpy()
        return values - EXTRA_TOKEN_COST * np.array([n - 1 for _, n in firsts])

    def proposals(self, analysis: SentenceAnalysis, char: int, k: int) -> list[tuple[str, float]]:
        """The model's own top-k whole-word guesses for the word starting at ``char``."""
        index = analysis.token_at(char)
        if index >= len(analysis.token_ids):
            return []
        row = analysis.next_logprobs[index]
        values, ids = self._torch.topk(row, k * 3)
        words = []
        for value, token_id in zip(values.tolist(), ids.tolist()):
            if self._word_start[token_id]:
                words.append((self.tokenizer.convert_ids_to_tokens(token_id)[1:], value))
        return words[:k]

    # -- replacements, re-using the cache -----------------------------------
    def replacement_gains(
        self, analysis: SentenceAnalysis, replacements: list[tuple[int, int, str]]
    ) -> list[float]:
        """Δ log P of each replacement (start, end, new_text) over the changed tokens + right context."""
        torch = self._torch
        if not replacements:
            return []
        old = analysis.token_ids
        texts = [analysis.text[:s] + new + analysis.text[e:] for s, e, new in replacements]
        encoded = self.tokenizer(texts, add_special_tokens=False)["input_ids"]
        jobs = []  # (shared prefix length, new tokens to run, old tokens they replace)
        for new in encoded:
            prefix = 0
            limit = min(len(old), len(new))
            while prefix < limit and old[prefix] == new[prefix]:
                prefix += 1
            suffix = 0
            while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
                suffix += 1
            new_end = min(len(new), len(new) - suffix + self.right_context)
            old_end = min(len(old), len(old) - suffix + self.right_context)
            jobs.append((prefix, new[prefix:new_end], old_end))
        gains = [0.0] * len(jobs)
        runnable = [i for i, (prefix, new_tokens, _) in enumerate(jobs) if new_tokens]
        for i, (prefix, new_tokens, old_end) in enumerate(jobs):
            if not new_tokens:  # a pure deletion at the end of the sentence
                gains[i] = -float(analysis.token_logprobs[prefix:old_end].sum())
        if not runnable:
            return gains
        # Rows of similar length run together, so little work goes on padding.
        runnable.sort(key=lambda i: len(jobs[i][1]))
        rest: dict[int, float] = {}
        for bucket in _length_buckets([len(jobs[i][1]) for i in runnable]):
            chosen = [runnable[k] for k in bucket]
            for i, value in zip(chosen, self._continuation_logprobs(analysis, [jobs[i][:2] for i in chosen])):
                rest[i] = value
        for i in runnable:
            prefix, new_tokens, old_end = jobs[i]
            first = float(analysis.next_logprobs[prefix, new_tokens[0]]) if prefix < len(old) else float(
                torch.log_softmax(self._last_logits(analysis), -1)[new_tokens[0]]
            )
            gains[i] = first + rest[i] - float(analysis.token_logprobs[prefix:old_end].sum())
        return gains

    def _continuation_logprobs(self, analysis: SentenceAnalysis, rows: list[tuple[int, list[int]]]) -> list[float]:
        """For each (prefix length, tokens): log P(tokens[1:]) given the cached prefix and tokens[0].

        The last token of a row is only predicted, never used to predict, so it is
        not run; and only the positions that predict a token go through the
        vocabulary-wide head (the costliest layer of a small LM)."""
        torch = self._torch
        inputs = [tokens[:-1] for _, tokens in rows]
        if not any(inputs):
            return [0.0] * len(rows)
        width = max(len(tokens) for tokens in inputs)
        cached = len(analysis.token_ids) + 1  # the start token, then the sentence
        batch = len(rows)
        input_ids = torch.zeros((batch, width), dtype=torch.long)
        positions = torch.zeros((batch, width), dtype=torch.long)
        mask = torch.zeros((batch, cached + width), dtype=torch.long)
        for row, ((prefix, _), tokens) in enumerate(zip(rows, inputs)):
            input_ids[row, : len(tokens)] = torch.tensor(tokens, dtype=torch.long)
            positions[row] = prefix + 1 + torch.arange(width)
            mask[row, : prefix + 1] = 1  # attend to the start token and the shared prefix only
            mask[row, cached : cached + len(tokens)] = 1
        row_index, columns, targets = [], [], []
        for row, (_, tokens) in enumerate(rows):
            row_index += [row] * (len(tokens) - 1)
            columns += range(len(tokens) - 1)
            targets += tokens[1:]
        from transformers import DynamicCache

        cache = DynamicCache(
            ddp_cache_data=[(k.expand(batch, -1, -1, -1), v.expand(batch, -1, -1, -1)) for k, v in analysis.cache]
        )
        with self._lock, torch.inference_mode():
            hidden = self.model.get_decoder()(input_ids=input_ids, attention_mask=mask, position_ids=positions,
                                              cache=cache, use_cache=False).last_hidden_state
            logits = self.model.get_output_embeddings()(hidden[row_index, columns])
        target_ids = torch.tensor(targets, dtype=torch.long)
        picked = torch.log_softmax(logits.float(), dim=-1)[torch.arange(len(targets)), target_ids].tolist()
        sums = [0.0] * batch
        for row, value in zip(row_index, picked):
            sums[row] += value
        return sums

    def _last_logits(self, analysis: SentenceAnalysis):
        # Appending after the last token: run the final position once more.
        torch = self._torch
        with self._lock, torch.inference_mode():
            ids = torch.tensor([[self._start_id, *analysis.token_ids]])
            return self.model(input_ids=ids).logits[0, -1]

    def sentence_logprob(self, sentence: str) -> float:
        """log P(sentence), straightforwardly (used to check the cached arithmetic)."""
        return self.analyse(sentence).total_logprob


def _length_buckets(lengths: list[int], min_rows: int = 16) -> list[list[int]]:
    """Split sorted row lengths into runs of similar length (indices), each of at least
    ``min_rows`` rows where possible: padding then costs little, and calls stay few."""
    buckets: list[list[int]] = []
    for index, length in enumerate(lengths):
        if buckets and (length <= 1.25 * lengths[buckets[-1][0]] or len(buckets[-1]) < min_rows):
            buckets[-1].append(index)
        else:
            buckets.append([index])
    return buckets
