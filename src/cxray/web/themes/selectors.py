"""Reads for discovered themes and reviewed reason codes.

Discovered themes cover a whole workspace (quotes included), so only members who see the
whole workspace see them. Reason codes are read through the membership's scope, like the
text report, and the human verdicts replace the machine's codes where there is one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import ibis
from django.utils.translation import gettext_lazy as _

from cxray.text.coding import CODING_DIR
from cxray.text.taxonomy import load_taxonomy
from cxray.web.accounts.scope import Scope
from cxray.web.analytics_store import analytics
from cxray.web.dashboards.selectors import ScopedStore
from cxray.web.themes.models import (
    CodeReview,
    DiscoveredTheme,
    DiscoveryRun,
    RunStatus,
    ThemeEdit,
    Verdict,
)
from cxray.web.themes.services import SCHEMES
from cxray.web.workspaces.models import Workspace

SCHEME_NAMES = {"churn_reason": _("Churn reason"), "purchase_factor": _("Purchase factor")}


def run_latest(
    *, workspace: Workspace, field: str, done: bool = True, score_filter: str = ""
) -> DiscoveryRun | None:
    """The newest run of one field and score filter (only finished ones unless
    ``done=False``)."""
    runs = DiscoveryRun.objects.filter(workspace=workspace, field=field, score_filter=score_filter)
    if done:
        runs = runs.filter(status=RunStatus.DONE)
    return runs.defer("embeddings", "texts", "response_keys", "languages").first()


BAND_NAMES = {
    "nps:low": _("NPS detractors (0–6)"),
    "nps:middle": _("NPS passives (7–8)"),
    "nps:top": _("NPS promoters (9–10)"),
    "enps:low": _("eNPS detractors (0–6)"),
    "enps:middle": _("eNPS passives (7–8)"),
    "enps:top": _("eNPS promoters (9–10)"),
    "csat:low": _("CSAT low (1–2)"),
    "csat:middle": _("CSAT neutral (3)"),
    "csat:top": _("CSAT high (4–5)"),
    "ces:low": _("CES high effort (1–3)"),
    "ces:middle": _("CES neutral (4)"),
    "ces:top": _("CES low effort (5–7)"),
}
METRIC_NAMES = {"nps": "NPS", "enps": "eNPS", "csat": "CSAT", "ces": "CES"}


def score_filter_name(key: str) -> str:
    """What a run's score filter means, for people: "NPS detractors (0–6)", "CSAT", ""."""
    if key in BAND_NAMES:
        return str(BAND_NAMES[key])
    return METRIC_NAMES.get(key, key)


def score_filter_choices() -> list[tuple[str, str]]:
    """("", "all answers") then each metric and each of its bands, for a select box."""
    out: list[tuple[str, str]] = [("", str(_("all answers")))]
    for metric, name in METRIC_NAMES.items():
        out.append((metric, str(_("%(metric)s, every score") % {"metric": name})))
        out += [(k, str(v)) for k, v in BAND_NAMES.items() if k.startswith(f"{metric}:")]
    return out


def run_themes(*, run: DiscoveryRun | None) -> list[DiscoveredTheme]:
    if run is None:
        return []
    return list(run.themes.defer("centroid", "members"))


def edit_list(*, workspace: Workspace, field: str) -> list[ThemeEdit]:
    return list(
        ThemeEdit.objects.filter(workspace=workspace, field=field).select_related("created_by")
    )


def code_name(scheme: str, code: str, language: str) -> str:
    """A code's display name in ``language`` (the coding rules carry names in ru/uk/en)."""
    try:
        return load_taxonomy(CODING_DIR).name(code, language)
    except KeyError:
        return code


def code_choices(language: str) -> list[tuple[str, str]]:
    """("scheme:code", "Scheme: name") for every reviewable code."""
    return [
        (f"{scheme}:{code}", f"{SCHEME_NAMES[scheme]}: {code_name(scheme, code, language)}")
        for scheme, codes in SCHEMES.items()
        for code in codes
    ]


def _coded_texts(store, scope: Scope, workspace: Workspace) -> ibis.Table:
    """The workspace's texts with at least one reviewable code, inside the scope."""
    scoped = ScopedStore(store, scope)
    texts = scoped.table("response_texts", workspace.slug)
    responses = scoped.table("responses", workspace.slug)
    responses = responses.select(rk=responses.row_key, at=responses.at)
    joined = texts.join(responses, texts.response_key == responses.rk)
    wanted = None
    for scheme in SCHEMES:
        cond = joined.codes.contains(f"{scheme}:")
        wanted = cond if wanted is None else wanted | cond
    return joined.filter(joined.codes.notnull() & wanted)


def _reviews(workspace: Workspace) -> dict[tuple[str, str, str, str], CodeReview]:
    return {
        (r.response_key, r.field, r.scheme, r.code): r
        for r in CodeReview.objects.filter(workspace=workspace)
    }


@dataclass(frozen=True)
class CodedItem:
    scheme: str
    code: str
    evidence: str
    confidence: float | None
    review: CodeReview | None


