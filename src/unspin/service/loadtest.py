"""A bounded load and abuse test of ``unspin serve`` on loopback.

    python -m unspin.service.loadtest                  # starts its own server on a free port
    python -m unspin.service.loadtest --url http://127.0.0.1:8000 --requests 200 --concurrency 8

It sends ``--requests`` restore requests (one spun sentence each) ``--concurrency``
at a time and reports p50/p95 latency and the errors; then it sends garbage,
a 10 MB body, a client that disconnects mid-upload and one that disconnects
while its text is being restored, and checks that the server still answers and
that the abandoned job gave its worker back. Everything has a time limit
(``--max-seconds`` in all). Exit status 0 only with zero errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import urlsplit

import httpx

# Spun sentences (from the bundled example story); each request sends one.
SENTENCES = (
    "WASHINGTON - The White Home mentioned on Tuesday that it received't rule out new tariffs on imported steel.",
    "A move that could have vital effects on car makers and builders across the country.",
    "Based on two officials who spoke throughout a briefing, the administration has named for a review of trade rules.",
    "The administration is weighing a attainable ban on some exports.",
    "Neither official would say when a decision is anticipated.",
    "Industry groups were fast to respond to the plan.",
    "Retailers warned that higher costs would be passed on to shoppers during the vacation season.",
    "Economists stay divided on the question.",
)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


async def load(url: str, requests: int, concurrency: int, timeout_s: float) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    counter = iter(range(requests))

    async def worker(client: httpx.AsyncClient) -> None:
        for number in counter:
            text = SENTENCES[number % len(SENTENCES)]
            started = time.perf_counter()
            try:
                response = await client.post("/v1/restore", json={"text": text})
                if response.status_code != 200 or "edits" not in response.json():
                    errors.append(f"HTTP {response.status_code}")
                    continue
            except (httpx.HTTPError, ValueError) as error:
                errors.append(type(error).__name__)
                continue
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, timeout=timeout_s) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    wall = time.perf_counter() - started
    return {
        "requests": requests,
        "concurrency": concurrency,
        "ok": len(latencies),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "p50_s": round(percentile(latencies, 0.50), 3) if latencies else None,
        "p95_s": round(percentile(latencies, 0.95), 3) if latencies else None,
        "max_s": round(max(latencies), 3) if latencies else None,
        "mean_s": round(statistics.fmean(latencies), 3) if latencies else None,
        "wall_s": round(wall, 1),
        "requests_per_s": round(len(latencies) / wall, 2) if wall else None,
    }


def _raw(url: str, payload: bytes, close_after_s: float = 0.0, read: bool = True) -> bytes:
    """Send raw bytes over a fresh connection; read the answer (while sending), or just hang up."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port or 80), timeout=30) as sock:
        if not read:
            sock.sendall(payload)
            time.sleep(close_after_s)
            return b""

        def send() -> None:
            try:
                sock.sendall(payload)
            except OSError:  # the server answered early and hung up: expected for a refused body
                pass

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except OSError:
            pass
        sender.join(30)
        return b"".join(chunks)


def _request(path: str, body: bytes, host: str, length: int | None = None, content_type: str = "application/json") -> bytes:
    length = len(body) if length is None else length
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {length}\r\nConnection: close\r\n\r\n")
    return head.encode() + body


