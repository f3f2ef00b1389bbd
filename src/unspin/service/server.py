"""Running the app under uvicorn (``unspin serve``)."""

from __future__ import annotations

import logging

from unspin.service.settings import Settings


def serve(settings: Settings) -> None:
    """Load the model, then serve until SIGINT/SIGTERM; running jobs are stopped between blocks."""
    import uvicorn

    from unspin.service.app import create_app, load_models

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if settings.preload:
        load_models(settings)  # before uvicorn: a resource problem is one line, not a traceback
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        # Connections beyond this get 503 from uvicorn itself: a flood cannot pile up without end.
        limit_concurrency=4 * (settings.worker_count + settings.queue_size) + 32,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=max(10, int(settings.timeout_s) // 4),
        server_header=False,
    )
    uvicorn.Server(config).run()
