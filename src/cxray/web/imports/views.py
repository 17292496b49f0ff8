from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cxray.errors import CxrayError, NotFoundError
from cxray.ingest import ImportRejected, parse_file
from cxray.ingest.fields import FIELDS
from cxray.web.accounts.scope import can_import
from cxray.web.imports.forms import UploadForm
from cxray.web.imports.selectors import import_run_get, import_run_list
from cxray.web.imports.services import import_run
from cxray.web.imports.uploads import original_name, upload_path, upload_save
from cxray.web.workspaces.decorators import workspace_view

PREVIEW_ROWS = 10


@workspace_view(allow=can_import)
def imports(request: HttpRequest) -> HttpResponse:
    """Step 1: choose the kind and upload the file."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        token, _path = upload_save(
            workspace_slug=request.workspace.slug, upload=form.cleaned_data["file"]
        )
        query = f"?kind={form.cleaned_data['kind']}&date_order={form.cleaned_data['date_order']}"
        return redirect(f"{request.path}{token}/{query}")
    runs = import_run_list(workspace=request.workspace)[:50]
    return render(request, "imports/index.html", {"form": form, "runs": runs})


@workspace_view(allow=can_import)
def preview(request: HttpRequest, token: str) -> HttpResponse:
    """Step 2: see how the columns were understood, fix the mapping, then import."""
    try:
        path = upload_path(workspace_slug=request.workspace.slug, token=token)
    except NotFoundError as exc:
        raise Http404(str(exc)) from exc
    params = request.POST if request.method == "POST" else request.GET
    kind = params.get("kind", "feedback")
    date_order = params.get("date_order") or None
    mapping = {
        f.name: params[f"map_{f.name}"] for f in FIELDS.get(kind, ()) if params.get(f"map_{f.name}")
    }
    if request.method == "POST" and "import" in request.POST:
        try:
            run = import_run(
                workspace=request.workspace,
                kind=kind,
                path=path,
                file_name=original_name(path),
                user=request.user,
                mapping=mapping or None,
                date_order=date_order,
                open_cases_days=params.get("open_cases_days") or None,
            )
        except ImportRejected as rejected:
            messages.error(request, _("The file was not imported: fix the rows listed below."))
            return _render_preview(request, path, kind, date_order, mapping, rejected.parsed)
        except CxrayError as exc:
            messages.error(request, str(exc))
        else:
            path.unlink(missing_ok=True)
            messages.success(request, _("Import finished."))
            if run.cases is not None:
                messages.info(
                    request,
                    _("Cases opened: %(opened)s; joined to open cases: %(joined)s.") % run.cases,
                )
            return redirect("import_detail", slug=request.workspace.slug, pk=run.pk)
    try:
        parsed = parse_file(
            kind,
            path,
            workspace=request.workspace.slug,
            mapping=mapping or None,
            date_order=date_order,
        )
    except ImportRejected as rejected:
        parsed = rejected.parsed
    except CxrayError as exc:
        messages.error(request, str(exc))
        parsed = None
    return _render_preview(request, path, kind, date_order, mapping, parsed)


def _render_preview(request, path, kind, date_order, mapping, parsed) -> HttpResponse:
    headers = list(parsed.details.get("source_headers", [])) if parsed is not None else []
    column_map = dict(parsed.column_map) if parsed is not None else {}
    fields = [
        {"name": f.name, "chosen": mapping.get(f.name) or column_map.get(f.name, "")}
        for f in FIELDS.get(kind, ())
    ]
    preview_rows = parsed.preview(PREVIEW_ROWS) if parsed is not None else []
    return render(
        request,
        "imports/preview.html",
        {
            "file_name": original_name(path),
            "kind": kind,
            "date_order": date_order or "",
            "headers": headers,
            "fields": fields,
            "parsed": parsed,
            "preview_columns": list(preview_rows[0].keys()) if preview_rows else [],
            "preview_rows": [list(r.values()) for r in preview_rows],
            "errors": parsed.errors[:200] if parsed is not None else [],
            "open_cases_days": request.POST.get("open_cases_days", ""),
        },
    )


@workspace_view(allow=can_import)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = import_run_get(workspace=request.workspace, pk=pk)
    from cxray.web.cases.imported import import_case_check

    return render(
        request, "imports/detail.html", {"run": run, "cases": import_case_check(import_run=run)}
    )
