"""Report charts as PNG images (matplotlib's object API, drawn off-screen with Agg). Pure: figures in, bytes out."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.reporting.types import Section

if TYPE_CHECKING:  # matplotlib is imported when a chart is drawn: it costs half a second at start-up
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH = 7.5  # inches; at 120 dpi a chart is 900 pixels wide, readable in Slack's preview
DPI = 120
BAR = "#4a6fa5"
LATE = "#c8553d"
GREY = "#9aa5b1"


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    alt: str
    png: bytes

    @property
    def filename(self) -> str:
        return f"{self.key}.png"


def _figure(rows: int) -> tuple[Figure, Axes]:
    # A Figure of its own, never pyplot's: pyplot keeps global state (the current figure, the
    # figure manager) that threads building reports at once would share.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH, 1.2 + 0.45 * max(rows, 1)), dpi=DPI)
    FigureCanvasAgg(figure)  # drawn off-screen, whatever backend the process has chosen
    return figure, figure.subplots()


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()  # nothing to close: nothing but this function holds the figure


def funnel_chart(section: Section) -> Chart | None:
    """Candidates entering each stage (a role), or added / interviewed / hired (all roles)."""
    if section.stages:
        labels = [s.name for s in section.stages] + ["Hired"]
        counts = [s.entered for s in section.stages] + [section.totals.hired]
    else:
        labels = ["Added", "Interviewed", "Hired"]
        counts = [section.totals.added, section.totals.interviewed, section.totals.hired]
    if not any(counts):
        return None
    figure, axes = _figure(len(labels))
    positions = list(range(len(labels)))[::-1]
    axes.barh(positions, counts, color=[BAR] * (len(labels) - 1) + ["#3c8d5a"])
    axes.set_yticks(positions, labels)
    top = max(counts)
    for position, count, previous in zip(positions, counts, [None, *counts[:-1]], strict=True):
        share = f"  {count}" + (f"  ({count / previous:.0%} of previous)" if previous else "")
        axes.text(count, position, share, va="center", fontsize=9)
    axes.set_xlim(0, top * 1.45)
    axes.set_xlabel("candidates")
    axes.set_title(f"Funnel: {section.title}")
    alt = "; ".join(f"{label}: {count}" for label, count in zip(labels, counts, strict=True))
    return Chart("funnel", f"Funnel: {section.title}", f"Funnel. {alt}", _png(figure))


def turnaround_chart(section: Section, name: Callable[[str], str] = str) -> Chart | None:
    """Median hours from a round's end to each interviewer's scorecard, against the deadline."""
    rows = [t for t in section.turnaround if t.median_hours is not None][:20]
    if not rows:
        return None
    deadline = section.feedback_due_hours or 48
    figure, axes = _figure(len(rows))
    positions = list(range(len(rows)))[::-1]
    hours = [t.median_hours or 0.0 for t in rows]
    colours = [LATE if h > deadline else BAR for h in hours]
    axes.barh(positions, hours, color=colours)
    axes.set_yticks(positions, [name(t.interviewer_id) for t in rows])
    axes.axvline(deadline, color=GREY, linestyle="--", label=f"deadline ({deadline} h)")
    for position, value, row in zip(positions, hours, rows, strict=True):
        late = f", {row.overdue_now} overdue" if row.overdue_now else ""
        axes.text(value, position, f"  {value:.0f} h (n={row.submitted}{late})", va="center", fontsize=9)
    axes.set_xlim(0, max([*hours, deadline]) * 1.5)
    axes.set_xlabel("median hours from the end of the round to the scorecard")
    axes.set_title(f"Feedback turnaround: {section.title}")
    axes.legend(loc="lower right", fontsize=8)
    alt = "; ".join(f"{name(t.interviewer_id)}: {t.median_hours:.0f} h" for t in rows)
    return Chart(
        "turnaround", f"Feedback turnaround: {section.title}", f"Median hours to feedback. {alt}", _png(figure)
    )


def stage_time_chart(section: Section) -> Chart | None:
    """Median and 90th-percentile days in each stage of a role."""
    rows = [s for s in section.stages if s.time_in_stage.n]
    if not rows:
        return None
    figure, axes = _figure(len(rows))
    positions = list(range(len(rows)))[::-1]
    p90 = [s.time_in_stage.p90 or 0.0 for s in rows]
    median = [s.time_in_stage.median or 0.0 for s in rows]
    axes.barh(positions, p90, color=GREY, label="90th percentile")
    axes.barh(positions, median, color=BAR, height=0.5, label="median")
    axes.set_yticks(positions, [s.name for s in rows])
    axes.set_xlabel("days in stage")
    axes.set_title(f"Time in stage: {section.title}")
    axes.legend(loc="lower right", fontsize=8)
    alt = "; ".join(f"{s.name}: median {s.time_in_stage.median:.1f} d" for s in rows)
    return Chart("time-in-stage", f"Time in stage: {section.title}", f"Days in stage. {alt}", _png(figure))


def load_chart(section: Section, name: Callable[[str], str] = str) -> Chart | None:
    """Each pool member's rounds over the last four weeks, a bar each, grouped by pool."""
    rows = [(pool, m) for pool in section.pools for m in pool.members][:30]
    if not rows:
        return None
    figure, axes = _figure(len(rows))
    positions = list(range(len(rows)))[::-1]
    totals = [m.total for _, m in rows]
    axes.barh(positions, totals, color=BAR)
    axes.set_yticks(positions, [f"{pool.stage_name[:24]}: {name(m.user_id)}" for pool, m in rows])
    for position, value in zip(positions, totals, strict=True):
        axes.text(value, position, f"  {value}", va="center", fontsize=9)
    axes.set_xlim(0, max([*totals, 1]) * 1.3)
    axes.set_xlabel("rounds in the last 4 weeks")
    axes.set_title(f"Interviewer load: {section.title}")
    alt = "; ".join(f"{pool.stage_name}, {name(m.user_id)}: {m.total}" for pool, m in rows)
    return Chart("load", f"Interviewer load: {section.title}", f"Rounds per pool member. {alt}", _png(figure))


def charts_for(section: Section, name: Callable[[str], str] = str) -> list[Chart]:
    made = [
        funnel_chart(section),
        stage_time_chart(section),
        turnaround_chart(section, name),
        load_chart(section, name),
    ]
    return [c for c in made if c is not None]
