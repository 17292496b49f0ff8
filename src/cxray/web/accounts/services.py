from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from cxray.errors import InvalidInputError
from cxray.web.accounts.models import ApiToken, Membership, Role
from cxray.web.people.models import Employee, Unit
from cxray.web.workspaces.models import Workspace

TOKEN_PREFIX = "cx_"


def user_create(*, username: str, password: str, email: str = "") -> AbstractBaseUser:
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise InvalidInputError(f"user {username!r} already exists")
    return User.objects.create_user(username=username, email=email, password=password)


@transaction.atomic
def membership_set(
    *,
    user: AbstractBaseUser,
    workspace: Workspace,
    role: str,
    unit: Unit | None = None,
    employee: Employee | None = None,
) -> Membership:
    """Give ``user`` a role in ``workspace`` (replacing any earlier one)."""
    if role not in Role.values:
        raise InvalidInputError(f"role {role!r} is not one of {', '.join(Role.values)}")
    if role == Role.UNIT_MANAGER and unit is None:
        raise InvalidInputError("a unit manager needs the unit they manage")
    if role == Role.FRONTLINE and employee is None:
        raise InvalidInputError("a frontline employee needs the employee record they are")
    for obj in (unit, employee):
        if obj is not None and obj.workspace_id != workspace.pk:
            raise InvalidInputError(f"{obj} belongs to another workspace")
    membership, _ = Membership.objects.update_or_create(
        user=user, workspace=workspace, defaults={"role": role, "unit": unit, "employee": employee}
    )
    return membership


def api_token_create(
    *, workspace: Workspace, user: AbstractBaseUser, name: str
) -> tuple[ApiToken, str]:
    """A new token; the key is returned once and only its hash is stored."""
    if not Membership.objects.filter(workspace=workspace, user=user).exists():
        raise InvalidInputError(f"{user} is not a member of workspace {workspace.slug!r}")
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        workspace=workspace, user=user, name=name, prefix=key[:8], key_hash=ApiToken.hash_key(key)
    )
    return token, key


def api_token_revoke(*, token: ApiToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])


def api_token_authenticate(*, key: str) -> tuple[ApiToken, Membership] | None:
    """The live token and its user's membership in the token's workspace, or None."""
    token = (
        ApiToken.objects.select_related("workspace", "user")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    membership = Membership.objects.filter(user=token.user, workspace=token.workspace).first()
    if membership is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token, membership
