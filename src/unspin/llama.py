"""A lean Llama decoder for scoring on the CPU: torch and tokenizers, without transformers.

Loading the default model through transformers cost about 4 s of a 6.7 s start on two cores
(its imports alone pull in torch.distributed), more than the weights themselves. A plain
Llama-architecture model (SmolLM2, TinyLlama, Llama 2 and 3 without rope scaling) in a folder
with ``config.json``, ``model.safetensors`` and ``tokenizer.json`` is run here instead, with
the arithmetic of transformers' ``LlamaModel`` (a test checks the two agree); any other model
loads through transformers (``scorer.TransformersLM``).

Two differences in how the work is laid out, not in what is computed: the query, key and value
projections run as one matrix product, as do the MLP's gate and up projections (fewer, larger
calls), and grouped-query attention stacks each group's query heads along the sequence instead
of copying the shared keys and values once per head.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

Layers = list[tuple[torch.Tensor, torch.Tensor]]  # per layer: keys, values [batch, kv_heads, length, head_dim]


@dataclass(frozen=True)
class LlamaConfig:
    """The few numbers of a Llama model that its forward pass needs."""

    hidden: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    intermediate: int
    eps: float
    rope_theta: float

    @classmethod
    def read(cls, folder: Path) -> LlamaConfig | None:
        """The config of the plain Llama model in ``folder``; None when there is none (another
        architecture, biases, rope scaling, or files missing), so that transformers loads it."""
        try:
            raw = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        rope = raw.get("rope_parameters") or {"rope_type": "default", "rope_theta": raw.get("rope_theta", 10000.0)}
        plain = (
            raw.get("model_type") == "llama"
            and raw.get("hidden_act", "silu") == "silu"
            and not raw.get("attention_bias") and not raw.get("mlp_bias")
            and not raw.get("rope_scaling")
            and rope.get("rope_type", "default") == "default"
            and raw.get("pretraining_tp", 1) == 1
            and all((folder / name).exists() for name in ("model.safetensors", "tokenizer.json"))
        )
        if not plain:
            return None
        heads = int(raw["num_attention_heads"])
        return cls(
            hidden=int(raw["hidden_size"]), layers=int(raw["num_hidden_layers"]), heads=heads,
            kv_heads=int(raw.get("num_key_value_heads") or heads),
            head_dim=int(raw.get("head_dim") or raw["hidden_size"] // heads),
            intermediate=int(raw["intermediate_size"]), eps=float(raw.get("rms_norm_eps", 1e-6)),
            rope_theta=float(rope.get("rope_theta", 10000.0)),
        )


@dataclass
class _Layer:
    input_norm: torch.Tensor
    qkv: torch.Tensor  # q, k and v projections stacked: [(heads + 2 kv_heads) · head_dim, hidden]
    output: torch.Tensor
    post_norm: torch.Tensor
    gate_up: torch.Tensor  # gate and up projections stacked: [2 · intermediate, hidden]
    down: torch.Tensor


class Llama:
    """A Llama decoder over plain tensors: ``decode`` runs tokens (with an optional cache of earlier
    ones), ``head`` turns hidden states into next-token logits."""

    def __init__(self, config: LlamaConfig, weights: dict[str, torch.Tensor], dtype: torch.dtype) -> None:
        self.config = config

        def get(name: str) -> torch.Tensor:
            return weights[name].to(dtype)

        self.embedding = get("model.embed_tokens.weight")
        # Tied models (SmolLM2) save no head of their own: it is the embedding.
        self.output_embedding = get("lm_head.weight") if "lm_head.weight" in weights else self.embedding
        self.norm = get("model.norm.weight")
        self.layers = []
        for i in range(config.layers):
            prefix = f"model.layers.{i}."
            attention, mlp = prefix + "self_attn.", prefix + "mlp."
            self.layers.append(_Layer(
                input_norm=get(prefix + "input_layernorm.weight"),
                qkv=torch.cat([get(attention + f"{p}_proj.weight") for p in "qkv"]),
                output=get(attention + "o_proj.weight"),
                post_norm=get(prefix + "post_attention_layernorm.weight"),
                gate_up=torch.cat([get(mlp + "gate_proj.weight"), get(mlp + "up_proj.weight")]),
                down=get(mlp + "down_proj.weight"),
            ))
        self.inv_freq = 1.0 / (config.rope_theta ** (torch.arange(0, config.head_dim, 2, dtype=torch.float)
                                                     / config.head_dim))
        self.dtype = dtype

    @classmethod
    def load(cls, folder: Path, config: LlamaConfig, dtype: torch.dtype) -> Llama:
        from safetensors.torch import load_file

        return cls(config, load_file(folder / "model.safetensors"), dtype)

    def _norm(self, hidden: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        # As transformers' LlamaRMSNorm: the statistics in float32, the scale in the model's dtype.
        as_float = hidden.to(torch.float32)
        as_float = as_float * torch.rsqrt(as_float.pow(2).mean(-1, keepdim=True) + self.config.eps)
        return weight * as_float.to(hidden.dtype)

    def _rotary(self, positions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        freqs = positions[..., None].float() * self.inv_freq
        angles = torch.cat((freqs, freqs), dim=-1)
        return angles.cos().to(self.dtype)[:, None], angles.sin().to(self.dtype)[:, None]

    @staticmethod
    def _rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        half = x.shape[-1] // 2
        return x * cos + torch.cat((-x[..., half:], x[..., :half]), dim=-1) * sin

    def decode(self, input_ids: torch.Tensor, mask: torch.Tensor, positions: torch.Tensor,
               past: Layers | None = None, kept: dict[int, torch.Tensor] | None = None) -> tuple[torch.Tensor, Layers]:
        """Final hidden states of ``input_ids`` [batch, length] and every layer's keys and values
        (``past``'s first). ``mask`` [batch, 1, length, past + length] (bool) says which keys
        each token sees; ``positions`` [batch, length] place the tokens for the rotary embedding.
        ``kept``, if given, receives the hidden states after each layer its keys name (1 = the first)."""
        c = self.config
        batch, length = input_ids.shape
        groups = c.heads // c.kv_heads
        # Each group's query heads are stacked along the sequence, so they share one copy of its
        # keys and values; the mask is repeated to match.
        stacked_mask = mask.expand(batch, groups, length, mask.shape[-1]).reshape(batch, 1, groups * length, -1)
        cos, sin = self._rotary(positions)
        hidden = F.embedding(input_ids, self.embedding)
        layers: Layers = []
        q_size, kv_size = c.heads * c.head_dim, c.kv_heads * c.head_dim
        for index, layer in enumerate(self.layers):
            qkv = F.linear(self._norm(hidden, layer.input_norm), layer.qkv)
            q, k, v = qkv.split((q_size, kv_size, kv_size), dim=-1)
            q = self._rotate(q.view(batch, length, c.heads, c.head_dim).transpose(1, 2), cos, sin)
            k = self._rotate(k.view(batch, length, c.kv_heads, c.head_dim).transpose(1, 2), cos, sin)
            v = v.view(batch, length, c.kv_heads, c.head_dim).transpose(1, 2)
            if past is not None:
                k = torch.cat((past[index][0], k), dim=2)
                v = torch.cat((past[index][1], v), dim=2)
            layers.append((k, v))
            q = q.reshape(batch, c.kv_heads, groups * length, c.head_dim)
            attended = F.scaled_dot_product_attention(q, k, v, attn_mask=stacked_mask, scale=c.head_dim ** -0.5)
            attended = attended.reshape(batch, c.heads, length, c.head_dim).transpose(1, 2).reshape(batch, length, -1)
            hidden = hidden + F.linear(attended, layer.output)
            gate, up = F.linear(self._norm(hidden, layer.post_norm), layer.gate_up).chunk(2, dim=-1)
            hidden = hidden + F.linear(F.silu(gate) * up, layer.down)
            if kept is not None and index + 1 in kept:
                kept[index + 1] = hidden
        return self._norm(hidden, self.norm), layers

    def head(self, hidden: torch.Tensor) -> torch.Tensor:
        """Next-token logits of hidden states (in the model's dtype)."""
        return F.linear(hidden, self.output_embedding)


def start_token_id(folder: Path, vocabulary: dict[str, int]) -> int:
    """The token a sequence starts with, as transformers picks it: the tokenizer's BOS, else its EOS, else 0."""
    try:
        settings = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        settings = {}
    for key in ("bos_token", "eos_token"):
        token = settings.get(key)
        token = token.get("content") if isinstance(token, dict) else token
        if isinstance(token, str) and token in vocabulary:
            return vocabulary[token]
    return 0
