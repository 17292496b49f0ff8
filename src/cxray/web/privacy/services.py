"""Personal-data requests: find everything about one customer, and erase it on request.

The customer is found in both stores: the app database (survey contacts, their invitations,
survey responses, and every other model with a ``customer_id`` column, such as cases) and
the analytics store (customers, transactions, interactions, responses, their analysed
texts, benchmark ratings). Erasure removes all of it in one go and writes an audit event
that keeps only a keyed hash of the id and the counts, never the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.db import models, transaction
from django.db.models import Q

from cxray.analytics.erasure import customer_erase as analytics_erase
from cxray.analytics.erasure import customer_footprint, customer_matches
from cxray.errors import InvalidInputError
from cxray.web.analytics_store import analytics
from cxray.web.audit.services import audit_record, pseudonym
from cxray.web.surveys.models import Contact, Invitation, SurveyResponse
from cxray.web.workspaces.models import Workspace


@dataclass
class CustomerMatch:
    """One person found by a search, with where their data lies (table → rows)."""

    customer_id: str
    name: str = ""
    email: str = ""
    phone: str = ""
    segment: str = ""
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    def as_dict(self) -> dict:
        return {
            "customer_id": self.customer_id,
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "segment": self.segment,
            "rows": self.rows,
        }


def _customer_id_models() -> list[type[models.Model]]:
    """App models that point at a customer by id and belong to a workspace (cases, …)."""
    found = []
    for model in apps.get_models():
        names = {f.name for f in model._meta.get_fields()}
        if "customer_id" in names and "workspace" in names and model is not Contact:
            found.append(model)
    return found


def _contacts(workspace: Workspace, *, customer_id: str, emails: set[str]):
    condition = Q(customer_id=customer_id) if customer_id else Q(pk__in=[])
    for email in emails:
        condition |= Q(email__iexact=email)
    return Contact.objects.filter(workspace=workspace).filter(condition)


def _responses(workspace: Workspace, customer_id: str, contacts):
    by_id = Q(customer_id=customer_id) if customer_id else Q(pk__in=[])
    return SurveyResponse.objects.filter(workspace=workspace).filter(
        by_id | Q(invitation__contact__in=contacts)
    )


def _app_rows(workspace: Workspace, customer_id: str, emails: set[str]) -> dict[str, int]:
    contacts = _contacts(workspace, customer_id=customer_id, emails=emails)
    rows = {
        "contacts": contacts.count(),
        "invitations": sum(c.invitations.count() for c in contacts),
        "app:surveys.surveyresponse": _responses(workspace, customer_id, contacts).count(),
    }
    for model in _customer_id_models():
        if model is SurveyResponse or not customer_id:
            continue
        rows[f"app:{model._meta.label_lower}"] = model.objects.filter(
            workspace=workspace, customer_id=customer_id
        ).count()
    return rows


def customer_search(*, workspace: Workspace, query: str) -> list[CustomerMatch]:
    """Customers matching an id, a name, an email or a phone number, in both stores."""
    query = (query or "").strip()
    if len(query) < 2:
        raise InvalidInputError(
            "type at least two characters of an id, a name, an email or a phone"
        )
    with analytics() as store:
        found = {
            r["customer_id"]: CustomerMatch(
                customer_id=r["customer_id"],
                name=r["name"] or "",
                email=r["email"] or "",
                phone=r["phone"] or "",
                segment=r["segment"] or "",
            )
            for r in customer_matches(store, workspace.slug, query)
        }
    contacts = Contact.objects.filter(workspace=workspace).filter(
        Q(email__iexact=query) | Q(customer_id=query) | Q(name__icontains=query)
    )[:50]
    for contact in contacts:
        key = contact.customer_id or contact.email
        match = found.setdefault(key, CustomerMatch(customer_id=contact.customer_id))
        match.email = match.email or contact.email
        match.name = match.name or contact.name
    for model in _customer_id_models():
        if (
            query not in found
            and model.objects.filter(workspace=workspace, customer_id=query).exists()
        ):
            found[query] = CustomerMatch(customer_id=query)
    for match in found.values():
        match.rows = customer_rows(
            workspace=workspace, customer_id=match.customer_id, email=match.email
        )
    return sorted(found.values(), key=lambda m: (m.customer_id, m.email))


def customer_rows(*, workspace: Workspace, customer_id: str, email: str = "") -> dict[str, int]:
    """Rows per table that belong to the customer, in both stores."""
    emails = _emails(workspace, customer_id, email)
    rows = _app_rows(workspace, customer_id, emails)
    if customer_id:
        with analytics() as store:
            rows.update(customer_footprint(store, workspace.slug, customer_id))
    return {k: v for k, v in rows.items() if v}


def _emails(workspace: Workspace, customer_id: str, email: str) -> set[str]:
    emails = {email.lower()} if email else set()
    if customer_id:
        emails |= {
            e.lower()
            for e in Contact.objects.filter(
                workspace=workspace, customer_id=customer_id
            ).values_list("email", flat=True)
            if e
        }
        with analytics() as store:
            t = store.table("customers", workspace.slug)
            for row in (
                t.filter(t.customer_id == customer_id).select("email").to_pyarrow().to_pylist()
            ):
                if row["email"]:
                    emails.add(row["email"].lower())
    return emails


def customer_erase(
    *, workspace: Workspace, customer_id: str, request=None, user=None
) -> dict[str, int]:
    """Erase the customer from both stores; returns the rows removed per table.

    ``customer_id`` may also be an email address: the contacts with it, and the customers
    whose email it is. Nothing is removed unless both stores succeed: the app database's
    deletes run in a transaction that commits only after the analytics store's has.
    """
    subject = (customer_id or "").strip()
    if not subject:
        raise InvalidInputError("give the customer's id (see `cxray customer find`)")
    ids, emails = _identify(workspace, subject)
    removed: dict[str, int] = {}
    with transaction.atomic():
        contacts = list(_contacts_of(workspace, ids, emails))
        responses = SurveyResponse.objects.filter(workspace=workspace).filter(
            Q(customer_id__in=ids) | Q(invitation__contact__in=contacts)
        )
        response_ids = list(responses.values_list("pk", flat=True))
        removed["app:surveys.surveyresponse"] = len(response_ids)
        for model in _customer_id_models():
            if model is SurveyResponse or not ids:
                continue
            count = model.objects.filter(workspace=workspace, customer_id__in=ids).count()
            model.objects.filter(workspace=workspace, customer_id__in=ids).delete()
            removed[f"app:{model._meta.label_lower}"] = count
        SurveyResponse.objects.filter(pk__in=response_ids).delete()
        removed["invitations"] = Invitation.objects.filter(contact__in=contacts).count()
        removed["contacts"] = len(contacts)
        Contact.objects.filter(pk__in=[c.pk for c in contacts]).delete()
        # Survey answers reach the analytics store as survey-response-<pk>; one through an
        # invitation may carry no customer id, so those are removed by their key.
        keys = [f"survey-response-{pk}" for pk in response_ids]
        with analytics() as store:
            removed.update(analytics_erase(store, workspace.slug, sorted(ids), keys))
        removed = {k: v for k, v in removed.items() if v}
        audit_record(
            action="customer.erase",
            workspace=workspace,
            request=request,
            user=user,
            object_type="customer",
            object_id=pseudonym(subject),
            detail=", ".join(f"{k} {v}" for k, v in sorted(removed.items())) or "nothing found",
        )
    return removed


def _identify(workspace: Workspace, subject: str) -> tuple[set[str], set[str]]:
    """The customer ids and email addresses that ``subject`` (an id or an email) stands for."""
    if "@" not in subject or _known_id(workspace, subject):
        return {subject}, _emails(workspace, subject, "")
    ids = {
        cid
        for cid in Contact.objects.filter(workspace=workspace, email__iexact=subject)
        .exclude(customer_id="")
        .values_list("customer_id", flat=True)
    }
    with analytics() as store:
        t = store.table("customers", workspace.slug)
        rows = t.filter(t.email.lower() == subject.lower()).select("customer_id").to_pyarrow()
        ids |= {r["customer_id"] for r in rows.to_pylist()}
    emails = {subject.lower()}
    for cid in ids:
        emails |= _emails(workspace, cid, "")
    return ids, emails


def _contacts_of(workspace: Workspace, ids: set[str], emails: set[str]):
    condition = Q(customer_id__in=ids) if ids else Q(pk__in=[])
    for email in emails:
        condition |= Q(email__iexact=email)
    return Contact.objects.filter(workspace=workspace).filter(condition)


def _known_id(workspace: Workspace, value: str) -> bool:
    with analytics() as store:
        return any(customer_footprint(store, workspace.slug, value).values())
