"""Reads of journey maps: the stored journey as a :class:`cxray.journey.Journey`, its
versions and their differences, and the live figures of its touchpoints."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Prefetch, QuerySet

from cxray.analytics.journey_figures import ASSUMED, TouchpointFigures, touchpoint_figures
from cxray.analytics.journey_map import CommunicationLoad, Seam, communication_load, seams
from cxray.errors import NotFoundError
from cxray.journey import JourneyDiff, journey_diff, load_journey, model
from cxray.web.accounts.scope import Scope
from cxray.web.journeys.models import Communication, Journey, JourneyVersion, Step, Touchpoint
from cxray.web.workspaces.models import Workspace


def journey_list(*, workspace: Workspace) -> QuerySet[Journey]:
    return Journey.objects.filter(workspace=workspace).select_related("persona")


def journey_get(*, workspace: Workspace, code: str) -> Journey:
    journey = Journey.objects.filter(workspace=workspace, code=code).first()
    if journey is None:
        known = ", ".join(journey_list(workspace=workspace).values_list("code", flat=True))
        raise NotFoundError(
            f"journey {code!r} does not exist in workspace {workspace.slug!r} "
            f"(known: {known or 'none yet'}); import one with: "
            f"cxray import journey FILE.yaml --workspace {workspace.slug}"
        )
    return journey


def journey_doc(journey: Journey) -> model.Journey:
    """The stored journey as the pure model (what the YAML is written from)."""
    steps = (
        Step.objects.filter(journey=journey)
        .prefetch_related(Prefetch("communications", queryset=Communication.objects.all()))
        .order_by("position")
    )
    by_stage: dict[int, list[model.Step]] = {}
    for s in steps:
        by_stage.setdefault(s.stage_id, []).append(
            model.Step(
                key=s.key,
                title=s.title,
                alternative_to=s.alternative_to,
                customer=s.customer_action,
                touchpoint=s.touchpoint_code,
                channel=s.channel,
                owner=s.owner_code,
                frontstage=s.frontstage,
                backstage=s.backstage,
                support=s.support,
                communications=tuple(
                    model.Communication(c.message, c.channel, c.trigger, c.timing, c.survey)
                    for c in s.communications.all()
                ),
                expectations=model.Expectations(
                    s.expectation_best, s.expectation_worst, s.expectation_source
                ),
                emotion=s.emotion,
                day=s.day,
            )
        )
    persona = None
    if journey.persona is not None:
        p = journey.persona
        persona = model.Persona(p.code, p.name, p.segment, p.description)
    return model.Journey(
        code=journey.code,
        name=journey.name,
        variant=journey.variant,
        counterpart=journey.counterpart,
        description=journey.description,
        persona=persona,
        segments=tuple(journey.segments or ()),
        messages_per_week=journey.messages_per_week,
        stages=tuple(
            model.Stage(st.name, tuple(by_stage.get(st.pk, ())))
            for st in journey.stages.order_by("position")
        ),
    )


def journey_yaml(journey: Journey) -> str:
    """The canonical YAML of the latest version (the same text an export writes)."""
    latest = journey.versions.order_by("-number").first()
    if latest is not None:
        return latest.yaml
    from cxray.journey import dump_journey

    return dump_journey(journey_doc(journey))


def version_list(*, journey: Journey) -> QuerySet[JourneyVersion]:
    return journey.versions.select_related("author").order_by("-number")


def version_get(*, journey: Journey, number: int) -> JourneyVersion:
    version = journey.versions.filter(number=number).first()
    if version is None:
        raise NotFoundError(f"journey {journey.code!r} has no version {number}")
    return version


def versions_diff(
    *, journey: Journey, old: int | None = None, new: int | None = None
) -> JourneyDiff:
    """The difference between two versions; by default the one before the latest and the
    latest (a journey with one version is compared with itself)."""
    numbers = list(journey.versions.order_by("-number").values_list("number", flat=True))
    if not numbers:
        raise NotFoundError(f"journey {journey.code!r} has no saved version")
    new = numbers[0] if new is None else new
    old = (numbers[1] if len(numbers) > 1 else numbers[0]) if old is None else old
    a, b = version_get(journey=journey, number=old), version_get(journey=journey, number=new)
    return journey_diff(
        load_journey(a.yaml), load_journey(b.yaml), old_label=f"v{old}", new_label=f"v{new}"
    )


# --- the map with its figures ----------------------------------------------------------------
@dataclass(frozen=True)
class StepView:
    """One step as the map shows it: the model, its database id, touchpoint and figures."""

    step: model.Step
    pk: int
    touchpoint: Touchpoint | None
    owner: str
    figures: TouchpointFigures | None
    open_cases: int | None

    @property
    def evidence(self) -> str:
        return self.figures.evidence if self.figures else ASSUMED


@dataclass(frozen=True)
class StageView:
    name: str
    steps: list[StepView]


@dataclass(frozen=True)
class JourneyMap:
    journey: Journey
    doc: model.Journey
    stages: list[StageView]
    seams: list[Seam]
    load: CommunicationLoad
    figures: dict[str, TouchpointFigures] = field(default_factory=dict)
    cases_available: bool = False

    @property
    def steps(self) -> list[StepView]:
        return [s for st in self.stages for s in st.steps]

    def seam_after(self) -> dict[str, Seam]:
        return {s.before: s for s in self.seams}


def open_cases(workspace: Workspace) -> dict[str, int] | None:
    """Open cases per touchpoint code, from the cases app when it is installed (None if not)."""
    try:
        from cxray.web.cases.selectors import open_case_counts  # type: ignore[import-not-found]
    except ImportError:
        return None
    try:
        return dict(open_case_counts(workspace))
    except Exception:  # the cases app is being built beside this one; the map must not fail
        return None


def contact_limits(workspace: Workspace) -> dict[str, int]:
    """The survey limits of the workspace's contact policy (defaults when it has none)."""
    from cxray.web.surveys.models import ContactPolicy

    policy = ContactPolicy.objects.filter(workspace=workspace).first()
    if policy is None:
        policy = ContactPolicy()
    return {"survey_cap": policy.journey_cap, "survey_min_days": policy.min_days_between}


