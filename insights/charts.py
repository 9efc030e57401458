"""Charts drawn on the server as SVG: no script, no outside service, nothing to load.

Colours come from CSS classes (``chart-series-N``, ``chart-grid``, ``chart-axis``) defined in
static/css/insights.css with the design system's variables, and text uses ``currentColor``, so
a chart follows the light and dark themes like the rest of the page. Every chart has a
``<title>`` and ``<desc>`` for screen readers, and the page puts the same numbers in a table
beside it. Labels are escaped; the markup is well-formed XML.
"""

import math
from dataclasses import dataclass
from datetime import date
from html import escape

from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 14, 30
SERIES_CLASSES = 8
WEEKLY_AFTER_DAYS = 92


@dataclass
class Chart:
    svg: SafeString
    legend: list[tuple[str, str]]  # (label, css class)
    note: str = ""


def nice_ceiling(value: float, steps: int = 4) -> int:
    """The top of a y axis whose ``steps`` gridlines fall on round whole numbers."""
    raw = max(value, 1) / steps
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        step = factor * magnitude
        if raw <= step and step == int(step):
            return int(step * steps)
    return int(10 * magnitude * steps)


def bucket(days: list[date], series: list[list[int]], size: int):
    """Sum consecutive days into buckets of ``size`` days, labelled by their first day."""
    starts = days[::size]
    return starts, [
        [sum(values[i : i + size]) for i in range(0, len(values), size)] for values in series
    ]


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    days: list[date],
    series: list[tuple[str, list[int]]],
) -> Chart:
    note = ""
    values = [v for _, v in series]
    if len(days) > WEEKLY_AFTER_DAYS:
        days, values = bucket(days, values, 7)
        note = "Weekly totals (each point is seven days from the date shown)."
    peak = max([max(v) for v in values if v] + [0])
    top = nice_ceiling(peak)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (inner_w * i / (len(days) - 1) if len(days) > 1 else inner_w / 2)

    def y(v: float) -> float:
        return TOP + inner_h - inner_h * v / top

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'preserveAspectRatio="xMidYMid meet">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for step in range(5):
        value = top * step / 4
        gy = y(value)
        parts.append(
            f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
            f'y1="{gy:.1f}" y2="{gy:.1f}"/>'
        )
        parts.append(
            f'<text class="chart-label" x="{LEFT - 8}" y="{gy + 4:.1f}" text-anchor="end">'
            f"{escape(f'{value:,.0f}')}</text>"
        )
    parts.append(
        f'<line class="chart-axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
        f'y1="{TOP + inner_h}" y2="{TOP + inner_h}"/>'
    )
    if days:
        ticks = sorted({0, len(days) - 1, *range(0, len(days), max(1, math.ceil(len(days) / 6)))})
        if len(ticks) > 2 and ticks[-1] - ticks[-2] < max(1, len(days) / 7):
            ticks.pop(-2)
        for i in ticks:
            anchor = (
                "start" if i == 0 and len(days) > 1 else "end" if i == len(days) - 1 else "middle"
            )
            if len(days) == 1:
                anchor = "middle"
            parts.append(
                f'<text class="chart-label" x="{x(i):.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}">'
                f"{escape(date_format(days[i], 'j M'))}</text>"
            )
    legend = []
    for index, ((label, _), points) in enumerate(zip(series, values, strict=True)):
        css = f"chart-series-{index % SERIES_CLASSES}"
        legend.append((label, css))
        if not points:
            continue
        coords = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(points))
        parts.append(f'<g class="{css}"><title>{escape(label)}</title>')
        parts.append(f'<polyline class="chart-line" points="{coords}"/>')
        if len(points) <= 45:
            for i, v in enumerate(points):
                parts.append(
                    f'<circle class="chart-dot" cx="{x(i):.1f}" cy="{y(v):.1f}" r="3">'
                    f"<title>{escape(label)}, {escape(date_format(days[i], 'j M Y'))}: "
                    f"{v:,}</title>"
                    "</circle>"
                )
        parts.append("</g>")
    parts.append("</svg>")
    return Chart(
        svg=mark_safe("".join(parts)), legend=legend, note=note
    )  # every label is escaped above


def activity_chart(points) -> Chart:
    days = [p.day for p in points]
    return line_chart(
        chart_id="chart-activity",
        title="Threads and posts per day",
        description=(
            f"{sum(p.posts for p in points):,} posts and {sum(p.threads for p in points):,} "
            f"threads from {date_format(days[0], 'j M Y')} to {date_format(days[-1], 'j M Y')}; "
            "the daily numbers are in the table below the chart."
        ),
        days=days,
        series=[
            ("Posts", [p.posts for p in points]),
            ("Threads", [p.threads for p in points]),
            ("Questions", [p.questions for p in points]),
        ],
    )


def share_of_voice_chart(terms, days: list[date]) -> Chart:
    return line_chart(
        chart_id="chart-voice",
        title="Mentions per term",
        description=(
            "Posts mentioning each followed term, per day: "
            + "; ".join(f"{t.term.display_name} {t.current:,} in total" for t in terms)
            + "."
        ),
        days=days,
        series=[(t.term.display_name, [t.by_day.get(day, 0) for day in days]) for t in terms],
    )
