"""/api/v1/journeys: journey maps as YAML (GET/PUT), their versions, diffs and live figures."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from cxray.errors import NotFoundError
from cxray.journey import JourneyYamlError, load_journey
from cxray.web.accounts.scope import can_import
from cxray.web.api.schemas import ErrorOut, StrictIn
from cxray.web.journeys.models import Journey
from cxray.web.journeys.selectors import (
    as_payload,
    journey_get,
    journey_list,
    journey_map,
    journey_yaml,
    version_list,
    versions_diff,
)
from cxray.web.journeys.services import journey_import

router = Router(tags=["journeys"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class JourneyOut(Schema):
    code: str
    name: str
    variant: str
    counterpart: str
    versions: int


class JourneyYamlOut(Schema):
    code: str
    version: int
    yaml: str


class JourneyYamlIn(StrictIn):
    yaml: str


class VersionOut(Schema):
    number: int
    created: str
    author: str
    note: str


class DiffOut(Schema):
    old: int
    new: int
    unified: str
    stages_added: list[str]
    stages_removed: list[str]
    steps_added: list[str]
    steps_removed: list[str]
    steps_moved: list[str]
    steps_changed: dict[str, list[str]]
    header_changed: list[str]


def _get(request: HttpRequest, code: str) -> Journey:
    try:
        return journey_get(workspace=request.workspace, code=code)
    except NotFoundError as exc:
        raise HttpError(404, str(exc)) from exc


def _latest(journey: Journey) -> int:
    latest = version_list(journey=journey).first()
    return latest.number if latest else 0


@router.get("", response={200: list[JourneyOut], **ERRORS})
def journeys(request: HttpRequest):
    return [
        {
            "code": j.code,
            "name": j.name,
            "variant": j.variant,
            "counterpart": j.counterpart,
            "versions": j.versions.count(),
        }
        for j in journey_list(workspace=request.workspace)
    ]


@router.get("/{code}", response={200: JourneyYamlOut, **ERRORS})
def journey(request: HttpRequest, code: str):
    """The journey's canonical YAML (the latest version)."""
    j = _get(request, code)
    return {"code": j.code, "version": _latest(j), "yaml": journey_yaml(j)}


@router.put("/{code}", response={200: JourneyYamlOut, **ERRORS})
def journey_put(request: HttpRequest, code: str, body: JourneyYamlIn):
    """Create or replace the journey from YAML; a change is a new version. A problem in the
    YAML is a 400 whose detail names each line."""
    if not can_import(request.membership):
        raise HttpError(403, f"the role {request.membership.role!r} may not change journeys")
    try:
        if load_journey(body.yaml).code != code:
            raise HttpError(400, "the journey code in the path and in the YAML differ")
        j = journey_import(workspace=request.workspace, text=body.yaml, user=request.user)
    except JourneyYamlError as exc:
        raise HttpError(400, str(exc)) from exc
    return {"code": j.code, "version": _latest(j), "yaml": journey_yaml(j)}


@router.get("/{code}/versions", response={200: list[VersionOut], **ERRORS})
def versions(request: HttpRequest, code: str):
    return [
        {
            "number": v.number,
            "created": v.created.isoformat(),
            "author": v.author.username if v.author else "",
            "note": v.note,
        }
        for v in version_list(journey=_get(request, code))
    ]


@router.get("/{code}/diff", response={200: DiffOut, **ERRORS})
def diff(request: HttpRequest, code: str, old: int | None = None, new: int | None = None):
    """What changed from version ``old`` to ``new`` (default: the last two)."""
    j = _get(request, code)
    try:
        d = versions_diff(journey=j, old=old, new=new)
    except NotFoundError as exc:
        raise HttpError(404, str(exc)) from exc
    numbers = list(j.versions.order_by("-number").values_list("number", flat=True))
    new_n = new if new is not None else numbers[0]
    old_n = old if old is not None else (numbers[1] if len(numbers) > 1 else numbers[0])
    return {"old": old_n, "new": new_n, **d.as_dict()}


@router.get("/{code}/figures", response={200: dict[str, Any], **ERRORS})
def figures(request: HttpRequest, code: str):
    """Live figures per step's touchpoint, hand-offs between units and the weekly load of
    communications against the contact policy (computed now from the data)."""
    return as_payload(journey_map(journey=_get(request, code), scope=request.scope))
