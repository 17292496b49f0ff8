"""/api/v1/initiatives: initiatives, their action plans and their measured effect."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict, Field

from cxray.errors import InvalidInputError
from cxray.web.api.schemas import ErrorOut
from cxray.web.initiatives.measure import initiative_effect
from cxray.web.initiatives.models import Initiative
from cxray.web.initiatives.selectors import (
    can_plan,
    can_view_initiatives,
    initiative_as_dict,
    initiative_get,
    initiative_list,
)
from cxray.web.initiatives.services import action_item_add, initiative_create, initiative_update
from cxray.web.people.models import Employee, Unit

router = Router(tags=["initiatives"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


class InitiativeIn(_In):
    title: str = Field(..., max_length=200)
    description: str = ""
    source: str = Field("", max_length=200)
    owner: str | None = None  # username of a member
    owner_unit: str | None = None  # unit code
    due: date | None = None
    status: str = "proposed"
    touchpoints: list[str] = []
    themes: list[str] = []
    journey_steps: list[str] = []
    treated_units: list[str] = []
    treated_segment: str = ""
    started: date | None = None
    outcome: str = "nps"
    expected_effect: Decimal | None = None


class InitiativePatch(_In):
    title: str | None = None
    description: str | None = None
    source: str | None = None
    owner: str | None = None
    owner_unit: str | None = None
    due: date | None = None
    status: str | None = None
    touchpoints: list[str] | None = None
    themes: list[str] | None = None
    journey_steps: list[str] | None = None
    treated_units: list[str] | None = None
    treated_segment: str | None = None
    started: date | None = None
    outcome: str | None = None
    expected_effect: Decimal | None = None


class ItemIn(_In):
    task: str = Field(..., max_length=300)
    owner: str | None = None
    employee: str | None = None
    due: date | None = None


def _allowed(request: HttpRequest, plan: bool = False) -> None:
    ok = can_plan(request.membership) if plan else can_view_initiatives(request.membership)
    if not ok:
        raise HttpError(403, f"the role {request.membership.role!r} may not do this")


def _user(username: str | None):
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise HttpError(400, f"no user {username!r}; give the username of a workspace member")
    return user


def _unit(request: HttpRequest, code: str | None) -> Unit | None:
    if not code:
        return None
    unit = Unit.objects.filter(workspace=request.workspace, code=code).first()
    if unit is None:
        raise HttpError(400, f"unit {code!r} does not exist in this workspace")
    return unit


def _fields(request: HttpRequest, body: dict) -> dict:
    out = dict(body)
    if "owner" in out:
        out["owner"] = _user(out["owner"])
    if "owner_unit" in out:
        out["owner_unit"] = _unit(request, out["owner_unit"])
    if "touchpoints" in out:
        out["touchpoint_codes"] = out.pop("touchpoints")
    return out


@router.get("", response={200: list[dict], **ERRORS})
def initiatives(request: HttpRequest, status: str = ""):
    """The workspace's initiatives with their plans (no measured effect: see one initiative)."""
    _allowed(request)
    return [
        initiative_as_dict(i)
        for i in initiative_list(workspace=request.workspace, status=status or None)
    ]


@router.post("", response={201: dict, **ERRORS})
def initiative_add(request: HttpRequest, body: InitiativeIn):
    _allowed(request, plan=True)
    try:
        i = initiative_create(
            workspace=request.workspace, created_by=request.user, **_fields(request, body.dict())
        )
    except InvalidInputError as exc:
        raise HttpError(400, str(exc)) from exc
    return Status(201, initiative_as_dict(i))


@router.get("/{int:pk}", response={200: dict, **ERRORS})
def initiative(request: HttpRequest, pk: int):
    """One initiative, its plan and its measured effect (difference in differences, money
    per year, 95% interval clustered by unit); ``measured`` is null with the reason when it
    cannot be measured yet."""
    _allowed(request)
    i = initiative_get(workspace=request.workspace, pk=pk)
    return initiative_as_dict(i, initiative_effect(initiative=i, as_of=timezone.localdate()))


@router.patch("/{int:pk}", response={200: dict, **ERRORS})
def initiative_patch(request: HttpRequest, pk: int, body: InitiativePatch):
    _allowed(request, plan=True)
    i: Initiative = initiative_get(workspace=request.workspace, pk=pk)
    changes = _fields(request, body.dict(exclude_unset=True))
    try:
        initiative_update(initiative=i, **changes)
    except InvalidInputError as exc:
        raise HttpError(400, str(exc)) from exc
    return initiative_as_dict(initiative_get(workspace=request.workspace, pk=pk))


@router.post("/{int:pk}/items", response={201: dict, **ERRORS})
def item_add(request: HttpRequest, pk: int, body: ItemIn):
    _allowed(request, plan=True)
    i = initiative_get(workspace=request.workspace, pk=pk)
    employee = None
    if body.employee:
        employee = Employee.objects.filter(workspace=request.workspace, code=body.employee).first()
        if employee is None:
            raise HttpError(400, f"employee {body.employee!r} does not exist in this workspace")
    try:
        action_item_add(
            initiative=i, task=body.task, owner=_user(body.owner), due=body.due, employee=employee
        )
    except InvalidInputError as exc:
        raise HttpError(400, str(exc)) from exc
    return Status(201, initiative_as_dict(i))
