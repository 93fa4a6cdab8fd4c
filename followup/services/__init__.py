"""Writes to the follow-up app, a module per topic:

- ``cycles``: a cycle proposed from the agreement's cadence, created, changed, its reminder
  schedule set, scheduled to open or opened now, its deadline moved, closed, a draft deleted;
- ``schedule``: the daily run of the task worker: scheduled cycles opened on their date, late
  invitations, the reminders whose day has come;
- ``respondents``: somebody added to receive a unit's mail;
- ``questionnaire``: the questions generated from the agreement, and the officers' edits;
- ``notifications``: invitations, reminders, the notices of a moved deadline and of the
  closing, by e-mail, counted only when really queued to an address;
- ``reports``: drafts and submissions (with an optimistic lock), reopening;
- ``evaluation``: the officers' narrative, the council's review, publishing, the PDF;
- ``history``: the CycleEvent each step writes; ``messages``: the refusals' texts.

Every function is keyword-only, checks the state it needs and writes inside one transaction.
The person acting is always ``actor``; each step of a cycle's life (created, changed, opened,
deadline moved, closed, the evaluation edited, reviewed, published...) is recorded as a
CycleEvent in the transaction of the change, so a change that fails leaves no event and an event
never describes a change that did not happen.

Callers use the package (``from followup import services``; ``services.cycle_open(...)``): the
names below are its interface, whichever module defines them.
"""

from __future__ import annotations

from core.errors import ActionRefused

from .cycles import (
    CYCLE_SETTINGS,
    DEADLINE_MOVE_MAX_DAYS,
    DEFAULT_REMINDER_DAYS,
    MAX_REMINDERS,
    RULE_KINDS,
    CycleProposal,
    check_reminders,
    cycle_close,
    cycle_create,
    cycle_delete,
    cycle_move_deadline,
    cycle_open,
    cycle_open_scheduled,
    cycle_proposal,
    cycle_reminder_days,
    cycle_schedule,
    cycle_set_reminders,
    cycle_unschedule,
    cycle_update,
)
from .evaluation import (
    PDF_STUCK_ERROR,
    evaluation_approve,
    evaluation_comment,
    evaluation_fail_stuck_pdfs,
    evaluation_is_approved,
    evaluation_publish,
    evaluation_queue_pdf_task,
    evaluation_record,
    evaluation_retry_pdf,
    evaluation_send_to_council,
    evaluation_sides_waiting,
    evaluation_update,
)
from .messages import (
    CYCLE_ALREADY_OPENED,
    CYCLE_EXISTS,
    CYCLE_NOT_DELETABLE,
    CYCLE_NOT_DRAFT,
    CYCLE_NOT_OPEN,
    CYCLE_NOT_OPEN_TO_CLOSE,
    CYCLE_NOT_SCHEDULED,
    DEADLINE_PASSED,
    DEADLINE_PASSED_BEFORE_OPENING,
    EVALUATION_NOT_IN_REVIEW,
    EVALUATION_NOT_STARTED,
    EVALUATION_PUBLISHED,
    NO_CADENCE,
    NO_QUESTIONS,
    NOT_A_COUNCIL_MEMBER,
    NOT_A_NUMBER,
    NOT_APPROVED,
    OPENS_NOT_IN_FUTURE,
    REASON_REQUIRED,
    RECIPIENT_EXISTS,
    RECIPIENT_NOT_NOW,
    REMINDER_BEFORE_OPENING,
    REMINDER_IN_THE_PAST,
    REMINDER_NOT_BEFORE_DEADLINE,
    REMINDER_TOO_FAR,
    REMINDERS_NOT_NUMBERS,
    REMINDERS_OF_A_DRAFT,
    REPORT_LOCKED,
    REPORT_NOT_SUBMITTED,
    SCORE_OUT_OF_SCALE,
    STALE_REPORT,
    TOO_MANY_REMINDERS,
)
from .notifications import (
    Mailed,
    cycle_send_closed,
    cycle_send_deadline_moved,
    cycle_send_due_reminders,
    cycle_send_invitations,
    cycle_send_reminders,
    report_invite,
    report_recipients,
)
from .questionnaire import (
    AREA_GROUPS,
    PARTY_GROUPS,
    question_delete,
    question_save,
    questions_from_agreement,
)
from .reports import (
    AnswerChange,
    AnswerInput,
    AnswerValues,
    StaleReport,
    report_reopen,
    report_save,
    report_snapshot,
)
from .respondents import RecipientAdded, unit_recipient_add
from .schedule import ScheduleRun, cycle_run_schedule