FIGURES_CACHE_S = 24 * 3600
# What the figures are computed from; any import or sync changes one of these numbers.
_DATA_VERSION_SQL = """
select (select count(*) from interactions where workspace = $1),
       (select count(*) from responses where workspace = $1),
       (select count(*) from response_texts where workspace = $1),
       (select count(*) from transactions where workspace = $1),
       (select sum(hash(customer_id, churned, churned_at)) from customers where workspace = $1)
"""


def _figures_key(store: Any, workspace: Workspace, scope: Scope, codes: list[str]) -> str | None:
    """A cache key that changes whenever the data behind the figures changes (DuckDB only).

    The figures are still computed from the store, never stored by hand: the key holds a
    version of the data (row counts of the insert-only fact tables and a hash of the
    customers' churn), so the first page after an import computes them afresh.
    """
    if not getattr(store, "is_duckdb", False):
        return None
    version = store.raw.execute(_DATA_VERSION_SQL, [workspace.slug]).fetchone()
    parts = (
        store.url,
        workspace.slug,
        workspace.churn_lag_days,
        sorted(scope.unit_ids) if scope.unit_ids is not None else None,
        sorted(scope.employee_ids) if scope.employee_ids is not None else None,
        codes,
        [str(v) for v in version],
    )
    return "journey-figures:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def journey_map(
    *, journey: Journey, scope: Scope, with_figures: bool = True, doc: model.Journey | None = None
) -> JourneyMap:
    """The journey with live figures per touchpoint, seams and the communication load."""
    from cxray.web.analytics_store import analytics
    from cxray.web.dashboards.selectors import ScopedStore

    workspace = journey.workspace
    doc = doc or journey_doc(journey)
    touchpoints = {
        t.code: t
        for t in Touchpoint.objects.filter(workspace=workspace).select_related("owner_unit")
    }
    figures: dict[str, TouchpointFigures] = {}
    if with_figures and doc.touchpoints():
        with analytics() as store:
            key = _figures_key(store, workspace, scope, doc.touchpoints())
            figures = cache.get(key) if key else None
            if figures is None:
                figures = touchpoint_figures(
                    ScopedStore(store, scope),
                    workspace.slug,
                    doc.touchpoints(),
                    churn_lag_days=workspace.churn_lag_days or 0,
                )
                if key:
                    cache.set(key, figures, FIGURES_CACHE_S)
    cases = open_cases(workspace)
    owners = {c: t.owner_unit.code for c, t in touchpoints.items() if t.owner_unit}
    pks = dict(Step.objects.filter(journey=journey).values_list("key", "pk"))
    stages = [
        StageView(
            stage.name,
            [
                StepView(
                    step=s,
                    pk=pks.get(s.key, 0),
                    touchpoint=touchpoints.get(s.touchpoint),
                    owner=s.owner or owners.get(s.touchpoint, ""),
                    figures=figures.get(s.touchpoint),
                    open_cases=None if cases is None else cases.get(s.touchpoint, 0),
                )
                for s in stage.steps
            ],
        )
        for stage in doc.stages
    ]
    return JourneyMap(
        journey=journey,
        doc=doc,
        stages=stages,
        seams=seams(doc, figures, owners),
        load=communication_load(doc, **contact_limits(workspace)),
        figures=figures,
        cases_available=cases is not None,
    )


def as_payload(m: JourneyMap) -> dict[str, Any]:
    """The map as JSON (for the API)."""
    return {
        "journey": m.journey.code,
        "steps": [
            {
                "id": s.step.key,
                "pk": s.pk,
                "touchpoint": s.step.touchpoint,
                "owner": s.owner,
                "evidence": s.evidence,
                "open_cases": s.open_cases,
                "figures": s.figures.as_dict() if s.figures else None,
            }
            for s in m.steps
        ],
        "seams": [s.as_dict() for s in m.seams],
        "communication_load": m.load.as_dict(),
    }
