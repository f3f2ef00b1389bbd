"""The HTTP service without the model: validation, limits, errors, the page and the worker pool.

Nothing here reaches the engine: every request is refused before a restore
would start (the slow tests in test_service_live.py cover real restores).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from html.parser import HTMLParser

import httpx
import pytest
from fastapi.testclient import TestClient

from unspin.service import Settings, create_app
from unspin.service.loadtest import _raw, _request, percentile
from unspin.service.pool import Busy, ClientGone, JobTimeout, Stopped, WorkerPool

# German: reaches the English check, which refuses it before any restore.
NOT_ENGLISH = ("Der Hund läuft schnell über die Straße, während die Katze auf dem Sofa schläft und "
               "die Kinder im Garten spielen, lachen und singen, bis es dunkel wird und alle schlafen gehen.")


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(preload=False, max_chars=500, max_file_bytes=4096))) as test_client:
        yield test_client


def error_of(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["status"] == status
    assert body["error"]["message"]
    return body["error"]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# --- health, docs, page -------------------------------------------------------------------


def test_health_reports_the_pool(client: TestClient) -> None:
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["model_loaded"] is False
    assert health["workers"] >= 1 and health["capacity"] > health["workers"] and health["admitted"] == 0


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


def test_openapi_describes_both_endpoints(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert {"/v1/restore", "/v1/check", "/healthz"} <= set(schema["paths"])
    restore = schema["paths"]["/v1/restore"]["post"]
    assert {"200", "413", "422", "503", "504"} <= set(restore["responses"])
    docs = client.get("/docs")
    assert docs.status_code == 200
    parser = _Assets()
    parser.feed(docs.text)
    scripts = re.findall(r"""<script src=["']([^"']+)""", docs.text)
    for url in parser.urls + scripts:  # Swagger UI from the app, not from a CDN
        assert url.startswith("/"), url
        assert client.get(url).status_code == 200, url


def test_page_and_its_assets_come_from_the_app_alone(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    parser = _Assets()
    parser.feed(page.text)
    assets = [url for url in parser.urls if url.startswith("/static/")]
    assert {"/static/app.js", "/static/app.css"} <= set(assets)
    for url in parser.urls:
        assert url.startswith(("/", "#", "data:")), url  # nothing from another host (no CDN)
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200 and response.headers["x-content-type-options"] == "nosniff"
        assert not re.search(r"https?://", response.text), asset


# --- bad requests: clear JSON errors, never the text echoed back -------------------------


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "exactly one of `text` or `file`"),
        ({"text": "a", "file": b64(b"a")}, "exactly one of `text` or `file`"),
        ({"text": "a", "min_confidence": 1.5}, "min_confidence"),
        ({"text": "a", "colour": "red"}, "colour"),
        ({"text": "a", "spun": "maybe"}, "spun"),
        ({"text": 7}, "text"),
    ],
)
def test_invalid_requests_get_422(client: TestClient, body: dict, fragment: str) -> None:
    error = error_of(client.post("/v1/restore", json=body), 422)
    assert error["code"] == "invalid_request" and fragment in error["message"]


def test_garbage_json_gets_422(client: TestClient) -> None:
    response = client.post("/v1/restore", content=b"{not json", headers={"content-type": "application/json"})
    assert "not valid JSON" in error_of(response, 422)["message"]


def test_bad_base64_gets_422(client: TestClient) -> None:
    assert "not valid base64" in error_of(client.post("/v1/check", json={"file": "%%%not base64"}), 422)["message"]


def test_unpaired_surrogates_get_422(client: TestClient) -> None:
    body = b'{"text": "It received\\ud800t rule out new tariffs."}'
    response = client.post("/v1/restore", content=body, headers={"content-type": "application/json"})
    assert "unpaired surrogate at character 11" in error_of(response, 422)["message"]


def test_errors_do_not_echo_the_text(client: TestClient) -> None:
    secret = "confidential-draft-4711 " * 3
    response = client.post("/v1/restore", json={"text": secret, "min_confidence": 9})
    error_of(response, 422)
    assert "confidential-draft-4711" not in response.text


