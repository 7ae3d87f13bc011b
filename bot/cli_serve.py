"""`interview-bot serve`: HTTP mode on every core.

With `--workers N` above 1 (the default: one per CPU) it runs gunicorn's pre-fork server: a master
process applies the migrations, then forks N workers, each with its own database engine, Bolt app
and dispatcher tick (the dispatchers share the work through the database: bot/delivery/dispatcher.py).
The scheduler's other jobs, the sweep and the pruning, run in one worker only: the master hands that
role to one worker, and to its replacement if it dies (`pre_fork`). `--workers 1`, and platforms
without fork, serve on waitress in this one process, as before.

Also the start-up every command shares (`open_services`) and the dispatcher's scheduler (`start_dispatcher`).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Any

from bot.wiring.settings import Settings, load_settings

if TYPE_CHECKING:
    from bot.wiring.scheduler import DispatchScheduler
    from bot.wiring.server import WebApp
    from bot.wiring.services import Services

log = logging.getLogger("interview_bot")

# Threads per process: a worker answers one request while another waits on the database or Slack.
# Eight, as waitress had; four on SQLite, whose one writer at a time they would otherwise queue
# for under the interpreter's lock (a shorter write tail at the same throughput, bench/README).
THREADS = 8
SQLITE_THREADS = 4


def default_threads(database_url: str) -> int:
    return SQLITE_THREADS if database_url.startswith("sqlite") else THREADS


def register(sub: Any) -> None:
    serve = sub.add_parser("serve", help="HTTP mode: POST /slack/events, GET /healthz, GET /metrics")
    serve.add_argument("--port", type=int, help="port to listen on (default: PORT or 3000)")
    serve.add_argument("--host", default="0.0.0.0", help="address to bind (default: all interfaces)")
    serve.add_argument(
        "--workers",
        type=_count("workers"),
        default=None,
        help="worker processes on gunicorn (default: the number of CPUs); 1: waitress, in this process",
    )
    serve.add_argument(
        "--threads",
        type=_count("threads"),
        default=None,
        help=f"threads answering requests in each worker process (default: {THREADS}; {SQLITE_THREADS} on SQLite)",
    )
    serve.add_argument("--no-dispatcher", action="store_true", help="do not send scheduled messages from this process")
    serve.set_defaults(run=cmd_serve)


def _count(what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not text.isdigit() or not 1 <= int(text) <= 64:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number of {what} from 1 to 64")
        return int(text)

    return parse


def cpus() -> int:
    """The CPUs this process may run on (a container's cpuset, where the OS says), else all of them."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def open_services(settings: Settings | None = None, *, upgrade: bool = True) -> Services:
    """The services a command runs on, with the database migrated and the organizer's calendar synced."""
    from bot.calendars.organizer import sync_organizer
    from bot.wiring.services import Services

    services = Services.from_settings(settings or load_settings())
    if upgrade:
        services.db.upgrade()
        sync_organizer(services.db, services.settings, services.clock.now())
    return services


def start_dispatcher(services: Services, settings: Settings, *, jobs: bool = True) -> DispatchScheduler:
    """The dispatchers' tick; with `jobs`, the sweep and the pruning too."""
    from bot.delivery.dispatcher import lanes
    from bot.slack.client import dispatcher_client
    from bot.wiring.scheduler import start_ticking

    return start_ticking(*lanes(services, dispatcher_client(settings)), services=services if jobs else None)


def interrupt(_signum: int, _frame: FrameType | None) -> None:
    """SIGTERM stops as Ctrl-C does. Raising leaves waitress's select loop (closing sockets under it
    fails with EBADF) and the Socket Mode handler's wait."""
    raise KeyboardInterrupt


def cmd_serve(args: argparse.Namespace) -> int:
    settings = load_settings()
    settings.require_http()
    workers = args.workers or cpus()
    if workers > 1 and not hasattr(os, "fork"):
        log.warning("--workers %d needs fork (Linux, macOS): serving with waitress in one process", workers)
        workers = 1
    port = args.port or settings.port
    threads = args.threads or default_threads(settings.database_url)
    if workers == 1:
        return _serve_waitress(settings, args.host, port, threads, dispatch=not args.no_dispatcher)
    open_services(settings).close()  # migrated once, here; each worker opens its own connections
    _serve_gunicorn(settings, args.host, port, workers, threads, dispatch=not args.no_dispatcher)
    return 0


def _serve_waitress(settings: Settings, host: str, port: int, threads: int, *, dispatch: bool) -> int:
    from bot.wiring.app import build_app
    from bot.wiring.server import HttpServer, WebApp

    services = open_services(settings)
    server = HttpServer(WebApp(build_app(services), services), host=host, port=port, threads=threads)
    scheduler = start_dispatcher(services, settings) if dispatch else None
    signal.signal(signal.SIGTERM, interrupt)
    log.info("listening on %s:%s (POST /slack/events, GET /healthz, GET /metrics)", host, server.port)
    print(f"interview-bot listening on http://{host}:{server.port} (one process of {threads} threads)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log.info("stopping")
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=True)
        server.server.close()
        services.close()
    return 0


@dataclass
class _Worker:
    """What one worker process runs, made after the fork (nothing of it is shared)."""

    services: Services | None = None
    scheduler: DispatchScheduler | None = None


def _serve_gunicorn(settings: Settings, host: str, port: int, workers: int, threads: int, *, dispatch: bool) -> None:
    """gunicorn with the bot's WSGI app built in each worker (no preloading: no engine, socket or
    thread crosses the fork) and the hooks that start and stop each worker's dispatcher."""
    from gunicorn.app.base import BaseApplication

    from bot.wiring.app import build_app
    from bot.wiring.server import WebApp

    worker_state = _Worker()

    def load() -> WebApp:
        services = open_services(settings, upgrade=False)
        worker_state.services = services
        return WebApp(build_app(services), services)

    def ready(_arbiter: Any) -> None:
        log.info("listening on %s:%s with %d workers of %d threads", host, port, workers, threads)
        print(f"interview-bot listening on http://{host}:{port} ({workers} workers of {threads} threads)", flush=True)

    def started(worker: Any) -> None:
        if dispatch and worker_state.services is not None:
            jobs = bool(getattr(worker, "runs_jobs", False))
            worker_state.scheduler = start_dispatcher(worker_state.services, settings, jobs=jobs)
            log.info("worker %s: dispatcher ticking%s", worker.pid, ", with the sweep and pruning" if jobs else "")

    def exiting(_arbiter: Any, _worker: Any) -> None:
        if worker_state.scheduler is not None:
            worker_state.scheduler.shutdown(wait=True)
        if worker_state.services is not None:
            worker_state.services.close()

    options: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "preload_app": False,
        "proc_name": "interview-bot",
        "graceful_timeout": 20,
        "pre_fork": _pre_fork,
        "post_worker_init": started,
        "worker_exit": exiting,
        "when_ready": ready,
        # A newer gunicorn opens a control socket in the working directory: nothing here uses it.
        "control_socket_disable": True,
    }

    class Prefork(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings:  # an older gunicorn lacks the newer ones
                    self.cfg.set(key, value)

        def load(self) -> WebApp:
            return load()

    Prefork().run()


def _pre_fork(arbiter: Any, worker: Any) -> None:
    """In the master, before each fork: the sweep and the pruning go to this worker if no live one runs them."""
    worker.runs_jobs = not any(getattr(w, "runs_jobs", False) for w in arbiter.WORKERS.values())
