"""The evaluation as a Word document, for the council's and the board's own papers.

The same content, in the same order, as the evaluation's page and PDF
(templates/followup/includes/evaluation_content.html), drawn from the same compiled figures
(``pdf.compiled_for``: the frozen figures of a published evaluation, a fresh compilation of a
draft). Built with python-docx so that the document is tagged as Word tags it: built-in
"Heading 1–4" styles (the navigation pane and screen readers see the outline), tables with a
visible grid whose header row repeats on every page (``w:tblHeader``) and carries a caption,
the language sv-SE on the styles and the title, author and language in the core properties.
There are no charts: every figure the charts show is in a table.

Each section is one small function taking a ``WordParts``; ``SECTIONS`` lists them in the
document's order, so a section is added in one place.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import dateformat, timezone, translation
from django.utils.formats import number_format
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.table import Table

from .compile import CompiledEvaluation, ScoreSection, ScoreSummary
from .models import Cycle, Evaluation
from .pdf import compiled_for
from .selectors import CouncilApproval, approvals_of_the_text, collection_of

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LANGUAGE = "sv-SE"
TABLE_STYLE = "Table Grid"  # python-docx's default template: a single line round every cell


@dataclass
class WordParts:
    """What every section is written from: the document being built and the evaluation."""

    document: DocxDocument
    cycle: Cycle
    evaluation: Evaluation | None
    compiled: CompiledEvaluation
    approvals: list[CouncilApproval]


# --- Building blocks -----------------------------------------------------------------------------


def _heading(parts: WordParts, text: str, level: int) -> None:
    parts.document.add_heading(text, level=level)


def _paragraph(parts: WordParts, text: str, *, style: str | None = None) -> None:
    parts.document.add_paragraph(text, style=style)


def _note(parts: WordParts, text: str) -> None:
    """A line the page shows in grey (class "meta"): in Word, an italic paragraph."""
    parts.document.add_paragraph().add_run(text).italic = True


def _prose(parts: WordParts, text: str, missing: str) -> None:
    """An officer's text as the page's ``paragraphs`` filter shows it: blank-line separated
    paragraphs, lines starting "- " as a bulleted list; the missing text's note when empty."""
    if not text.strip():
        _note(parts, missing)
        return
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        buffer: list[str] = []
        for line in lines:
            if line.startswith("- "):
                if buffer:
                    _paragraph(parts, " ".join(buffer))
                    buffer = []
                _paragraph(parts, line[2:].strip(), style="List Bullet")
            else:
                buffer.append(line)
        if buffer:
            _paragraph(parts, " ".join(buffer))


def _fact(parts: WordParts, label: str, value: str) -> None:
    """One term of the page's list of facts (``<dt>``/``<dd>``): "Label: value", the label bold."""
    paragraph = parts.document.add_paragraph()
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(value)


def _mark_header_row(table: Table) -> None:
    """The first row is the table's header: repeated on every page and announced as headers."""
    row = table.rows[0]
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)
    for cell in row.cells:
        for run in cell.paragraphs[0].runs:
            run.bold = True


def _table(
    parts: WordParts, caption: str, headers: Sequence[str], rows: Sequence[Sequence[str]]
) -> Table:
    """A captioned table with a grid, its header row marked, its first column the rows' names."""
    parts.document.add_paragraph(caption, style="Caption")
    table = parts.document.add_table(rows=1, cols=len(headers))
    table.style = parts.document.styles[TABLE_STYLE]
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.paragraphs[0].add_run(text)
    for values in rows:
        cells = table.add_row().cells
        for index, (cell, text) in enumerate(zip(cells, values, strict=True)):
            run = cell.paragraphs[0].add_run(text)
            run.bold = index == 0
    _mark_header_row(table)
    tbl_pr = table._tbl.tblPr
    look = tbl_pr.find(qn("w:tblLook"))
    if look is None:
        look = OxmlElement("w:tblLook")
        tbl_pr.append(look)
    look.set(qn("w:firstRow"), "1")
    look.set(qn("w:firstColumn"), "1")
    # The table's alternative text title (Word: Table Properties > Alt Text), read aloud.
    title = OxmlElement("w:tblCaption")
    title.set(qn("w:val"), caption)
    tbl_pr.append(title)
    return table


