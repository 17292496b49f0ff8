"""/api/v1/customers: personal-data requests (administrators' tokens only)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from cxray.web.accounts.scope import can_manage
from cxray.web.privacy.services import customer_erase, customer_rows, customer_search

router = Router(tags=["personal data"])


class ErrorOut(Schema):
    detail: str


class CustomerOut(Schema):
    customer_id: str
    name: str
    email: str
    phone: str
    segment: str
    rows: dict[str, int]


class ErasedOut(Schema):
    removed: dict[str, int]


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut}


def _admin(request: HttpRequest) -> None:
    if not can_manage(request.membership):
        raise HttpError(403, "only an administrator's token may read or erase personal data")


@router.get("", response={200: list[CustomerOut], **ERRORS})
def customers(request: HttpRequest, q: Query[str]):
    """Customers whose id, email, name or phone matches ``q``, with their rows per table."""
    _admin(request)
    return [m.as_dict() for m in customer_search(workspace=request.workspace, query=q)]


@router.get("/{customer_id}", response={200: dict[str, int], **ERRORS})
def customer(request: HttpRequest, customer_id: str):
    """Rows per table that belong to the customer (an empty object: nothing is kept)."""
    _admin(request)
    return customer_rows(workspace=request.workspace, customer_id=customer_id)


@router.delete("/{customer_id}", response={200: ErasedOut, **ERRORS})
def customer_delete(request: HttpRequest, customer_id: str):
    """Erase the customer from both stores; the audit log keeps a hash of the id and counts."""
    _admin(request)
    request._audited = True  # the service writes the audit event itself
    return {
        "removed": customer_erase(
            workspace=request.workspace, customer_id=customer_id, request=request
        )
    }
