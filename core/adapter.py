"""allauth's e-mail through the portal's stored, retried queue (``ACCOUNT_ADAPTER``).

allauth sends its messages (address confirmation, password reset, the notices of changed
passwords, addresses and two-factor settings) from inside the request. Here each is rendered as
allauth renders it and stored as an ``OutgoingMail`` (core/mail.py), which the task worker
sends after the commit and retries with back-off: a mail server that is down no longer turns a
sign-up or a reset into an error page, and the message is delivered once the server is back.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from .accounts import active_language, mail_languages, set_language_cookie, stored_language
from .mail import mail_queue

# Notices that carry no secret (they say what changed, when and from which address). Every other
# message of allauth's holds a confirmation or reset link or a code, or may in a later version,
# so it is sensitive unless named here: never shown in the admin, blanked once sent.
NOTICES = frozenset(
    {
        "account/email/email_changed",
        "account/email/email_deleted",
        "account/email/password_changed",
        "account/email/password_reset",
        "account/email/password_set",
        "mfa/email/recovery_codes_generated",
        "mfa/email/totp_activated",
        "mfa/email/totp_deactivated",
        "mfa/email/webauthn_added",
        "mfa/email/webauthn_removed",
    }
)


def _site(request):
    """The site named in the message ("Hej från …"): the portal's name, never a host name, and
    the request's host (as allauth does) or, for a message sent after the request has ended
    (allauth sends some once the transaction commits), the host of ``PORTAL_BASE_URL``."""
    host = get_current_site(request).domain if request is not None else ""
    return SimpleNamespace(
        domain=host or urlsplit(settings.PORTAL_BASE_URL).netloc, name=str(settings.PORTAL_NAME)
    )


def user_display(user) -> str:
    """How allauth names a person (``ACCOUNT_USER_DISPLAY``): their name, else their e-mail
    address; never the username allauth generated for them."""
    return user.get_full_name() or user.email or str(user)


class AccountAdapter(DefaultAccountAdapter):
    def unstash_verified_email(self, request: HttpRequest) -> str | None:
        """An address known to be the visitor's (an invitation's, stashed when its link was
        followed) counts only if it is the one they sign up with (``is_email_verified``).

        allauth would add it to the new account as a verified, primary address even when the
        person typed another one; then the account would have an address its owner never chose.
        """
        return None

    def post_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse:
        """Log in as allauth does; a browser that never chose a language (no language cookie)
        takes the language stored with the account, so a person who reads English finds the
        site in English wherever they log in. A choice made in this browser is left alone."""
        response = super().post_login(request, user, **kwargs)
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            language = stored_language(user)
            if language is not None and language != translation.get_language():
                set_language_cookie(response, language)
        return response

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render the message as allauth does, in the recipient's language, and queue it.

        The language is the one of the account the address belongs to (Swedish for an account
        that never chose one), not the language of whoever asked: a reset can be asked for
        someone else's address. A message to an address with no account (allauth's "no account
        with this address" reply) is in the language of the page it was asked from.
        """
        request = allauth_context.request
        language = mail_languages([email]).get(email) or active_language()
        with translation.override(language):
            ctx = {"request": request, "email": email, "current_site": _site(request)}
            ctx.update(context)
            message = self.render_mail(template_prefix, email, ctx)
            subject, body = str(message.subject), str(message.body)
        mail_queue(
            recipients=list(message.to),
            subject=subject,
            body=body,
            template=template_prefix,
            sensitive=template_prefix not in NOTICES,
            language=language,
        )
