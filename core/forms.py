"""Helpers shared by the apps' forms and views."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.core.exceptions import ValidationError


def post_helper(
    *fields: Any, button: Any, action: str = "", form_id: str = "", css_class: str = "officer-form"
) -> FormHelper:
    """A crispy helper for a small POST form: its fields, then its button."""
    helper = FormHelper()
    helper.form_method = "post"
    helper.form_class = css_class
    if action:
        helper.form_action = action
    if form_id:
        helper.form_id = form_id
    helper.layout = Layout(*fields, button)
    return helper


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: next to the field it names where the form
    has that field, otherwise above the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
