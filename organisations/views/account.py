"""The user's own data: their name and language, what the portal holds about them (export) and
deleting the account.

Both are the data subject's rights under the GDPR (articles 15, 17 and 20). Deleting anonymises
the person (organisations.services.user_delete): the organisations' signed accessions stay, as
the organisations' records, with the signer's name and title as signed.
"""

from __future__ import annotations

import datetime
import json

from allauth.core import ratelimit
from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from core.account_forms import ProfileForm
from core.accounts import account_profile_update, set_language_cookie, user_language
from core.forms import add_service_errors

from .. import services
from ..models import Accession, Organisation, Representative

# Messages, reused by the tests.
WRONG_PASSWORD = _("The password is not correct. Nothing was deleted.")
TOO_MANY_ATTEMPTS = _("Too many attempts. Wait a minute and try again.")
ACCOUNT_DELETED = _(
    "Your account has been deleted. The accessions you signed remain as the organisations' records."
)
EXPORT_FILENAME = "mina-uppgifter.json"
PROFILE_SAVED = _("Your name and language have been saved.")


class DeleteAccountForm(forms.Form):
    """The person confirms the deletion with their password."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Type your password to confirm that you want to delete your account."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(WRONG_PASSWORD, code="wrong_password")
        return password


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@never_cache
def profile(request):
    """The person's name and the language of the portal's e-mail to them ("Name and language").

    Saving also switches the website to the chosen language (the language switch's cookie), so
    the page answers in the language the person just chose.
    """
    user = request.user
    if request.method != "POST":
        initial = {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "language": user_language(user),
        }
        form = ProfileForm(initial=initial)
        return render(request, "organisations/account/profile.html", {"form": form})
    form = ProfileForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            account_profile_update(
                user=user,
                first_name=data["first_name"],
                last_name=data["last_name"],
                language=data["language"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            with translation.override(data["language"]):
                messages.success(request, str(PROFILE_SAVED))
            response = redirect("organisations:profile")
            set_language_cookie(response, data["language"])
            return response
    return render(request, "organisations/account/profile.html", {"form": form}, status=400)


def _when(value: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(value) if value else None


def _summary(data: dict) -> dict:
    """The export, with dates as dates and codes as labels, for the page."""
    roles = dict(Representative.Role.choices)
    statuses = dict(Accession.Status.choices)
    account = data["account"]
    return {
        "account": {
            **account,
            "joined": _when(account["joined"]),
            "last_login": _when(account["last_login"]),
            "language": dict(settings.LANGUAGES).get(account["language"] or settings.LANGUAGE_CODE),
        },
        "representations": [
            {
                **r,
                "role": roles.get(r["role"], r["role"]),
                "since": _when(r["since"]),
                "removed": _when(r["removed"]),
            }
            for r in data["representations"]
        ],
        "signed_accessions": [
            {
                **a,
                "status": statuses.get(a["status"], a["status"]),
                "signed_at": _when(a["signed_at"]),
            }
            for a in data["signed_accessions"]
        ],
        "officer_roles": data["officer_roles"],
        "council_memberships": data["council_memberships"],
    }


@require_safe
@login_required
@never_cache
def my_data(request):
    """What the portal holds about the logged-in person, with the download and the deletion."""
    data = services.user_personal_data(user=request.user)
    return render(request, "organisations/account/my_data.html", {"data": _summary(data)})


@require_safe
@login_required
@never_cache
def my_data_json(request):
    """Everything the portal holds about the person, as a JSON file (GDPR art. 15 and 20)."""
    data = {
        "exported_at": timezone.now().isoformat(),
        **services.user_personal_data(user=request.user),
    }
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{EXPORT_FILENAME}"'
    return response


def _only_admin_of(user) -> list[Organisation]:
    """Organisations where this person is the only admin: they keep existing without one."""
    admins = Representative.objects.current().admins()
    mine = admins.filter(user=user).values("organisation_id")
    other_admins = admins.filter(organisation=OuterRef("pk")).exclude(user=user)
    return list(
        Organisation.objects.filter(pk__in=mine).exclude(Exists(other_admins)).order_by("name")
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@never_cache
def delete_account(request):
    """GET explains what deleting means; POST with the right password anonymises the account."""
    user = request.user
    status = 200
    if request.method == "POST":
        form = DeleteAccountForm(request.POST, user=user)
        if not ratelimit.consume(request, action="reauthenticate", user=user):
            form.is_valid()  # bind, so that the page can show the form again
            messages.error(request, TOO_MANY_ATTEMPTS)
            status = 429
        elif form.is_valid():
            services.user_delete(user=user)
            logout(request)
            messages.success(request, ACCOUNT_DELETED)
            return redirect("home")
        else:
            status = 400
    else:
        form = DeleteAccountForm(user=user)
    context = {
        "form": form,
        "only_admin_of": _only_admin_of(user),
        "signed_accessions": Accession.objects.filter(signed_by=user)
        .select_related("organisation", "agreement")
        .order_by("-signed_at"),
    }
    return render(request, "organisations/account/delete_account.html", context, status=status)
