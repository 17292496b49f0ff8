"""Text analytics over a workspace's feedback: an incremental fill, then themes with figures.

``text_fill`` analyses (``cxray.text.analyze``) every comment and follow-up answer that has
no row in ``response_texts`` yet and stores the result, so a page never re-analyses what
it has seen; a re-run stores nothing new. ``text_report`` then aggregates per theme: how
often it comes up, in what mood, how the score of those who mention it compares with the
others', a monthly trend and quotes in the original language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import ibis
import pandas as pd
import pyarrow as pa

from cxray.analytics.schema import TABLES

FIELDS = ("comment", "follow_up")
BATCH = 5_000


class Source(Protocol):
    def table(self, name: str, workspace: str) -> ibis.Table: ...


def text_fill(store: Any, workspace: str, *, limit: int | None = None, memory: Any = None) -> int:
    """Analyse the texts not analysed yet; return how many were stored.

    ``memory``: a :class:`cxray.text.coding.CodingMemory` of people's verdicts on earlier
    codes, applied to the codes of these texts."""
    from cxray.text import analyze

    responses = store.table("responses", workspace)
    done = store.table("response_texts", workspace).select("row_key")
    parts = []
    for name in FIELDS:
        col = responses[name]
        part = responses.filter(col.notnull() & (col.strip().length() > 0)).select(
            response_key=responses.row_key, field=ibis.literal(name), text=col
        )
        parts.append(part.mutate(row_key=part.response_key.concat(":", name)))
    pending = ibis.union(*parts).anti_join(done, "row_key")
    if limit is not None:
        pending = pending.limit(limit)
    frame = pending.to_pandas()
    stored = 0
    for start in range(0, len(frame), BATCH):
        batch = frame.iloc[start : start + BATCH]
        unique = list(dict.fromkeys(batch["text"]))
        results = dict(zip(unique, analyze(unique), strict=True))
        rows = [_row(workspace, r, results[r.text], memory) for r in batch.itertuples(index=False)]
        table = pa.Table.from_pylist(rows, schema=TABLES["response_texts"].to_pyarrow())
        stored += store.write("response_texts", table)
    return stored


def _row(workspace: str, r: Any, a: Any, memory: Any = None) -> dict[str, Any]:
    codes = memory.apply(a.codes) if memory is not None else a.codes
    return {
        "workspace": workspace,
        "row_key": r.row_key,
        "response_key": r.response_key,
        "field": r.field,
        "language": a.language,
        "sentiment": a.sentiment.label,
        "sentiment_score": float(a.sentiment.score),
        "carriers": ",".join(a.sentiment.carriers),
        "themes": ",".join(dict.fromkeys(h.theme for h in a.themes)),
        "codes": ",".join(dict.fromkeys(f"{c.scheme}:{c.code}" for c in codes)),
        "masked": a.masked or a.text,
    }


@dataclass(frozen=True)
class ThemeFigure:
    theme: str
    mentions: int
    share: float  # of the analysed texts, in %
    negative_share: float  # of the theme's mentions, in %
    mean_sentiment: float
    score_with: float  # mean score (of the responses' own metric, NPS-scaled 0-10)
    score_without: float
    trend: dict[str, int]  # month -> mentions
    quotes: list[tuple[str, str, str]]  # (text, language, sentiment)


@dataclass(frozen=True)
class TextReport:
    texts: int
    pending: int
    by_language: dict[str, int]
    sentiment: dict[str, int]
    themes: list[ThemeFigure]
    follow_up_themes: list[ThemeFigure] = field(default_factory=list)
    months: dict[str, int] = field(default_factory=dict)  # month -> texts analysed
    # "What must change?" answers per theme and group: {group: {theme: answers}}
    follow_up_by_segment: dict[str, dict[str, int]] = field(default_factory=dict)
    follow_up_by_touchpoint: dict[str, dict[str, int]] = field(default_factory=dict)


def text_report(
    source: Source,
    workspace: str,
    *,
    start: date | None = None,
    end: date | None = None,
    language: str | None = None,
    touchpoint: str | None = None,
    segment: str | None = None,
    quotes: int = 3,
) -> TextReport:
    responses = source.table("responses", workspace)
    customers = source.table("customers", workspace).select("customer_id", "segment")
    responses = responses.left_join(customers, responses.customer_id == customers.customer_id)
    if segment:
        responses = responses.filter(responses.segment == segment)
    if start is not None:
        responses = responses.filter(responses.at >= start)
    if end is not None:
        responses = responses.filter(responses.at < ibis.date(end) + ibis.interval(days=1))
    if touchpoint:
        responses = responses.filter(responses.touchpoint_id == touchpoint)
    texts = source.table("response_texts", workspace)
    if language:
        texts = texts.filter(texts.language == language)
    # The predicate must name the selected relation, not the join it was selected from.
    picked = responses.select(
        "row_key", "at", "score", "scale_max", "metric", "segment", "touchpoint_id"
    )
    joined = texts.join(picked, texts.response_key == picked.row_key)
    frame = joined.select(
        "field",
        "language",
        "sentiment",
        "sentiment_score",
        "themes",
        "masked",
        "at",
        "score",
        "scale_max",
        "segment",
        "touchpoint_id",
    ).to_pandas()
    pending = _pending(source, workspace, responses)
    if frame.empty:
        return TextReport(texts=0, pending=pending, by_language={}, sentiment={}, themes=[])
    frame["score10"] = frame["score"] / frame["scale_max"].clip(lower=1) * 10
    frame["month"] = pd.to_datetime(frame["at"]).dt.strftime("%Y-%m")
    comments = frame[frame["field"] == "comment"]
    follow_ups = frame[frame["field"] == "follow_up"]
    return TextReport(
        texts=len(frame),
        pending=pending,
        by_language=frame["language"].value_counts().to_dict(),
        sentiment=frame["sentiment"].value_counts().to_dict(),
        themes=_themes(comments if len(comments) else frame, quotes),
        follow_up_themes=_themes(follow_ups, quotes),
        months=frame.groupby("month").size().to_dict(),
        follow_up_by_segment=_theme_counts(follow_ups, "segment"),
        follow_up_by_touchpoint=_theme_counts(follow_ups, "touchpoint_id"),
    )


def _theme_counts(frame: pd.DataFrame, by: str) -> dict[str, dict[str, int]]:
    """{group: {theme: texts}} for the rows with a group; a text may count in several themes."""
    rows = frame.dropna(subset=[by])
    exploded = rows.assign(theme=rows["themes"].fillna("").str.split(",")).explode("theme")
    exploded = exploded[exploded["theme"] != ""]
    counts = exploded.groupby([by, "theme"]).size()
    out: dict[str, dict[str, int]] = {}
    for (group, theme), n in counts.items():
        out.setdefault(str(group), {})[str(theme)] = int(n)
    return out


def _pending(source: Source, workspace: str, responses: ibis.Table) -> int:
    analysed = source.table("response_texts", workspace).select("response_key").distinct()
    with_text = responses.filter(
        (responses.comment.notnull() & (responses.comment.strip().length() > 0))
        | (responses.follow_up.notnull() & (responses.follow_up.strip().length() > 0))
    )
    return int(
        with_text.anti_join(analysed, with_text.row_key == analysed.response_key).count().execute()
    )


def _themes(frame: pd.DataFrame, n_quotes: int) -> list[ThemeFigure]:
    if frame.empty:
        return []
    exploded = frame.assign(theme=frame["themes"].fillna("").str.split(",")).explode("theme")
    exploded = exploded[exploded["theme"] != ""]
    total = len(frame)
    figures = []
    for theme, g in exploded.groupby("theme"):
        others = frame.loc[~frame.index.isin(g.index), "score10"]
        ordered = g.sort_values("sentiment_score")
        picks = pd.concat([ordered.head(n_quotes - 1), ordered.tail(1)]).drop_duplicates("masked")
        figures.append(
            ThemeFigure(
                theme=str(theme),
                mentions=len(g),
                share=100 * len(g) / total,
                negative_share=100 * float((g["sentiment"] == "negative").mean()),
                mean_sentiment=float(g["sentiment_score"].mean()),
                score_with=float(g["score10"].mean()),
                score_without=float(others.mean()) if len(others) else float("nan"),
                trend=g.groupby("month").size().to_dict(),
                quotes=[(q.masked, q.language, q.sentiment) for q in picks.itertuples()],
            )
        )
    figures.sort(key=lambda f: -f.mentions)
    return figures


def theme_drivers(
    source: Source,
    workspace: str,
    *,
    metric: str = "nps",
    n_boot: int = 200,
    method: str = "shapley",
) -> Any:
    """Which comment themes drive the score: Shapley values (or relative weights, see
    :func:`cxray.analytics.drivers.key_drivers`) over one row per answer, with a 0/1 column
    per taxonomy theme mentioned in its comment."""
    from cxray.analytics.drivers import key_drivers
    from cxray.errors import InsufficientDataError

    responses = source.table("responses", workspace)
    responses = responses.filter(responses.metric == metric)
    texts = source.table("response_texts", workspace)
    texts = texts.filter(texts.field == "comment")
    frame = (
        texts.join(responses.select("row_key", "score"), texts.response_key == responses.row_key)
        .select("themes", "score")
        .to_pandas()
    )
    if len(frame) < 30:
        raise InsufficientDataError(
            f"{len(frame)} analysed {metric} comments; theme drivers need at least 30"
        )
    dummies = frame["themes"].fillna("").str.get_dummies(sep=",")
    themes = [c for c in dummies.columns if c and dummies[c].sum() >= 10]
    if not themes:
        raise InsufficientDataError("no theme is mentioned in at least 10 comments")
    matrix = dummies[themes].astype(float).assign(score=frame["score"].astype(float))
    return key_drivers(matrix, "score", themes, method=method, n_boot=n_boot)
