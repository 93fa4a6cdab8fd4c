"""Write a benchmark result (bench/results/latest.json) as tables into docs/performance.md.

Only the part between the two markers is replaced; the rest of the document is written by hand.
"""

from __future__ import annotations

from pathlib import Path

BEGIN = "<!-- bench:begin (written by bench/run.py; do not edit by hand) -->"
END = "<!-- bench:end -->"

MODES = {
    "uncached": "Uncached (PORTAL_PAGE_CACHE=0): every request renders the page",
    "cached": "With the portal's caches (the default)",
    "nginx-cache": "Through nginx's proxy cache (bench/nginx-proxy-cache.conf)",
}


def _load_remark(machine: dict) -> str:
    """What the load average says about the run: the one-minute figure at the start is taken
    before the benchmark starts its own servers."""
    busy = machine["load_average_at_start"][0] >= 0.5 * machine["cores"]
    return (
        "other work was running on the machine at the start"
        if busy
        else "the machine was otherwise idle at the start; the rise is the benchmark's own load"
    ) + (
        "; every figure is also a ratio to references measured in the same round, because other "
        "work would change the absolute figures"
    )


def tables(result: dict) -> str:
    m = result["machine"]
    d = result.get("data_set", {})
    lines = [
        f"Run of {result['date']} (took {result.get('minutes', '?')} min), "
        f"`make bench` with seed {result['settings']['seed']} and scale "
        f"{result['settings']['scale']:g}; each wrk run {result['settings']['wrk_seconds']} s, "
        f"{result['settings']['rounds']} rounds per page and concurrency.",
        "",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['os']}, "
        f"kernel {m['kernel']}; Python {m['python']}, {m['postgresql']}, {m['nginx']}, "
        f"{m['chromium']}; gunicorn with {m['gunicorn_workers']} sync workers.",
        f"- Load average at start and end: {m['load_average_at_start']} → "
        f"{m.get('load_average_at_end')} ({_load_remark(m)}).",
        f"- Data set: {d.get('output', '').splitlines()[-1] if d.get('output') else '?'} "
        f"(generated in {d.get('seconds', '?')} s).",
        "",
    ]
    for mode, by_c in result.get("modes", {}).items():
        lines += [f"**{MODES.get(mode, mode)}**", ""]
        lines += [
            "| page | conns | req/s | p50 ms | p99 ms | of fixed view | of nginx static "
            "| fixed view req/s | nginx req/s |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for c, pages in by_c.items():
            for page, s in pages.items():
                lines.append(
                    f"| {page} | {c} | {s['rps']:.0f} | {s['p50_ms']:.1f} | {s['p99_ms']:.1f} "
                    f"| {s['ratio_fixed']:.1%} | {s['ratio_static']:.1%} "
                    f"| {s['fixed_rps']:.0f} | {s['static_rps']:.0f} |"
                )
        lines.append("")
    pdf = result.get("pdf")
    if pdf:
        lines += [
            "**The largest evaluation PDF**",
            "",
            "| renderer | seconds (median) | pages | peak memory |",
            "|---|---:|---:|---:|",
            f"| WeasyPrint, inside a worker process | {pdf['weasyprint_seconds']} "
            f"| {pdf['weasyprint_pages']} | {pdf['weasyprint_peak_mib']} MiB |",
            f"| Chromium print-to-PDF, whole process | {pdf['chromium_seconds']} "
            f"| {pdf['chromium_pages']} | |",
            "",
            f"Ratio: {pdf['ratio']}×.",
            "",
        ]
    imported = result.get("register_import")
    if imported:
        lines += [
            "**Import of an existing register** (bench/register_import.py; "
            f"{imported.get('data_set', 'national data set')}, rolled back afterwards; measured "
            f"{imported.get('date', result['date'])})",
            "",
            "| rows | file | read | check every row | import (checks again, one transaction) "
            "| total |",
            "|---:|---:|---:|---:|---:|---:|",
            f"| {imported['rows']:,} | {imported['bytes'] / 1024:.0f} KiB "
            f"| {imported['read_seconds']} s | {imported['preview_seconds']} s "
            f"| {imported['import_seconds']} s | {imported['total_seconds']} s |",
            "",
        ]
    lines += [
        "**Budgets (issue #7) in this run**",
        "",
        "| budget | met | this run |",
        "|---|---|---|",
    ]
    for v in result.get("verdicts", []):
        lines.append(f"| {v['budget']} | {'yes' if v['met'] else '**no**'} | {v['value']} |")
    return "\n".join(lines) + "\n"


def write_doc(result: dict, doc: Path) -> None:
    text = doc.read_text() if doc.exists() else f"# Performance\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text:
        text += f"\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    doc.write_text(f"{head}{BEGIN}\n{tables(result)}{END}{tail}")
