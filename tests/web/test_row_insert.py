"""The answer's write: ``row_insert`` stores the row ``create`` would, under a lock that the
case checker process respects."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cxray.web.row_insert import row_insert, rows_insert
from cxray.web.surveys.models import SurveyResponse
from cxray.web.surveys.services import survey_create, survey_publish

pytestmark = pytest.mark.django_db
SKIP = {"id", "idempotency_key", "created_at", "updated_at"}  # differ between any two rows


@pytest.fixture
def survey(two_companies):
    a, _b = two_companies
    return survey_publish(
        survey=survey_create(
            workspace=a["ws"], name="Visit", purpose="Evening hours", owner_user=a["admin"]
        )
    )


def _fields(survey, key: str) -> dict:
    return {
        "workspace_id": survey.workspace_id,
        "survey": survey,
        "score": 3,
        "comment": "Долго ждали — «очередь»",
        "follow_up": "shorter queue",
        "language": "uk",
        "channel": "link",
        "touchpoint_code": "tp",
        "unit_code": "",
        "employee_code": "e1",
        "customer_id": "c-42",
        "idempotency_key": key,
        "competitor_score": None,
        "respondent_employee_code": "",
        "respondent_unit_code": "dep",
    }


def test_the_row_equals_the_one_create_stores(survey):
    before = timezone.now()
    by_orm = SurveyResponse.objects.create(**_fields(survey, "k-orm"))
    fast = row_insert(SurveyResponse(**_fields(survey, "k-fast")))
    after = timezone.now()

    assert fast.pk is not None and fast.pk != by_orm.pk
    assert not fast._state.adding and fast._state.db == "default"
    stored = {r.pk: r for r in SurveyResponse.objects.filter(pk__in=[by_orm.pk, fast.pk])}
    names = [f.attname for f in SurveyResponse._meta.concrete_fields if f.attname not in SKIP]
    assert {n: getattr(stored[fast.pk], n) for n in names} == {
        n: getattr(stored[by_orm.pk], n) for n in names
    }
    assert stored[fast.pk].idempotency_key == "k-fast"
    assert stored[fast.pk].synced_at is None and stored[fast.pk].invitation_id is None
    # auto_now_add / auto_now were filled, as the ORM fills them, and read back the same.
    assert before <= stored[fast.pk].created_at <= after
    assert stored[fast.pk].created_at == fast.created_at
    assert stored[fast.pk].updated_at == fast.updated_at


def test_a_constraint_still_refuses_the_row(survey):
    row_insert(SurveyResponse(**_fields(survey, "same")))
    with pytest.raises(IntegrityError), transaction.atomic():
        row_insert(SurveyResponse(**_fields(survey, "same")))
    assert SurveyResponse.objects.filter(survey=survey, idempotency_key="same").count() == 1


def test_the_answers_write_lock_holds_off_another_process(tmp_path):
    import subprocess
    import sys

    from cxray.web.surveys.services import file_lock

    path = str(tmp_path / "app.sqlite3.intake-lock")
    probe = (
        "import fcntl, os, sys\n"
        "fd = os.open(sys.argv[1], os.O_RDWR)\n"
        "try:\n"
        "    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
        "    print('free')\n"
        "except BlockingIOError:\n"
        "    print('held')\n"
    )

    def other_process_sees() -> str:
        out = subprocess.run([sys.executable, "-c", probe, path], capture_output=True, text=True)
        return out.stdout.strip()

    with file_lock(path):
        assert other_process_sees() == "held"
    assert other_process_sees() == "free"
    with file_lock(path):  # the same file again, from its kept descriptor
        assert other_process_sees() == "held"


def test_many_rows_get_their_own_ids_in_order_and_equal_bulk_create(survey):
    fast = [SurveyResponse(**{**_fields(survey, f"f{i}"), "score": i}) for i in range(7)]
    by_orm = [SurveyResponse(**{**_fields(survey, f"o{i}"), "score": i}) for i in range(7)]
    rows_insert(fast)
    SurveyResponse.objects.bulk_create(by_orm)
    stored = {r.pk: r for r in SurveyResponse.objects.filter(survey=survey)}
    assert [stored[r.pk].idempotency_key for r in fast] == [f"f{i}" for i in range(7)]
    assert [stored[r.pk].score for r in fast] == list(range(7))
    names = [f.attname for f in SurveyResponse._meta.concrete_fields if f.attname not in SKIP]
    assert [{n: getattr(stored[r.pk], n) for n in names} for r in fast] == [
        {n: getattr(stored[r.pk], n) for n in names} for r in by_orm
    ]
    assert rows_insert([]) == []
