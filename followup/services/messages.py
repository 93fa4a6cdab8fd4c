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
