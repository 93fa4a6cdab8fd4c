"""What add_officer and add_council_member share."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse


def next_steps(email: str) -> str:
    reset = settings.PORTAL_BASE_URL.rstrip("/") + reverse("account_reset_password")
    return (
        f"A new account without a password was made for {email}. Ask them to set a password at "
        f'{reset} ("Forgot your password?") and then to add two-factor authentication, which '
        "their pages require."
    )


def validation_message(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)
