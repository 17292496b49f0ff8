"""The canonical YAML form of a journey: read with line-numbered errors, written the same way
every time, so that reading a canonical file and writing it back gives the same text.

Canonical means: keys in the order of :data:`KEYS`, empty fields left out, block style,
UTF-8 text as is, multi-line text as literal blocks. The reader walks PyYAML's composed nodes
(not the constructed Python objects) so that every problem names the line it is on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from cxray.errors import InvalidInputError
from cxray.journey.model import (
    CODE_RE,
    EMOTIONS,
    TIMING_RE,
    VARIANTS,
    Communication,
    Expectations,
    Journey,
    Persona,
    Stage,
    Step,
)

# The keys each mapping may have, in canonical order.
KEYS: dict[str, tuple[str, ...]] = {
    "journey": (
        "journey",
        "name",
        "variant",
        "counterpart",
        "description",
        "persona",
        "segments",
        "messages_per_week",
        "stages",
    ),
    "persona": ("code", "name", "segment", "description"),
    "stage": ("name", "steps"),
    "step": (
        "id",
        "title",
        "alternative_to",
        "customer",
        "touchpoint",
        "channel",
        "owner",
        "frontstage",
        "backstage",
        "support",
        "communications",
        "expectations",
        "emotion",
        "day",
    ),
    "communication": ("message", "channel", "trigger", "timing", "survey"),
    "expectations": ("best", "worst", "source"),
}
REQUIRED = {
    "journey": ("journey", "name", "stages"),
    "persona": ("code",),
    "stage": ("name", "steps"),
    "step": ("id", "title"),
    "communication": ("message",),
}
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"


@dataclass(frozen=True)
class YamlProblem:
    line: int  # 1-based
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class JourneyYamlError(InvalidInputError):
    """The YAML is not a valid journey; ``problems`` lists each one with its line."""

    def __init__(self, problems: list[YamlProblem], source: str = "") -> None:
        self.problems = problems
        where = f"{source}: " if source else ""
        super().__init__(where + "; ".join(str(p) for p in problems))


# --- reading ---------------------------------------------------------------------------------
def load_journey(text: str, *, source: str = "", units: set[str] | None = None) -> Journey:
    """The journey in ``text``; :class:`JourneyYamlError` names every problem's line.

    With ``units`` (the unit codes that exist), every step's ``owner`` must be one of them.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise JourneyYamlError(
            [YamlProblem(line, f"not valid YAML ({exc.problem}); check indentation and quotes")],
            source,
        ) from exc
    except yaml.YAMLError as exc:  # e.g. a control character: not even readable as text
        raise JourneyYamlError(
            [YamlProblem(1, f"not valid YAML text ({exc}); save the file as plain UTF-8 text")],
            source,
        ) from exc
    reader = _Reader(units)
    if root is None:
        raise JourneyYamlError(
            [YamlProblem(1, "the file is empty; start with 'journey: <code>' (docs/journeys.md)")],
            source,
        )
    journey = reader.journey(root)
    if reader.problems:
        raise JourneyYamlError(reader.problems, source)
    assert journey is not None
    return journey


