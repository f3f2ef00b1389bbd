"""The lean Llama decoder (``unspin.llama``) against transformers' own, on the default model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from unspin.llama import LlamaConfig, start_token_id
from unspin.scorer import faster_dtype

SENTENCES = ["The White Home mentioned on Monday that the president will visit Ohio.",
             "Short one.",
             "It received't rule out new tariffs, a move that could have vital effects on car makers."]
REPLACEMENTS = [[(10, 14, "House"), (15, 24, "said"), (0, 3, "A")], [(6, 9, "two")],
                [(3, 13, "won't"), (56, 61, "significant"), (83, 87, "firms")]]


def _folder(tmp_path: Path, **config) -> Path:
    (tmp_path / "config.json").write_text(json.dumps(config))
    for name in ("model.safetensors", "tokenizer.json"):
        (tmp_path / name).write_bytes(b"")
    return tmp_path


LLAMA = {"model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
         "num_key_value_heads": 2, "intermediate_size": 128, "rms_norm_eps": 1e-5,
         "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0}}


def test_only_plain_llama_folders_take_the_lean_path(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    config = LlamaConfig.read(_folder(tmp_path / "plain", **LLAMA))
    assert config == LlamaConfig(hidden=64, layers=2, heads=4, kv_heads=2, head_dim=16, intermediate=128,
                                 eps=1e-5, rope_theta=10000.0)
    for name, change in [("gpt2", {"model_type": "gpt2"}), ("bias", {"attention_bias": True}),
                         ("scaled", {"rope_parameters": {"rope_type": "llama3", "rope_theta": 5e5}}),
                         ("gelu", {"hidden_act": "gelu"})]:
        (tmp_path / name).mkdir()
        assert LlamaConfig.read(_folder(tmp_path / name, **{**LLAMA, **change})) is None, name
    (tmp_path / "no-weights").mkdir()
    (tmp_path / "no-weights" / "config.json").write_text(json.dumps(LLAMA))
    assert LlamaConfig.read(tmp_path / "no-weights") is None
    assert LlamaConfig.read(tmp_path / "missing") is None


def test_the_start_token_is_the_tokenizers_bos_else_its_eos(tmp_path: Path) -> None:
    vocabulary = {"<s>": 1, "</s>": 2}
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"bos_token": {"content": "<s>"}, "eos_token": "</s>"}))
    assert start_token_id(tmp_path, vocabulary) == 1
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"eos_token": "</s>"}))
    assert start_token_id(tmp_path, vocabulary) == 2
    assert start_token_id(tmp_path / "nowhere", vocabulary) == 0


@pytest.fixture(scope="module")
def both_scorers():
    """The default model in float32, once through ``unspin.llama`` and once through transformers."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from unspin.resources.model import default_model_dir
    from unspin.scorer import CausalLMScorer, TransformersLM

    folder = default_model_dir()
    lean = CausalLMScorer.from_pretrained(folder, dtype="float32")
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32, attn_implementation="sdpa")
    reference = CausalLMScorer(TransformersLM(model), tokenizer.backend_tokenizer, tokenizer.bos_token_id)
    return lean, reference, tokenizer


@pytest.mark.slow
def test_the_lean_decoder_computes_what_transformers_computes(both_scorers) -> None:
    import torch

    lean, reference, tokenizer = both_scorers
    assert type(lean.model).__name__ == "Llama" and lean._start_id == reference._start_id
    # The Rust tokenizer called directly gives what the transformers tokenizer gives.
    encoded = tokenizer(SENTENCES, return_offsets_mapping=True, add_special_tokens=False)
    mine = lean.analyse_many(SENTENCES)
    theirs = reference.analyse_many(SENTENCES)
    for a, b, ids, offsets in zip(mine, theirs, encoded["input_ids"], encoded["offset_mapping"]):
        assert a.token_ids == list(ids) and a.token_spans == [tuple(span) for span in offsets]
        assert a.token_logprobs == pytest.approx(b.token_logprobs, abs=1e-4)
        assert torch.allclose(a.next_logprobs, b.next_logprobs, atol=1e-4)
        for (keys, values), (their_keys, their_values) in zip(a.cache, b.cache):
            assert torch.allclose(keys, their_keys, atol=1e-4) and torch.allclose(values, their_values, atol=1e-4)
    # The hidden states kept for the word probe (after layer 16) are the same states too.
    kept = lean.analyse_many(SENTENCES, layers=(16,))
    for a, b in zip(kept, reference.analyse_many(SENTENCES, layers=(16,))):
        assert a.states.shape == (len(a.token_ids), 576)
        assert np.allclose(a.states, b.states, atol=1e-3)
    assert all(a.states is None for a in mine)  # nothing kept unless asked
    gains = lean.replacement_gains_many(list(zip(mine, REPLACEMENTS)))
    assert gains == [pytest.approx(g, abs=1e-3) for g in reference.replacement_gains_many(list(zip(theirs, REPLACEMENTS)))]
    assert gains[0][0] > 3 and gains[2][0] > 3  # "White House", "won't": the scores still mean something


