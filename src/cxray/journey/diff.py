"""What changed between two versions of a journey: a unified diff of the canonical YAML and
a structural summary (stages and steps added, removed or changed, and which lanes)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, fields

from cxray.journey.model import Journey, Step
from cxray.journey.yaml_format import dump_journey


@dataclass(frozen=True)
class JourneyDiff:
    unified: str
    stages_added: list[str] = field(default_factory=list)
    stages_removed: list[str] = field(default_factory=list)
    steps_added: list[str] = field(default_factory=list)
    steps_removed: list[str] = field(default_factory=list)
    steps_moved: list[str] = field(default_factory=list)  # to another stage
    steps_changed: dict[str, list[str]] = field(default_factory=dict)  # step id -> fields
    header_changed: list[str] = field(default_factory=list)  # journey-level fields

    @property
    def same(self) -> bool:
        return not self.unified

    def as_dict(self) -> dict[str, object]:
        return {
            "unified": self.unified,
            "stages_added": self.stages_added,
            "stages_removed": self.stages_removed,
            "steps_added": self.steps_added,
            "steps_removed": self.steps_removed,
            "steps_moved": self.steps_moved,
            "steps_changed": self.steps_changed,
            "header_changed": self.header_changed,
        }


def journey_diff(
    old: Journey, new: Journey, *, old_label: str = "old", new_label: str = "new"
) -> JourneyDiff:
    a, b = dump_journey(old), dump_journey(new)
    unified = "".join(
        difflib.unified_diff(
            a.splitlines(keepends=True), b.splitlines(keepends=True), old_label, new_label
        )
    )
    old_stages = [s.name for s in old.stages]
    new_stages = [s.name for s in new.stages]
    old_steps = {s.key: (st.name, s) for st, s in old.steps()}
    new_steps = {s.key: (st.name, s) for st, s in new.steps()}
    changed: dict[str, list[str]] = {}
    for key in old_steps.keys() & new_steps.keys():
        lanes = _changed_fields(old_steps[key][1], new_steps[key][1])
        if lanes:
            changed[key] = lanes
    header = [
        f.name
        for f in fields(Journey)
        if f.name != "stages" and getattr(old, f.name) != getattr(new, f.name)
    ]
    return JourneyDiff(
        unified=unified,
        stages_added=[s for s in new_stages if s not in old_stages],
        stages_removed=[s for s in old_stages if s not in new_stages],
        steps_added=[k for k in new_steps if k not in old_steps],
        steps_removed=[k for k in old_steps if k not in new_steps],
        steps_moved=[k for k in new_steps if k in old_steps and old_steps[k][0] != new_steps[k][0]],
        steps_changed=dict(sorted(changed.items())),
        header_changed=header,
    )


def _changed_fields(a: Step, b: Step) -> list[str]:
    return [f.name for f in fields(Step) if getattr(a, f.name) != getattr(b, f.name)]