@pytest.mark.parametrize(
    ("upload", "fragment"),
    [
        ({"file": b64(b"plain words"), "filename": "paper.pdf"}, "is not a PDF file"),
        ({"file": b64(b"%PDF-1.4 broken"), "filename": "paper.pdf"}, "not a readable PDF"),
        ({"file": b64(b"words"), "filename": "thesis.doc"}, "save it as .docx"),
        ({"file": b64(b"\x00\x01\x02binary" * 20), "filename": "blob.bin"}, "binary file"),
        ({"file": ""}, "empty"),
        ({"text": "  \n "}, "only whitespace"),
        ({"text": NOT_ENGLISH}, "does not look like English"),
    ],
)
def test_unreadable_input_gets_422_with_the_reason(client: TestClient, upload: dict, fragment: str) -> None:
    for path in ("/v1/restore", "/v1/check"):
        error = error_of(client.post(path, json=upload), 422)
        assert fragment in error["message"]
        assert error["code"] == "invalid_input"


def test_too_much_text_gets_413(client: TestClient) -> None:
    limit = client.app.state.settings.max_chars
    error = error_of(client.post("/v1/restore", json={"text": "word " * limit}), 413)
    assert f"{limit:,}" in error["message"]


def test_too_large_a_file_gets_413(client: TestClient) -> None:
    limit = client.app.state.settings.max_file_bytes
    error_of(client.post("/v1/restore", json={"file": b64(b"a" * (limit + 1))}), 413)


