"""`interview-bot report`: the hiring report as one self-contained HTML page (charts inline)."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from html import escape

from bot.reporting.charts import Chart, charts_for
from bot.reporting.types import (
    MIN_SAMPLE,
    RATING_ORDER,
    RECOMMENDATION_ORDER,
    Report,
    Section,
    counts,
    days,
    gap,
    hours,
    pct,
)

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; color: #1d1c1d; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.5rem; border-bottom: 1px solid #ddd; } h3 { margin-top: 1.5rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; } th, td { padding: .3rem .7rem; text-align: right; }
th:first-child, td:first-child { text-align: left; } thead th { border-bottom: 2px solid #ccc; }
tbody tr:nth-child(odd) { background: #f6f6f6; } .flag { color: #b3261e; font-weight: 600; }
img { max-width: 100%; display: block; margin: 1rem 0; } .note { color: #616061; font-size: .9rem; }
"""


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _flag(text: str | None) -> str:
    return f'<span class="flag">{escape(text)}</span>' if text else ""


def _image(chart: Chart) -> str:
    data = base64.b64encode(chart.png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{escape(chart.alt)}" title="{escape(chart.title)}">'


def _section(part: Section, name: Callable[[str], str], level: str = "h2") -> str:
    t = part.totals
    out = [f"<{level}>{escape(part.title)}</{level}>"]
    out.append(
        _table(
            ["added", "interviewed", "hired", "rejected", "active", "on hold", "hire rate", "to decision: median",
             "90th percentile", "n"],
            [[str(t.added), str(t.interviewed), str(t.hired), str(t.rejected), str(t.active), str(t.on_hold),
              pct(t.hire_rate), days(t.to_decision.median), days(t.to_decision.p90), str(t.to_decision.n)]],
        )
    )  # fmt: skip
    if part.stages:
        out.append("<h3>Funnel and time in stage</h3>")
        rows = [
            [escape(s.name), str(s.entered), str(s.passed), pct(s.pass_rate), str(s.rejected_here), str(s.in_stage),
             str(s.on_hold_here), days(s.time_in_stage.median), days(s.time_in_stage.p90), str(s.time_in_stage.n)]
            for s in part.stages
        ]  # fmt: skip
        head = ["stage", "entered", "passed", "pass rate", "rejected here", "in stage", "on hold",
                "median time", "90th percentile", "n"]  # fmt: skip
        out.append(_table(head, rows))
    if part.turnaround:
        deadline = f"{part.feedback_due_hours} h" if part.feedback_due_hours else "the kit's deadline"
        out.append(f"<h3>Feedback turnaround</h3><p class='note'>Deadline: {escape(deadline)}.</p>")
        rows = [
            [escape(name(r.interviewer_id)), str(r.submitted), hours(r.median_hours), f"{r.within_deadline} of {r.due}",
             pct(r.share_within), str(r.overdue_now)]
            for r in part.turnaround
        ]  # fmt: skip
        out.append(_table(["interviewer", "scorecards", "median", "within deadline", "share", "overdue now"], rows))
    if part.calibration:
        out.append(
            f"<h3>Interviewer calibration</h3><p class='note'>Gaps are the interviewer's scores minus the other "
            f"interviewers' for the same candidates (recommendations 1–4, ratings 1–3); no flag with fewer than "
            f"{MIN_SAMPLE} candidates compared.</p>"
        )
        rows = [
            [escape(name(c.interviewer_id)), str(c.scorecards), str(c.compared), gap(c.recommendation_gap),
             gap(c.rating_gap), counts(c.recommendations, RECOMMENDATION_ORDER),
             counts(c.panel_recommendations, RECOMMENDATION_ORDER), counts(c.ratings, RATING_ORDER),
             counts(c.panel_ratings, RATING_ORDER), _flag(c.flag)]
            for c in part.calibration
        ]  # fmt: skip
        head = ["interviewer", "scorecards", "candidates compared", "recommendation gap", "rating gap",
                "strong no / no / yes / strong yes", "panel", "below / meets / exceeds", "panel", ""]  # fmt: skip
        out.append(_table(head, rows))
    if part.questions:
        out.append("<h3>Question signal</h3>")
        rows = []
        for q in part.questions:
            rows.append(
                [f"<b>{escape(q.title)}</b>", f"{q.rated} of {q.asked}", pct(q.share_rated),
                 f"{q.agreeing} of {q.decided}", pct(q.agreement), _flag(q.flag)]
            )  # fmt: skip
            for i in q.indicators:
                sign = "+" if i.positive else "−"
                rows.append(
                    [f"&nbsp;&nbsp;{sign} {escape(i.text)}", f"{i.observed} of {i.asked}", pct(i.share_observed),
                     f"{i.agreeing} of {i.decided}", pct(i.agreement), _flag(i.flag)]
                )  # fmt: skip
        out.append(_table(["question / indicator", "rated or observed", "share", "agrees", "agreement", ""], rows))
    if part.pools:
        out.append("<h3>Interviewer load</h3><p class='note'>Rounds per pool member for the pool's stage, by ISO "
                   "week; the spread is the most loaded member's total minus the least loaded's.</p>")  # fmt: skip
        for pool in part.pools:
            rows = [[escape(name(m.user_id)), *(str(n) for n in m.per_week), str(m.total)] for m in pool.members]
            out.append(f"<p><b>{escape(pool.role_title)} · {escape(pool.stage_name)}</b>: spread {pool.spread}</p>")
            out.append(_table(["interviewer", *pool.weeks, "total"], rows))
    for chart in charts_for(part, name):
        out.append(_image(chart))
    return "\n".join(out)


def render_html(report: Report, name: Callable[[str], str] = str) -> str:
    since = f" Candidates added and rounds held since {report.since:%Y-%m-%d}." if report.since else ""
    body = [
        "<h1>Hiring report</h1>",
        f"<p class='note'>As of {report.generated_at:%Y-%m-%d %H:%M} UTC.{since} No figure names a candidate.</p>",
        # One role: its section says it all; several: all roles together first, then each.
        *(
            _section(part, name)
            for part in (report.roles if len(report.roles) == 1 else [report.overall, *report.roles])
        ),
    ]
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'><title>Hiring report</title>"
        f"<style>{STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
