"""Journey maps in a workspace backup: every version's canonical YAML, restored as it was."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from cxray.journey import load_journey
from cxray.web.journeys.models import JourneyVersion
from cxray.web.journeys.selectors import journey_list
from cxray.web.journeys.services import journey_save
from cxray.web.workspaces.models import Workspace


def journeys_dump(workspaces: Iterable[Workspace]) -> str:
    """JSON: per workspace, its journeys with every version (oldest first)."""
    out = []
    for ws in workspaces:
        for j in journey_list(workspace=ws):
            out.append(
                {
                    "workspace": ws.slug,
                    "code": j.code,
                    "versions": [
                        {
                            "number": v.number,
                            "yaml": v.yaml,
                            "note": v.note,
                            "created": v.created.isoformat(),
                            "author": v.author.username if v.author else None,
                        }
                        for v in j.versions.select_related("author").order_by("number")
                    ],
                }
            )
    return json.dumps(out, ensure_ascii=False)


@transaction.atomic
def journeys_load(text: str) -> int:
    """Restore the journeys of :func:`journeys_dump` into their (restored) workspaces."""
    users = {u.username: u for u in get_user_model().objects.all()}
    restored = 0
    for item in json.loads(text or "[]"):
        ws = Workspace.objects.get(slug=item["workspace"])
        versions = item["versions"]
        if not versions:
            continue
        journey = journey_save(workspace=ws, doc=load_journey(versions[-1]["yaml"]))
        journey.versions.all().delete()
        JourneyVersion.objects.bulk_create(
            JourneyVersion(
                journey=journey,
                number=v["number"],
                yaml=v["yaml"],
                note=v["note"],
                author=users.get(v["author"] or ""),
            )
            for v in versions
        )
        for v in versions:  # auto_now_add ignores a given time: set it afterwards
            journey.versions.filter(number=v["number"]).update(
                created=datetime.fromisoformat(v["created"])
            )
        restored += 1
    return restored
