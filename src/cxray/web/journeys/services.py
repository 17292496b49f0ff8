from __future__ import annotations

from django.db import transaction

from cxray.web.journeys.models import Touchpoint
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