def _decimal(value: float | None) -> str:
    return "–" if value is None else number_format(value, 1)


def _change(value: float | None) -> str:
    if value is None:
        return "–"
    return ("+" if value > 0 else "") + number_format(value, 1)


def _marker(compiled: CompiledEvaluation) -> str:
    return f"{compiled.marker} {_('Large difference')}"


def _date(value) -> str:
    """ "3 december 2026"; a moment on its local date, as the page's ``date`` filter shows it."""
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return dateformat.format(value, "j F Y")


# --- The sections, in the document's order --------------------------------------------------------


def title_section(parts: WordParts) -> None:
    cycle = parts.cycle
    title = cycle.title
    if cycle.kind == Cycle.Kind.FOLLOWUP:
        title = f"{_('Evaluation')}: {title}"
    _heading(parts, title, 1)
    _paragraph(parts, cycle.agreement.municipality.name)
    _paragraph(parts, f"{_('Agreement')}: {cycle.agreement.title}")
    evaluation = parts.evaluation
    if evaluation is not None and evaluation.decision_reference:
        _paragraph(
            parts,
            _("Reference number: %(number)s") % {"number": evaluation.decision_reference},
        )
    _paragraph(
        parts,
        f"{_('Period')}: {_date(cycle.period_start)} – {_date(cycle.period_end)}",
    )
    if evaluation is not None and evaluation.is_published:
        _paragraph(parts, _("Published %(date)s") % {"date": _date(evaluation.published_at)})
    else:
        _note(
            parts,
            _("Draft, not yet published. The cycle's status: %(status)s.")
            % {"status": cycle.get_status_display()},
        )


def summary_section(parts: WordParts) -> None:
    _heading(parts, _("Summary"), 2)
    _prose(
        parts,
        parts.evaluation.summary if parts.evaluation else "",
        _("The summary has not been written yet."),
    )


def method_section(parts: WordParts) -> None:
    """The page's "Method": the agreement and its reference numbers, the decision's, the period,
    how the reports were collected, and per group who reported and who did not."""
    cycle, evaluation = parts.cycle, parts.evaluation
    agreement, version = cycle.agreement, cycle.version
    collection = collection_of(cycle)
    _heading(parts, _("Method"), 2)
    text = agreement.title
    if version.title != agreement.title:
        text += f", {version.title}"
    if version.adopted_on:
        text += " (" + _("adopted %(date)s") % {"date": version.adopted_on_display} + ")"
    _fact(parts, _("Agreement"), text)
    if version.reference_numbers:
        _fact(
            parts,
            _("The agreement's reference numbers"),
            ", ".join(
                f"{ref['number']} ({ref['note']})" if ref.get("note") else ref["number"]
                for ref in version.reference_numbers
            ),
        )
    if evaluation is not None and evaluation.decision_reference:
        _fact(parts, _("Reference number of the decision"), evaluation.decision_reference)
    _fact(
        parts,
        _("Period followed up"),
        f"{_date(cycle.period_start)} – {_date(cycle.period_end)}",
    )
    _fact(
        parts,
        _("Reports collected"),
        f"{_date(collection.opened_on)} – {_date(collection.until)}",
    )
    how = [
        _(
            "Every signatory organisation, the municipality's boards, administrations and "
            "companies concerned and, where the cycle asked them, the council's members were "
            "asked by e-mail to report in the portal. Each group answered the questions meant "
            "for it: assessments on a scale from 1 to 5, numbers and free text. The figures "
            "below are compiled from the reports submitted while the cycle was open; a report "
            "not submitted is not counted."
        ),
        _("Reminders were sent on %(dates)s to those who had not submitted.")
        % {"dates": collection.reminded_on_text}
        if collection.reminded_on
        else _("No reminder was sent."),
    ]
    if collection.never_asked:
        how.append(
            ngettext(
                "One respondent had nobody to receive e-mail and was never asked.",
                "%(counter)s respondents had nobody to receive e-mail and were never asked.",
                collection.never_asked,
            )
            % {"counter": collection.never_asked}
        )
    _paragraph(parts, " ".join(how))
    for label, reported, missing, asked in parts.compiled.respondent_groups:
        _heading(parts, capfirst(label), 3)
        names = ", ".join(entry.name for entry in reported) or "–"
        counted = ngettext(
            "%(counter)s of %(asked)s reported:",
            "%(counter)s of %(asked)s reported:",
            len(reported),
        ) % {"counter": len(reported), "asked": asked}
        _paragraph(parts, f"{counted} {names}.")
        if missing:
            names = ", ".join(entry.name for entry in missing)
            _paragraph(parts, f"{_('Did not report:')} {names}.")


