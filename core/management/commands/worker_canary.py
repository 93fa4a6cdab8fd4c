import time
import uuid

from django.core.management.base import BaseCommand, CommandError
from django_tasks import TaskResultStatus

from core.canary import canary

FINISHED = {TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED}


class Command(BaseCommand):
    help = (
        "Queue a harmless task and wait until a task worker has run it: exits 0 when every queued "
        "task succeeded within the timeout, 1 otherwise. For monitoring (is a worker running?) "
        "and the cluster check (make cluster). See docs/operations.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=1, help="How many tasks to queue (1).")
        parser.add_argument(
            "--timeout", type=float, default=60, help="Seconds to wait for them (60)."
        )
        parser.add_argument(
            "--record",
            action="store_true",
            help="Each run appends a line to PORTAL_VAR_DIR/canary-runs.log.",
        )
        parser.add_argument(
            "--hold",
            type=float,
            default=0.0,
            help="Seconds each task keeps its worker busy (at most 5), so that all workers share.",
        )

    def handle(self, *args, count, timeout, record, hold, **options):
        if count < 1:
            raise CommandError("--count must be at least 1.")
        results = [
            canary.enqueue(uuid.uuid4().hex, record=record, hold_seconds=hold) for _ in range(count)
        ]
        deadline = time.monotonic() + timeout
        pending = [r for r in results if r.status not in FINISHED]
        while pending and time.monotonic() < deadline:
            time.sleep(0.2)
            for result in pending:
                result.refresh()
            pending = [r for r in pending if r.status not in FINISHED]
        failed = [r for r in results if r.status == TaskResultStatus.FAILED]
        for result in results:
            self.stdout.write(f"{result.id} {result.status} {','.join(result.worker_ids)}")
        if pending or failed:
            raise CommandError(
                f"{len(pending)} of {count} tasks did not finish within {timeout:g} s and "
                f"{len(failed)} failed: is a task worker (manage.py db_worker) running?"
            )
        self.stderr.write(self.style.SUCCESS(f"{count} tasks ran."))
