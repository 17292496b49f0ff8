"""The login form with throttling: a locked name is refused before the password is checked."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext as _

from cxray.web.security.client import client_ip
from cxray.web.security.lockout import (
    login_failure_record,
    login_lock_get,
    login_success_record,
)


class ThrottledAuthenticationForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request is not None else "-"
        lock = login_lock_get(username=username, ip=ip)
        if lock is not None:
            # Refused without checking the password, so guessing gains nothing while locked.
            raise forms.ValidationError(
                _(
                    "Too many failed logins for this user name from your address. "
                    "Try again in %(minutes)d minutes, or ask an administrator to reset "
                    "your password."
                )
                % {"minutes": lock.minutes_left},
                code="locked",
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username:
                login_failure_record(username=username, ip=ip)
            raise
        login_success_record(username=username, ip=ip)
        return cleaned