@pytest.mark.slow
def test_loading_the_restorer_does_not_import_transformers() -> None:
    """transformers' imports were most of the model's load time; the default model needs none."""
    code = ("import sys; from unspin.resources.build import load_restorer; r = load_restorer(); "
            "r.restore('It received\\'t rule out new tariffs.'); print('transformers' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.slow
def test_any_other_causal_lm_loads_through_transformers_and_scores_alike(tmp_path: Path) -> None:
    """A model of another architecture (a small random GPT-2 here) takes the transformers path,
    and its packed replacement gains are the whole edited sentences' log-probability changes."""
    import torch
    from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

    from unspin.resources.model import default_model_dir
    from unspin.scorer import CausalLMScorer

    tokenizer = AutoTokenizer.from_pretrained(str(default_model_dir()))
    torch.manual_seed(0)
    GPT2LMHeadModel(GPT2Config(vocab_size=len(tokenizer), n_positions=256, n_embd=64, n_layer=2, n_head=4,
                               bos_token_id=1, eos_token_id=2)).save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    scorer = CausalLMScorer.from_pretrained(tmp_path, dtype="float32")
    assert type(scorer.model).__name__ == "TransformersLM" and scorer.dtype == "float32"
    scorer.right_context = 10_000  # score to the sentence's end, as the whole sentence is
    sentence = SENTENCES[0]
    analysis = scorer.analyse(sentence)
    replacements = [*REPLACEMENTS[0], (44, 53, "prime minister of the country")]
    direct = [scorer.analyse(sentence[:start] + new + sentence[end:]).total_logprob - analysis.total_logprob
              for start, end, new in replacements]
    assert scorer.replacement_gains(analysis, replacements) == pytest.approx(direct, abs=1e-3)


def test_bfloat16_is_chosen_only_where_it_is_clearly_faster() -> None:
    """Having bfloat16 instructions is not enough: on an Intel Xeon without AMX the model's matrix
    products ran twice as fast in float32. A near tie goes to float32, which rounds less."""
    def timed(bfloat16: float, float32: float):
        return lambda: {"bfloat16": bfloat16, "float32": float32}

    def untimed() -> dict[str, float]:
        raise AssertionError("bfloat16 without its instructions is emulated: no need to time it")

    assert faster_dtype(True, timed(1.0, 1.8)) == "bfloat16"
    assert faster_dtype(True, timed(1.0, 1.1)) == "float32"
    assert faster_dtype(True, timed(2.0, 1.0)) == "float32"
    assert faster_dtype(False, untimed) == "float32"


def test_the_dtype_is_timed_once_per_machine_and_remembered(tmp_path) -> None:
    """Every process on a machine computes in the dtype first timed there, whatever a later
    timing (a busy moment) would say; a record for another machine, or a broken one, is timed again."""
    from unspin.resources.model import DTYPE_FILE, machine_dtype

    def timing(result: str):
        def measure() -> str:
            timed.append(result)
            return result
        return measure

    timed: list[str] = []
    assert machine_dtype(tmp_path, timing("bfloat16")) == "bfloat16"
    assert machine_dtype(tmp_path, timing("float32")) == "bfloat16" and timed == ["bfloat16"]
    record = tmp_path / DTYPE_FILE
    record.write_text(record.read_text().replace('"machine": "', '"machine": "another '))
    assert machine_dtype(tmp_path, timing("float32")) == "float32"
    record.write_text("{not json")
    assert machine_dtype(tmp_path, timing("bfloat16")) == "bfloat16" and timed == ["bfloat16", "float32", "bfloat16"]
    assert [path.name for path in tmp_path.iterdir()] == [DTYPE_FILE]  # no staging file left behind
    unwritable = tmp_path / DTYPE_FILE / "cache"  # under a file: no record can be read or written there
    assert machine_dtype(unwritable, timing("float32")) == "float32" and len(timed) == 4


@pytest.mark.slow
def test_the_default_model_runs_in_the_machine_dtype(monkeypatch) -> None:
    import torch

    from unspin.resources.model import default_model_dir, machine_dtype
    from unspin.scorer import CausalLMScorer, matmul_seconds

    assert set(matmul_seconds(rounds=2)) == {"float32", "bfloat16"}
    assert all(0 < seconds < 1 for seconds in matmul_seconds(rounds=2).values())
    monkeypatch.delenv("UNSPIN_DTYPE", raising=False)
    scorer = CausalLMScorer.from_pretrained(default_model_dir())
    assert scorer.model.dtype == getattr(torch, machine_dtype())
    assert scorer.dtype == machine_dtype()  # as the benchmark reports it
