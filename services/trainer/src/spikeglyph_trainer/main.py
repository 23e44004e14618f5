"""``spikeglyph-worker``: start the Celery trainer worker with the project's defaults.

Settings come from ``SPIKEGLYPH_*`` variables (see :class:`TrainerSettings`); any extra
command-line arguments are passed on to ``celery worker`` (e.g. ``--loglevel DEBUG``).
"""

from __future__ import annotations

import sys

from spikeglyph.logs import configure_logging
from spikeglyph_trainer.celery_app import create_app
from spikeglyph_trainer.settings import TrainerSettings


def worker_argv(settings: TrainerSettings, extra: list[str]) -> list[str]:
    return [
        "worker",
        "--queues",
        settings.queue,
        "--concurrency",
        str(settings.concurrency),
        "--hostname",
        settings.hostname,
        "--loglevel",
        settings.log_level,
        "--pool",
        "prefork",
        "--events",
        *extra,
    ]


def main(argv: list[str] | None = None) -> None:
    settings = TrainerSettings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    settings.jobs_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(settings)
    app.worker_main(worker_argv(settings, list(sys.argv[1:] if argv is None else argv)))


if __name__ == "__main__":
    main()
