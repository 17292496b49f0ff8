"""Audits requests by declaration, so a new view is covered without touching it.

- Every successful change inside a workspace (a web POST answered with a redirect, an API
  POST/PUT/PATCH/DELETE answered 2xx) is recorded under the URL's name.
- Reads of personal data are recorded for the views listed in ``PERSONAL_READS``: pages and
  downloads that show customers' or employees' names, contacts or comments.
Only the POST field ``action`` (which form on a page was sent) is kept; never values.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from cxray.web.audit.models import Kind
from cxray.web.audit.services import audit_record, pseudonym

# url name (web) or "api:<route>" → the action recorded when it is read.
PERSONAL_READS: dict[str, str] = {
    "survey_responses": "responses.view",
    "survey_responses_csv": "responses.export",
    "survey_invitations": "invitations.view",
    "text": "comments.view",
    "organisation": "employees.view",
    "export": "workspace.export",
    "cases": "cases.view",
    "cases_mine": "cases.view",
    "case_detail": "case.view",
    "research_interviews": "interviews.view",
    "research_interview": "interview.view",
    "customers": "customers.search",
    "customer_detail": "customer.view",
    "audit_log": "audit.view",
    "api:api/v1/employees": "employees.read",
    "api:api/v1/employees/<code>": "employee.read",
    "api:api/v1/reports/text": "comments.read",
    "api:api/v1/customers": "customers.search",
    "api:api/v1/customers/<customer_id>": "customer.read",
    "api:api/v1/audit": "audit.read",
}
CHANGE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
PSEUDONYMISED = {"customer_id"}


def audit_key(request: HttpRequest) -> tuple[str, str] | None:
    """(policy key, url name) of the resolved view, or None."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    if match.route.startswith("api/"):
        return f"api:{match.route}", match.url_name or match.route
    return match.url_name or "", match.url_name or ""


class AuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "workspace", None) is None or getattr(request, "_audited", False):
            return response  # public pages and pages outside a workspace; or done by the view
        found = audit_key(request)
        if found is None:
            return response
        key, name = found
        is_api = key.startswith("api:")
        kwargs = {k: v for k, v in request.resolver_match.kwargs.items() if k != "slug"}
        # A customer's id can be their email or phone: the log keeps a keyed hash of it.
        object_id = ",".join(
            f"{k}={pseudonym(str(v)) if k in PSEUDONYMISED else v}"
            for k, v in sorted(kwargs.items())
        )
        if request.method in CHANGE_METHODS:
            succeeded = (
                200 <= response.status_code < 300
                if is_api
                else response.status_code
                in (
                    301,
                    302,
                    303,
                )
            )
            if succeeded:
                form = request.POST.get("action", "") if not is_api else ""
                audit_record(
                    request=request,
                    action=f"{name}.{form}" if form else name,
                    kind=Kind.CHANGE,
                    object_type=name,
                    object_id=object_id,
                    detail=f"{request.method} {request.path}"[:500],
                )
        elif key in PERSONAL_READS and response.status_code == 200:
            query = "&".join(sorted(k for k in request.GET if k != "csrfmiddlewaretoken"))
            audit_record(
                request=request,
                action=PERSONAL_READS[key],
                kind=Kind.READ,
                object_type=name,
                object_id=object_id,
                detail=f"filters: {query}" if query else "",
            )
        return response
