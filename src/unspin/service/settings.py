"""What an operator can set for ``unspin serve`` (all have working defaults)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from unspin.textio import BLOCK_CHARS


def available_cores() -> int:
    """CPU cores this process may run on (affinity, not the machine's total)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 0  # restore/check jobs run at once; 0: one per core
    queue: int = 0  # jobs that may wait for a worker (503 beyond); 0: four per worker
    torch_threads: int = 0  # threads per model call; 0: $OMP_NUM_THREADS, else the cores (model calls are serialised)
    max_chars: int = 200_000  # characters of text per request (413 beyond)
    max_file_bytes: int = 5 * 2**20  # bytes of an uploaded document (413 beyond)
    timeout_s: float = 120.0  # a job still running after this answers 504 and is stopped
    block_chars: int = BLOCK_CHARS  # paragraph blocks the engine restores one by one, as the CLI does
    log_text: bool = False  # log the texts sent (off: only sizes, timings and status codes are logged)
    preload: bool = True  # load the model before accepting requests (tests of validation turn it off)

    @property
    def worker_count(self) -> int:
        return self.workers or available_cores()

    @property
    def queue_size(self) -> int:
        return self.queue or 4 * self.worker_count

    @property
    def torch_thread_count(self) -> int:
        from_environment = os.environ.get("OMP_NUM_THREADS", "")
        if self.torch_threads:
            return self.torch_threads
        return int(from_environment) if from_environment.isdigit() and int(from_environment) > 0 else available_cores()

    @property
    def max_body_bytes(self) -> int:
        """Largest request body: a base64 upload, or the text at 6 JSON bytes a character."""
        base64_upload = (self.max_file_bytes + 2) // 3 * 4
        return max(base64_upload, 6 * self.max_chars) + 64 * 1024
