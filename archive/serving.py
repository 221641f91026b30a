"""Serving the archive in several processes: public workers, and one low-priority worker for arbitrary SQL.

One Python process uses one core, and a query the user wrote competes with every other request for its GIL
(Datasette stops a query with a progress handler that needs the GIL). So `govreports serve`:

* binds the public socket in the parent and runs N public workers on it (uvicorn's multi-process supervisor,
  each worker building its own Datasette through an app factory; the database is immutable, so the workers
  share nothing but the file);
* runs one SQL worker on a loopback socket of its own, at a lower CPU priority (os.nice), where the SQL gate
  (one arbitrary query at a time, a lower time limit, 429 for the rest) applies; the public workers forward
  `/<db>?sql=` to it (archive/sql_proxy.py);
* keeps every worker alive (a dead one is restarted) and stops them all on SIGINT/SIGTERM; each worker also
  asks the kernel to stop it when the parent dies (PR_SET_PDEATHSIG), so even a SIGKILLed parent leaves none.

Why uvicorn's supervisor rather than gunicorn with uvicorn workers: uvicorn is already installed with
Datasette, its `Multiprocess` does the health checks and restarts, and the SQL worker joins it as one more
supervised process with its own configuration (gunicorn would need its own config file and a second server).
`Multiprocess` and `Process` are uvicorn's (tested with 0.54); tests/archive/test_archive_under_load.py runs
the real thing.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
import sys
from functools import partial
from pathlib import Path

import uvicorn
from uvicorn.supervisors.multiprocess import Multiprocess, Process

from archive.publication import make_datasette
from archive.sql_proxy import route_arbitrary_sql

SQL_WORKER_NICENESS = 10
PR_SET_PDEATHSIG = 1
logger = logging.getLogger("uvicorn.error")


class ServeError(Exception):
    """The server cannot start; the message says why and what to do."""


def default_workers() -> int:
    """One public worker per core this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def die_with_parent() -> None:
    """Ask Linux to send SIGTERM to this worker when the supervisor dies, however it dies."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() == 1:  # the parent died before the request
            os.kill(os.getpid(), signal.SIGTERM)


def public_app(db_path: Path, files_dir: Path | None, sql_worker_url: str):
    """App factory of a public worker: the archive's Datasette, arbitrary SQL forwarded to the SQL worker."""
    die_with_parent()
    return route_arbitrary_sql(make_datasette(db_path, files_dir=files_dir).app(), sql_worker_url)


def sql_app(db_path: Path, files_dir: Path | None):
    """App factory of the SQL worker: the same Datasette (whose plugin gates arbitrary SQL), at a lower priority."""
    die_with_parent()
    os.nice(SQL_WORKER_NICENESS)
    return make_datasette(db_path, files_dir=files_dir).app()


def listening_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket, bound here so that port 0 can be resolved and reported before workers start."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise ServeError(f"Cannot listen on {host}:{port} ({error.strerror}); give --port with a free port "
                         "(--port 0 picks one).") from error
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class Supervisor(Multiprocess):
    """uvicorn's supervisor of the public workers, with the SQL worker as one more supervised process."""

    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket], sql_config: uvicorn.Config,
                 sql_socket: socket.socket) -> None:
        super().__init__(config, sockets)
        self.sql_config, self.sql_sockets = sql_config, [sql_socket]
        self.sql_worker: Process | None = None

    def start_sql_worker(self) -> None:
        self.sql_worker = Process(self.sql_config, self.sql_sockets)
        self.sql_worker.start()

    def init_processes(self) -> None:
        self.start_sql_worker()
        super().init_processes()

    def keep_subprocess_alive(self) -> None:
        super().keep_subprocess_alive()
        if self.should_exit.is_set() or self.sql_worker.is_alive(timeout=self.config.timeout_worker_healthcheck):
            return
        self.sql_worker.kill()
        self.sql_worker.join()
        logger.info(f"SQL worker [{self.sql_worker.pid}] died; starting another")
        self.start_sql_worker()

    def terminate_all(self) -> None:
        super().terminate_all()
        if self.sql_worker is not None:
            self.sql_worker.terminate()

    def join_all(self) -> None:
        super().join_all()
        if self.sql_worker is not None:
            self.sql_worker.join()


class ArchiveServer:
    """The sockets are bound on construction (errors are ServeError); run() serves until SIGINT or SIGTERM."""

    def __init__(self, db_path: Path, host: str = "127.0.0.1", port: int = 8001, files_dir: Path | None = None,
                 workers: int | None = None, log_level: str = "info") -> None:
        if workers is not None and workers < 1:
            raise ServeError(f"--workers must be at least 1 (got {workers}).")
        self.db_path, self.files_dir = Path(db_path).resolve(), files_dir and Path(files_dir).resolve()
        self.workers = workers or default_workers()
        self.log_level = log_level
        self.host = host
        self.socket = listening_socket(host, port)
        self.sql_socket = listening_socket("127.0.0.1", 0)

    @property
    def port(self) -> int:
        return self.socket.getsockname()[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def sql_worker_url(self) -> str:
        return f"http://127.0.0.1:{self.sql_socket.getsockname()[1]}"

    def run(self) -> None:
        public = uvicorn.Config(partial(public_app, self.db_path, self.files_dir, self.sql_worker_url),
                                factory=True, workers=self.workers, log_level=self.log_level)
        sql = uvicorn.Config(partial(sql_app, self.db_path, self.files_dir), factory=True, log_level=self.log_level)
        try:
            Supervisor(public, [self.socket], sql, self.sql_socket).run()
        finally:
            self.socket.close()
            self.sql_socket.close()
