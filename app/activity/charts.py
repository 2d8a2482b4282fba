"""Geometry for the server-rendered SVG charts (the templates draw them; no JavaScript, no inline styles)."""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str
    met: bool  # the value reaches the target line


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    target_y: float | None  # y of the target line, None when there is none
    max_value: int


def bar_chart(values: list[int], labels: list[str], target: int | None = None, width: int = 640,
              height: int = 160, gap: float = 4.0) -> BarChart:
    """Vertical bars scaled to the largest value (or the target, when higher); 0-valued bars get no height."""
    top = max([*values, target or 0, 1])
    plot_height = height - 20  # room for the labels underneath
    slot = width / max(len(values), 1)
    bars = [Bar(x=round(i * slot + gap / 2, 1), y=round(plot_height - v / top * plot_height, 1),
                width=round(slot - gap, 1), height=round(v / top * plot_height, 1), value=v, label=label,
                met=target is not None and v >= target)
            for i, (v, label) in enumerate(zip(values, labels, strict=True))]
    target_y = round(plot_height - target / top * plot_height, 1) if target else None
    return BarChart(width, height, bars, target_y, top)


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    points: str  # the polyline's "x,y x,y ..." attribute
    target_y: float
    last_x: float
    last_y: float


def sparkline(values: list[int], target: int, width: int = 120, height: int = 28, pad: float = 2.0) -> Sparkline:
    """A small line of weekly counts with the target as a reference line."""
    top = max([*values, target, 1])
    inner_h = height - 2 * pad
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    coords = [(round(pad + i * step, 1), round(pad + inner_h - v / top * inner_h, 1)) for i, v in enumerate(values)]
    points = " ".join(f"{x},{y}" for x, y in coords)
    last_x, last_y = coords[-1] if coords else (pad, height - pad)
    return Sparkline(width, height, points, round(pad + inner_h - target / top * inner_h, 1), last_x, last_y)


#: Markup.format escapes every argument (the title is user data: organisation names).
_SPARK_SVG = Markup(
    '<svg class="chart chart-spark" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{title}">'
    '<title>{title}</title><line class="spark-target" x1="0" y1="{ty}" x2="{w}" y2="{ty}" stroke="currentColor" '
    'stroke-width="1" stroke-dasharray="3 3"/><polyline class="spark-line" points="{points}" fill="none" '
    'stroke="currentColor" stroke-width="1.5"/><circle class="spark-last" cx="{lx}" cy="{ly}" r="2" '
    'fill="currentColor"/></svg>')


def sparkline_svg(values: list[int], target: int, title: str) -> Markup:
    """The sparkline as inline SVG markup (built here, not in a Jinja macro: a page draws up to 150)."""
    line = sparkline(values, target)
    return _SPARK_SVG.format(w=line.width, h=line.height, title=title, ty=line.target_y, points=line.points,
                             lx=line.last_x, ly=line.last_y)
