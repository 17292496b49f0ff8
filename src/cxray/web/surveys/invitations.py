"""Email invitations under the contact policy: who may be asked, when, and how often.

Every personal link is created here and nowhere else, so the policy holds for every survey
and channel: one invitation per person (by email or customer id) per ``min_days_between``
days, none during quiet hours (they wait), none ever again after an opt-out, at most
``journey_cap`` per person per journey per year, and one reminder.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cxray.errors import InvalidInputError
from cxray.web.surveys.models import (
    LANGUAGES,
    REASONS,
    Contact,
    ContactPolicy,
    Invitation,
    InvitationStatus,
    Survey,
    SurveyStatus,
)
from cxray.web.workspaces.models import Workspace

log = logging.getLogger(__name__)

# Invitations that count as "asked": the person got (or is about to get) a mail.
ASKED = (InvitationStatus.SENT, InvitationStatus.ANSWERED, InvitationStatus.WAITING)
CAP_PERIOD = timedelta(days=365)
MAX_CONTACTS = 10_000


@dataclass(frozen=True, slots=True)
class ContactIn:
    email: str
    name: str = ""
    customer_id: str = ""
    language: str = ""


@dataclass(frozen=True, slots=True)
class InviteResult:
    """What happened to one contact: sent, skipped, waiting (quiet hours) or failed."""

    email: str
    status: str
    reason: str = ""
    detail: str = ""
    invitation_id: int | None = None

    @property
    def reason_text(self) -> str:
        text = REASONS.get(self.reason)
        return str(text) % {"detail": self.detail} if text is not None else self.reason


@dataclass(frozen=True, slots=True)
class RemindResult:
    sent: int = 0
    opted_out: int = 0
    waiting: int = 0
    failed: int = 0


def public_base_url() -> str:
    """Where the public pages live, for links in mails (CXRAY_PUBLIC_URL)."""
    base = getattr(settings, "CXRAY_PUBLIC_URL", "") or os.environ.get("CXRAY_PUBLIC_URL", "")
    return (base or "http://127.0.0.1:8000").rstrip("/")


# --- the policy ----------------------------------------------------------------------------
def policy_for(workspace: Workspace) -> ContactPolicy:
    policy, _created = ContactPolicy.objects.get_or_create(workspace=workspace)
    return policy


def _zone(policy: ContactPolicy):
    if policy.time_zone:
        try:
            return ZoneInfo(policy.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("unknown time zone %r in the contact policy", policy.time_zone)
    return timezone.get_default_timezone()


def policy_update(*, workspace: Workspace, **fields: object) -> ContactPolicy:
    allowed = {
        "min_days_between",
        "quiet_start_hour",
        "quiet_end_hour",
        "journey_cap",
        "reminder_after_days",
        "time_zone",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInputError(f"cannot change {', '.join(sorted(unknown))} of a contact policy")
    for hour in ("quiet_start_hour", "quiet_end_hour"):
        if hour in fields and not 0 <= int(fields[hour]) <= 23:  # type: ignore[call-overload]
            raise InvalidInputError(f"{hour} must be an hour from 0 to 23")
    zone = str(fields.get("time_zone") or "").strip()
    if zone:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidInputError(f"unknown time zone {zone!r}") from exc
    policy = policy_for(workspace)
    for key, value in fields.items():
        setattr(policy, key, value.strip() if isinstance(value, str) else value)
    policy.save()
    return policy


def quiet_until(policy: ContactPolicy, now: datetime) -> datetime | None:
    """The end of the quiet hours if ``now`` falls in them (workspace time), else None."""
    start, end = policy.quiet_start_hour, policy.quiet_end_hour
    if start == end:
        return None
    local = now.astimezone(_zone(policy))
    hour = local.hour
    quiet = (hour >= start or hour < end) if start > end else (start <= hour < end)
    if not quiet:
        return None
    until = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if until <= local:
        until += timedelta(days=1)
    return until


def _same_person(contact: Contact, prefix: str = "contact__") -> Q:
    q = Q(**{f"{prefix}email": contact.email})
    if contact.customer_id:
        q |= Q(**{f"{prefix}customer_id": contact.customer_id})
    return q


def _opted_out(contact: Contact) -> bool:
    if contact.opted_out_at is not None:
        return True
    return (
        Contact.objects.filter(workspace_id=contact.workspace_id, opted_out_at__isnull=False)
        .filter(_same_person(contact, prefix=""))
        .exists()
    )


def _journey(survey: Survey) -> str:
    return survey.touchpoint.journey if survey.touchpoint_id and survey.touchpoint else ""


def policy_check(
    *, policy: ContactPolicy, survey: Survey, contact: Contact, now: datetime
) -> tuple[str, str] | None:
    """Why this person may not be invited now (reason code, detail), or None."""
    if _opted_out(contact):
        return "opted_out", ""
    asked = Invitation.objects.filter(workspace_id=survey.workspace_id, status__in=ASKED).filter(
        _same_person(contact)
    )
    if policy.min_days_between:
        since = now - timedelta(days=policy.min_days_between)
        recent = (
            asked.filter(Q(sent_at__gte=since) | Q(sent_at__isnull=True, created_at__gte=since))
            .order_by("-created_at")
            .first()
        )
        if recent is not None:
            at = timezone.localtime(recent.sent_at or recent.created_at, _zone(policy))
            return "recent", at.date().isoformat()
    if policy.journey_cap:
        journey = _journey(survey)
        same_journey = (
            Q(survey__touchpoint__journey=journey)
            if journey
            else Q(survey__touchpoint__isnull=True) | Q(survey__touchpoint__journey="")
        )
        n = asked.filter(same_journey, created_at__gte=now - CAP_PERIOD).count()
        if n >= policy.journey_cap:
            return "cap", str(n)
    return None


# --- contacts ------------------------------------------------------------------------------
def _contact_upsert(workspace: Workspace, c: ContactIn) -> Contact:
    email = c.email.strip().lower()
    contact = Contact.objects.select_for_update().filter(workspace=workspace, email=email).first()
    language = c.language.strip().lower()[:2]
    language = language if language in LANGUAGES else ""
    if contact is None:
        return Contact.objects.create(
            workspace=workspace,
            email=email,
            name=c.name.strip()[:200],
            customer_id=c.customer_id.strip()[:128],
            language=language,
        )
    changed = False
    for field, value in (
        ("name", c.name.strip()[:200]),
        ("customer_id", c.customer_id.strip()[:128]),
        ("language", language),
    ):
        if value and getattr(contact, field) != value:
            setattr(contact, field, value)
            changed = True
    if changed:
        contact.save(update_fields=["name", "customer_id", "language"])
    return contact


def contacts_from_csv(text: str) -> list[ContactIn]:
    """Rows of email,name,customer_id,language (a header row is optional; ; works too)."""
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if rows and rows[0] and "@" not in rows[0][0]:
        header = [h.strip().lower() for h in rows[0]]
        if "email" not in header:
            raise InvalidInputError(
                "the CSV needs an 'email' column (email,name,customer_id,language)"
            )
        columns = {name: header.index(name) for name in header}
        rows = rows[1:]
    else:
        columns = {"email": 0, "name": 1, "customer_id": 2, "language": 3}

    def cell(row: list[str], name: str) -> str:
        i = columns.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    out = [
        ContactIn(
            email=cell(r, "email"),
            name=cell(r, "name"),
            customer_id=cell(r, "customer_id"),
            language=cell(r, "language"),
        )
        for r in rows
        if any(x.strip() for x in r)
    ]
    if len(out) > MAX_CONTACTS:
        raise InvalidInputError(f"at most {MAX_CONTACTS} contacts at a time")
    return out


def contacts_from_text(text: str) -> list[ContactIn]:
    """Pasted addresses, separated by new lines, commas, semicolons or spaces."""
    out = [ContactIn(email=p) for p in re.split(r"[\s,;]+", text) if p.strip()]
    if len(out) > MAX_CONTACTS:
        raise InvalidInputError(f"at most {MAX_CONTACTS} contacts at a time")
    return out


# --- mail ----------------------------------------------------------------------------------
def _language(invitation: Invitation) -> str:
    for lang in (invitation.language, invitation.contact.language, invitation.workspace.language):
        if lang in LANGUAGES:
            return lang
    return settings.LANGUAGE_CODE


def personal_link(invitation: Invitation, base_url: str, lang: str) -> str:
    return f"{base_url}/s/{invitation.survey.public_token}/?i={invitation.token}&lang={lang}"


def optout_link(contact: Contact, base_url: str, lang: str) -> str:
    return f"{base_url}/s/optout/{contact.opt_out_token}/?lang={lang}"


def _message(
    invitation: Invitation, base_url: str, *, reminder: bool, connection
) -> EmailMultiAlternatives:
    lang = _language(invitation)
    contact, survey = invitation.contact, invitation.survey
    optout = optout_link(contact, base_url, lang)
    with translation.override(lang):
        company = survey.workspace.name
        if reminder:
            subject = _("Reminder: %(company)s asks one question") % {"company": company}
        else:
            subject = _("%(company)s asks one question") % {"company": company}
        context = {
            "lang": lang,
            "name": contact.name,
            "company": company,
            "question": survey.question(lang),
            "link": personal_link(invitation, base_url, lang),
            "optout": optout,
            "reminder": reminder,
        }
        text = render_to_string("surveys/mail/invitation.txt", context)
        html = render_to_string("surveys/mail/invitation.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[contact.email],
        connection=connection,
        headers={
            "List-Unsubscribe": f"<{optout}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Content-Language": lang,
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def _deliver(invitations: list[Invitation], base_url: str, *, reminder: bool) -> dict[int, str]:
    """Send the mails over one connection; return {invitation pk: error} for those that failed."""
    errors: dict[int, str] = {}
    if not invitations:
        return errors
    connection = get_connection()
    try:
        connection.open()
    except Exception as exc:  # the server is down: every mail of this round failed
        return {inv.pk: str(exc)[:300] or exc.__class__.__name__ for inv in invitations}
    try:
        for inv in invitations:
            try:
                _message(inv, base_url, reminder=reminder, connection=connection).send()
            except Exception as exc:
                log.warning("invitation %s not sent: %s", inv.pk, exc)
                errors[inv.pk] = str(exc)[:300] or exc.__class__.__name__
    finally:
        try:
            connection.close()
        except Exception:
            log.exception("closing the mail connection failed")
    return errors


def _mark_failed(errors: dict[int, str]) -> None:
    for pk, error in errors.items():
        Invitation.objects.filter(pk=pk).update(
            status=InvitationStatus.FAILED, skip_reason="send_error", detail=error, sent_at=None
        )


# --- sending -------------------------------------------------------------------------------
def invitations_send(
    *,
    survey: Survey,
    contacts: list[ContactIn],
    base_url: str | None = None,
    now: datetime | None = None,
) -> list[InviteResult]:
    """Invite each contact under the workspace's contact policy; one result per contact.

    A contact the policy excludes gets a skipped invitation with the reason; during quiet
    hours the invitation waits (``invitations_send_due`` sends it when they end).
    """
    if survey.status != SurveyStatus.PUBLISHED:
        raise InvalidInputError(
            f"survey {survey.name!r} is not published: publish it before inviting anyone"
        )
    base_url = (base_url or public_base_url()).rstrip("/")
    now = now or timezone.now()
    workspace = survey.workspace
    policy = policy_for(workspace)
    quiet = quiet_until(policy, now)
    results: list[InviteResult] = []
    to_send: list[Invitation] = []
    for c in contacts:
        email = c.email.strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            results.append(InviteResult(email=email, status="skipped", reason="invalid_email"))
            continue
        with transaction.atomic():
            contact = _contact_upsert(
                workspace, ContactIn(email, c.name, c.customer_id, c.language)
            )
            blocked = policy_check(policy=policy, survey=survey, contact=contact, now=now)
            fields: dict = {"workspace": workspace, "survey": survey, "contact": contact}
            fields["language"] = contact.language
            if blocked is not None:
                inv = Invitation.objects.create(
                    **fields,
                    status=InvitationStatus.SKIPPED,
                    skip_reason=blocked[0],
                    detail=blocked[1],
                )
            elif quiet is not None:
                inv = Invitation.objects.create(
                    **fields,
                    status=InvitationStatus.WAITING,
                    skip_reason="quiet_hours",
                    detail=quiet.strftime("%Y-%m-%d %H:%M"),
                    send_after=quiet,
                )
            else:
                inv = Invitation.objects.create(**fields, status=InvitationStatus.SENT, sent_at=now)
                to_send.append(inv)
        results.append(
            InviteResult(
                email=email,
                status=inv.status,
                reason=inv.skip_reason,
                detail=inv.detail,
                invitation_id=inv.pk,
            )
        )
    if quiet is not None and any(r.status == InvitationStatus.WAITING for r in results):
        from cxray.web.surveys.services import background_start

        background_start()
    errors = _deliver(to_send, base_url, reminder=False)
    _mark_failed(errors)
    if errors:
        results = [
            InviteResult(r.email, "failed", "send_error", errors[r.invitation_id], r.invitation_id)
            if r.invitation_id in errors
            else r
            for r in results
        ]
    return results


def invitations_send_due(
    *, workspace: Workspace | None = None, base_url: str | None = None, now: datetime | None = None
) -> int:
    """Send the invitations that waited for the end of quiet hours; return how many went.

    Each is claimed with a conditional update, so two processes never send one twice.
    """
    base_url = (base_url or public_base_url()).rstrip("/")
    now = now or timezone.now()
    due = Invitation.objects.filter(status=InvitationStatus.WAITING, send_after__lte=now)
    if workspace is not None:
        due = due.filter(workspace=workspace)
    claimed: list[Invitation] = []
    policies: dict[int, ContactPolicy] = {}
    for inv in due.select_related("contact", "survey", "workspace"):
        policy = policies.setdefault(inv.workspace_id, policy_for(inv.workspace))
        later = quiet_until(policy, now)
        if later is not None:  # the quiet hours changed since: wait again
            Invitation.objects.filter(pk=inv.pk).update(
                send_after=later, detail=later.strftime("%Y-%m-%d %H:%M")
            )
            continue
        if _opted_out(inv.contact) or inv.survey.status != SurveyStatus.PUBLISHED:
            reason = "opted_out" if _opted_out(inv.contact) else "send_error"
            Invitation.objects.filter(pk=inv.pk, status=InvitationStatus.WAITING).update(
                status=InvitationStatus.SKIPPED,
                skip_reason=reason,
                detail="" if reason == "opted_out" else "survey closed",
            )
            continue
        won = Invitation.objects.filter(pk=inv.pk, status=InvitationStatus.WAITING).update(
            status=InvitationStatus.SENT, skip_reason="", detail="", sent_at=now
        )
        if won:
            claimed.append(inv)
    errors = _deliver(claimed, base_url, reminder=False)
    _mark_failed(errors)
    return len(claimed) - len(errors)


def invitations_remind(
    *, survey: Survey, base_url: str | None = None, now: datetime | None = None
) -> RemindResult:
    """One reminder to each invitee who has not answered ``reminder_after_days`` after the
    invitation; never a second one, never to someone who opted out, not in quiet hours."""
    base_url = (base_url or public_base_url()).rstrip("/")
    now = now or timezone.now()
    policy = policy_for(survey.workspace)
    eligible = survey.invitations.filter(
        status=InvitationStatus.SENT,
        reminded_at__isnull=True,
        sent_at__lte=now - timedelta(days=policy.reminder_after_days),
        responses__isnull=True,
    ).select_related("contact", "survey", "workspace")
    if quiet_until(policy, now) is not None:
        return RemindResult(waiting=eligible.filter(contact__opted_out_at__isnull=True).count())
    opted_out = 0
    claimed: list[Invitation] = []
    for inv in eligible:
        if _opted_out(inv.contact):
            opted_out += 1
            continue
        if Invitation.objects.filter(pk=inv.pk, reminded_at__isnull=True).update(reminded_at=now):
            claimed.append(inv)
    errors = _deliver(claimed, base_url, reminder=True)
    # A reminder that did not go may be tried again.
    Invitation.objects.filter(pk__in=list(errors)).update(reminded_at=None)
    return RemindResult(sent=len(claimed) - len(errors), opted_out=opted_out, failed=len(errors))


# --- the respondent's side ----------------------------------------------------------------
def invitation_for_link(*, survey: Survey, token: str) -> Invitation | None:
    """The invitation behind ``?i=`` of this survey's personal link, if it is one."""
    token = (token or "").strip()[:32]
    if not token:
        return None
    return (
        Invitation.objects.select_related("contact")
        .filter(
            survey=survey,
            token=token,
            status__in=(InvitationStatus.SENT, InvitationStatus.ANSWERED),
        )
        .first()
    )


def contact_opt_out(*, token: str, now: datetime | None = None) -> Contact | None:
    """Opt the contact behind an opt-out link out of every survey, for good."""
    contact = Contact.objects.select_related("workspace").filter(opt_out_token=token).first()
    if contact is None:
        return None
    if contact.opted_out_at is None:
        contact.opted_out_at = now or timezone.now()
        contact.save(update_fields=["opted_out_at"])
        Invitation.objects.filter(contact=contact, status=InvitationStatus.WAITING).update(
            status=InvitationStatus.SKIPPED, skip_reason="opted_out", detail=""
        )
    return contact
