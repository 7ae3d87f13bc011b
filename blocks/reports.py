"""The hiring report in Block Kit: the message its charts are attached to, and the App Home summary."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from blocks.common import SECTION_TEXT_MAX, context, divider, escape, header, section, user
from bot.reporting.home import Summary
from bot.reporting.load import PoolLoad
from bot.reporting.types import (
    MIN_SAMPLE,
    RATING_ORDER,
    RECOMMENDATION_ORDER,
    Report,
    Section,
    counts,
    gap,
    hours,
    pct,
    spread,
)

REPORT_SEND = "report_send"
MAX_ROWS = 15


def chunks(title: str, lines: Sequence[str]) -> list[Block]:
    """`title` and its lines in as few sections as Slack's 3,000 characters allow."""
    blocks: list[Block] = []
    current = f"*{title}*"
    for line in lines:
        if len(current) + 1 + len(line) > SECTION_TEXT_MAX - 10:
            blocks.append(section(current))
            current = line
        else:
            current += "\n" + line
    blocks.append(section(current))
    return blocks


def more(rows: int, shown: int) -> list[str]:
    return [f"_…and {rows - shown} more in `interview-bot report`_"] if rows > shown else []


def totals_line(part: Section) -> str:
    t = part.totals
    return (
        f"*{t.added}* added · *{t.interviewed}* interviewed · *{t.hired}* hired · *{t.rejected}* rejected · "
        f"*{t.active}* active · *{t.on_hold}* on hold\n"
        f"Hire rate (of those decided): {pct(t.hire_rate)} · Time to decision: {spread(t.to_decision)}"
    )


def stage_lines(part: Section) -> list[str]:
    return [
        f"• *{escape(s.name)}*: {s.entered} entered → {s.passed} passed ({pct(s.pass_rate)}) · "
        f"{s.rejected_here} rejected here · {s.in_stage} in stage · {s.on_hold_here} on hold · "
        f"time in stage {spread(s.time_in_stage)}"
        for s in part.stages
    ]


def turnaround_lines(part: Section) -> list[str]:
    due = part.feedback_due_hours
    deadline = f"{due} h" if due else "the kit's deadline"
    lines = [
        f"• {user(t.interviewer_id)}: median {hours(t.median_hours)} · {t.within_deadline} of {t.due} "
        f"within {deadline} ({pct(t.share_within)})" + (f" · *{t.overdue_now} overdue now*" if t.overdue_now else "")
        for t in part.turnaround[:MAX_ROWS]
    ]
    return lines + more(len(part.turnaround), MAX_ROWS)


def calibration_lines(part: Section) -> list[str]:
    lines = []
    for c in part.calibration[:MAX_ROWS]:
        flag = f" · :warning: *{c.flag}*" if c.flag else ""
        lines.append(
            f"• {user(c.interviewer_id)}: recommendations {gap(c.recommendation_gap)}, ratings {gap(c.rating_gap)} "
            f"against the panel over {c.compared} candidates{flag}\n"
            f"    strong no / no / yes / strong yes: {counts(c.recommendations, RECOMMENDATION_ORDER)} "
            f"(panel {counts(c.panel_recommendations, RECOMMENDATION_ORDER)}) · below / meets / exceeds: "
            f"{counts(c.ratings, RATING_ORDER)} (panel {counts(c.panel_ratings, RATING_ORDER)})"
        )
    return lines + more(len(part.calibration), MAX_ROWS)


def question_lines(part: Section) -> list[str]:
    lines = []
    for q in part.questions:
        flag = f" · :warning: *{q.flag}*" if q.flag else ""
        lines.append(
            f"• *{escape(q.title)}*: rated {q.rated} of {q.asked} ({pct(q.share_rated)}) · "
            f"agrees with the decision {q.agreeing} of {q.decided} ({pct(q.agreement)}){flag}"
        )
        for i in q.indicators:
            if i.flag:
                sign = "+" if i.positive else "−"
                lines.append(
                    f"    {sign} _{escape(i.text)}_: observed {i.observed} of {i.asked} · "
                    f"agrees {i.agreeing} of {i.decided} · :warning: {i.flag}"
                )
    return lines


