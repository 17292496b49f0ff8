"""Small server-rendered SVG charts: no JavaScript, readable without colour, printable.

Each function returns the SVG markup as a string for a template to include with |safe;
every number placed in it is formatted here, never taken from user text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

import numpy as np


@dataclass(frozen=True)
class Point:
    label: str
    value: float
    low: float
    high: float
    n: int
    reliable: bool = True


def _scale(lo: float, hi: float, top: float, bottom: float) -> Callable[[float], float]:
    span = (hi - lo) or 1.0
    return lambda v: bottom - (v - lo) / span * (bottom - top)


def trend_svg(
    points: Sequence[Point], *, width: int = 720, height: int = 220, unit: str = ""
) -> str:
    """A line with its 95% interval band; unreliable points are hollow."""
    if not points:
        return ""
    pad_l, pad_r, pad_t, pad_b = 44, 30, 12, 28
    lo = min(p.low for p in points)
    hi = max(p.high for p in points)
    y = _scale(lo, hi, pad_t, height - pad_b)
    step = (width - pad_l - pad_r) / max(len(points) - 1, 1)

    def x(i: int) -> float:
        return pad_l + i * step

    band = " ".join(f"{x(i):.1f},{y(p.high):.1f}" for i, p in enumerate(points))
    band += " " + " ".join(
        f"{x(i):.1f},{y(p.low):.1f}" for i, p in reversed(list(enumerate(points)))
    )
    line = " ".join(f"{x(i):.1f},{y(p.value):.1f}" for i, p in enumerate(points))
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<polygon points="{band}" fill="#1f5fbf" fill-opacity="0.12"/>',
        f'<polyline points="{line}" fill="none" stroke="#1f5fbf" stroke-width="2"/>',
    ]
    for tick in (lo, (lo + hi) / 2, hi):
        parts.append(
            f'<text x="{pad_l - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" class="tick">'
            f"{tick:.0f}{escape(unit)}</text>"
        )
    every = max(1, len(points) // 8)
    for i, p in enumerate(points):
        fill = "#1f5fbf" if p.reliable else "#fff"
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(p.value):.1f}" r="3.5" fill="{fill}" '
            f'stroke="#1f5fbf"><title>{escape(p.label)}: {p.value:.1f} '
            f"[{p.low:.1f}; {p.high:.1f}], n={p.n}</title></circle>"
        )
        if i % every == 0 or i == len(points) - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="middle" class="tick">'
                f"{escape(p.label)}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def bars_svg(points: Sequence[Point], *, width: int = 1000, row: int = 26, unit: str = "") -> str:
    """Horizontal bars with interval whiskers, one row per group, zero line marked."""
    if not points:
        return ""
    label_w, pad_r = 220, 60
    lo = min(0.0, min(p.low for p in points))
    hi = max(0.0, max(p.high for p in points))
    span = (hi - lo) or 1.0

    def x(v: float) -> float:
        return label_w + (v - lo) / span * (width - label_w - pad_r)

    height = row * len(points) + 10
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="0" y2="{height}" stroke="#8895a7"/>',
    ]
    for i, p in enumerate(points):
        top = 5 + i * row
        mid = top + row / 2
        start, end = sorted((x(0), x(p.value)))
        opacity = "1" if p.reliable else "0.35"
        parts.append(
            f'<text x="{label_w - 8}" y="{mid + 4:.1f}" text-anchor="end" class="label">'
            f"{escape(p.label[:34])}</text>"
            f'<rect x="{start:.1f}" y="{top + 5}" width="{max(end - start, 1):.1f}" '
            f'height="{row - 10}" fill="#1f5fbf" fill-opacity="{opacity}">'
            f"<title>{escape(p.label)}: {p.value:.1f} [{p.low:.1f}; {p.high:.1f}], "
            f"n={p.n}</title></rect>"
            f'<line x1="{x(p.low):.1f}" x2="{x(p.high):.1f}" y1="{mid:.1f}" y2="{mid:.1f}" '
            f'stroke="#1c2430" stroke-width="1.5"/>'
            f'<text x="{x(max(p.high, 0)) + 6:.1f}" y="{mid + 4:.1f}" class="tick">'
            f"{p.value:.1f}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2")
COLOURS = ("#1f5fbf", "#c2571a", "#2f7d4f", "#7a4fb5", "#5d6b7c")


def survival_svg(
    curves: dict[str, tuple[Sequence[float], Sequence[float]]],
    *,
    width: int = 1000,
    height: int = 260,
    x_label: str = "",
) -> str:
    """Step curves from 1 down, one per group, told apart by colour AND dash pattern."""
    if not curves:
        return ""
    pad_l, pad_r, pad_t, pad_b = 44, 180, 10, 30
    # numpy's max over a curve's arrays: the builtin would box every element.
    t_max = max((float(np.max(t)) for t, _ in curves.values() if len(t)), default=1.0) or 1.0
    lo = min((float(np.min(s)) for _, s in curves.values() if len(s)), default=0.0)
    lo = max(0.0, min(lo, 0.9) - 0.05)
    y = _scale(lo, 1.0, pad_t, height - pad_b)

    def x(t: float) -> float:
        return pad_l + t / t_max * (width - pad_l - pad_r)

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg">'
    ]
    for tick in (lo, (lo + 1) / 2, 1.0):
        parts.append(
            f'<text x="{pad_l - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" class="tick">'
            f"{tick:.0%}</text>"
        )
    for i, (label, (times, surv)) in enumerate(curves.items()):
        points = [f"{x(0):.1f},{y(1.0):.1f}"]
        previous = 1.0
        for xt, before, after in _steps_per_pixel(times, surv, x):
            points.append(f"{xt:.1f},{y(before):.1f}")
            points.append(f"{xt:.1f},{y(after):.1f}")
            previous = after
        points.append(f"{x(t_max):.1f},{y(previous):.1f}")
        colour, dash = COLOURS[i % len(COLOURS)], DASHES[i % len(DASHES)]
        parts.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
            f'stroke-width="2" stroke-dasharray="{dash}"><title>{escape(label)}</title></polyline>'
            f'<line x1="{width - pad_r + 12}" x2="{width - pad_r + 40}" y1="{pad_t + 10 + i * 20}" '
            f'y2="{pad_t + 10 + i * 20}" stroke="{colour}" stroke-width="2" '
            f'stroke-dasharray="{dash}"/>'
            f'<text x="{width - pad_r + 46}" y="{pad_t + 14 + i * 20}" class="label">'
            f"{escape(label[:22])}</text>"
        )
    for t in (0, t_max / 2, t_max):
        parts.append(
            f'<text x="{x(t):.1f}" y="{height - 10}" text-anchor="middle" class="tick">'
            f"{t:.0f}</text>"
        )
    if x_label:
        parts.append(
            f'<text x="{(width - pad_r) / 2:.1f}" y="{height}" text-anchor="middle" '
            f'class="tick">{escape(x_label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def histogram_svg(
    values: Sequence[float], *, bins: int = 20, width: int = 1000, height: int = 200, unit: str = ""
) -> str:
    """How many values fall in each of ``bins`` equal ranges; the top 1% is folded into the
    last bar so one very large value does not squash the rest."""
    import numpy as np

    data = np.asarray([v for v in values if v == v], dtype=float)  # v == v drops NaN
    if data.size == 0:
        return ""
    lo, hi = float(data.min()), float(np.quantile(data, 0.99))
    if hi <= lo:
        hi = lo + 1.0
    counts, edges = np.histogram(np.clip(data, lo, hi), bins=bins, range=(lo, hi))
    pad_l, pad_b, pad_t = 50, 28, 10
    bar_w = (width - pad_l - 10) / bins
    top = int(counts.max()) or 1
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<text x="{pad_l - 6}" y="{pad_t + 8}" text-anchor="end" class="tick">{top}</text>',
        f'<text x="{pad_l - 6}" y="{height - pad_b}" text-anchor="end" class="tick">0</text>',
    ]
    for i, c in enumerate(counts):
        h = (height - pad_b - pad_t) * int(c) / top
        x = pad_l + i * bar_w
        last = "+" if i == bins - 1 else ""
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{height - pad_b - h:.1f}" width="{bar_w - 2:.1f}" '
            f'height="{h:.1f}" fill="#1f5fbf"><title>{edges[i]:,.0f}–{edges[i + 1]:,.0f}{last}'
            f"{escape(unit)}: {int(c)}</title></rect>"
        )
    for i in (0, bins // 2, bins):
        parts.append(
            f'<text x="{pad_l + i * bar_w:.1f}" y="{height - 8}" text-anchor="middle" '
            f'class="tick">{edges[i]:,.0f}{escape(unit)}{"+" if i == bins else ""}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def theme_trend_svg(
    mentions: dict[str, int], texts: dict[str, int], *, width: int = 120, height: int = 28
) -> str:
    """A tiny line of the theme's share of each month's texts (months with texts only), so a
    busy month does not look like a growing problem."""
    months = sorted(m for m in texts if texts[m])
    if len(months) < 2:
        return ""
    shares = [100 * mentions.get(m, 0) / texts[m] for m in months]
    top = max(shares) or 1.0
    step = width / (len(months) - 1)
    line = " ".join(
        f"{i * step:.1f},{height - 2 - v / top * (height - 4):.1f}" for i, v in enumerate(shares)
    )
    title = f"{months[0]}: {shares[0]:.0f}% … {months[-1]}: {shares[-1]:.0f}%"
    return (
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f'<polyline points="{line}" fill="none" stroke="#1f5fbf" stroke-width="1.5"/></svg>'
    )


def _steps_per_pixel(
    times: Sequence[float], surv: Sequence[float], x: Callable[[float], float]
) -> list[tuple[float, float, float]]:
    """``(x, survival before, survival after)`` per pixel column that has steps.

    Steps closer than a pixel draw as one drop: a curve over thousands of customers would
    otherwise carry tens of thousands of invisible points, and cost a page 100 ms to draw.
    """
    if not len(times):
        return []
    t = np.asarray(times, dtype=float)
    s = np.asarray(surv, dtype=float)
    xs = x(t)  # type: ignore[arg-type]  (the scale is plain arithmetic: arrays pass)
    column = np.round(xs)
    first = np.flatnonzero(np.r_[True, column[1:] != column[:-1]])
    last = np.r_[first[1:] - 1, len(t) - 1]
    before = np.r_[1.0, s][first]  # the survival just before each column's first step
    return list(zip(xs[first].tolist(), before.tolist(), s[last].tolist(), strict=True))