def abuse(url: str) -> dict:
    """Hostile and broken clients; the server must answer each sensibly and stay up."""
    rng = random.Random(0)
    host = urlsplit(url).netloc
    results: dict = {}
    with httpx.Client(base_url=url, timeout=60) as client:
        statuses = []
        for _ in range(10):  # random bytes as JSON
            statuses.append(client.post("/v1/restore", content=rng.randbytes(rng.randint(1, 4096)),
                                        headers={"content-type": "application/json"}).status_code)
        for body in ([], {"text": 5}, {"file": "%%%"}, {"text": "a", "file": "YQ=="}, {"nope": 1},
                     {"text": "x", "min_confidence": 7}, "just a string", None):
            statuses.append(client.post("/v1/restore", json=body).status_code)
        statuses.append(client.get("/v1/restore").status_code)
        statuses.append(client.post("/v1/check", content=b"\xff\xfe\x00", headers={"content-type": "text/plain"}).status_code)
        results["garbage_statuses"] = sorted(set(statuses))
        results["garbage_5xx"] = sum(status >= 500 for status in statuses)

        big = b'{"text": "' + b"spun " * (2 * 1024 * 1024) + b'"}'  # 10 MB
        answer = _raw(url, _request("/v1/restore", big, host))
        results["ten_mb_body_status"] = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else None

        # Hang up half way through an upload, then while a long text is being restored.
        _raw(url, _request("/v1/restore", b'{"text": "' + b"a" * 1000, host, length=100_000), close_after_s=0.2, read=False)
        long_text = " ".join(SENTENCES * 12)
        _raw(url, _request("/v1/restore", json.dumps({"text": long_text}).encode(), host), close_after_s=1.0, read=False)
        freed = None
        started = time.perf_counter()
        while time.perf_counter() - started < 120:  # the abandoned job stops at its next block
            if client.get("/healthz").json()["admitted"] == 0:
                freed = round(time.perf_counter() - started, 1)
                break
            time.sleep(0.5)
        results["abandoned_job_freed_after_s"] = freed

        health = client.get("/healthz")
        after = client.post("/v1/restore", json={"text": SENTENCES[0]})
        results["alive_after"] = health.status_code == 200 and after.status_code == 200
    results["ok"] = (results["garbage_5xx"] == 0 and results["ten_mb_body_status"] == 413
                     and freed is not None and results["alive_after"])
    return results


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, wait_s: float = 300) -> subprocess.Popen:
    """``unspin serve`` in a child process, once /healthz answers."""
    log = tempfile.TemporaryFile()  # a pipe nobody reads would fill up and stall the server
    server = subprocess.Popen([sys.executable, "-m", "unspin", "serve", "--port", str(port)],
                              stdout=log, stderr=log, start_new_session=True)
    server.log = log  # type: ignore[attr-defined]
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the server exited: {log.read().decode(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.5)
    stop_server(server)
    raise RuntimeError(f"the server did not answer within {wait_s:.0f} s")


def server_log(server: subprocess.Popen) -> str:
    """What a server from ``start_server`` has logged so far."""
    server.log.seek(0)  # type: ignore[attr-defined]
    return server.log.read().decode(errors="replace")  # type: ignore[attr-defined]


def stop_server(server: subprocess.Popen, wait_s: float = 60) -> float:
    """SIGTERM, then the seconds it took to exit (SIGKILL after ``wait_s``).

    uvicorn shuts down gracefully and then re-raises the signal, so a clean
    exit has return code -SIGTERM and "Application shutdown complete" in the log.
    """
    started = time.perf_counter()
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(wait_s)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running server; by default one is started on a free loopback port")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-seconds", type=float, default=1200, help="give up after this long in all")
    parser.add_argument("--skip-abuse", action="store_true")
    parser.add_argument("--out", help="also write the figures here as JSON")
    args = parser.parse_args(argv)

    def alarm(*_: object) -> None:
        raise TimeoutError(f"the load test ran past --max-seconds={args.max_seconds:g}")

    signal.signal(signal.SIGALRM, alarm)
    signal.alarm(int(args.max_seconds))
    server = None
    report: dict = {"cores": os.cpu_count()}
    try:
        url = args.url
        if url is None:
            started = time.perf_counter()
            port = _free_port()
            server = start_server(port)
            url = f"http://127.0.0.1:{port}"
            report["server_start_s"] = round(time.perf_counter() - started, 1)
        httpx.post(f"{url}/v1/restore", json={"text": SENTENCES[0]}, timeout=120)  # warm-up
        report["load"] = asyncio.run(load(url, args.requests, args.concurrency, 300)) if args.requests else None
        if not args.skip_abuse:
            report["abuse"] = abuse(url)
    finally:
        signal.alarm(0)
        if server is not None:
            report["shutdown_s"] = round(stop_server(server), 1)
            report["shutdown_clean"] = "Application shutdown complete" in server_log(server)
    print(json.dumps(report, indent=2))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as sink:
            json.dump(report, sink, indent=2)
    failed = (report["load"] and report["load"]["errors"]) or (report.get("abuse") and not report["abuse"]["ok"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
