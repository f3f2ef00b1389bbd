"""A bounded pool of worker threads for the CPU-heavy jobs (restore, check).

The event loop never runs the engine: each job goes to one of ``workers``
threads. At most ``workers + queue`` jobs are admitted at a time; one more is
refused at once (``Busy``, answered 503) rather than left to wait without end.
A job that outlives its timeout, or whose client has gone, is told to stop
through a ``threading.Event`` it checks between sentences; its slot is
given back only when its thread has really finished, so the bound is honest.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from unspin.types import Cancelled

T = TypeVar("T")
_POLL_S = 0.25  # how often a waiting request looks for a client that has gone


class Busy(Exception):
    """Every worker is busy and the queue is full."""


class JobTimeout(Exception):
    """The job ran past its time limit."""


class ClientGone(Exception):
    """The client disconnected before the job finished."""


# Raised inside a job that was told to stop: the engine's own cancellation, so a
# restore stopped between sentences and a job stopped between steps read the same.
Stopped = Cancelled


class WorkerPool:
    def __init__(self, workers: int, queue: int) -> None:
        self.workers = workers
        self.capacity = workers + queue
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="unspin-worker")
        self._lock = threading.Lock()
        self._admitted = 0
        self._stops: set[threading.Event] = set()
        self._closed = False

    @property
    def admitted(self) -> int:
        """Jobs running or waiting now."""
        return self._admitted

    def submit(self, job: Callable[[threading.Event], T]) -> tuple[Future[T], threading.Event]:
        """Start ``job(stop)`` on a worker, or raise ``Busy``."""
        stop = threading.Event()
        with self._lock:
            if self._closed or self._admitted >= self.capacity:
                raise Busy
            self._admitted += 1
            self._stops.add(stop)
        try:
            future = self._executor.submit(job, stop)
        except RuntimeError:  # shut down meanwhile
            self._release(stop)
            raise Busy from None
        future.add_done_callback(lambda _: self._release(stop))  # also runs when cancelled unstarted
        return future, stop

    async def run(
        self,
        job: Callable[[threading.Event], T],
        timeout_s: float,
        client_gone: Callable[[], Awaitable[bool]] | None = None,
    ) -> T:
        """Run ``job`` on a worker and wait for it, giving up on timeout or a vanished client."""
        future, stop = self.submit(job)
        waiting = asyncio.wrap_future(future)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        try:
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise JobTimeout
                done, _ = await asyncio.wait({waiting}, timeout=min(remaining, _POLL_S))
                if done:
                    return waiting.result()
                if client_gone is not None and await client_gone():
                    raise ClientGone
        except BaseException:
            # Timeout, vanished client, cancelled request or server shutdown:
            # stop the job (an unstarted one never starts).
            stop.set()
            waiting.cancel()
            raise

    def shutdown(self) -> None:
        """Refuse new jobs, tell running ones to stop, drop waiting ones and wait for the rest."""
        with self._lock:
            self._closed = True
            for stop in self._stops:
                stop.set()
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _release(self, stop: threading.Event) -> None:
        with self._lock:
            self._admitted -= 1
            self._stops.discard(stop)