@dataclass(frozen=True)
class CodedText:
    response_key: str
    field: str
    language: str
    text: str
    items: list[CodedItem] = field(default_factory=list)


def coded_texts(
    *,
    workspace: Workspace,
    scope: Scope,
    code: str | None = None,
    text_field: str | None = None,
    status: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, list[CodedText]]:
    """(total, one page) of texts with churn-reason or purchase-factor codes, newest first.

    ``code``: "scheme:code" to keep only texts with that code; ``status``: "unreviewed" or
    "reviewed" (texts with no verdict yet, or with one). Evidence and confidence are worked
    out again for the page's texts (the store keeps only the codes).
    """
    from cxray.text.coding import code_text
    from cxray.text.lemmas import lemmatize

    reviews = _reviews(workspace)
    reviewed_rows = sorted({f"{k}:{f}" for k, f, _s, _c in reviews})
    with analytics() as store:
        t = _coded_texts(store, scope, workspace)
        if code:
            t = t.filter(ibis.literal(",").concat(t.codes, ",").contains(f",{code},"))
        if text_field:
            t = t.filter(t.field == text_field)
        if status == "reviewed":
            t = t.filter(t.row_key.isin(reviewed_rows or [""]))
        elif status == "unreviewed" and reviewed_rows:
            t = t.filter(~t.row_key.isin(reviewed_rows))
        total = int(t.count().execute())
        frame = (
            t.select("response_key", "field", "language", "masked", "codes", "at")
            .order_by([ibis.desc("at"), "response_key", "field"])
            .limit(limit, offset=offset)
            .to_pandas()
        )
    rows = []
    for r in frame.itertuples(index=False):
        text, lang = str(r.masked or ""), str(r.language or "unknown")
        found = {(c.scheme, c.code): c for c in code_text(text, lang, lemmatize(text, lang))}
        items = []
        for item in str(r.codes or "").split(","):
            scheme, _sep, name = item.partition(":")
            if scheme not in SCHEMES:
                continue
            hit = found.get((scheme, name))
            items.append(
                CodedItem(
                    scheme=scheme,
                    code=name,
                    evidence=hit.evidence if hit else "",
                    confidence=hit.confidence if hit else None,
                    review=reviews.get((str(r.response_key), str(r.field), scheme, name)),
                )
            )
        rows.append(CodedText(str(r.response_key), str(r.field), lang, text, items))
    return total, rows


@dataclass(frozen=True)
class CodeCount:
    """One code's count over texts. ``count`` follows the human verdict where there is one.

    ``machine``: texts the rules coded; ``confirmed``: of ``count``, texts a person confirmed
    (or corrected into this code); ``rejected`` and ``corrected_away``: machine codes a person
    took off.
    """

    scheme: str
    code: str
    count: int
    machine: int
    confirmed: int
    rejected: int
    corrected_away: int


def code_counts(
    *, workspace: Workspace, scope: Scope, text_field: str | None = None
) -> list[CodeCount]:
    """Texts per churn-reason and purchase-factor code, human verdicts merged in."""
    with analytics() as store:
        t = _coded_texts(store, scope, workspace)
        if text_field:
            t = t.filter(t.field == text_field)
        frame = t.select("response_key", "field", "codes").to_pandas()
    reviews = _reviews(workspace)
    machine, final, confirmed = Counter[tuple](), Counter[tuple](), Counter[tuple]()
    rejected, away = Counter[tuple](), Counter[tuple]()
    for r in frame.itertuples(index=False):
        key, fld = str(r.response_key), str(r.field)
        kept: set[tuple[str, str]] = set()
        human: set[tuple[str, str]] = set()
        for item in dict.fromkeys(str(r.codes or "").split(",")):
            scheme, _sep, code = item.partition(":")
            if scheme not in SCHEMES:
                continue
            machine[(scheme, code)] += 1
            review = reviews.get((key, fld, scheme, code))
            if review is None:
                kept.add((scheme, code))
            elif review.verdict == Verdict.CONFIRMED:
                kept.add((scheme, code))
                human.add((scheme, code))
            elif review.verdict == Verdict.REJECTED:
                rejected[(scheme, code)] += 1
            elif review.verdict == Verdict.CORRECTED:
                away[(scheme, code)] += 1
                kept.add((scheme, review.corrected_code))
                human.add((scheme, review.corrected_code))
        final.update(kept)
        confirmed.update(human)
    out = [
        CodeCount(
            scheme=scheme,
            code=code,
            count=final[(scheme, code)],
            machine=machine[(scheme, code)],
            confirmed=confirmed[(scheme, code)],
            rejected=rejected[(scheme, code)],
            corrected_away=away[(scheme, code)],
        )
        for scheme, codes in SCHEMES.items()
        for code in codes
        if machine[(scheme, code)] or final[(scheme, code)]
    ]
    out.sort(key=lambda c: (c.scheme, -c.count, c.code))
    return out
