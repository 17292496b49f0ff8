from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from cxray.web.imports.models import ImportRun
from cxray.web.workspaces.models import Workspace


def import_run_list(*, workspace: Workspace) -> QuerySet[ImportRun]:
    return ImportRun.objects.filter(workspace=workspace).select_related("created_by")


def import_run_get(*, workspace: Workspace, pk: int) -> ImportRun:
    return get_object_or_404(ImportRun, workspace=workspace, pk=pk)