__all__ = [
    "AREA_GROUPS",
    "CYCLE_ALREADY_OPENED",
    "CYCLE_EXISTS",
    "CYCLE_NOT_DELETABLE",
    "CYCLE_NOT_DRAFT",
    "CYCLE_NOT_OPEN",
    "CYCLE_NOT_OPEN_TO_CLOSE",
    "CYCLE_NOT_SCHEDULED",
    "CYCLE_SETTINGS",
    "DEADLINE_MOVE_MAX_DAYS",
    "DEADLINE_PASSED",
    "DEADLINE_PASSED_BEFORE_OPENING",
    "DEFAULT_REMINDER_DAYS",
    "EVALUATION_NOT_IN_REVIEW",
    "EVALUATION_NOT_STARTED",
    "EVALUATION_PUBLISHED",
    "MAX_REMINDERS",
    "NOT_APPROVED",
    "NOT_A_COUNCIL_MEMBER",
    "NOT_A_NUMBER",
    "NO_CADENCE",
    "NO_QUESTIONS",
    "OPENS_NOT_IN_FUTURE",
    "PARTY_GROUPS",
    "PDF_STUCK_ERROR",
    "REASON_REQUIRED",
    "RECIPIENT_EXISTS",
    "RECIPIENT_NOT_NOW",
    "REMINDERS_NOT_NUMBERS",
    "REMINDERS_OF_A_DRAFT",
    "REMINDER_BEFORE_OPENING",
    "REMINDER_IN_THE_PAST",
    "REMINDER_NOT_BEFORE_DEADLINE",
    "REMINDER_TOO_FAR",
    "REPORT_LOCKED",
    "REPORT_NOT_SUBMITTED",
    "RULE_KINDS",
    "SCORE_OUT_OF_SCALE",
    "STALE_REPORT",
    "TOO_MANY_REMINDERS",
    "ActionRefused",
    "AnswerChange",
    "AnswerInput",
    "AnswerValues",
    "CycleProposal",
    "Mailed",
    "RecipientAdded",
    "ScheduleRun",
    "StaleReport",
    "check_reminders",
    "cycle_close",
    "cycle_create",
    "cycle_delete",
    "cycle_move_deadline",
    "cycle_open",
    "cycle_open_scheduled",
    "cycle_proposal",
    "cycle_reminder_days",
    "cycle_run_schedule",
    "cycle_schedule",
    "cycle_send_closed",
    "cycle_send_deadline_moved",
    "cycle_send_due_reminders",
    "cycle_send_invitations",
    "cycle_send_reminders",
    "cycle_set_reminders",
    "cycle_unschedule",
    "cycle_update",
    "evaluation_approve",
    "evaluation_comment",
    "evaluation_fail_stuck_pdfs",
    "evaluation_is_approved",
    "evaluation_publish",
    "evaluation_queue_pdf_task",
    "evaluation_record",
    "evaluation_retry_pdf",
    "evaluation_send_to_council",
    "evaluation_sides_waiting",
    "evaluation_update",
    "question_delete",
    "question_save",
    "questions_from_agreement",
    "report_invite",
    "report_recipients",
    "report_reopen",
    "report_save",
    "report_snapshot",
    "unit_recipient_add",
]
