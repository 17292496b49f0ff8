"""The outer loop: cases grouped by root cause (theme, touchpoint, seam between units), and a
group turned into an initiative, so that prevention follows the reaction (seed 001, pitfall 4)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cxray.errors import InvalidInputError
from cxray.web.cases.models import OPEN_STATUSES, Case, CaseEvent, EventKind
from cxray.web.journeys.models import Touchpoint
from cxray.web.people.models import Unit
from cxray.web.workspaces.models import Workspace

KINDS = ("theme", "touchpoint", "seam")
MIN_GROUP = 2  # one case is an incident; a root cause shows from the second one


@dataclass
class CaseGroup:
    kind: str  # theme, touchpoint or seam
    key: str  # the theme id, the touchpoint code, or "UNIT_A>UNIT_B"
    label: str
    case_ids: list[int] = field(default_factory=list)
    n_open: int = 0
    n_late: int = 0  # reacted after the deadline or not at all past it
    owner_unit_code: str = ""

    @property
    def n(self) -> int:
        return len(self.case_ids)

    @property
    def source(self) -> str:
        return f"cases:{self.kind}:{self.key}"


def _seam(case: Case, owners: dict[str, str]) -> str:
    """A hand-off between units: the touchpoint is owned by one unit, the feedback came
    through another (``OWNER>UNIT``); blank when there is no seam."""
    owner = owners.get(case.touchpoint_code, "")
    if owner and case.unit_code and owner != case.unit_code:
        return f"{owner}>{case.unit_code}"
    return ""


def case_groups(
    cases: QuerySet[Case],
    *,
    workspace: Workspace,
    since: datetime | None = None,
    now: datetime | None = None,
    language: str = "en",
) -> list[CaseGroup]:
    """Groups of at least MIN_GROUP cases sharing a theme, a touchpoint or a seam, biggest
    first (a case is in up to three groups, one per kind)."""
    now = now or timezone.now()
    since = since or now - timedelta(days=90)
    tps = {
        t.code: t
        for t in Touchpoint.objects.filter(workspace=workspace).select_related("owner_unit")
    }
    owners = {code: t.owner_unit.code for code, t in tps.items() if t.owner_unit_id}
    units = dict(Unit.objects.filter(workspace=workspace).values_list("code", "name"))
    groups: dict[tuple[str, str], CaseGroup] = {}
    theme_name = _theme_namer(language)
    for c in cases.filter(opened_at__gte=since).order_by("pk"):
        keys = []
        if c.theme:
            keys.append(("theme", c.theme, theme_name(c.theme), ""))
        if c.touchpoint_code:
            tp = tps.get(c.touchpoint_code)
            keys.append(
                (
                    "touchpoint",
                    c.touchpoint_code,
                    tp.name if tp else c.touchpoint_code,
                    owners.get(c.touchpoint_code, ""),
                )
            )
        seam = _seam(c, owners)
        if seam:
            a, b = seam.split(">")
            keys.append(("seam", seam, f"{units.get(a, a)} → {units.get(b, b)}", a))
        late = (c.first_reaction_at is not None and c.first_reaction_at > c.first_due_at) or (
            c.first_reaction_at is None and c.first_due_at < now
        )
        for kind, key, label, owner in keys:
            g = groups.setdefault((kind, key), CaseGroup(kind, key, label, owner_unit_code=owner))
            g.case_ids.append(c.pk)
            g.n_open += c.status in OPEN_STATUSES
            g.n_late += late
    found = [g for g in groups.values() if g.n >= MIN_GROUP]
    found.sort(key=lambda g: (-g.n, -g.n_open, g.kind, g.key))
    return found


def _theme_namer(language: str):
    from cxray.text.taxonomy import load_taxonomy

    tax = load_taxonomy()
    names: dict[str, str] = defaultdict(str)

    def name(theme: str) -> str:
        if theme not in names:
            try:
                names[theme] = tax.name(theme, language)
            except KeyError:
                names[theme] = theme
        return names[theme]

    return name


def case_group_to_initiative(
    *,
    workspace: Workspace,
    group: CaseGroup,
    title: str = "",
    by: AbstractBaseUser | None = None,
):
    """Create an initiative from a group of cases (its touchpoint or theme linked, its owner
    unit the touchpoint's owner) and note it on every case of the group."""
    from cxray.web.initiatives.services import initiative_create

    if group.kind not in KINDS:
        raise InvalidInputError(
            _("group kind %(kind)s is not one of %(choices)s")
            % {"kind": repr(group.kind), "choices": ", ".join(KINDS)}
        )
    owner_unit = (
        Unit.objects.filter(workspace=workspace, code=group.owner_unit_code).first()
        if group.owner_unit_code
        else None
    )
    touchpoints = (group.key,) if group.kind == "touchpoint" else ()
    themes = (group.key,) if group.kind == "theme" else ()
    ids = ", ".join(f"#{i}" for i in group.case_ids[:50])
    now = timezone.now()
    with transaction.atomic():
        initiative = initiative_create(
            workspace=workspace,
            title=(title or group.label).strip(),
            owner_unit=owner_unit,
            touchpoint_codes=touchpoints,
            themes=themes,
            source=group.source,
            description=f"{group.n} cases ({group.n_open} open, {group.n_late} late): {ids}",
            created_by=by,
        )
        CaseEvent.objects.bulk_create(
            CaseEvent(
                case_id=pk,
                kind=EventKind.NOTE,
                text=f"→ initiative #{initiative.pk}: {initiative.title}",
                by=by,
                at=now,
            )
            for pk in group.case_ids
        )
    return initiative
