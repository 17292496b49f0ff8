"""The demo company comes with cases: handled in time, late, and open past the deadline."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from cxray.demo import generate
from cxray.web.cases.models import Case
from cxray.web.workspaces.demo import demo_install

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_demo_has_cases_in_every_state(client):
    demo_install(company=generate(seed=7, n_patients=3_000, end=date.today()))
    cases = list(Case.objects.filter(workspace__slug="demo"))
    now = timezone.now()
    in_time = [c for c in cases if c.first_reaction_at and c.first_reaction_at <= c.first_due_at]
    late = [c for c in cases if c.first_reaction_at and c.first_reaction_at > c.first_due_at]
    overdue = [c for c in cases if not c.first_reaction_at and c.due_at < now]
    closed = [c for c in cases if c.status == "closed"]
    assert len(cases) >= 50
    assert min(len(in_time), len(late), len(overdue), len(closed)) >= 5
    assert all(c.score is not None and c.score <= 6 for c in cases if c.metric == "nps")
    assert all(c.events.exists() for c in closed[:5])
    assert sum(1 for c in cases if c.theme) >= 10
