"""After the load test: is every save that a user saw acknowledged in the database?

    python bench/load/verify.py ACKS.jsonl STATS.json   (DJANGO_SETTINGS_MODULE as for the run)

Each line of ACKS.jsonl is one save the portal answered with success (a redirect): the report,
the unique marker written into the report's first comment, and whether it was a draft save or
the submission. A save is found when a version of that report with that action holds the marker;
a submission also needs the report to be submitted now. Prints the counts, writes them to
STATS.json, and exits 1 if anything acknowledged is missing.
"""

from __future__ import annotations

import json
import os
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.loopback")

import django  # noqa: E402

django.setup()

from followup.models import Report, ReportVersion  # noqa: E402

ACTIONS = {"save": ReportVersion.Action.SAVED, "submit": ReportVersion.Action.SUBMITTED}


def main(acks_path: Path, stats_path: Path) -> int:
    acks = [json.loads(line) for line in acks_path.read_text().splitlines() if line.strip()]
    reports = {ack["report"] for ack in acks}
    versions: dict[tuple[int, str], list[str]] = defaultdict(list)
    for report_id, action, answers in ReportVersion.objects.filter(
        report_id__in=reports
    ).values_list("report_id", "action", "answers"):
        versions[(report_id, action)].append(json.dumps(answers, ensure_ascii=False))
    submitted = set(
        Report.objects.filter(pk__in=reports, status=Report.Status.SUBMITTED).values_list(
            "pk", flat=True
        )
    )
    missing = []
    for ack in acks:
        texts = versions[(ack["report"], ACTIONS[ack["action"]])]
        found = any(ack["marker"] in text for text in texts)
        if ack["action"] == "submit":
            found = found and ack["report"] in submitted
        if not found:
            missing.append(ack)
    stats = {
        "acknowledged": len(acks),
        "acknowledged_saves": sum(a["action"] == "save" for a in acks),
        "acknowledged_submissions": sum(a["action"] == "submit" for a in acks),
        "found": len(acks) - len(missing),
        "missing": missing,
        "reports": len(reports),
        "versions_in_database": sum(len(v) for v in versions.values()),
    }
    stats_path.write_text(json.dumps(stats, indent=1))
    print(
        f"Writes acknowledged: {stats['acknowledged']} ({stats['acknowledged_saves']} draft saves,"
        f" {stats['acknowledged_submissions']} submissions) to {stats['reports']} reports; found "
        f"in the database: {stats['found']}; missing: {len(missing)}"
    )
    for ack in missing[:20]:
        print(f"  MISSING {ack}")
    return 1 if missing or not acks else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
