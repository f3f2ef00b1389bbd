"""Language-model scoring: how fluent is a sentence, and how much would a replacement help?

The decoder asks two things of a causal LM, per sentence:

1. one forward pass over the sentence as written (``analyse``), which gives the
   log-probability of every token and the model's next-token distribution at
   every position (used to rank candidates and to propose words of its own);
2. for a batch of single-span replacements (``replacement_gains``), the change in
   log-probability of the replaced span plus a few tokens of right context.
   The replacements re-use the first pass's key/value cache: each one only
   runs its new tokens, attending to the cached prefix. A sentence's
   replacements run side by side as one sequence beside one copy of its
   cache, an attention mask keeping each to its own prefix and tokens.

Both come in ``_many`` forms that serve several sentences in the same model
calls. On a 2-core CPU a call over one token costs about 28 ms (the weights are
streamed from memory) and one over 1,000 tokens about 0.8 ms a token, so the
engine gathers a few dozen sentences' work into a handful of calls.

``Scorer`` is the interface; ``CausalLMScorer`` implements it over a
``LanguageModel``: a plain Llama model (the default SmolLM2-135M, see
``resources.model``) on ``llama.Llama``, any other Hugging Face causal LM through
``TransformersLM``.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

RIGHT_CONTEXT_TOKENS = 4
# Left-context ranking sees only a word's first LM token; each further token
# is charged this many nats, roughly what the model spends on a word piece.
EXTRA_TOKEN_COST = 2.0
# Padded tokens per first-pass call, and packs × (cached context + packed tokens) per
# replacement call: big enough that streaming the weights is shared by many tokens, small
# enough to bound memory (a cached token costs 23 KB: 30 layers × keys and values × 3 heads × 64).
ANALYSE_BATCH_TOKENS = 1024
CALL_CONTEXT_BUDGET = 8192
# A sentence's replacement rows run as sequences of at most this many tokens (attention grows
# with the square; 48 to 384 ran equally fast on the benchmark article).
MAX_PACK_TOKENS = 96
# Rows whose vocabulary-wide logits are made at once (1,024 × 49,152 float32 logits: 200 MB), which
# bounds the memory of a call's head; smaller blocks ran slower in float32 (64 rows: ~1.5×).
HEAD_BLOCK_ROWS = 1024


@dataclass
class SentenceAnalysis:
    """The first pass over one sentence."""

    text: str
    token_ids: list[int]
    token_spans: list[tuple[int, int]]  # character span of each LM token in ``text``
    token_logprobs: np.ndarray  # log P(token i | tokens before it)
    next_logprobs: object  # torch.Tensor [n_tokens + 1, vocab]: row i predicted token i; the last, what follows
    cache: object  # per-layer (keys, values) of the pass: the start token, the context's tokens, the sentence's
    context: int = 0  # LM tokens of the text read before the sentence (between the start token and it)
    lead: str = ""  # " " when the sentence follows a context: its first token carries the space, as in the text
    # [n_tokens, layers · hidden]: the hidden states after the layers ``analyse_many`` was asked to
    # keep, at the sentence's tokens (for the word probe, ``unspin.detect.probe``); else None.
    states: np.ndarray | None = None

    @property
    def cached(self) -> int:
        """Tokens in ``cache``."""
        return 1 + self.context + len(self.token_ids)

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
    """What the decoder needs from a language model (the ``_many`` forms batch several sentences)."""

    def analyse(self, sentence: str) -> SentenceAnalysis: ...

    def analyse_many(self, sentences: list[str], contexts: list[str] | None = None) -> list[SentenceAnalysis]: ...

    def replacement_gains(
        self, analysis: SentenceAnalysis, replacements: list[tuple[int, int, str]]
    ) -> list[float]: ...

    def replacement_gains_many(
        self, requests: list[tuple[SentenceAnalysis, list[tuple[int, int, str]]]]
    ) -> list[list[float]]: ...

    def word_logprobs(self, analysis: SentenceAnalysis, char: int, words: list[str]) -> np.ndarray: ...

    def proposals(self, analysis: SentenceAnalysis, char: int, k: int) -> list[tuple[str, float]]: ...


# bfloat16 must beat float32 by this factor to be chosen: it rounds the scores (by ~0.3 nats), so
# a near tie goes to the exact one. (Timing noise is kept out by timing once per machine.)
BFLOAT16_MARGIN = 1.25


def faster_dtype(has_bfloat16_instructions: bool, timings: Callable[[], dict[str, float]]) -> str:
    """"bfloat16" where the CPU has bfloat16 instructions and multiplies the model's matrices at
    least ``BFLOAT16_MARGIN`` times as fast in it as in float32 (``timings()``: seconds per dtype,
    as ``matmul_seconds`` gives them), else "float32".

    Having the instructions is not enough. On an AMD EPYC with AVX-512 bfloat16 the model ran 1.3-1.5
    times as fast in bfloat16; on an Intel Xeon (Emerald Rapids) with the same instructions but no
    AMX, its matrix products ran two to three times as fast in float32 (261-384 against 114-171
    GFLOP/s on two threads). Without the instructions bfloat16 is emulated, far slower: not timed."""
    if not has_bfloat16_instructions:
        return "float32"
    seconds = timings()
    return "bfloat16" if BFLOAT16_MARGIN * seconds["bfloat16"] < seconds["float32"] else "float32"


def matmul_seconds(rounds: int = 9) -> dict[str, float]:
    """Fastest of ``rounds`` timings, per dtype, of a matrix product of the default model's MLP
    shape, 256 tokens (3-4 ms in float32 on two cores here), after one untimed warm-up each.

    The dtypes take turns, so a busy spell slows both rather than one: timed back to back, three
    rounds each, float32 once came out 1.8 times slower than bfloat16 while another process ran
    (it is 1.6 times faster on the quiet machine)."""
    import time

    import torch

    dtypes = ("float32", "bfloat16")
    operands = {name: (torch.randn(256, 576).to(getattr(torch, name)), torch.randn(3072, 576).to(getattr(torch, name)))
                for name in dtypes}
    best = dict.fromkeys(dtypes, float("inf"))
    with torch.inference_mode():
        for round in range(rounds + 1):
            for name in dtypes:
                start = time.perf_counter()
                torch.nn.functional.linear(*operands[name])
                if round:
                    best[name] = min(best[name], time.perf_counter() - start)
    return best


class LanguageModel(Protocol):
    """A causal LM as the scorer runs it: the decoder with a cache of earlier tokens, and the head."""

    def decode(self, input_ids, mask, positions, past=None, kept=None) -> tuple[object, list]:
        """Final hidden states [batch, length, hidden] and every layer's (keys, values), ``past``'s
        first; ``mask`` [batch, 1, length, past + length] (bool) says which keys each token sees.
        ``kept``, if given, receives the hidden states after each layer its keys name (1 = the first)."""
        ...

    def head(self, hidden): ...

    @property
    def dtype(self):
        """The torch dtype the model computes in."""
        ...


class TransformersLM:
    """Any Hugging Face causal LM as a ``LanguageModel`` (plain Llama models load leaner: ``llama.py``)."""

    def __init__(self, model) -> None:
        self.model = model.eval()

    def decode(self, input_ids, mask, positions, past=None, kept=None):
        from transformers import DynamicCache

        cache = DynamicCache(ddp_cache_data=past) if past is not None else DynamicCache()
        out = self.model.get_decoder()(input_ids=input_ids, attention_mask=mask, position_ids=positions,
                                       cache=cache, use_cache=True, output_hidden_states=kept is not None)
        for layer in kept or ():
            kept[layer] = out.hidden_states[layer]  # [0] is the embeddings, [n] after layer n
        return out.last_hidden_state, [(layer.keys, layer.values) for layer in out.cache.layers]

    def head(self, hidden):
        return self.model.get_output_embeddings()(hidden)

    @property
    def dtype(self):
        return self.model.dtype


class CausalLMScorer:
    """A ``Scorer`` over a causal language model, on the CPU.

    ``tokenizer`` is a ``tokenizers.Tokenizer`` (the Rust tokenizer behind every fast Hugging Face
    tokenizer) and ``start_id`` the token each sentence is read after."""

    def __init__(self, model: LanguageModel, tokenizer, start_id: int,
                 right_context: int = RIGHT_CONTEXT_TOKENS) -> None:
        import torch

        self._torch = torch
        self.model = model
        self.tokenizer = tokenizer
        self.right_context = right_context
        self._start_id = int(start_id)
        self._lock = threading.Lock()
        self._first_token_cache: dict[str, tuple[int, int]] = {}
        self._vocabulary = [tokenizer.id_to_token(i) or "" for i in range(tokenizer.get_vocab_size(True))]
        # Tokens that start a new word ("Ġword" in byte-level BPE) and are alphabetic.
        self._word_start = np.array(
            [t.startswith("Ġ") and t[1:].isascii() and t[1:].isalpha() for t in self._vocabulary], dtype=bool
        )

    @classmethod
    def from_pretrained(cls, name_or_path: str | Path, threads: int | None = None,
                        dtype: str | None = None) -> CausalLMScorer:
        """Load a causal LM by local path or (cached) hub name: a plain Llama folder with
        ``tokenizer.json`` and ``model.safetensors`` (the default SmolLM2 is one) through
        ``llama.py``, anything else through transformers.

        ``dtype`` defaults to whichever of bfloat16 and float32 runs the model faster on this
        machine (``faster_dtype``: bfloat16 only where it is clearly faster), as timed once and
        remembered in the cache (``resources.model.machine_dtype``); ``UNSPIN_DTYPE`` overrides it.
        """
        import torch

        if threads:
            torch.set_num_threads(threads)
        from unspin.resources.model import machine_dtype

        chosen = getattr(torch, dtype or os.environ.get("UNSPIN_DTYPE") or machine_dtype())
        folder = Path(name_or_path)
        from unspin.llama import Llama, LlamaConfig, start_token_id

        config = LlamaConfig.read(folder)
        if config is not None:
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            return cls(Llama.load(folder, config, chosen), tokenizer, start_token_id(folder, tokenizer.get_vocab(True)))
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        tokenizer = AutoTokenizer.from_pretrained(str(name_or_path))
        backend = getattr(tokenizer, "backend_tokenizer", None)
        if backend is None:
            raise ValueError(f"{name_or_path} has no fast (Rust) tokenizer, which unspin needs for offsets")
        model = AutoModelForCausalLM.from_pretrained(str(name_or_path), dtype=chosen, attn_implementation="sdpa")
        start = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
        return cls(TransformersLM(model), backend, start if start is not None else 0)

    @property
    def dtype(self) -> str:
        """What the model computes in: "float32" or "bfloat16" (benchmarks report it with speed)."""
        return str(self.model.dtype).removeprefix("torch.")

    # -- first pass ---------------------------------------------------------
    def analyse(self, sentence: str) -> SentenceAnalysis:
        return self.analyse_many([sentence])[0]

    def analyse_many(self, sentences: list[str], contexts: list[str] | None = None,
                     layers: tuple[int, ...] = ()) -> list[SentenceAnalysis]:
        """The first pass over several sentences, run together in padded batches; each read
        after its ``contexts`` entry (the text before it, without the whitespace between) if given;
        the hidden states after ``layers`` are kept in each analysis (``SentenceAnalysis.states``).

        On a small CPU a forward pass of a few tokens costs nearly what one of a
        few hundred does (the weights are streamed from memory either way), so
        sentences of similar length share a call. A context's tokens are run but not
        scored (only a sentence's positions go through the head), and a sentence whose
        context is the previous sentence read after that one's context continues its
        sequence: the paragraph is read once, not once per sentence."""
        torch = self._torch
        if not sentences:
            return []
        contexts = contexts or [""] * len(sentences)
        if len(contexts) != len(sentences):
            raise ValueError("one context per sentence")
        leads = [" " if context else "" for context in contexts]
        encoded = self.tokenizer.encode_batch([lead + sentence for lead, sentence in zip(leads, sentences)],
                                              add_special_tokens=False)
        ids = [list(encoding.ids) for encoding in encoded]
        spans = [[(max(a - len(lead), 0), b - len(lead)) for a, b in encoding.offsets]
                 for lead, encoding in zip(leads, encoded)]
        chains: list[list[int]] = []
        for i, context in enumerate(contexts):
            if i and context and context == context_after(contexts[i - 1], sentences[i - 1]):
                chains[-1].append(i)
            else:
                chains.append([i])
        heads = [chain[0] for chain in chains if contexts[chain[0]]]
        before = dict(zip(heads, self._token_ids([contexts[i] for i in heads]))) if heads else {}
        # Tokens read before each sentence (its context), in its chain's sequence.
        context_length: list[int] = [0] * len(sentences)
        sequences = []
        for chain in chains:
            sequence = [self._start_id, *before.get(chain[0], [])]
            for i in chain:
                context_length[i] = len(sequence) - 1
                sequence += ids[i]
            sequences.append(sequence)
        order = sorted(range(len(chains)), key=lambda k: len(sequences[k]))
        results: list[SentenceAnalysis | None] = [None] * len(sentences)
        for batch in _token_batches([len(sequences[k]) for k in order], ANALYSE_BATCH_TOKENS):
            chosen = [order[k] for k in batch]
            width = max(len(sequences[k]) for k in chosen)
            input_ids = torch.zeros((len(chosen), width), dtype=torch.long)
            real = torch.zeros((len(chosen), width), dtype=torch.bool)
            scored = torch.zeros((len(chosen), width), dtype=torch.bool)
            for row, k in enumerate(chosen):
                input_ids[row, : len(sequences[k])] = torch.tensor(sequences[k])
                real[row, : len(sequences[k])] = True
                scored[row, context_length[chains[k][0]] :] = real[row, context_length[chains[k][0]] :]
            # Each token sees the real tokens up to itself (padding comes last, and is never seen).
            causal = torch.ones((width, width), dtype=torch.bool).tril()
            mask = (causal[None] & real[:, None, :])[:, None]
            positions = torch.arange(width).expand(len(chosen), width)
            kept: dict[int, object] | None = dict.fromkeys(layers) if layers else None
            with self._lock, torch.inference_mode():
                hidden, cached = self.model.decode(input_ids, mask, positions, kept=kept)
                # The head runs only on the positions that predict a sentence's tokens (from the last
                # one before it); row n of a sentence predicts what follows it.
                logprobs = self._logprobs(hidden[scored])
                states = torch.cat([kept[layer] for layer in layers], dim=-1).float() if kept else None
            offset = 0
            for row, k in enumerate(chosen):
                first = context_length[chains[k][0]]
                for i in chains[k]:
                    c, n = context_length[i], len(ids[i])
                    rows = logprobs[offset + c - first : offset + c - first + n + 1]
                    picked = rows[torch.arange(n), torch.tensor(ids[i], dtype=torch.long)].numpy() if n else np.zeros(0)
                    cache = [(keys[row : row + 1, :, : c + n + 1], values[row : row + 1, :, : c + n + 1])
                             for keys, values in cached]
                    kept_states = states[row, c + 1 : c + n + 1].numpy().copy() if states is not None else None
                    results[i] = SentenceAnalysis(sentences[i], ids[i], spans[i], picked, rows, cache, c, leads[i],
                                                  kept_states)
                offset += len(sequences[k]) - first
        return results  # type: ignore[return-value]

    # -- candidates ranked by left context alone --------------------------
    def _first_tokens(self, words: list[str], spaced: bool) -> list[tuple[int, int]]:
        """(first LM token id, number of LM tokens) of each word; the uncached ones are
        tokenised in one batch (far cheaper than one call each)."""
        keys = [(" " if spaced else "") + word for word in words]
        missing = list(dict.fromkeys(key for key in keys if key not in self._first_token_cache))
        if missing:
            for key, ids in zip(missing, self._token_ids(missing)):
                self._first_token_cache[key] = (ids[0], len(ids))
        return [self._first_token_cache[key] for key in keys]

    def _token_ids(self, texts: list[str]) -> list[list[int]]:
        """Token ids of each text, no special tokens, in one call of the Rust tokenizer."""
        return [encoding.ids for encoding in self.tokenizer.encode_batch(texts, add_special_tokens=False)]

    def word_logprobs(self, analysis: SentenceAnalysis, char: int, words: list[str]) -> np.ndarray:
        """Estimated log P(word | text before ``char``): first token's, less a charge per further token."""
        index = analysis.token_at(char)
        if index >= len(analysis.token_ids) or not words:
            return np.full(len(words), -30.0)
        spaced = analysis.text[char - 1] == " " if char > 0 else analysis.lead == " "
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
            if token_id < len(self._word_start) and self._word_start[token_id]:
                words.append((self._vocabulary[token_id][1:], value))
        return words[:k]

    # -- replacements, re-using the cache -----------------------------------
    def replacement_gains(
        self, analysis: SentenceAnalysis, replacements: list[tuple[int, int, str]]
    ) -> list[float]:
        """Δ log P of each replacement (start, end, new_text) over the changed tokens + right context."""
        return self.replacement_gains_many([(analysis, replacements)])[0]

    def replacement_gains_many(
        self, requests: list[tuple[SentenceAnalysis, list[tuple[int, int, str]]]]
    ) -> list[list[float]]:
        """``replacement_gains`` for several sentences at once: their rows share model calls."""
        jobs: list[_Row] = []
        for number, (analysis, replacements) in enumerate(requests):
            jobs += self._rows(number, analysis, replacements)
        packs = _packs([row for row in jobs if len(row.new_tokens) > 1], MAX_PACK_TOKENS)
        # Packs of similar width run together, so little work goes on padding.
        packs.sort(key=lambda pack: (pack.width, pack.request))
        contexts = [requests[pack.request][0].cached + pack.width for pack in packs]
        for bucket in _length_buckets([pack.width for pack in packs], contexts):
            self._continuation_logprobs([packs[k] for k in bucket], [requests[packs[k].request][0] for k in bucket])
        gains: list[list[float]] = [[] for _ in requests]
        for row in jobs:
            analysis = requests[row.request][0]
            replaced = float(analysis.token_logprobs[row.prefix : row.old_end].sum())
            if not row.new_tokens:  # a pure deletion at the end of the sentence
                gains[row.request].append(-replaced)
            else:
                first = float(analysis.next_logprobs[row.prefix, row.new_tokens[0]])
                gains[row.request].append(first + row.rest - replaced)
        return gains

    def _rows(self, request: int, analysis: SentenceAnalysis, replacements: list[tuple[int, int, str]]) -> list[_Row]:
        """What each replacement must run: the tokens after the prefix it shares with the sentence,
        up to ``right_context`` tokens past the change, and the old tokens those replace."""
        if not replacements:
            return []
        old = analysis.token_ids
        texts = [analysis.lead + analysis.text[:s] + new + analysis.text[e:] for s, e, new in replacements]
        rows = []
        for new in self._token_ids(texts):
            prefix = 0
            limit = min(len(old), len(new))
            while prefix < limit and old[prefix] == new[prefix]:
                prefix += 1
            suffix = 0
            while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
                suffix += 1
            new_end = min(len(new), len(new) - suffix + self.right_context)
            old_end = min(len(old), len(old) - suffix + self.right_context)
            rows.append(_Row(request, prefix, new[prefix:new_end], old_end))
        return rows

    def _continuation_logprobs(self, packs: list[_Pack], analyses: list[SentenceAnalysis]) -> None:
        """Set each row's ``rest``: log P(new_tokens[1:]) given its sentence's cached prefix and
        new_tokens[0].

        A pack's rows run as one sequence beside one copy of their sentence's cached pass:
        the mask lets each row see the start token, any context, its shared prefix and its own earlier
        tokens, and position ids place each row's tokens where they would stand in the
        sentence (a copy of the cache per row cost more than the rows' own tokens). The
        last token of a row is only predicted, never used to predict, so it is not run; and
        only the positions that predict a token go through the vocabulary-wide head (the
        costliest layer of a small LM)."""
        torch = self._torch
        width = max(pack.width for pack in packs)
        cached = max(analysis.cached for analysis in analyses)  # the start token, any context, the sentence
        batch = len(packs)
        input_ids = torch.zeros((batch, width), dtype=torch.long)
        positions = torch.zeros((batch, width), dtype=torch.long)
        mask = torch.zeros((batch, 1, width, cached + width), dtype=torch.bool)
        mask[:, :, :, 0] = True  # padding sees the start token, so that its softmax is defined
        row_index, columns, targets, owners = [], [], [], []
        for index, pack in enumerate(packs):
            at = 0
            for row in pack.rows:
                tokens = row.new_tokens[:-1]
                n = len(tokens)
                input_ids[index, at : at + n] = torch.tensor(tokens, dtype=torch.long)
                seen = analyses[index].context + 1 + row.prefix  # start token, context, shared prefix
                positions[index, at : at + n] = seen + torch.arange(n)
                mask[index, 0, at : at + n, : seen] = True
                mask[index, 0, at : at + n, cached + at : cached + at + n] = torch.ones((n, n), dtype=torch.bool).tril()
                row_index += [index] * n
                columns += range(at, at + n)
                targets += row.new_tokens[1:]
                owners += [row] * n
                at += n
        # Each distinct sentence's cache is padded once per layer (and copied for a second pack).
        distinct = list({id(analysis): analysis for analysis in analyses}.values())
        slot = {id(analysis): number for number, analysis in enumerate(distinct)}
        gather = torch.tensor([slot[id(analysis)] for analysis in analyses], dtype=torch.long)
        layers = []
        with torch.inference_mode():
            for layer, (first_keys, _) in enumerate(distinct[0].cache):
                shape = (len(distinct), first_keys.shape[1], cached, first_keys.shape[3])
                keys = torch.zeros(shape, dtype=first_keys.dtype)
                values = torch.zeros(shape, dtype=first_keys.dtype)
                for number, analysis in enumerate(distinct):
                    k, v = analysis.cache[layer]
                    keys[number, :, : k.shape[2]] = k[0]
                    values[number, :, : v.shape[2]] = v[0]
                layers.append((keys, values) if len(distinct) == batch else (keys[gather], values[gather]))
            with self._lock:
                hidden, _ = self.model.decode(input_ids, mask, positions, past=layers)
                picked = self._logprobs(hidden[row_index, columns], torch.tensor(targets, dtype=torch.long)).tolist()
        for row, value in zip(owners, picked):  # each row is new, its ``rest`` 0.0
            row.rest += value

    def _logprobs(self, hidden, targets=None):
        """log P(every token) [rows, vocabulary] after each hidden state, in float32; or, given
        ``targets``, only log P(target) of each row. The head and its softmax run ``HEAD_BLOCK_ROWS``
        rows at a time: a call's logits, whole, took about 1 GB (in bfloat16 and again in float32)."""
        torch = self._torch
        blocks = []
        for start in range(0, hidden.shape[0], HEAD_BLOCK_ROWS):
            block = torch.log_softmax(self.model.head(hidden[start : start + HEAD_BLOCK_ROWS]).float(), dim=-1)
            if targets is not None:
                block = block[torch.arange(len(block)), targets[start : start + HEAD_BLOCK_ROWS]]
            blocks.append(block)
        return blocks[0] if len(blocks) == 1 else torch.cat(blocks)

    def sentence_logprob(self, sentence: str) -> float:
        """log P(sentence), straightforwardly (used to check the cached arithmetic)."""
        return self.analyse(sentence).total_logprob


def context_after(context: str, sentence: str) -> str:
    """The context of the sentence that follows ``sentence`` (read after ``context``) in one
    sequence: ``analyse_many`` reads such sentences on from one another."""
    return f"{context} {sentence}" if context else sentence


@dataclass
class _Row:
    """One replacement to run: the tokens after the prefix it shares with its sentence."""

    request: int  # which sentence (index into the request list)
    prefix: int  # LM tokens shared with the sentence as written
    new_tokens: list[int]  # the changed tokens and up to ``right_context`` after them
    old_end: int  # end of the old tokens they replace
    rest: float = 0.0  # log P(new_tokens[1:]), once run


@dataclass
class _Pack:
    """Rows of one sentence that run as one sequence beside its cached pass."""

    request: int
    rows: list[_Row]

    @property
    def width(self) -> int:
        return sum(len(row.new_tokens) - 1 for row in self.rows)


def _packs(rows: list[_Row], limit: int) -> list[_Pack]:
    """Each sentence's rows, in order, gathered into packs of at most ``limit`` tokens."""
    packs: list[_Pack] = []
    current: dict[int, _Pack] = {}
    for row in rows:
        pack = current.get(row.request)
        if pack is None or pack.width + len(row.new_tokens) - 1 > limit:
            pack = current[row.request] = _Pack(row.request, [])
            packs.append(pack)
        pack.rows.append(row)
    return packs


def _token_batches(lengths: list[int], budget: int) -> list[list[int]]:
    """Split sorted lengths into consecutive runs whose padded size (rows × longest) fits ``budget``."""
    batches: list[list[int]] = []
    for index, length in enumerate(lengths):
        if batches and (len(batches[-1]) + 1) * length <= budget:
            batches[-1].append(index)
        else:
            batches.append([index])
    return batches


def _length_buckets(lengths: list[int], contexts: list[int], min_size: int = 4,
                    budget: int = CALL_CONTEXT_BUDGET) -> list[list[int]]:
    """Split packs sorted by length into runs of similar length (indices), each of at least
    ``min_size`` packs where possible (padding then costs little, and calls stay few), and
    none whose packs × longest context (cached and packed) exceeds ``budget`` (the call's memory)."""
    buckets: list[list[int]] = []
    longest = 0
    for index, (length, context) in enumerate(zip(lengths, contexts)):
        if buckets:
            fits = (len(buckets[-1]) + 1) * max(longest, context) <= budget
            similar = length <= 1.25 * lengths[buckets[-1][0]] or len(buckets[-1]) < min_size
            if fits and similar:
                buckets[-1].append(index)
                longest = max(longest, context)
                continue
        buckets.append([index])
        longest = context
    return buckets
