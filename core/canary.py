"""A harmless task that proves the task workers run: for monitoring and the cluster check.

``manage.py worker_canary`` queues it and waits for a worker to finish it. With ``record`` the task
appends one line (its token, host and process) to ``PORTAL_VAR_DIR/canary-runs.log``, a record
kept outside the task queue's own bookkeeping, so that ``make cluster`` can count how often each
queued task actually ran.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from django.conf import settings
from django_tasks import task

MAX_HOLD_SECONDS = 5.0


def runs_log() -> Path:
    return Path(settings.VAR_DIR) / "canary-runs.log"


@task()
def canary(token: str, *, record: bool = False, hold_seconds: float = 0.0) -> str:
    """Return the token; optionally record the run and keep the worker busy for a moment."""
    time.sleep(min(max(hold_seconds, 0.0), MAX_HOLD_SECONDS))
    if record:
        line = f"{token} {socket.gethostname()} {os.getpid()}\n".encode()
        # One write() on a file opened with O_APPEND is atomic for a line this short, also when
        # two workers append at the same moment.
        fd = os.open(runs_log(), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    return token