def rates_section(parts: WordParts) -> None:
    _heading(parts, _("Response rates"), 2)
    rates = parts.compiled.rates
    if not rates:
        _note(parts, _("No one was asked to report in this cycle."))
        return
    _table(
        parts,
        _("Reports asked for and submitted, per group of respondents"),
        [_("Respondents"), _("Asked"), _("Submitted"), _("Response rate")],
        [
            [
                capfirst(rate.label),
                str(rate.invited),
                str(rate.submitted),
                f"{number_format(rate.rate)} %",
            ]
            for rate in rates
        ],
    )


def _score_title(score: ScoreSummary) -> str:
    if score.kind == "commitment":
        return f"{_('Commitment')}: {score.title}"
    return score.title


def _parties_table(parts: WordParts, section: ScoreSection) -> None:
    """Each question with every group's mean side by side, all together, the change and,
    where both parties were asked, their difference with the marker in words."""
    compiled = parts.compiled
    headers = [_("Question")]
    headers += [capfirst(label) for label in section.group_labels]
    headers += [_("All respondents"), _("Change")]
    if section.compares_sides:
        headers.append(_("Difference between the parties"))
    rows = []
    for score, cells in section.rows:
        row = [_score_title(score)]
        row += [cell.mean_text if cell else _("not asked") for _label, cell in cells]
        row += [score.mean_text, _change(score.change)]
        if section.compares_sides:
            if score.gap is None:
                row.append("–")
            elif score.sides_differ:
                row.append(f"{score.gap_text} {_marker(compiled)}")
            else:
                row.append(score.gap_text)
        rows.append(row)
    _table(
        parts,
        _("Mean (number of answers) per group and of all respondents, with the change"),
        headers,
        rows,
    )


def _distribution_table(parts: WordParts, section: ScoreSection) -> None:
    headers = [_("Question"), "1", "2", "3", "4", "5", _("Don't know"), _("Answers"), _("Mean")]
    rows = [
        [_score_title(score)]
        + [str(score.distribution.get(step, 0)) for step in ("1", "2", "3", "4", "5", "na")]
        + [str(score.n), _decimal(score.mean)]
        for score in section.scores
    ]
    _table(parts, _("How all respondents answered, step by step"), headers, rows)


