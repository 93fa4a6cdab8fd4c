"""Render the largest evaluation PDF as the task worker does, and report time and peak memory.

    python -m bench.pdf_weasyprint CYCLE_ID OUT_DIR

Runs in a process of its own (bench/run.py starts one per round) so that its peak memory is the
render's. WeasyPrint is imported before the clock starts, as it is in a running worker. Also
writes the same HTML, with static files as file:// addresses, for Chromium.
"""

import json
import os
import resource
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

import weasyprint  # noqa: E402, F401
from django.conf import settings  # noqa: E402

from core.pdf import PDF_BASE_URL, render_pdf_html  # noqa: E402
from followup.models import Cycle  # noqa: E402
from followup.pdf import evaluation_context, evaluation_pdf_bytes  # noqa: E402


def main() -> None:
    cycle_id, out_dir = int(sys.argv[1]), Path(sys.argv[2])
    cycle = Cycle.objects.select_related("agreement__municipality", "evaluation").get(pk=cycle_id)
    started = time.perf_counter()
    pdf = evaluation_pdf_bytes(cycle.evaluation)
    seconds = time.perf_counter() - started
    (out_dir / "weasyprint.pdf").write_bytes(pdf)
    html = render_pdf_html("followup/evaluation_pdf.html", evaluation_context(cycle))
    static = Path(settings.STATIC_ROOT).as_uri() + "/"
    html = html.replace(PDF_BASE_URL + "static/", static).replace('"/static/', f'"{static}')
    (out_dir / "evaluation.html").write_text(html)
    from pypdf import PdfReader

    pages = len(PdfReader(out_dir / "weasyprint.pdf").pages)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mib": peak, "pages": pages, "bytes": len(pdf)}))


if __name__ == "__main__":
    main()
