"""The demo company ships its patient journey as is and to be, with live figures."""

from __future__ import annotations

from datetime import date

import pytest

from cxray.demo import generate
from cxray.demo.journeys import journey_texts
from cxray.web.accounts.scope import Scope
from cxray.web.journeys.models import Journey
from cxray.web.journeys.selectors import journey_map, journey_yaml
from cxray.web.workspaces.demo import demo_install

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_journeys_are_installed_with_live_figures():
    demo_install(company=generate(seed=3, n_patients=1_200, end=date(2026, 6, 30)))
    as_is = Journey.objects.get(workspace__slug="demo", code="patient-as-is")
    to_be = Journey.objects.get(workspace__slug="demo", code="patient-to-be")
    assert (as_is.counterpart, to_be.counterpart) == ("patient-to-be", "patient-as-is")
    assert journey_yaml(as_is) == journey_texts()["patient-as-is.yaml"]

    m = journey_map(journey=as_is, scope=Scope())
    booking = next(s for s in m.steps if s.step.key == "booking-call")
    f = booking.figures
    # Every touchpoint of the map is one the generator produces: all are reached.
    assert all(s.figures.reach > 0 for s in m.steps if s.step.touchpoint)
    assert f.primary.metric == "ces" and f.primary.n > 30
    assert f.churn is not None and 0 < f.churn.value < 100
    assert booking.evidence == "measured"
    assert not any(s.evidence == "measured" for s in m.steps if not s.step.touchpoint)
    # The call centre hands the patient to the clinic: a seam with a change of score.
    seam = next(s for s in m.seams if s.before == "booking-online")
    assert (seam.from_owner, seam.to_owner) == ("MEDLINE", "MEDLINE-CALL")
    # As is, the first week carries nine messages: booking by phone 2 (online booking, its
    # alternative with 1, is not added), reminder 2, reception, consultation, payment,
    # results (day 6) and the NPS survey 1 each; five surveys. To be, within the policy.
    assert m.load.alternatives_skipped == ["booking-online"]
    assert m.load.overloaded and m.load.weeks[0].total == 9 and m.load.surveys == 5
    assert m.load.weeks[0].by_channel == {"email": 1, "phone": 1, "sms": 7}
    assert not journey_map(journey=to_be, scope=Scope(), with_figures=False).load.overloaded
