"""The HTTP service: a thin adapter from JSON requests to ``unspin.restore`` and ``unspin.check``."""

from __future__ import annotations

import asyncio
import base64
import binascii
import dataclasses
import io
import json
import logging
import re
import threading
import time
import traceback
from collections.abc import Callable
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from unspin import __version__
from unspin.readers import TEXT, detect_format, read_document
from unspin.service.pool import Busy, ClientGone, JobTimeout, Stopped, WorkerPool
from unspin.service.schemas import (
    CheckRequest, CheckResponse, DocumentIn, ErrorOut, Health, RestoreRequest, RestoreResponse,
)
from unspin.service.settings import Settings
from unspin.textio import InputError, ensure_english, iter_paragraph_blocks

log = logging.getLogger("unspin.service")
STATIC = resources.files("unspin.service") / "static"
_DATA_URL = re.compile(r"^data:[^,]{0,200};base64,")
_PAGE_HEADERS = {
    # The page loads nothing from anywhere else: no CDN, no inline script.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_ERRORS = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large",
           422: "invalid_input", 500: "internal_error", 501: "not_available", 503: "busy", 504: "timeout"}


class ApiError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code or _ERRORS.get(status, "error")


def error_response(status: int, message: str, code: str | None = None, details: list | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"status": status, "code": code or _ERRORS.get(status, "error"), "message": message}
    if details is not None:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        pool = WorkerPool(settings.worker_count, settings.queue_size)
        app.state.pool = pool
        if settings.preload:
            await asyncio.to_thread(load_models, settings)
        log.info("unspin service ready: %d workers, %d jobs at most", pool.workers, pool.capacity)
        try:
            yield
        finally:
            await asyncio.to_thread(pool.shutdown)

    app = FastAPI(
        title="unspin",
        version=__version__,
        summary="Find text made by automatic article spinners and restore the original.",
        lifespan=lifespan,
        docs_url=None,  # served below from local assets
        redoc_url=None,
        responses={code: {"model": ErrorOut} for code in (413, 422, 500, 503, 504)},
    )
    app.state.settings = settings

    # --- errors: always {"error": {status, code, message}} and never the text sent ---------
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, error: ApiError) -> JSONResponse:
        return error_response(error.status, error.message, error.code)

    @app.exception_handler(InputError)
    async def _input_error(request: Request, error: InputError) -> JSONResponse:
        return error_response(422, str(error), "invalid_input")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        details = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
                   for e in error.errors()]
        first = details[0] if details else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(part) for part in first["loc"] if part != "body")
        message = f"{where}: {first['msg']}" if where else first["msg"]
        if first.get("type") == "json_invalid":
            message = f"the request body is not valid JSON ({first['msg']})"
        return error_response(422, message, "invalid_request", details)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400:  # FastAPI's answer to a body that is not even UTF-8 JSON
            return error_response(422, f"the request body is not valid JSON ({error.detail})", "invalid_request")
        return error_response(error.status_code, str(error.detail), headers=getattr(error, "headers", None))

    @app.exception_handler(Exception)
    async def _crash(request: Request, error: Exception) -> JSONResponse:
        log.error("internal error on %s: %s", request.url.path, type(error).__name__)
        return error_response(500, "internal error; the server log has the type of the failure")

    # --- endpoints ------------------------------------------------------------------------
    @app.get("/healthz", response_model=Health, tags=["service"])
    async def healthz(request: Request) -> Health:
        pool: WorkerPool = request.app.state.pool
        return Health(status="ok", version=__version__, model_loaded=_models_loaded.is_set(),
                      check_available=_check_function() is not None, workers=pool.workers,
                      capacity=pool.capacity, admitted=pool.admitted)

    @app.post("/v1/restore", response_model=RestoreResponse, tags=["api"])
    async def restore(body: RestoreRequest, request: Request) -> dict:
        """Restore the original words of spun text: the restored text and one edit per change."""
        data, name = _payload(body, settings)

        def job(stop: threading.Event) -> dict:
            source, kind = _read(data, name, body, settings, "restores")
            restoration = _restore_blocks(source, body.min_confidence, body.spun, settings.block_chars, stop)
            return {**restoration, "source": source, "format": kind}

        return await _run(request, job, settings)

    @app.post("/v1/check", response_model=CheckResponse, tags=["api"])
    async def check(body: CheckRequest, request: Request) -> dict:
        """How likely the text is spun: document and sentence probabilities, suspicious spans and
        known tortured phrases."""
        check_text = _check_function()
        if check_text is None:
            raise ApiError(501, "spin detection is not available in this build")
        data, name = _payload(body, settings)

        def job(stop: threading.Event) -> dict:
            source, kind = _read(data, name, body, settings, "checks")
            if stop.is_set():
                raise Stopped
            try:
                report = check_text(source, fast=body.fast, spun=body.spun)
            except NotImplementedError:
                raise ApiError(501, "spin detection is not available in this build") from None
            return {**report.to_dict(), "source": source, "format": kind}

        return await _run(request, job, settings)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(str(STATIC / "index.html"), headers=_PAGE_HEADERS)

    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    _add_docs(app)
    app.add_middleware(_Observe)
    app.add_middleware(_BodyLimit, max_bytes=settings.max_body_bytes)
    return app


