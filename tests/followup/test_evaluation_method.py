"""The evaluation's method says how the reports were really collected (issue 16, item 6): until
the day the cycle closed when it closed before its deadline, the days reminders reached
somebody, and how many respondents nobody could be asked for; the same in the Word file."""

import datetime
import io

import pytest
from django.template.loader import render_to_string
from django.utils import dateformat, timezone, translation
from docx import Document

from followup import services
from followup.pdf import evaluation_context
from followup.selectors import collection_of
from followup.word import evaluation_docx
from tests.factories import OrganisationFactory, RepresentativeFactory, with_mfa
from tests.followup.worlds import open_cycle_with_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(django_capture_on_commit_callbacks):
    cycle = open_cycle_with_report(django_capture_on_commit_callbacks)
    officer = with_mfa(cycle.created_by)
    # A respondent nobody can be asked for: an organisation without representatives, its
    # report added as the cycle's opening would have.
    lonely = OrganisationFactory(name="Föreningen Utan Företrädare")
    cycle.reports.create(organisation=lonely, group="organisations")
    # And one that was asked and has not submitted: the reminder reaches its representative.
    late = RepresentativeFactory().organisation
    cycle.reports.create(organisation=late, group="organisations", invited_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        services.cycle_send_reminders(cycle=cycle, actor=officer)
    services.cycle_close(cycle=cycle, actor=officer)
    services.evaluation_update(
        cycle=cycle, actor=officer, summary="Bra.", conclusions="", recommendations=""
    )
    cycle.refresh_from_db()
    return cycle


def test_the_method_tells_how_the_reports_were_really_collected(closed):
    today = timezone.localdate()
    assert closed.deadline > today  # closed before its deadline
    collection = collection_of(closed)
    assert collection.until == today
    assert collection.never_asked == 1
    with translation.override("sv"):
        html = render_to_string(
            "followup/includes/evaluation_content.html", evaluation_context(closed)
        )
    with translation.override("sv"):
        day = dateformat.format(today, "j F Y")  # "3 december 2026"
    assert f"– {day}</dd>" in html  # the day it closed, not the deadline
    assert f"Påminnelser skickades den {day} till dem som inte hade skickat in." in html
    assert "En svarande saknade någon som kunde ta emot e-post och tillfrågades aldrig." in html


def test_no_reminder_is_said_when_none_was_sent(django_capture_on_commit_callbacks):
    cycle = open_cycle_with_report(django_capture_on_commit_callbacks)
    services.cycle_close(cycle=cycle, actor=cycle.created_by)
    assert collection_of(cycle).reminded_on == []
    with translation.override("sv"):
        html = render_to_string(
            "followup/includes/evaluation_content.html", evaluation_context(cycle)
        )
    assert "Ingen påminnelse skickades." in html


def test_the_word_file_says_the_same(closed):
    with translation.override("en"):  # the file is Swedish whoever asks for it
        data = evaluation_docx(closed)
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "Påminnelser skickades den " in text
    assert "En svarande saknade någon som kunde ta emot e-post och tillfrågades aldrig." in text
    assert isinstance(collection_of(closed).opened_on, datetime.date)
