from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from cxray.web.accounts.models import Role
from cxray.web.accounts.services import membership_set
from cxray.web.surveys.services import survey_create, survey_publish


@pytest.fixture(autouse=True)
def inline_sync(settings):
    settings.CXRAY_SURVEY_SYNC_INLINE = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def company(two_companies):
    """alpha: a published NPS survey at the reception touchpoint (owned by the department),
    a unit manager of the department and one of the branch above it, a frontline member."""
    a, b = two_companies
    User = get_user_model()
    dept_mgr = User.objects.create_user("dept-mgr", "dept@example.com", "pw-12345-xyz")
    branch_mgr = User.objects.create_user("branch-mgr", "branch@example.com", "pw-12345-xyz")
    front = User.objects.create_user("alice", "alice@example.com", "pw-12345-xyz")
    membership_set(user=dept_mgr, workspace=a["ws"], role=Role.UNIT_MANAGER, unit=a["dept"])
    membership_set(user=branch_mgr, workspace=a["ws"], role=Role.UNIT_MANAGER, unit=a["branch"])
    membership_set(user=front, workspace=a["ws"], role=Role.FRONTLINE, employee=a["alice"])
    a["admin"].email = "admin@example.com"
    a["admin"].save()
    survey = survey_publish(
        survey=survey_create(
            workspace=a["ws"],
            name="After the visit",
            purpose="Decide on evening hours",
            owner_user=a["admin"],
            touchpoint=a["tp"],
        )
    )
    return {
        **a,
        "b": b,
        "survey": survey,
        "dept_mgr": dept_mgr,
        "branch_mgr": branch_mgr,
        "front": front,
    }