def test_too_large_a_body_gets_413_before_it_is_read(client: TestClient) -> None:
    limit = client.app.state.settings.max_body_bytes
    declared = client.post("/v1/restore", content=b"x" * (limit + 1), headers={"content-type": "application/json"})
    assert "request body" in error_of(declared, 413)["message"]
    chunked = client.post("/v1/restore", content=iter([b"x" * 65536] * (limit // 65536 + 2)),
                          headers={"content-type": "application/json"})
    error_of(chunked, 413)


def test_a_full_pool_answers_503(client: TestClient) -> None:
    pool: WorkerPool = client.app.state.pool
    release = threading.Event()
    held = [pool.submit(lambda stop: release.wait(10)) for _ in range(pool.capacity)]
    try:
        response = client.post("/v1/restore", json={"text": "It received't rule out new tariffs."})
        assert error_of(response, 503)["code"] == "busy"
    finally:
        release.set()
        for future, _ in held:
            future.result(10)
    assert client.get("/healthz").json()["admitted"] == 0


def test_a_slow_job_gets_504_and_gives_its_worker_back() -> None:
    # A megabyte of German HTML: slow to extract, then refused as not English, so no model is needed.
    html = ("<html><body>" + "<p>Der Hund läuft schnell über die Straße und die Katze schläft.</p>" * 15000
            + "</body></html>").encode()
    settings = Settings(preload=False, timeout_s=0.05, max_file_bytes=2 * 2**20, max_chars=2_000_000)
    with TestClient(create_app(settings)) as test_client:
        response = test_client.post("/v1/restore", json={"file": b64(html), "filename": "page.html"})
        assert error_of(response, 504)["code"] == "timeout"
        deadline = time.monotonic() + 30
        while test_client.get("/healthz").json()["admitted"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert test_client.get("/healthz").json()["admitted"] == 0


# --- logging: sizes and timings only, unless the operator asks for the text -------------


@pytest.mark.parametrize("log_text", [False, True])
def test_text_is_logged_only_when_asked(log_text: bool, caplog: pytest.LogCaptureFixture) -> None:
    marker = "Zeppelinstraße"
    with TestClient(create_app(Settings(preload=False, log_text=log_text))) as test_client:
        with caplog.at_level(logging.INFO, logger="unspin.service"):
            test_client.post("/v1/restore", json={"text": f"{NOT_ENGLISH} {marker}"})
    assert any("/v1/restore" in record.getMessage() for record in caplog.records)
    assert any(marker in record.getMessage() for record in caplog.records) is log_text


# --- the worker pool ----------------------------------------------------------------------


def test_pool_refuses_beyond_its_capacity_and_frees_slots() -> None:
    pool = WorkerPool(workers=1, queue=1)
    release = threading.Event()
    first, second = pool.submit(lambda stop: release.wait(10)), pool.submit(lambda stop: release.wait(10))
    with pytest.raises(Busy):
        pool.submit(lambda stop: None)
    release.set()
    first[0].result(5), second[0].result(5)
    assert pool.admitted == 0
    assert pool.submit(lambda stop: 42)[0].result(5) == 42
    pool.shutdown()


def stoppable(stop: threading.Event) -> str:
    """A job that works in small steps and honours a stop, like the block-by-block restore."""
    for _ in range(500):
        if stop.wait(0.01):
            raise Stopped
    return "finished"


def test_pool_times_out_and_stops_the_job() -> None:
    pool = WorkerPool(workers=1, queue=0)

    async def scenario() -> None:
        with pytest.raises(JobTimeout):
            await pool.run(stoppable, timeout_s=0.2)

    asyncio.run(scenario())
    deadline = time.monotonic() + 2
    while pool.admitted and time.monotonic() < deadline:
        time.sleep(0.01)
    assert pool.admitted == 0  # the job saw the stop and gave its worker back
    pool.shutdown()


def test_pool_stops_the_job_of_a_client_that_left() -> None:
    pool = WorkerPool(workers=1, queue=0)
    calls = []

    async def gone() -> bool:
        calls.append(1)
        return len(calls) > 1

    async def scenario() -> None:
        with pytest.raises(ClientGone):
            await pool.run(stoppable, timeout_s=30, client_gone=gone)

    started = time.monotonic()
    asyncio.run(scenario())
    assert time.monotonic() - started < 2
    pool.shutdown()
    assert pool.admitted == 0


def test_pool_shutdown_stops_running_jobs() -> None:
    pool = WorkerPool(workers=1, queue=1)
    running, _ = pool.submit(stoppable)
    waiting, _ = pool.submit(stoppable)
    started = time.monotonic()
    pool.shutdown()
    assert time.monotonic() - started < 2
    assert isinstance(running.exception(), Stopped) or running.cancelled()
    assert waiting.cancelled() or isinstance(waiting.exception(), Stopped)
    with pytest.raises(Busy):
        pool.submit(stoppable)


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50.0 and percentile(values, 0.95) == 95.0
    assert percentile([3.0], 0.95) == 3.0


# --- a real server on loopback: hostile clients do not bring it down ---------------------


@pytest.fixture(scope="module")
def live_url() -> Iterator[str]:
    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(Settings(preload=False)), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    assert not thread.is_alive()


def test_server_survives_a_10_mb_body_a_hang_up_and_garbage(live_url: str) -> None:
    host = live_url.removeprefix("http://")
    big = b'{"text": "' + b"spun " * (2 * 1024 * 1024) + b'"}'
    answer = _raw(live_url, _request("/v1/restore", big, host))
    assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"]["code"] == "too_large"
    _raw(live_url, _request("/v1/restore", b'{"text": "abc', host, length=50_000), close_after_s=0.2, read=False)
    _raw(live_url, b"\x16\x03\x01 this is not HTTP at all\r\n\r\n", read=False)
    garbage = _raw(live_url, _request("/v1/check", b"\xff\xfe{{{", host))
    assert garbage.startswith(b"HTTP/1.1 422")
    health = httpx.get(f"{live_url}/healthz", timeout=10)
    assert health.status_code == 200 and health.json()["admitted"] == 0


def test_serve_command_takes_host_port_and_limits() -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "unspin", "serve", "--help"], capture_output=True, timeout=60,
                            env={"COLUMNS": "200", "PATH": ""})
    assert result.returncode == 0, result.stderr.decode()
    for option in ("--host", "--port", "--workers", "--queue", "--max-chars", "--timeout", "--log-text"):
        assert option in result.stdout.decode()
