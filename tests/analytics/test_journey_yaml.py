"""The canonical YAML of a journey: lossless round trip, line-numbered errors, diffs."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cxray.demo.journeys import journey_texts
from cxray.journey import JourneyYamlError, dump_journey, journey_diff, load_journey
from cxray.journey.model import timing_days

SMALL = """\
journey: clinic
name: Clinic visit
variant: to-be
persona:
  code: mum
  segment: Families
stages:
  - name: Booking
    steps:
      - id: call
        title: Booking call
        customer: |-
          Calls the desk
          and waits
        touchpoint: booking_call
        owner: CALL
        communications:
          - message: 'Booked: {date}'
            channel: sms
            timing: 0d
          - message: How easy was it?
            timing: +1h
            survey: true
        expectations:
          best: Answered at once
          source: Reviews (ZMOT)
        emotion: 0
        day: 0
  - name: Empty stage
    steps: []
"""


@pytest.mark.parametrize("name", sorted(journey_texts()))
def test_shipped_demo_journeys_round_trip_to_the_same_text(name):
    text = journey_texts()[name]
    assert dump_journey(load_journey(text)) == text


def test_round_trip_keeps_every_lane_and_multiline_text():
    journey = load_journey(SMALL)
    assert dump_journey(journey) == SMALL
    step = journey.step("call")
    assert step.customer == "Calls the desk\nand waits"
    assert step.communications[1].survey is True
    assert step.emotion == 0 and step.day == 0  # zeros are values, not "empty"
    assert journey.persona.segment == "Families"
    assert [s.name for s in journey.stages] == ["Booking", "Empty stage"]


def test_non_canonical_input_is_written_canonically_and_then_stays_put():
    messy = "name: X\njourney: x\nstages:\n- {name: A, steps: [{title: T, id: s}]}\n"
    once = dump_journey(load_journey(messy))
    assert once.startswith("journey: x\nname: X\nvariant: as-is\n")
    assert dump_journey(load_journey(once)) == once


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("journey: x\nname: X\nstages:\n  - name: A\n    steps:\n      - id: s\n        titel: T\n",
         7, "unknown key 'titel'"),
        ("journey: x\nname: X\nstages:\n  - name: A\n    steps:\n      - id: s\n        title: T\n"
         "        emotion: 5\n", 8, "outside -2..2"),
        ("journey: x\nname: X\nstages:\n  - name: A\n    steps:\n      - id: s\n        title: T\n"
         "        communications:\n          - message: m\n            timing: tomorrow\n",
         10, "write -1d"),
        ("journey: x\nname: X\nstages:\n  - name: A\n    steps:\n      - id: s\n        title: T\n"
         "      - id: s\n        title: U\n", 8, "used twice"),
        ("journey: bad code\nname: X\nstages: []\n", 1, "not a code"),
        ("journey: x\nname: [X\n", 3, "not valid YAML"),
        ("journey: x\nstages:\n  - name: A\n    steps: []\n", 1, "has no 'name'"),
    ],
)  # fmt: skip
def test_errors_name_the_line_and_the_fix(text, line, words):
    with pytest.raises(JourneyYamlError) as err:
        load_journey(text, source="f.yaml")
    assert any(p.line == line and words in p.message for p in err.value.problems), str(err.value)
    assert str(err.value).startswith("f.yaml: ")


def test_owner_must_be_a_known_unit_when_units_are_given():
    with pytest.raises(JourneyYamlError, match="line 16: unit 'CALL' does not exist"):
        load_journey(SMALL, units={"OTHER"})
    assert load_journey(SMALL, units={"CALL"}).step("call").owner == "CALL"


def test_diff_summarises_and_shows_unified_lines():
    old = load_journey(SMALL)
    step = old.step("call")
    new = old.with_step(replace(step, emotion=-2, frontstage="Operator"))
    d = journey_diff(old, new, old_label="v1", new_label="v2")
    assert d.steps_changed == {"call": ["frontstage", "emotion"]}
    assert "-        emotion: 0\n" in d.unified and "+        emotion: -2\n" in d.unified
    assert d.unified.startswith("--- v1\n+++ v2\n")
    assert journey_diff(old, old).same


def test_timing_offsets():
    assert timing_days("-1d") == -1 and timing_days("+2w") == 14 and timing_days("6h") == 0.25
    assert timing_days("") == 0


ALTERNATIVES = """\
journey: booking
name: Booking
variant: as-is
stages:
  - name: Booking
    steps:
      - id: call
        title: Booking by phone
      - id: online
        title: Booking online
        alternative_to: call
      - id: app
        title: Booking in the app
        alternative_to: online
      - id: visit
        title: Visit
"""


def test_alternative_steps_round_trip_and_group_through_each_other():
    journey = load_journey(ALTERNATIVES)
    assert dump_journey(journey) == ALTERNATIVES
    assert journey.step("online").alternative_to == "call"
    # app -> online -> call: one group of three, in journey order; visit is in none.
    assert journey.alternatives() == [["call", "online", "app"]]


@pytest.mark.parametrize(
    ("replace_with", "line", "words"),
    [
        ("alternative_to: cal", 11, "'cal' is not the id of a step in this journey"),
        ("alternative_to: online", 11, "cannot be an alternative to itself"),
        ("alternative_to: on line", 11, "the alternative step id 'on line' is not a code"),
    ],
)
def test_alternative_to_must_name_another_step_of_the_journey(replace_with, line, words):
    text = ALTERNATIVES.replace("alternative_to: call", replace_with)
    with pytest.raises(JourneyYamlError) as err:
        load_journey(text, source="b.yaml")
    assert [(p.line, words in p.message) for p in err.value.problems] == [(line, True)], str(
        err.value
    )