def load_lines(pools: Sequence[PoolLoad]) -> list[str]:
    lines = []
    for pool in pools[:MAX_ROWS]:
        people = ", ".join(f"{user(m.user_id)} {m.total}" for m in sorted(pool.members, key=lambda m: -m.total))
        lines.append(f"• *{escape(pool.role_title)} · {escape(pool.stage_name)}*: spread {pool.spread} · {people}")
    return lines + more(len(pools), MAX_ROWS)


def load_digest_blocks(role_title: str, pools: Sequence[PoolLoad]) -> list[Block]:
    """The weekly digest of a role's pools, to its recruiters."""
    blocks: list[Block] = [section(f":bar_chart: *Interviewer load for {escape(role_title)}*, the last 4 weeks")]
    blocks += chunks("Rounds per pool member", load_lines(pools)) if pools else [context("No pool has anyone yet.")]
    said = (
        "The spread is the most loaded member's rounds minus the least loaded's. Scheduling *From the pool* "
        "evens it out; `interview-bot pool digest --role R off` stops this digest."
    )
    blocks.append(context(said))
    return blocks


def section_blocks(part: Section) -> list[Block]:
    blocks: list[Block] = [section(totals_line(part))]
    if part.stages:
        blocks += chunks("Funnel and time in stage", stage_lines(part))
    if part.turnaround:
        blocks += chunks("Feedback turnaround", turnaround_lines(part))
    if part.calibration:
        note = f"no flag with fewer than {MIN_SAMPLE} candidates compared"
        blocks += chunks(f"Interviewer calibration ({note})", calibration_lines(part))
    if part.questions:
        blocks += chunks("Question signal", question_lines(part))
    if part.pools:
        blocks += chunks("Interviewer load (rounds per pool member, last 4 weeks)", load_lines(part.pools))
    return blocks


def report_blocks(report: Report, *, role_detail: bool) -> list[Block]:
    """One role in full (`role_detail`), or every role in scope summed up with a line per role."""
    part = report.roles[0] if role_detail and report.roles else report.overall
    since = f" · candidates added and rounds held since {report.since:%Y-%m-%d}" if report.since else ""
    blocks: list[Block] = [
        header(f"Hiring report: {part.title}"),
        context(f"As of {report.generated_at:%Y-%m-%d %H:%M} UTC{since} · no figure names a candidate"),
    ]
    blocks += section_blocks(part)
    if not role_detail and report.roles:
        blocks.append(divider())
        lines = [f"• *{escape(r.title)}*: {totals_line(r).splitlines()[0]}" for r in report.roles[:MAX_ROWS]]
        blocks += chunks("By role", lines + more(len(report.roles), MAX_ROWS))
        blocks.append(context("`/hiring report <role>` shows a role's stages, calibration and question signal."))
    return blocks


def home_report_blocks(summary: Summary) -> list[Block]:
    """The App Home's Reports section: the headline counts and a button for the full report."""
    o = summary.overall
    lines = [
        f"*{o.added}* added · *{o.hired}* hired · *{o.rejected}* rejected · "
        f"*{o.active}* active · *{o.on_hold}* on hold",
        f"Hire rate (of those decided): {pct(o.hire_rate)} · Scorecards overdue now: *{summary.overdue_now}*",
    ]
    lines += [
        f"• *{escape(r.title)}*: {r.added} added, {r.active} active, {r.hired} hired ({pct(r.hire_rate)} of decided)"
        for r in summary.roles[:10]
    ]
    if summary.load is not None:
        (most, most_n), (least, least_n) = summary.load
        lines.append(f"Pool load, last 4 weeks: most {user(most)} ({most_n} rounds), least {user(least)} ({least_n})")
    button = ButtonElement(text="Send me the full report", action_id=REPORT_SEND, value="all")
    return [
        section("*Reports*"),
        *chunks("Hiring so far", lines)[:3],
        context("Times, turnaround, calibration and question signal are in the full report."),
        ActionsBlock(elements=[button]),
    ]