def scores_section(parts: WordParts) -> None:
    compiled = parts.compiled
    _heading(parts, _("Self-assessments (1–5)"), 2)
    intro = _(
        "Respondents assessed on a scale from 1 (not at all) to 5 (fully) how well the "
        "collaboration lived up to each principle and how well they kept their commitments, and "
        "answered the other questions on the same scale."
    )
    if compiled.previous_title:
        intro += " " + _("The change is compared with %(previous)s.") % {
            "previous": compiled.previous_title
        }
    _paragraph(parts, intro)
    if not compiled.scores:
        _note(parts, _("No questions on the scale were asked in this cycle."))
        return
    _paragraph(
        parts,
        _(
            "Each question is shown for all respondents together and for each group that was "
            "asked: the signatory organisations, the municipality's boards, administrations and "
            "companies and, where they were asked, the council's members. Where the "
            "organisations' and the units' means differ by %(threshold)s scale steps or more, "
            "the question is marked “%(marker)s Large difference”."
        )
        % {"threshold": compiled.gap_threshold_text, "marker": compiled.marker},
    )
    _paragraph(
        parts,
        _(
            "This Word version shows every figure as a table; the charts are on the web page "
            "and in the PDF."
        ),
    )
    differing = compiled.differing_scores
    if differing:
        _paragraph(
            parts,
            ngettext(
                "The parties' means differ by %(threshold)s or more on %(counter)s question:",
                "The parties' means differ by %(threshold)s or more on %(counter)s questions:",
                len(differing),
            )
            % {"threshold": compiled.gap_threshold_text, "counter": len(differing)},
        )
        for score in differing:
            _paragraph(parts, f"{score.title} – {score.gap_text}", style="List Bullet")
    elif compiled.schema > 1:
        _paragraph(
            parts,
            _("On no question do the parties' means differ by %(threshold)s or more.")
            % {"threshold": compiled.gap_threshold_text},
        )
    for section in compiled.score_sections:
        _heading(parts, section.title, 3)
        if len(section.groups) == 1:
            _note(
                parts,
                _("The questions of this section were asked of %(group)s only.")
                % {"group": section.group_labels[0]},
            )
        _parties_table(parts, section)
        _distribution_table(parts, section)


def texts_section(parts: WordParts) -> None:
    compiled = parts.compiled
    _heading(parts, _("What the respondents wrote"), 2)
    if compiled.texts:
        if compiled.anonymised:
            intro = _(
                "Every answer in words, comment and example is shown under the question it "
                "answers, without the respondent's name. List answers are merged: an item named "
                "by several respondents is shown once, with how many named it."
            )
        else:
            intro = _(
                "Every answer in words, comment and example is shown under the question it "
                "answers, with who wrote it. List answers are merged: an item named by several "
                "respondents is shown once, with how many named it."
            )
        _paragraph(parts, intro)
    sections = compiled.text_sections
    if not sections:
        _note(parts, _("No free-text answers were given."))
    for section in sections:
        _heading(parts, section.title, 3)
        for item in section.questions:
            _heading(parts, item.question, 4)
            if item.shows_base and item.asked:
                _note(
                    parts,
                    ngettext(
                        "Answered by %(answered)s of %(counter)s respondent asked.",
                        "Answered by %(answered)s of %(counter)s respondents asked.",
                        item.asked,
                    )
                    % {"answered": item.answered, "counter": item.asked},
                )
            for entry in item.entries:
                text = f"{entry.text} ({entry.count})"
                if entry.respondents:
                    text += " – " + ", ".join(entry.respondents)
                _paragraph(parts, text, style="List Bullet")
            for answer in item.answers:
                label = f"{answer.kind_label}: " if answer.kind_label else ""
                _paragraph(parts, f"{label}{answer.text} – {answer.by}", style="List Bullet")
            if not item.entries and not item.answers:
                _note(parts, _("No one has answered this question."))


def counts_section(parts: WordParts) -> None:
    compiled = parts.compiled
    _heading(parts, _("Figures for the period"), 2)
    rows = [
        [
            count.question,
            "–" if count.total is None else number_format(count.total, force_grouping=True),
            count.base_text if count.groups else "–",
        ]
        for count in compiled.counts
    ]
    rows += [
        [
            figure.label,
            number_format(figure.value, force_grouping=True),
            _("the register of signatories"),
        ]
        for figure in compiled.register
    ]
    _table(
        parts,
        _("Counts for %(period)s, with what each is based on") % {"period": compiled.period},
        [_("What"), _("Number"), _("Based on")],
        rows,
    )
    if compiled.partial_counts:
        _note(
            parts,
            _(
                "Where not everyone asked has answered, the number is the sum of the answers "
                "given: it counts only those who answered."
            ),
        )


