"""Run PDF batches from the command line: queue them, make sure a worker runs, show progress.

Shared by ``render_scorecards`` and ``quickstart``. On the embedded default (filesystem broker)
no worker may be running, so a Celery worker subprocess is started for the duration and stopped
after; on a real broker one is started only when no worker answers a ping.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import IO

from django.conf import settings

from scorecard.models import Job, JobStatus

TERMINAL = {JobStatus.DONE, JobStatus.FAILED}


def worker_command(*, concurrency: int = 1, name: str | None = None) -> list[str]:
    """The command line of a Celery worker for this project."""
    pool = ["--pool=solo"] if concurrency == 1 else ["--pool=prefork", f"-c{concurrency}"]
    return [
        sys.executable,
        "-m",
        "celery",
        "--quiet",  # no banner: the command's own progress bar is what a person reads
        "-A",
        "scorecard",
        "worker",
        *pool,
        "--loglevel=WARNING",
        "--without-gossip",
        "--without-mingle",
        "-n",
        name or f"embedded-{os.getpid()}@%h",
    ]


def workers_answering(timeout: float = 1.5) -> bool:
    """True when a worker answers a ping on the configured (real) broker."""
    if settings.CELERY_EMBEDDED:
        return False  # the filesystem transport has no broadcast: nobody can answer
    from scorecard.celery import app

    try:
        return bool(app.control.ping(timeout=timeout))
    except Exception:  # a broker that cannot broadcast counts as "no answer"
        return False


@contextlib.contextmanager
def worker_for_duration(
    *, needed: bool | None = None, concurrency: int = 1, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes] | None]:
    """A Celery worker subprocess while the block runs (when ``needed``; by default when the
    broker is the embedded one or no worker answers), terminated and waited for after."""
    if needed is None:
        # Eager mode (tests) runs tasks in this process: no worker is needed.
        needed = not settings.CELERY_TASK_ALWAYS_EAGER and (
            settings.CELERY_EMBEDDED or not workers_answering()
        )
    if not needed:
        yield None
        return
    process = subprocess.Popen(
        worker_command(concurrency=concurrency),
        cwd=settings.BASE_DIR,
        env={**os.environ, **(env or {})},
    )
    try:
        yield process
    finally:
        stop_worker(process)


def stop_worker(process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Ask a worker to finish its current task and exit (SIGTERM), killing it if it hangs."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def progress_bar(done: int, total: int, *, width: int = 30) -> str:
    """A text bar: '[#########.....]  3/10  30 %'."""
    filled = width if total == 0 else width * done // total
    percent = 100 if total == 0 else 100 * done // total
    return f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {percent:3d} %"


def wait_for_batches(
    batch_ids: list[int],
    *,
    out: IO[str],
    timeout: float = 3600,
    poll_seconds: float = 0.5,
    worker: subprocess.Popen[bytes] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> list[Job]:
    """Wait until every batch has finished, drawing progress: a bar redrawn in place on a TTY,
    a line per change otherwise. Returns the batches; raises TimeoutError or RuntimeError when
    the worker we started died."""
    tty = hasattr(out, "isatty") and out.isatty()
    deadline = clock() + timeout
    last = None
    while True:
        batches = list(Job.objects.filter(pk__in=batch_ids))
        done = sum(b.done_count for b in batches)
        finished = Job.objects.filter(parent__in=batch_ids, status__in=TERMINAL).count()
        total = sum(b.total for b in batches)
        state = (done, finished, total)
        if state != last:
            line = progress_bar(done, total) + (
                f"  ({finished - done} failed)" if finished > done else ""
            )
            out.write(("\r" + line) if tty else (line + "\n"))
            out.flush()
            last = state
        if all(b.status in TERMINAL for b in batches):
            if tty:
                out.write("\n")
            return batches
        if worker is not None and worker.poll() is not None:
            raise RuntimeError(f"The Celery worker exited with status {worker.returncode}.")
        if clock() > deadline:
            raise TimeoutError(f"Gave up waiting after {timeout:.0f} s: {done}/{total} done.")
        time.sleep(poll_seconds)
