from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404

from cxray.web.accounts.models import Membership


def membership_list(*, user: AbstractBaseUser) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user).select_related("workspace").order_by("workspace__name")
    )


def membership_get(*, user: AbstractBaseUser, slug: str) -> Membership:
    """The user's membership in the workspace, or 404: another company's data is never shown."""
    membership = (
        Membership.objects.select_related("workspace", "unit", "employee")
        .filter(user=user, workspace__slug=slug)
        .first()
    )
    if membership is None:
        raise Http404("no such workspace")
    return membership
