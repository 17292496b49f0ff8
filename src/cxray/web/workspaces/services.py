from __future__ import annotations

import re

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from cxray.errors import InvalidInputError
from cxray.web.workspaces.models import Workspace

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")


@transaction.atomic
def workspace_create(
    *,
    slug: str,
    name: str | None = None,
    currency: str = "UAH",
    language: str = "ru",
    owner: AbstractBaseUser | None = None,
) -> Workspace:
    """A new workspace with its root unit (the company) and, if given, its first admin."""
    from cxray.web.accounts.models import Membership, Role
    from cxray.web.people.models import Unit, UnitKind

    if not SLUG_RE.match(slug):
        raise InvalidInputError(
            f"workspace name {slug!r} is not valid: use lower-case latin letters, digits, "
            "'-' or '_', starting with a letter or digit, at most 50 characters "
            "(e.g. 'acme-clinic')"
        )
    if Workspace.objects.filter(slug=slug).exists():
        raise InvalidInputError(f"workspace {slug!r} already exists; choose another name")
    if language not in {"ru", "uk", "en"}:
        raise InvalidInputError(f"language {language!r} is not one of ru, uk, en")
    workspace = Workspace.objects.create(
        slug=slug, name=name or slug, currency=currency.upper(), language=language
    )
    Unit.objects.create(
        workspace=workspace, code="company", name=workspace.name, kind=UnitKind.COMPANY
    )
    if owner is not None:
        Membership.objects.create(user=owner, workspace=workspace, role=Role.ADMIN)
    return workspace


def workspace_get(*, slug: str) -> Workspace:
    try:
        return Workspace.objects.get(slug=slug)
    except Workspace.DoesNotExist:
        known = ", ".join(Workspace.objects.values_list("slug", flat=True)) or "none yet"
        raise InvalidInputError(
            f"workspace {slug!r} does not exist (known: {known}); "
            f"create it with: cxray workspace create {slug}"
        ) from None


@transaction.atomic
def workspace_delete(*, workspace: Workspace) -> None:
    from cxray.web.analytics_store import analytics

    slug = workspace.slug
    workspace.delete()
    with analytics() as store:
        store.delete_workspace(slug)