def _add_docs(app: FastAPI) -> None:
    """Swagger UI at /docs from the assets in ``fastapi-offline``, so the docs need no CDN either."""
    from fastapi.openapi.docs import get_swagger_ui_html

    assets = resources.files("fastapi_offline") / "static"
    app.mount("/docs-assets", StaticFiles(directory=str(assets)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url, title=f"{app.title} API",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon.png")


# --- jobs ------------------------------------------------------------------------------


_models_loaded = threading.Event()


def load_models(settings: Settings) -> None:
    """Load the restorer (and the detector, when present) once, before the first request.

    ``unspin serve`` calls this before the server starts, so that a missing or
    outdated resource is one line on stderr; the app's start-up then finds it done.
    """
    if _models_loaded.is_set():
        return
    import torch

    from unspin.engine import default_restorer

    torch.set_num_threads(settings.torch_thread_count)
    started = time.perf_counter()
    default_restorer()
    check_text = _check_function()
    if check_text is not None:
        try:  # loads the detector's models too, so that the first /v1/check is not slow
            check_text("The model is loaded once, when the service starts.", fast=False)
        except Exception as error:  # detection is optional: /v1/check answers 500/501 on its own
            log.warning("spin detection could not be loaded (%s)", type(error).__name__)
    log.info("models loaded in %.1f s (%d torch threads)", time.perf_counter() - started, torch.get_num_threads())
    _models_loaded.set()


def _check_function() -> Callable | None:
    import unspin

    return getattr(unspin, "check", None)


def _payload(body: DocumentIn, settings: Settings) -> tuple[str | bytes, str | None]:
    """The text, or the decoded upload, checked against the size limits (before any work)."""
    if body.text is not None:
        if len(body.text) > settings.max_chars:
            raise ApiError(413, f"the text has {len(body.text):,} characters; the limit is {settings.max_chars:,}")
        try:
            body.text.encode("utf-8")
        except UnicodeEncodeError as error:  # JSON may carry lone surrogates ("\ud800"); text may not
            raise ApiError(422, f"`text` has an unpaired surrogate at character {error.start}", "invalid_input") from None
        return body.text, None
    encoded = _DATA_URL.sub("", body.file or "", count=1)
    if len(encoded) > (settings.max_file_bytes + 2) // 3 * 4 + 4:
        raise ApiError(413, f"the file is larger than the limit of {settings.max_file_bytes:,} bytes")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(422, "`file` is not valid base64", "invalid_request") from None
    if not data:
        raise ApiError(422, "`file` is empty", "invalid_input")
    detect_format(data[:8192], body.filename, body.content_type)  # unsupported types fail before queueing
    return data, body.filename


def _read(data: str | bytes, name: str | None, body: DocumentIn, settings: Settings, task: str) -> tuple[str, str]:
    """(text, format) of the request; InputError for what cannot be read or is not English (``task``:
    what unspin would do with it, for the message)."""
    if isinstance(data, str):
        if not data.strip():
            raise InputError("the text is empty" if not data else "the text contains only whitespace")
        source, kind = data, TEXT
    else:
        kind = detect_format(data[:8192], name, body.content_type)
        source = read_document(data, name or "the file", body.content_type)
        if len(source) > settings.max_chars:
            raise ApiError(413, f"the document's text has {len(source):,} characters; "
                                f"the limit is {settings.max_chars:,}")
    if settings.log_text:
        log.info("text received (%d characters): %s", len(source), json.dumps(source, ensure_ascii=False))
    if not body.allow_non_english:
        ensure_english(source[: settings.block_chars], task)  # as the CLI judges its first block
    return source, kind


def _restore_blocks(text: str, min_confidence: float, spun: bool | None, block_chars: int,
                    stop: threading.Event) -> dict:
    """The CLI's block loop (``engine.restore_blocks``), told to stop through ``stop`` between sentences."""
    from unspin.engine import restore_blocks

    pieces: list[str] = []
    edits: list[dict] = []
    blocks = iter_paragraph_blocks(io.StringIO(text), block_chars)
    restorations = restore_blocks(blocks, min_confidence=min_confidence, should_stop=stop.is_set, spun=spun)
    for offset, _, restoration in restorations:
        pieces.append(restoration.text)
        edits.extend(
            dataclasses.replace(edit, start=edit.start + offset, end=edit.end + offset).to_dict()
            for edit in restoration.edits
        )
    return {"text": "".join(pieces), "edits": edits}


async def _run(request: Request, job: Callable[[threading.Event], dict], settings: Settings) -> dict:
    pool: WorkerPool = request.app.state.pool
    try:
        return await pool.run(job, settings.timeout_s, request.is_disconnected)
    except Busy:
        raise ApiError(503, "the server is busy; try again shortly") from None
    except JobTimeout:
        raise ApiError(504, f"the request took longer than {settings.timeout_s:g} s; send a shorter text") from None
    except ClientGone:
        raise ApiError(499, "the client went away", "client_closed") from None
    except InputError as error:
        raise ApiError(422, str(error), "invalid_input") from None
    except Stopped:
        raise ApiError(503, "the server is shutting down") from None
    except ApiError:
        raise
    except Exception as error:  # a bug: where it happened, but not its message (it may quote the text)
        message = f": {error}" if settings.log_text else ""
        log.error("%s failed with %s%s\n%s", request.url.path, type(error).__name__, message,
                  "".join(traceback.format_tb(error.__traceback__)).rstrip())
        raise ApiError(500, f"internal error ({type(error).__name__}); the server log has where it happened") from None


# --- middleware (plain ASGI, so that bodies are never buffered twice) ---------------------


class _BodyLimit:
    """Refuse a request body over ``max_bytes`` with 413, before the app reads any of it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers", []))
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            return await self._refuse(scope, receive, send)
        chunks: list[bytes] = []
        size = 0
        while True:  # read it all here (bounded), so a chunked body cannot outgrow the limit
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left mid-upload: nothing to answer
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                return await self._refuse(scope, receive, send)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()  # after the body: the disconnect notice

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(413, f"the request body is larger than {self.max_bytes:,} bytes",
                                  headers={"Connection": "close"})
        await response(scope, receive, send)


class _Observe:
    """One log line per API request (method, path, status, body size, time; never the text),
    and security headers on the page's own assets."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        api = scope["type"] == "http" and scope["path"].startswith("/v1/")
        asset = scope["type"] == "http" and scope["path"].startswith("/static/")
        if not (api or asset):
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                if asset:
                    message["headers"] = [*message.get("headers", []),
                                          *((k.lower().encode(), v.encode()) for k, v in _PAGE_HEADERS.items())]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            if api:
                length = dict(scope.get("headers", [])).get(b"content-length", b"?").decode("latin-1")
                log.info("%s %s %s %s bytes %.0f ms", scope["method"], scope["path"], status or "-", length,
                         1000 * (time.perf_counter() - started))
