"""What a round's calendar invite says, to whom: the candidate's (candidate-facing text only) and
an interviewer's (the internal details). Plain data; bot/calendars/ writes it as iCalendar, into
CalDAV or Google.

One round has two invites with their own UIDs, stable for the round's life, so a calendar that
holds both (a forwarded invite) never confuses them; `sequence` is the round's, raised on every
change (bot/rules/lifecycle.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.rules.candidates import thread_link
from bot.rules.rounds import RoundContext
from models.kit import TIMED_STAGE_KINDS, StageKind
from models.tables import InterviewKind, InterviewStatus

UID_DOMAIN = "interview-bot"
# The candidate's invite quotes this much of the stage's prep guide.
PREP_OPENING = 300


@dataclass(frozen=True)
class Invite:
    uid: str
    sequence: int
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    location: str | None
    cancelled: bool
    # The round's thread (interviewers), for calendars that show a link.
    url: str | None = None
    # Who else the event names (Google sends them the invitation): e-mail addresses.
    attendees: tuple[str, ...] = field(default=())
    # Google: add a Meet link when the round has no location of its own.
    wants_video: bool = False
    # A hold on an offered time (bot/rules/holds.py): busy, but not yet an interview.
    tentative: bool = False


def is_meeting(ctx: RoundContext) -> bool:
    """Rounds held at a time with people: interviews, calls, presentations, simulations and take-home
    kickoffs. A take-home assignment (sent, due later) and a review (no meeting) have no invite."""
    if ctx.interview.kind == InterviewKind.kickoff:
        return True
    return ctx.interview.kind == InterviewKind.round and ctx.stage.kind in TIMED_STAGE_KINDS


def uid(interview_id: int, *, for_candidate: bool) -> str:
    return f"round-{interview_id}{'-candidate' if for_candidate else ''}@{UID_DOMAIN}"


def _opening(text: str | None) -> str:
    if not text:
        return ""
    text = " ".join(text.split())
    return text if len(text) <= PREP_OPENING else text[: PREP_OPENING - 1].rstrip() + "…"


def candidate_invite(ctx: RoundContext) -> Invite:
    """The candidate's: company, stage, length, where, and the opening of the prep guide. Built from
    candidate-facing kit fields only (models/kit.py marks them)."""
    company = ctx.kit.company
    title = f"{ctx.title} with {company}" if company else ctx.title
    lines = [f"Your {ctx.title}" + (f" with {company}" if company else "") + f" ({ctx.minutes} minutes)."]
    if ctx.interview.location:
        lines.append(f"Where: {ctx.interview.location}")
    prep = _opening(ctx.stage.prep) or _opening(ctx.kit.candidate_guide)
    if prep:
        lines.append(prep)
    if ctx.candidate.slack_user_id:
        lines.append("Questions or need to move it? Reply to the bot in Slack and your recruiter will help.")
    else:  # they booked on the page: Slack is not theirs to reply in
        lines.append("Questions or need to move it? Reply to your recruiter.")
    return Invite(
        uid=uid(ctx.interview.id or 0, for_candidate=True),
        sequence=ctx.interview.sequence,
        title=title,
        description="\n\n".join(lines),
        starts_at=ctx.interview.starts_at,
        ends_at=ctx.interview.ends_at,
        location=ctx.interview.location,
        cancelled=ctx.interview.status == InterviewStatus.cancelled,
    )


def interviewer_invite(ctx: RoundContext, attendees: tuple[str, ...] = ()) -> Invite:
    """An interviewer's: candidate, role, stage, panel, the thread, and what the panel owns in the
    round (its questions). The same for everyone on the panel."""
    link = thread_link(ctx.candidate.channel_id, ctx.candidate.thread_ts)
    lines = [f"{ctx.title} with {ctx.candidate.name}, for {ctx.role.title} ({ctx.minutes} minutes)."]
    if ctx.panel:
        lines.append("Panel: " + ", ".join(f"<@{u}>" for u in ctx.panel))
    if ctx.shadows:
        lines.append("Shadowing: " + ", ".join(f"<@{u}>" for u in ctx.shadows))
    if ctx.interview.kind == InterviewKind.kickoff:
        lines.append("You hand over the take-home assignment; the work is scored once it arrives.")
    elif ctx.stage.kind is not StageKind.review and ctx.stage.questions:
        titles = [ctx.kit.question(k).title for k in ctx.stage.questions]
        lines.append("You own: " + "; ".join(titles))
    if ctx.interview.location:
        lines.append(f"Where: {ctx.interview.location}")
    if link:
        lines.append(f"Candidate thread: {link}")
    lines.append("Your briefing and scorecard come from the interview bot in Slack.")
    return Invite(
        uid=uid(ctx.interview.id or 0, for_candidate=False),
        sequence=ctx.interview.sequence,
        title=f"{ctx.title}: {ctx.candidate.name} ({ctx.role.title})",
        description="\n".join(lines),
        starts_at=ctx.interview.starts_at,
        ends_at=ctx.interview.ends_at,
        location=ctx.interview.location,
        cancelled=ctx.interview.status == InterviewStatus.cancelled,
        url=link,
        attendees=attendees,
        wants_video=not ctx.interview.location,
    )