class _Reader:
    def __init__(self, units: set[str] | None = None) -> None:
        self.problems: list[YamlProblem] = []
        self.units = units
        self.reported: set[str] = set()

    def fail(self, node: yaml.Node, message: str) -> None:
        self.problems.append(YamlProblem(node.start_mark.line + 1, message))

    def mapping(self, node: yaml.Node, kind: str) -> dict[str, yaml.Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"a {kind} must be a mapping of 'key: value' lines")
            return None
        out: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key not in KEYS[kind]:
                self.fail(
                    key_node,
                    f"unknown key {key!r} in a {kind}; allowed: {', '.join(KEYS[kind])}",
                )
            elif key in out:
                self.fail(key_node, f"{key!r} is given twice in this {kind}; keep one")
            else:
                out[key] = value_node
        for key in REQUIRED.get(kind, ()):
            if key not in out:
                self.fail(node, f"this {kind} has no {key!r}; add '{key}: …'")
        return out

    def text(self, fields: dict[str, yaml.Node], key: str) -> str:
        node = fields.get(key)
        if node is None or node.tag == _NULL:
            return ""
        if not isinstance(node, yaml.ScalarNode):
            self.fail(node, f"{key!r} must be text, not a list or a mapping")
            return ""
        return str(node.value)

    def code(self, fields: dict[str, yaml.Node], key: str, what: str) -> str:
        value = self.text(fields, key)
        if value and not CODE_RE.match(value):
            self.fail(
                fields[key],
                f"{what} {value!r} is not a code: use latin letters, digits, '-', '_' or '.' "
                "(up to 64, starting with a letter or digit)",
            )
        return value

    def integer(self, fields: dict[str, yaml.Node], key: str, allowed: str) -> int | None:
        node = fields.get(key)
        if node is None or node.tag == _NULL:
            return None
        if not isinstance(node, yaml.ScalarNode) or node.tag != _INT:
            self.fail(node, f"{key!r} must be a whole number ({allowed})")
            return None
        return int(node.value)

    def sequence(self, node: yaml.Node, key: str) -> list[yaml.Node]:
        if node.tag == _NULL:
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, f"{key!r} must be a list ('- ' items)")
            return []
        return list(node.value)

    # --- the kinds ---------------------------------------------------------------------------
    def journey(self, node: yaml.Node) -> Journey | None:
        f = self.mapping(node, "journey")
        if f is None:
            return None
        variant = self.text(f, "variant") or "as-is"
        if variant not in VARIANTS:
            self.fail(f["variant"], f"variant {variant!r} is not one of: {', '.join(VARIANTS)}")
        per_week = self.integer(f, "messages_per_week", "messages a customer may get a week")
        if per_week is not None and per_week < 1:
            self.fail(f["messages_per_week"], "messages_per_week must be 1 or more")
        persona = self.persona(f["persona"]) if "persona" in f else None
        segments = tuple(
            s for s in (self.scalar(n, "a segment") for n in self.seq(f, "segments")) if s
        )
        stages = tuple(s for s in (self.stage(n) for n in self.seq(f, "stages")) if s is not None)
        if "stages" in f and not stages and not self.problems:
            self.fail(f["stages"], "a journey needs at least one stage")
        journey = Journey(
            code=self.code(f, "journey", "the journey code"),
            name=self.text(f, "name"),
            variant=variant,
            counterpart=self.code(f, "counterpart", "the counterpart journey code"),
            description=self.text(f, "description"),
            persona=persona,
            segments=segments,
            messages_per_week=per_week,
            stages=stages,
        )
        self.unique_steps(f.get("stages"), journey)
        self.known_alternatives(f.get("stages"), journey)
        return journey

    def seq(self, fields: dict[str, yaml.Node], key: str) -> list[yaml.Node]:
        return self.sequence(fields[key], key) if key in fields else []

    def scalar(self, node: yaml.Node, what: str) -> str:
        if not isinstance(node, yaml.ScalarNode):
            self.fail(node, f"{what} must be text")
            return ""
        return str(node.value)

    def persona(self, node: yaml.Node) -> Persona | None:
        f = self.mapping(node, "persona")
        if f is None:
            return None
        return Persona(
            code=self.code(f, "code", "the persona code"),
            name=self.text(f, "name"),
            segment=self.text(f, "segment"),
            description=self.text(f, "description"),
        )

    def stage(self, node: yaml.Node) -> Stage | None:
        f = self.mapping(node, "stage")
        if f is None:
            return None
        steps = tuple(s for s in (self.step(n) for n in self.seq(f, "steps")) if s is not None)
        return Stage(name=self.text(f, "name"), steps=steps)

    def step(self, node: yaml.Node) -> Step | None:
        f = self.mapping(node, "step")
        if f is None:
            return None
        emotion = self.integer(f, "emotion", "from -2 to 2")
        if emotion is not None and emotion not in EMOTIONS:
            self.fail(f["emotion"], f"emotion {emotion} is outside -2..2 (-2 angry, 2 delighted)")
        day = self.integer(f, "day", "the day of the journey, 0 or more")
        if day is not None and day < 0:
            self.fail(f["day"], "day must be 0 or more (days since the journey began)")
        owner = self.code(f, "owner", "the owner unit code")
        if owner and self.units is not None and owner not in self.units | self.reported:
            self.reported.add(owner)  # once per unit: the same typo need not fill the screen
            self.fail(
                f["owner"],
                f"unit {owner!r} does not exist in this workspace; use a unit code from the "
                "Organisation page, or create the unit first",
            )
        comms = tuple(
            c for c in (self.communication(n) for n in self.seq(f, "communications")) if c
        )
        return Step(
            key=self.code(f, "id", "the step id"),
            title=self.text(f, "title"),
            alternative_to=self.code(f, "alternative_to", "the alternative step id"),
            customer=self.text(f, "customer"),
            touchpoint=self.code(f, "touchpoint", "the touchpoint code"),
            channel=self.text(f, "channel"),
            owner=owner,
            frontstage=self.text(f, "frontstage"),
            backstage=self.text(f, "backstage"),
            support=self.text(f, "support"),
            communications=comms,
            expectations=self.expectations(f["expectations"])
            if "expectations" in f
            else Expectations(),
            emotion=emotion,
            day=day,
        )

    def communication(self, node: yaml.Node) -> Communication | None:
        f = self.mapping(node, "communication")
        if f is None:
            return None
        timing = self.text(f, "timing")
        if timing and not TIMING_RE.match(timing):
            self.fail(
                f["timing"],
                f"timing {timing!r} is not an offset: write -1d (a day before the step), "
                "+2h (two hours after), 0d, or +1w",
            )
        survey = False
        if "survey" in f:
            n = f["survey"]
            if not isinstance(n, yaml.ScalarNode) or n.tag != _BOOL:
                self.fail(n, "survey must be true or false")
            else:
                survey = n.value.lower() in ("true", "yes", "on")
        return Communication(
            message=self.text(f, "message"),
            channel=self.text(f, "channel"),
            trigger=self.text(f, "trigger"),
            timing=timing,
            survey=survey,
        )

    def expectations(self, node: yaml.Node) -> Expectations:
        f = self.mapping(node, "expectations")
        if f is None:
            return Expectations()
        return Expectations(
            best=self.text(f, "best"), worst=self.text(f, "worst"), source=self.text(f, "source")
        )

    def unique_steps(self, stages_node: yaml.Node | None, journey: Journey) -> None:
        if not isinstance(stages_node, yaml.SequenceNode):
            return
        seen: set[str] = set()
        for stage_node in stages_node.value:
            steps_node = _child(stage_node, "steps")
            if not isinstance(steps_node, yaml.SequenceNode):
                continue
            for step_node in steps_node.value:
                id_node = _child(step_node, "id")
                if id_node is None or not isinstance(id_node, yaml.ScalarNode):
                    continue
                if id_node.value in seen:
                    self.fail(
                        id_node,
                        f"step id {id_node.value!r} is used twice; every step needs its own id",
                    )
                seen.add(id_node.value)

    def known_alternatives(self, stages_node: yaml.Node | None, journey: Journey) -> None:
        """Every ``alternative_to`` names another step of the journey."""
        if not isinstance(stages_node, yaml.SequenceNode):
            return
        keys = {s.key for _, s in journey.steps()}
        for stage_node in stages_node.value:
            steps_node = _child(stage_node, "steps")
            if not isinstance(steps_node, yaml.SequenceNode):
                continue
            for step_node in steps_node.value:
                node = _child(step_node, "alternative_to")
                if not isinstance(node, yaml.ScalarNode) or not CODE_RE.match(node.value):
                    continue  # nothing there, or already reported as not a code
                own = _child(step_node, "id")
                if own is not None and own.value == node.value:
                    self.fail(node, "a step cannot be an alternative to itself; name another step")
                elif node.value not in keys:
                    self.fail(
                        node,
                        f"alternative_to {node.value!r} is not the id of a step in this journey; "
                        "use the id of the step this one replaces for some customers",
                    )


