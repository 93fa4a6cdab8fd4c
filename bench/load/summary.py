"""The load test's figures as a Markdown table (for docs/security.md): summary.py OUT USERS TIME."""

from __future__ import annotations

import csv
import datetime
import json
import os
import sys
from pathlib import Path


def main(out: Path, users: str, run_time: str, workers: str) -> None:
    rows = list(csv.DictReader((out / "locust_stats.csv").open()))
    writes = json.loads((out / "writes.json").read_text())
    load = os.getloadavg()  # the test's own load over the last minute; a busy machine shows more
    print(
        f"Load test of {datetime.date.today():%Y-%m-%d}: {users} users for {run_time}, gunicorn "
        f"with {workers} sync workers, PostgreSQL 15 and Redis on the same machine "
        f"({os.cpu_count()} cores; load average at the end {load[0]:.2f}, {load[1]:.2f}, "
        f"{load[2]:.2f}).\n"
    )
    print("| request | requests | failures | req/s | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in sorted(rows, key=lambda r: (r["Name"] == "Aggregated", r["Name"])):
        name = (
            "**all requests**" if row["Name"] == "Aggregated" else f"{row['Type']} `{row['Name']}`"
        )
        print(
            f"| {name} | {row['Request Count']} | {row['Failure Count']} | "
            f"{float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} | {row['99%']} | "
            f"{float(row['Max Response Time']):.0f} |"
        )
    print(
        f"\nWrites acknowledged to users: {writes['acknowledged']} "
        f"({writes['acknowledged_saves']} draft saves, {writes['acknowledged_submissions']} "
        f"submissions) to {writes['reports']} reports; found in the database afterwards: "
        f"{writes['found']}; missing: {len(writes['missing'])}."
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), *sys.argv[2:5])
