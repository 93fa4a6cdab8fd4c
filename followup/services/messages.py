"""The follow-up services' refusals and errors, as lazily translated constants.

One module for every topic's texts: the views show them, the tests compare with them, and one
text (the cycle not being a draft, or not open) is shared by several topics.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

CYCLE_NOT_DRAFT = _("The cycle can only be changed while it is a draft.")
CYCLE_NOT_OPEN = _("The cycle is not open for reports.")
DEADLINE_PASSED = _("The deadline for this cycle has passed.")
REPORT_LOCKED = _("The report has been submitted and is locked.")
REPORT_NOT_SUBMITTED = _("Only a submitted report can be reopened.")
REASON_REQUIRED = _("Give a reason.")
STALE_REPORT = _(
    "Someone else saved this report after you opened it. Your changes were not saved: "
    "compare them with the changes below, then save again."
)
SCORE_OUT_OF_SCALE = _("Choose a value from 1 to 5, or “don't know / not applicable”.")
NOT_A_NUMBER = _("Give a whole number, 0 or more.")
EVALUATION_PUBLISHED = _("The evaluation has been published and can no longer be changed.")
EVALUATION_NOT_IN_REVIEW = _("The evaluation is not in review.")
EVALUATION_NOT_STARTED = _("The evaluation can be written once the cycle has closed.")
NOT_A_COUNCIL_MEMBER = _("Only members of the agreement's council can do this.")
NOT_APPROVED = _("The council has not approved the evaluation yet.")
NO_CADENCE = _("The agreement says nothing about how often it is followed up.")
CYCLE_EXISTS = _("There is already a cycle of this kind for this period.")

# The cycle's life: scheduling, opening, closing, deleting.
CYCLE_ALREADY_OPENED = _("The cycle has already been opened: a cycle is opened only once.")
CYCLE_NOT_SCHEDULED = _("The cycle is not scheduled to open.")
OPENS_NOT_IN_FUTURE = _(
    "The cycle's opening date, %(date)s, is not in the future: open the cycle now instead."
)
DEADLINE_PASSED_BEFORE_OPENING = _(
    "The deadline, %(date)s, has passed: change it in the cycle's settings before opening."
)
NO_QUESTIONS = _("Add at least one question before opening the cycle.")
CYCLE_NOT_OPEN_TO_CLOSE = _("Only an open cycle can be closed, and this cycle is not open.")
CYCLE_NOT_DELETABLE = _(
    "An opened cycle can never be deleted: its reports and its history are kept. Only a draft "
    "or a scheduled cycle that has not opened can be deleted."
)

# The reminder schedule.
REMINDERS_NOT_NUMBERS = _(
    "Write the reminders as whole numbers of days before the deadline, separated by commas, "
    "for example 14, 3."
)
REMINDER_NOT_BEFORE_DEADLINE = _(
    "A reminder must come at least one day before the deadline, %(date)s: a reminder on or "
    "after the deadline is too late."
)
REMINDER_TOO_FAR = _("A reminder can come at most 365 days before the deadline.")
REMINDER_IN_THE_PAST = _("The reminder on %(date)s would be in the past.")
REMINDER_BEFORE_OPENING = _(
    "The reminder on %(date)s would come before the respondents are invited on %(opens)s: a "
    "reminder must come after that day."
)
TOO_MANY_REMINDERS = _("Plan at most %(max)s reminders.")
REMINDERS_OF_A_DRAFT = _("Change a draft's reminders in its settings (Edit the cycle).")

# Recipients added from the cycle's page.
RECIPIENT_EXISTS = _("%(email)s already receives the mail of %(unit)s.")
RECIPIENT_NOT_NOW = _(
    "Recipients can be added from the cycle's page while it is a draft, scheduled or open."
)