def _child(node: yaml.Node, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((v for k, v in node.value if k.value == key), None)


# --- writing ---------------------------------------------------------------------------------
class _Dumper(yaml.SafeDumper):
    """Block style, lists indented under their key, multi-line text as literal blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar(_STR, value, style=style)


_Dumper.add_representer(str, _str)


def dump_journey(journey: Journey) -> str:
    """The canonical YAML text of ``journey``."""
    return yaml.dump(
        _journey_dict(journey),
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=100,
    )


def _clean(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Leave out empty fields: a canonical file says only what is there."""
    return {k: v for k, v in pairs if v not in (None, "", (), [], {}, False)}


def _journey_dict(j: Journey) -> dict[str, Any]:
    persona = None
    if j.persona is not None:
        p = j.persona
        persona = _clean(
            [
                ("code", p.code),
                ("name", p.name),
                ("segment", p.segment),
                ("description", p.description),
            ]
        )
    return _clean(
        [
            ("journey", j.code),
            ("name", j.name),
            ("variant", j.variant),
            ("counterpart", j.counterpart),
            ("description", j.description),
            ("persona", persona),
            ("segments", list(j.segments)),
            ("messages_per_week", j.messages_per_week),
            ("stages", [_stage_dict(s) for s in j.stages]),
        ]
    )


def _stage_dict(s: Stage) -> dict[str, Any]:
    # A stage keeps "steps" even when empty, so that it reads back as a stage.
    return {"name": s.name, "steps": [_step_dict(st) for st in s.steps]}


def _step_dict(s: Step) -> dict[str, Any]:
    e = s.expectations
    expectations = _clean([("best", e.best), ("worst", e.worst), ("source", e.source)])
    comms = [
        _clean(
            [
                ("message", c.message),
                ("channel", c.channel),
                ("trigger", c.trigger),
                ("timing", c.timing),
                ("survey", c.survey),
            ]
        )
        for c in s.communications
    ]
    out = _clean(
        [
            ("id", s.key),
            ("title", s.title),
            ("alternative_to", s.alternative_to),
            ("customer", s.customer),
            ("touchpoint", s.touchpoint),
            ("channel", s.channel),
            ("owner", s.owner),
            ("frontstage", s.frontstage),
            ("backstage", s.backstage),
            ("support", s.support),
            ("communications", comms),
            ("expectations", expectations),
        ]
    )
    # 0 is a real emotion ("neutral") and day 0 the first day: kept, unlike empty text.
    if s.emotion is not None:
        out["emotion"] = s.emotion
    if s.day is not None:
        out["day"] = s.day
    return out
