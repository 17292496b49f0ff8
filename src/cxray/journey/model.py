"""The journey: stages across, service-blueprint lanes down, communications and expectations.

Frozen dataclasses with tuples, so a journey can be compared, hashed and diffed; an edit is
``dataclasses.replace``. Field names are the YAML keys (see :mod:`cxray.journey.yaml_format`),
except ``code`` (YAML ``journey``) and ``key`` (YAML ``id``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

VARIANTS = ("as-is", "to-be")
EMOTIONS = (-2, -1, 0, 1, 2)  # from "angry" to "delighted"; None means not assessed
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
# When a message is sent relative to its step: "-1d" the day before, "+2h" two hours after.
TIMING_RE = re.compile(r"^([+-]?)(\d{1,4})([hdw])$")
_TIMING_DAYS = {"h": 1 / 24, "d": 1.0, "w": 7.0}


def timing_days(timing: str) -> float:
    """The offset in days that a timing such as ``-1d`` or ``+3h`` stands for (0 if blank)."""
    m = TIMING_RE.match(timing.strip()) if timing else None
    if not m:
        return 0.0
    sign = -1.0 if m.group(1) == "-" else 1.0
    return sign * int(m.group(2)) * _TIMING_DAYS[m.group(3)]


@dataclass(frozen=True, slots=True)
class Communication:
    """One message of the communication map: what is said, where, on what trigger, when."""

    message: str
    channel: str = ""
    trigger: str = ""
    timing: str = ""  # relative to the step: -1d, +2h, 0d; blank = at the step
    survey: bool = False  # an invitation to a survey: the contact policy applies


@dataclass(frozen=True, slots=True)
class Expectations:
    """What the customer expects at best and at worst, and where it came from before the
    first contact (ZMOT: reviews, friends, the website, an earlier visit)."""

    best: str = ""
    worst: str = ""
    source: str = ""

    @property
    def empty(self) -> bool:
        return not (self.best or self.worst or self.source)


@dataclass(frozen=True, slots=True)
class Step:
    key: str  # unique within the journey; YAML "id"
    title: str
    # The id of a step this one replaces for some customers (booking online instead of by
    # phone): one customer takes one of them, so their messages are not added up.
    alternative_to: str = ""
    customer: str = ""  # what the customer does
    touchpoint: str = ""  # a touchpoint code: the link to live figures
    channel: str = ""
    owner: str = ""  # the owner unit's code
    frontstage: str = ""
    backstage: str = ""
    support: str = ""  # support processes
    communications: tuple[Communication, ...] = ()
    expectations: Expectations = field(default_factory=Expectations)
    emotion: int | None = None
    day: int | None = None  # day of the journey the step happens on (for the weekly load)


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    steps: tuple[Step, ...] = ()


@dataclass(frozen=True, slots=True)
class Persona:
    code: str
    name: str = ""
    segment: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class Journey:
    code: str  # YAML "journey"
    name: str
    variant: str = "as-is"
    counterpart: str = ""  # the code of the other variant (to-be for an as-is, and back)
    description: str = ""
    persona: Persona | None = None
    segments: tuple[str, ...] = ()
    messages_per_week: int | None = None  # the communication limit; None: the default
    stages: tuple[Stage, ...] = ()

    def steps(self) -> Iterator[tuple[Stage, Step]]:
        """Every step in journey order, with its stage."""
        for stage in self.stages:
            for step in stage.steps:
                yield stage, step

    def step(self, key: str) -> Step | None:
        return next((s for _, s in self.steps() if s.key == key), None)

    def touchpoints(self) -> list[str]:
        """The touchpoint codes the steps link to, in order of first appearance."""
        return list(dict.fromkeys(s.touchpoint for _, s in self.steps() if s.touchpoint))

    def with_step(self, step: Step) -> Journey:
        """The journey with the step of the same key replaced by ``step``."""
        stages = tuple(
            replace(st, steps=tuple(step if s.key == step.key else s for s in st.steps))
            for st in self.stages
        )
        return replace(self, stages=stages)

    def alternatives(self) -> list[list[str]]:
        """Groups of step keys of which a customer takes one (linked by ``alternative_to``,
        in either direction and through other steps), each in journey order; steps without
        an alternative are in no group."""
        order = [s.key for _, s in self.steps()]
        parent = {k: k for k in order}

        def root(k: str) -> str:
            while parent[k] != k:
                parent[k] = parent[parent[k]]
                k = parent[k]
            return k

        for _, s in self.steps():
            if s.alternative_to in parent and s.alternative_to != s.key:
                parent[root(s.key)] = root(s.alternative_to)
        groups: dict[str, list[str]] = {}
        for k in order:
            groups.setdefault(root(k), []).append(k)
        return [g for g in groups.values() if len(g) > 1]

    def step_days(self) -> dict[str, float]:
        """The day each step happens on: its own ``day``, else the previous step's (0 first)."""
        days: dict[str, float] = {}
        current = 0.0
        for _, s in self.steps():
            if s.day is not None:
                current = float(s.day)
            days[s.key] = current
        return days