def conclusions_section(parts: WordParts) -> None:
    _heading(parts, _("Conclusions"), 2)
    _prose(
        parts,
        parts.evaluation.conclusions if parts.evaluation else "",
        _("The conclusions have not been written yet."),
    )


def recommendations_section(parts: WordParts) -> None:
    _heading(parts, _("Recommendations"), 2)
    _prose(
        parts,
        parts.evaluation.recommendations if parts.evaluation else "",
        _("The recommendations have not been written yet."),
    )


def approval_section(parts: WordParts) -> None:
    """The page's "The council's approval": who approved the text as it stands, and when."""
    _heading(parts, _("The council's approval"), 2)
    if not parts.approvals:
        _note(parts, _("No member of the council has approved this version of the text yet."))
        return
    evaluation = parts.evaluation
    if evaluation is not None and evaluation.published_at:
        intro = _(
            "The council approved this text, and it was published on %(date)s. Approved by:"
        ) % {"date": _date(evaluation.published_at)}
    else:
        intro = _("This version of the text has been approved by:")
    _paragraph(parts, intro)
    for approval in parts.approvals:
        text = approval.name
        if approval.side:
            text += ", " + _("for %(side)s") % {"side": approval.side}
        _paragraph(parts, f"{text}, {_date(approval.approved_at)}", style="List Bullet")


# The document's sections, in order, as the page and the PDF have them
# (templates/followup/includes/evaluation_content.html). A new section is a function taking
# WordParts, listed here where it belongs.
SECTIONS: list[Callable[[WordParts], None]] = [
    title_section,
    summary_section,
    method_section,
    rates_section,
    scores_section,
    texts_section,
    counts_section,
    conclusions_section,
    recommendations_section,
    approval_section,
]


# --- The document ---------------------------------------------------------------------------------


def _set_language(document: DocxDocument) -> None:
    """sv-SE on the document's default run properties and every style that names a language,
    so that Word's spelling and a screen reader's voice are Swedish."""
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    r_pr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for element in [r_pr, *styles.iter(qn("w:rPr"))]:
        lang = element.find(qn("w:lang"))
        if lang is None:
            if element is not r_pr:
                continue
            lang = OxmlElement("w:lang")
            element.append(lang)
        lang.set(qn("w:val"), LANGUAGE)


def evaluation_docx(cycle: Cycle) -> bytes:
    """The evaluation of ``cycle`` as .docx bytes, in Swedish whoever asks (as the PDF is)."""
    with translation.override("sv"):
        document = Document()
        evaluation = getattr(cycle, "evaluation", None)
        parts = WordParts(
            document=document,
            cycle=cycle,
            evaluation=evaluation,
            compiled=compiled_for(cycle),
            approvals=approvals_of_the_text(evaluation) if evaluation is not None else [],
        )
        for section in SECTIONS:
            section(parts)
        _set_language(document)
        properties = document.core_properties
        properties.title = f"{cycle.title} – {cycle.agreement.title}"
        properties.subject = cycle.agreement.title
        properties.author = str(settings.PORTAL_NAME)
        properties.language = LANGUAGE
        properties.last_modified_by = str(settings.PORTAL_NAME)
        properties.comments = ""  # the template's "generated by python-docx"
        # The template's own dates are python-docx's; the file's are its evaluation's.
        published = evaluation.published_at if evaluation is not None else None
        properties.created = published or timezone.now()
        properties.modified = published or timezone.now()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def evaluation_docx_filename(cycle: Cycle) -> str:
    """ "utvardering-boras-2024-2025.docx": the agreement and the period."""
    start, end = cycle.period_start.year, cycle.period_end.year
    period = str(start) if start == end else f"{start}-{end}"
    return f"utvardering-{slugify(cycle.agreement.slug)}-{period}.docx"
