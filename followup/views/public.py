"""Published evaluations, for everyone: the frozen evaluation's page, its PDF and Word file.

Only a published evaluation exists here: any other cycle, or a slug that does not match the
cycle's agreement, is 404. The page is drawn from the figures frozen at publication
(``pdf.evaluation_context`` uses them), so it never changes afterwards.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from core.pagecache import deferred, public_page, versioned

from ..models import Cycle, Evaluation
from ..pdf import evaluation_context
from ..word import CONTENT_TYPE, evaluation_docx, evaluation_docx_filename

# What the PDF's status means to a reader (the page and the status JSON say the same).
PDF_LABELS = {
    Evaluation.PdfStatus.NONE: _("No PDF has been made yet."),
    Evaluation.PdfStatus.QUEUED: _("The PDF is waiting to be made."),
    Evaluation.PdfStatus.RENDERING: _("The PDF is being made."),
    Evaluation.PdfStatus.READY: _("The PDF is ready."),
    Evaluation.PdfStatus.FAILED: _("The PDF could not be made."),
}
# What evaluation_context gives the page's body, besides the cycle, agreement and evaluation.
EVALUATION_CONTENT_NAMES = ("compiled", "charts", "version", "council_approvals", "collection")
PDF_PENDING = (Evaluation.PdfStatus.QUEUED, Evaluation.PdfStatus.RENDERING)


def pdf_state(evaluation: Evaluation | None) -> dict:
    """{status, label, url}: the PDF's status, what it means, and its address once it is ready."""
    status = evaluation.pdf_status if evaluation else Evaluation.PdfStatus.NONE
    if evaluation and evaluation.pdf_is_stuck:
        status = Evaluation.PdfStatus.FAILED  # its worker died: officers may try again
    url = ""
    if evaluation and status == Evaluation.PdfStatus.READY and evaluation.pdf:
        url = reverse(
            "followup:public-evaluation-pdf",
            kwargs={"slug": evaluation.cycle.agreement.slug, "pk": evaluation.cycle_id},
        )
    return {
        "status": str(status),
        "label": str(PDF_LABELS.get(status, status)),
        "url": url,
        "pending": status in PDF_PENDING,
    }


def _published(slug: str, pk: int) -> Cycle:
    # The frozen figures (a large JSON document) are read only when the page's body is rendered.
    return get_object_or_404(
        Cycle.objects.select_related("agreement__municipality", "version", "evaluation").defer(
            "evaluation__frozen_data"
        ),
        pk=pk,
        agreement__slug=slug,
        status=Cycle.Status.PUBLISHED,
        evaluation__published_at__isnull=False,
    )


@require_safe
@public_page
def evaluation(request, slug, pk):
    """A published evaluation, as it was frozen, with its PDF once that is ready."""
    cycle = _published(slug, pk)
    # The body is a cached fragment (templates/followup/public_evaluation.html): its figures
    # and charts are computed only when it is rendered.
    context = deferred(lambda: evaluation_context(cycle), EVALUATION_CONTENT_NAMES)
    context.update(
        cycle=cycle,
        agreement=cycle.agreement,
        evaluation=cycle.evaluation,
        pdf=pdf_state(cycle.evaluation),
    )
    return render(request, "followup/public_evaluation.html", context)


@require_safe
def evaluation_pdf(request, slug, pk):
    """The stored PDF of a published evaluation (404 until it is ready)."""
    cycle = _published(slug, pk)
    evaluation = cycle.evaluation
    if evaluation.pdf_status != Evaluation.PdfStatus.READY or not evaluation.pdf:
        raise Http404
    try:
        handle = evaluation.pdf.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    filename = f"{slugify(cycle.agreement.slug)}-{slugify(cycle.title) or cycle.pk}.pdf"
    return FileResponse(
        handle, as_attachment=True, filename=filename, content_type="application/pdf"
    )


@require_safe
def evaluation_word(request, slug, pk):
    """A published evaluation as a Word document, built from its frozen figures (always in
    Swedish) and kept in the cache for the public data's version, as the page's body is."""
    cycle = _published(slug, pk)
    data = versioned(f"evaluation-word:{cycle.pk}", lambda: evaluation_docx(cycle))
    response = HttpResponse(data, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{evaluation_docx_filename(cycle)}"'
    return response
