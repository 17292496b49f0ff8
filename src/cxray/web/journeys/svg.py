"""The journey map as one SVG picture (for workshops: print it, put it on a wall, paste it
into slides). Stages across, lanes down, the live figures in the touchpoint row.

Every text placed in it is escaped here; numbers are formatted here.
"""

from __future__ import annotations

import math
import textwrap
from html import escape

from django.utils.translation import gettext as _

from cxray.web.journeys.selectors import JourneyMap, StepView

COL = 168  # px per step
LABEL = 120  # the lane labels on the left
LINE = 13  # px per text line
EVIDENCE_DASH = {"measured": "", "partly": "5,3", "assumed": "2,3"}
EMOTION_FACES = {-2: "😠", -1: "🙁", 0: "😐", 1: "🙂", 2: "😀"}


def _lanes() -> list[tuple[str, str, int]]:
    """(key, label, lines) of each lane, top to bottom."""
    return [
        ("title", _("Step"), 2),
        ("customer", _("Customer does"), 4),
        ("touchpoint", _("Touchpoint and figures"), 6),
        ("frontstage", _("Frontstage"), 3),
        ("backstage", _("Backstage"), 3),
        ("support", _("Support processes"), 3),
        ("communications", _("Communications"), 5),
        ("expectations", _("Expectations"), 4),
        ("emotion", _("Emotion"), 2),
    ]


def _wrap(text: str, lines: int, width: int = 26) -> list[str]:
    out = textwrap.wrap(text.replace("\n", " "), width) or []
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1] + "…"
    return out


def _fmt(v: float, digits: int = 0) -> str:
    return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{digits}f}"


def _touchpoint_lines(s: StepView) -> list[str]:
    lines = []
    if s.step.touchpoint:
        lines.append(f"{s.step.touchpoint} · {s.step.channel or '—'} · {s.owner or '—'}")
    f = s.figures
    if f is None:
        lines.append(_("assumed: no data"))
        return lines
    lines.append(_("reach %(n)s") % {"n": f.reach})
    p = f.primary
    if p is not None:
        lines.append(
            f"{p.metric.upper()} {_fmt(p.value, 1 if p.metric == 'ces' else 0)} "
            f"[{_fmt(p.low, 1 if p.metric == 'ces' else 0)}–"
            f"{_fmt(p.high, 1 if p.metric == 'ces' else 0)}] n={p.n}"
        )
    if f.churn is not None:
        lines.append(_("churn 90 d %(v)s%%") % {"v": _fmt(f.churn.value)})
    if f.revenue_at_risk is not None:
        lines.append(_("at risk %(v)s") % {"v": f"{f.revenue_at_risk.value:,.0f}"})
    if s.open_cases:
        lines.append(_("open cases %(n)s") % {"n": s.open_cases})
    return lines


def _cell_lines(s: StepView, lane: str, lines: int) -> list[str]:
    st = s.step
    if lane == "title":
        return _wrap(st.title, lines)
    if lane == "touchpoint":
        return _touchpoint_lines(s)[:lines]
    if lane == "communications":
        out = []
        for c in st.communications:
            out += _wrap(f"{'?' if c.survey else '✉'} {c.channel} {c.timing}: {c.message}", 2)
        return out[:lines]
    if lane == "expectations":
        e = st.expectations
        text = " / ".join(
            x for x in (f"+ {e.best}" if e.best else "", f"− {e.worst}" if e.worst else "") if x
        )
        return _wrap(text, lines)
    if lane == "emotion":
        return [EMOTION_FACES.get(st.emotion, "")] if st.emotion is not None else []
    return _wrap(getattr(st, lane), lines)


def journey_svg(m: JourneyMap) -> str:
    steps = m.steps
    lanes = _lanes()
    top = 40
    heights = [lines * LINE + 10 for _k, _l, lines in lanes]
    width = LABEL + COL * max(len(steps), 1) + 10
    height = top + 24 + sum(heights) + 10
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif" '
        f'font-size="10.5" role="img">',
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        f'<text x="8" y="22" font-size="16" font-weight="bold">{escape(m.journey.name)}'
        f" ({escape(m.journey.get_variant_display())})</text>",
    ]
    # Stage headers across.
    x = LABEL
    for stage in m.stages:
        w = COL * len(stage.steps)
        if w:
            out.append(
                f'<rect x="{x + 2}" y="{top}" width="{w - 4}" height="20" rx="4" fill="#e8effa"/>'
                f'<text x="{x + 8}" y="{top + 14}" font-weight="bold">'
                f"{escape(_wrap(stage.name, 1, max(8, w // 7))[0] if stage.name else '')}</text>"
            )
        x += w
    y = top + 24
    seams = {s.after for s in m.seams}
    for (lane, label, lines), h in zip(lanes, heights, strict=True):
        out.append(f'<line x1="0" y1="{y}" x2="{width}" y2="{y}" stroke="#dfe4ea"/>')
        for i, text in enumerate(_wrap(label, 3, 16)):
            out.append(
                f'<text x="6" y="{y + 14 + i * LINE}" fill="#5d6b7c" font-weight="bold">'
                f"{escape(text)}</text>"
            )
        for col, s in enumerate(steps):
            cx = LABEL + col * COL
            if lane == "touchpoint":
                dash = EVIDENCE_DASH.get(s.evidence, "")
                out.append(
                    f'<rect x="{cx + 3}" y="{y + 3}" width="{COL - 6}" height="{h - 6}" rx="5" '
                    f'fill="#fff" stroke="#1f5fbf" stroke-dasharray="{dash}"/>'
                )
            if lane == "title" and s.step.key in seams:
                out.append(
                    f'<line x1="{cx}" y1="{top + 24}" x2="{cx}" y2="{height - 10}" '
                    'stroke="#c2571a" stroke-width="2" stroke-dasharray="6,4"/>'
                )
            weight = ' font-weight="bold"' if lane == "title" else ""
            for i, text in enumerate(_cell_lines(s, lane, lines)):
                out.append(
                    f'<text x="{cx + 8}" y="{y + 14 + i * LINE}"{weight}>{escape(text)}</text>'
                )
        y += h
    out.append("</svg>")
    return "\n".join(out)
