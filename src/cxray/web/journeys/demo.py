"""The demo company's journey maps: the patient journey as is and to be (shipped YAML)."""

from __future__ import annotations

from cxray.demo.journeys import journey_texts
from cxray.web.journeys.services import journey_import
from cxray.web.workspaces.models import Workspace


def journeys_demo_install(*, workspace: Workspace) -> list[str]:
    """Import every shipped demo journey into ``workspace``; return their codes."""
    return [
        journey_import(workspace=workspace, text=text, source=name, note="demo").code
        for name, text in journey_texts().items()
    ]
