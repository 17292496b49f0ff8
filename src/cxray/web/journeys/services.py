from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from cxray.errors import InvalidInputError, NotFoundError
from cxray.journey import dump_journey, load_journey, model
from cxray.web.journeys.models import (
    Communication,
    Journey,
    JourneyVersion,
    Persona,
    Stage,
    Step,
    Touchpoint,
)
from cxray.web.people.models import Unit
from cxray.web.people.services import entities_sync
from cxray.web.workspaces.models import Workspace


@transaction.atomic
def touchpoint_upsert(
    *,
    workspace: Workspace,
    code: str,
    name: str,
    journey: str = "",
    stage: str = "",
    channel: str = "",
    owner_unit: Unit | None = None,
) -> Touchpoint:
    touchpoint, _ = Touchpoint.objects.update_or_create(
        workspace=workspace,
        code=code,
        defaults={
            "name": name,
            "journey": journey,
            "stage": stage,
            "channel": channel,
            "owner_unit": owner_unit,
        },
    )
    transaction.on_commit(lambda: entities_sync(workspace=workspace))
    return touchpoint


# --- journey maps ----------------------------------------------------------------------------
@transaction.atomic
def journey_import(
    *, workspace: Workspace, text: str, user: Any = None, source: str = "", note: str = ""
) -> Journey:
    """Create or replace the journey written in ``text`` (canonical YAML, docs/journeys.md).

    Nothing is stored when the YAML has a problem: :class:`JourneyYamlError` names each line.
    """
    units = set(Unit.objects.filter(workspace=workspace).values_list("code", flat=True))
    doc = load_journey(text, source=source, units=units)
    return journey_save(workspace=workspace, doc=doc, user=user, note=note or _("imported"))


@transaction.atomic
def journey_save(
    *, workspace: Workspace, doc: model.Journey, user: Any = None, note: str = ""
) -> Journey:
    """Make the stored journey ``doc.code`` equal ``doc`` and keep a version if it changed.

    Steps are matched by their id, so a step keeps its database id (and the links to it,
    e.g. from cases) across edits; touchpoint codes the workspace lacks are created.
    """
    persona = None
    if doc.persona is not None:
        persona, _created = Persona.objects.update_or_create(
            workspace=workspace,
            code=doc.persona.code,
            defaults={
                "name": doc.persona.name,
                "segment": doc.persona.segment,
                "description": doc.persona.description,
            },
        )
    journey, _created = Journey.objects.update_or_create(
        workspace=workspace,
        code=doc.code,
        defaults={
            "name": doc.name,
            "variant": doc.variant,
            "counterpart": doc.counterpart,
            "description": doc.description,
            "persona": persona,
            "segments": list(doc.segments),
            "messages_per_week": doc.messages_per_week,
        },
    )
    touchpoints = _touchpoints_for(workspace, doc)
    old_steps = {s.key: s for s in journey.steps.all()}
    old_stages = list(journey.stages.all())
    kept: set[int] = set()
    position = 0
    for stage_pos, stage_doc in enumerate(doc.stages):
        stage = old_stages[stage_pos] if stage_pos < len(old_stages) else None
        if stage is None:
            stage = Stage.objects.create(journey=journey, position=stage_pos, name=stage_doc.name)
        elif stage.name != stage_doc.name:
            stage.name = stage_doc.name
            stage.save(update_fields=["name"])
        for step_doc in stage_doc.steps:
            step = old_steps.get(step_doc.key) or Step(journey=journey, key=step_doc.key)
            _fill_step(step, step_doc, stage, position, touchpoints)
            step.save()
            kept.add(step.pk)
            step.communications.all().delete()
            Communication.objects.bulk_create(
                Communication(
                    step=step,
                    position=i,
                    message=c.message,
                    channel=c.channel,
                    trigger=c.trigger,
                    timing=c.timing,
                    survey=c.survey,
                )
                for i, c in enumerate(step_doc.communications)
            )
            position += 1
    Step.objects.filter(journey=journey).exclude(pk__in=kept).delete()
    Stage.objects.filter(journey=journey, position__gte=len(doc.stages)).delete()
    _version(journey, user=user, note=note)
    return journey


