"""The leadership report of one workspace, as a member is allowed to see it.

Money and drivers are read through the member's scope (a unit manager's report covers
their units); initiatives are the workspace's, each measured against the units it did not
touch (see :mod:`cxray.web.initiatives.measure`).
"""

from __future__ import annotations

from datetime import date

from cxray.analytics.leadership import InitiativeLine, LeadershipReport, leadership_report
from cxray.errors import CxrayError
from cxray.web.accounts.scope import Scope
from cxray.web.dashboards import behaviour
from cxray.web.initiatives.measure import initiative_effect
from cxray.web.initiatives.models import Status
from cxray.web.initiatives.selectors import initiative_list
from cxray.web.journeys.models import Touchpoint
from cxray.web.workspaces.models import Workspace

MAX_INITIATIVES = 6


def initiative_lines(*, workspace: Workspace, as_of: date) -> list[InitiativeLine]:
    """The live and finished initiatives (not dropped), newest first, each measured."""
    rows = initiative_list(workspace=workspace).exclude(status=Status.DROPPED)
    lines = []
    for i in rows[:MAX_INITIATIVES]:
        measured = initiative_effect(initiative=i, as_of=as_of)
        lines.append(
            InitiativeLine(
                id=i.pk,
                title=i.title,
                status=i.get_status_display(),
                outcome=i.get_outcome_display(),
                expected=float(i.expected_effect) if i.expected_effect is not None else None,
                effect=measured.effect,
                note=measured.reason,
            )
        )
    return lines


def leadership(*, workspace: Workspace, scope: Scope, as_of: date) -> LeadershipReport:
    missing: dict[str, str] = {}
    money = drivers = None
    try:
        _clv, money = behaviour.clv_and_money(workspace=workspace, scope=scope, as_of=as_of)
    except CxrayError as exc:
        missing["money"] = str(exc)
    try:
        drivers = behaviour.drivers(workspace=workspace, scope=scope, outcome="nps")
    except CxrayError as exc:
        missing["drivers"] = str(exc)
    names = dict(Touchpoint.objects.filter(workspace=workspace).values_list("code", "name"))
    return leadership_report(
        as_of=as_of,
        currency=workspace.currency,
        money=money,
        drivers=drivers,
        initiatives=initiative_lines(workspace=workspace, as_of=as_of),
        touchpoint_names=names,
        missing=missing,
    )
