"""Writes to the follow-up app, a module per topic:

- ``cycles``: a cycle proposed from the agreement's cadence, created, changed, opened, its
  deadline moved, closed;
- ``questionnaire``: the questions generated from the agreement, and the officers' edits;
- ``notifications``: invitations, reminders and the notice of a moved deadline, by e-mail;
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
    RULE_KINDS,
    CycleProposal,
    cycle_close,
    cycle_create,
    cycle_move_deadline,
    cycle_open,
    cycle_proposal,
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
    evaluation_retry_pdf,
    evaluation_send_to_council,
    evaluation_sides_waiting,
    evaluation_update,
)
from .messages import (
    CYCLE_EXISTS,
    CYCLE_NOT_DRAFT,
    CYCLE_NOT_OPEN,
    DEADLINE_PASSED,
    EVALUATION_NOT_IN_REVIEW,
    EVALUATION_NOT_STARTED,
    EVALUATION_PUBLISHED,
    NO_CADENCE,
    NOT_A_COUNCIL_MEMBER,
    NOT_A_NUMBER,
    NOT_APPROVED,
    REASON_REQUIRED,
    REPORT_LOCKED,
    REPORT_NOT_SUBMITTED,
    SCORE_OUT_OF_SCALE,
    STALE_REPORT,
)
from .notifications import (
    cycle_send_deadline_moved,
    cycle_send_invitations,
    cycle_send_reminders,
    report_recipients,
    schedule_reminders,
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

__all__ = [
    "AREA_GROUPS",
    "CYCLE_EXISTS",
    "CYCLE_NOT_DRAFT",
    "CYCLE_NOT_OPEN",
    "CYCLE_SETTINGS",
    "DEADLINE_MOVE_MAX_DAYS",
    "DEADLINE_PASSED",
    "EVALUATION_NOT_IN_REVIEW",
    "EVALUATION_NOT_STARTED",
    "EVALUATION_PUBLISHED",
    "NOT_APPROVED",
    "NOT_A_COUNCIL_MEMBER",
    "NOT_A_NUMBER",
    "NO_CADENCE",
    "PARTY_GROUPS",
    "PDF_STUCK_ERROR",
    "REASON_REQUIRED",
    "REPORT_LOCKED",
    "REPORT_NOT_SUBMITTED",
    "RULE_KINDS",
    "SCORE_OUT_OF_SCALE",
    "STALE_REPORT",
    "ActionRefused",
    "AnswerChange",
    "AnswerInput",
    "AnswerValues",
    "CycleProposal",
    "StaleReport",
    "cycle_close",
    "cycle_create",
    "cycle_move_deadline",
    "cycle_open",
    "cycle_proposal",
    "cycle_send_deadline_moved",
    "cycle_send_invitations",
    "cycle_send_reminders",
    "cycle_update",
    "evaluation_approve",
    "evaluation_comment",
    "evaluation_fail_stuck_pdfs",
    "evaluation_is_approved",
    "evaluation_publish",
    "evaluation_queue_pdf_task",
    "evaluation_retry_pdf",
    "evaluation_send_to_council",
    "evaluation_sides_waiting",
    "evaluation_update",
    "question_delete",
    "question_save",
    "questions_from_agreement",
    "report_recipients",
    "report_reopen",
    "report_save",
    "report_snapshot",
    "schedule_reminders",
]