def _touchpoints_for(workspace: Workspace, doc: model.Journey) -> dict[str, Touchpoint]:
    """The workspace's touchpoints the journey names; those missing are created from the
    first step that names them (existing touchpoints are left as they are)."""
    found = {t.code: t for t in Touchpoint.objects.filter(workspace=workspace)}
    units = {u.code: u for u in Unit.objects.filter(workspace=workspace)}
    for stage, step in doc.steps():
        if step.touchpoint and step.touchpoint not in found:
            found[step.touchpoint] = touchpoint_upsert(
                workspace=workspace,
                code=step.touchpoint,
                name=step.title,
                journey=doc.code,
                stage=stage.name,
                channel=step.channel,
                owner_unit=units.get(step.owner),
            )
    return found


def _fill_step(
    step: Step, d: model.Step, stage: Stage, position: int, touchpoints: dict[str, Touchpoint]
) -> None:
    step.stage = stage
    step.position = position
    step.title = d.title
    step.alternative_to = d.alternative_to
    step.customer_action = d.customer
    step.touchpoint_code = d.touchpoint
    step.touchpoint = touchpoints.get(d.touchpoint) if d.touchpoint else None
    step.channel = d.channel
    step.owner_code = d.owner
    step.frontstage = d.frontstage
    step.backstage = d.backstage
    step.support = d.support
    step.expectation_best = d.expectations.best
    step.expectation_worst = d.expectations.worst
    step.expectation_source = d.expectations.source
    step.emotion = d.emotion
    step.day = d.day


def _version(journey: Journey, *, user: Any, note: str) -> JourneyVersion | None:
    """Keep the journey's canonical text as a new version, unless it is the latest already."""
    from cxray.web.journeys.selectors import journey_doc

    text = dump_journey(journey_doc(journey))
    latest = journey.versions.order_by("-number").first()
    if latest is not None and latest.yaml == text:
        return None
    author = user if getattr(user, "is_authenticated", False) else None
    return JourneyVersion.objects.create(
        journey=journey,
        number=(latest.number + 1) if latest else 1,
        yaml=text,
        author=author,
        note=note[:300],
    )


@transaction.atomic
def step_update(
    *, journey: Journey, key: str, changes: dict[str, Any], user: Any = None
) -> Journey:
    """Change some lanes of one step (``changes``: :class:`cxray.journey.Step` field names,
    ``expectations`` as its three parts ``best``/``worst``/``source``) and save a version."""
    from cxray.web.journeys.selectors import journey_doc

    doc = journey_doc(journey)
    step = doc.step(key)
    if step is None:
        raise NotFoundError(f"journey {journey.code!r} has no step {key!r}")
    expectations = step.expectations
    parts = {k: changes.pop(k) for k in ("best", "worst", "source") if k in changes}
    if parts:
        expectations = replace(expectations, **parts)
    unknown = set(changes) - {f.name for f in fields(model.Step)}
    if unknown:
        raise InvalidInputError(f"a step has no field(s) {sorted(unknown)}")
    owner = changes.get("owner")
    if owner and not Unit.objects.filter(workspace=journey.workspace, code=owner).exists():
        raise InvalidInputError(
            f"unit {owner!r} does not exist in this workspace; use a code from the "
            "Organisation page"
        )
    new = replace(step, expectations=expectations, **changes)
    # The same validation as a file: the edited journey must read back from its YAML.
    text = dump_journey(doc.with_step(new))
    load_journey(text, source=f"{journey.code}, step {key}")
    return journey_save(
        workspace=journey.workspace,
        doc=doc.with_step(new),
        user=user,
        note=_("step %(step)s edited") % {"step": key},
    )


@transaction.atomic
def journey_delete(*, journey: Journey) -> None:
    journey.delete()
