"""Swedish organisation numbers: NNNNNN-NNNN with a Luhn check digit."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ORGANISATION_NUMBER_FORMAT = _(
    "Write the organisation number as ten digits, NNNNNN-NNNN (for example 802412-3456)."
)
ORGANISATION_NUMBER_CHECK_DIGIT = _(
    "The organisation number is not valid: its last digit does not match the others. "
    "Check it against the registration certificate."
)

_PATTERN = re.compile(r"^(\d{6})-?(\d{4})$")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def normalise_organisation_number(value: str) -> str:
    """Return the number as NNNNNN-NNNN, or raise ValidationError with a message for the field."""
    match = _PATTERN.match((value or "").strip().replace(" ", ""))
    if not match:
        raise ValidationError(ORGANISATION_NUMBER_FORMAT, code="format")
    digits = match.group(1) + match.group(2)
    if not luhn_valid(digits):
        raise ValidationError(ORGANISATION_NUMBER_CHECK_DIGIT, code="check_digit")
    return f"{match.group(1)}-{match.group(2)}"


def validate_organisation_number(value: str) -> None:
    normalise_organisation_number(value)
