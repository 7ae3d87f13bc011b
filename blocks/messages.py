"""Scheduled messages: what the outbox sends, rendered from the state when sent.

Candidate-facing messages use only the kit's candidate-facing fields (`models.kit.candidate_fields`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from blocks.candidate import ADVANCE, HOLD, REJECT, button_value
from blocks.common import clip, context, divider, escape, header, section, slack_date, user, users
from blocks.rounds import panel_text, round_line
from blocks.scorecard import SNOOZE, SUBMIT
from bot.rules.candidates import thread_link
from bot.rules.rounds import RoundContext, round_variant
from bot.rules.scorecards import RATING_LABELS, RECOMMENDATION_LABELS, Debrief
from models.kit import Question, StageKind
from models.tables import Candidate, InterviewKind

MAX_MESSAGE_BLOCKS = 50


def first_name(name: str) -> str:
    return name.split()[0] if name.split() else name


def _logistics(ctx: RoundContext) -> str:
    minutes = ctx.minutes
    lines = [f"*When:* {slack_date(ctx.interview.starts_at)} ({minutes} minutes)"]
    if ctx.interview.location:
        lines.append(f"*Where:* {escape(ctx.interview.location)}")
    return "\n".join(lines)


def prep_message(ctx: RoundContext, *, reminder: bool) -> list[Block]:
    """To the candidate: what the round is, when, how to prepare. Nothing interviewer-only."""
    kit, stage = ctx.kit, ctx.stage
    company = f" with {escape(kit.company)}" if kit.company else ""
    opening = (
        f"Hi {escape(first_name(ctx.candidate.name))}, a reminder: your *{escape(ctx.title)}*{company} is coming up."
        if reminder
        else f"Hi {escape(first_name(ctx.candidate.name))}, your *{escape(ctx.title)}*{company} is scheduled."
    )
    blocks: list[Block] = [section(opening), section(_logistics(ctx))]
    if ctx.interview.kind == InterviewKind.kickoff:
        blocks.append(section(kickoff_text(ctx)))
    if stage.prep:
        blocks.append(section(stage.prep))
    for question in (kit.question(k) for k in stage.questions):
        if question.exercise and question.exercise.candidate_brief:
            blocks.append(section(question.exercise.candidate_brief))
    variant = round_variant(ctx)
    if variant is not None and variant.candidate_note:
        blocks.append(section(variant.candidate_note))
    if not reminder and kit.candidate_guide:
        blocks.append(section(kit.candidate_guide))
    if stage.response_promise_hours:
        blocks.append(
            context(f"We will get back to you within {stage.response_promise_hours // 24 or 1} day(s) of the round.")
        )
    blocks.append(context("Questions or need to move it? Your recruiter is happy to help."))
    return blocks[:MAX_MESSAGE_BLOCKS]


def kickoff_text(ctx: RoundContext) -> str:
    """To the candidate: what the kickoff of a take-home is for (candidate-facing fields only)."""
    take_home = ctx.stage.take_home
    lines = [
        "In this meeting you get the assignment and go through it with your interviewer: "
        "bring your questions, and start planning together if you like. The due date follows it."
    ]
    if take_home is not None and take_home.effort_hours:
        lines.append(f"*Effort:* {escape(take_home.effort_hours)}")
    if take_home is not None and take_home.check_ins:
        lines.append(f"*Checking in:* {escape(take_home.check_ins)}")
    return clip("\n".join(lines), 2900)


def question_text(question: Question, level: str | None, variant: str | None = None) -> str:
    lines = [f"*{escape(question.title)}*", f"_{escape(question.prompt)}_"]
    if question.positive:
        lines.append("Listen for: " + "; ".join(escape(p) for p in question.positive))
    if question.negative:
        lines.append("Watch out for: " + "; ".join(escape(n) for n in question.negative))
    if question.anchors:
        a = question.anchors
        lines.append(f"Exceeds: {escape(a.exceeds)}\nMeets: {escape(a.meets)}\nBelow: {escape(a.below)}")
    if level and question.levels and getattr(question.levels, level, None):
        lines.append(f"Expected at {level}: {escape(getattr(question.levels, level))}")
    exercise = question.exercise
    if exercise:
        picked = [v for v in exercise.variants if v.key == variant]
        if picked:
            lines.append(f"Variant for this round, *{escape(picked[0].title)}*: {escape(picked[0].instructions)}")
        else:
            for option in exercise.variants:
                lines.append(f"Variant *{escape(option.title)}*: {escape(option.instructions)}")
        if exercise.response_minutes:
            lines.append(f"Time: {exercise.response_minutes} minutes")
        for role in exercise.roles:
            lines.append(f"You play *{escape(role.name)}*: {escape(role.brief)}")
        if exercise.constraints:
            lines.append("Constraints: " + "; ".join(escape(c) for c in exercise.constraints))
        if exercise.do_not:
            lines.append("Do not: " + "; ".join(escape(d) for d in exercise.do_not))
    return clip("\n".join(lines), 2900)


SHADOW_NOTE = (
    "You are shadowing: watch how the panel runs the round. You are not asked for a scorecard, and "
    "nothing you say counts in the debrief."
)


def scorecard_button(
    interview_id: int, text: str = "Submit scorecard", *, snooze: int | None = None, block_id: str = "scorecard"
) -> ActionsBlock:
    """The *Submit* button, and with `snooze` (a reminder's outbox row) *Remind me tomorrow*."""
    elements = [ButtonElement(text=text, action_id=SUBMIT, value=str(interview_id), style="primary")]
    if snooze is not None:
        elements.append(ButtonElement(text="Remind me tomorrow", action_id=SNOOZE, value=str(snooze)))
    return ActionsBlock(block_id=block_id, elements=elements)


def _briefing_opening(ctx: RoundContext) -> list[Block]:
    """Who, when, where, the role and panel, and the stage's interviewer guide."""
    blocks: list[Block] = [
        header(clip(f"Briefing: {ctx.title} with {ctx.candidate.name}", 150)),
        section(
            f"{_logistics(ctx)}\n*Role:* {escape(ctx.role.title)}" + (f" ({ctx.role.level})" if ctx.role.level else "")
        ),
        context(panel_text(ctx)),
    ]
    if ctx.stage.interviewer_guide:
        blocks.append(section(ctx.stage.interviewer_guide))
    return blocks


def briefing_message(ctx: RoundContext, *, shadow: bool = False) -> list[Block]:
    """To an interviewer, before the round: who, when, and the questions they own. To a `shadow`:
    the same questions, to watch how they are asked, and no scorecard."""
    if ctx.interview.kind == InterviewKind.kickoff:
        return kickoff_briefing(ctx)
    blocks = _briefing_opening(ctx)
    if shadow:
        blocks.append(context(SHADOW_NOTE))
    questions = [ctx.kit.question(k) for k in ctx.stage.questions]
    room = MAX_MESSAGE_BLOCKS - len(blocks) - 2
    for question in questions[:room]:
        blocks.append(section(question_text(question, ctx.role.level, ctx.interview.variant)))
    if len(questions) > room:
        blocks.append(context(f"{len(questions) - room} more questions are in the scorecard form."))
    if not shadow:
        blocks.append(scorecard_button(ctx.interview.id or 0))
    return blocks


def kickoff_briefing(ctx: RoundContext) -> list[Block]:
    """To the interviewer of a take-home's kickoff: what the candidate gets and what is assessed
    later. No scorecard: the work is scored once it arrives."""
    take_home = ctx.stage.take_home
    blocks = _briefing_opening(ctx)
    if take_home is not None:
        blocks.append(section(clip(f"*The assignment the candidate gets*\n{escape(take_home.brief)}", 2900)))
        facts = [f"*Due:* {take_home.due_days} days after it is sent (the recruiter sets the date)"]
        if take_home.effort_hours:
            facts.append(f"*Effort:* {escape(take_home.effort_hours)}")
        if take_home.check_ins:
            facts.append(f"*Check-ins:* {escape(take_home.check_ins)}")
        blocks.append(section(clip("\n".join(facts), 2900)))
    titles = [ctx.kit.question(k).title for k in ctx.stage.questions]
    if titles:
        blocks.append(section(clip("*Assessed when the work is in:* " + "; ".join(escape(t) for t in titles), 2900)))
    blocks.append(context("This meeting is not scored: the reviewers score the work once it arrives."))
    return blocks[:MAX_MESSAGE_BLOCKS]


def scorecard_request(ctx: RoundContext, *, reminder: bool, due: datetime, snooze: int | None = None) -> list[Block]:
    """`due`: the reader's deadline (shown in their own zone); `snooze`: the reminder's row, for its
    *Remind me tomorrow* button."""
    due_text = slack_date(due)

    def buttons(text: str) -> ActionsBlock:
        return scorecard_button(ctx.interview.id or 0, text, snooze=snooze)

    who, round_name = escape(ctx.candidate.name), escape(ctx.stage.name)
    if ctx.stage.kind is StageKind.review:
        asked = f" {user(ctx.interview.scheduled_by)} asked you to" if ctx.interview.scheduled_by else " Please"
        profile = f" <{ctx.candidate.link}|Their profile>." if ctx.candidate.link else ""
        text = (
            f":alarm_clock: Reminder: your review of *{who}* ({round_name}) is still open."
            if reminder
            else f":mag:{asked} review *{who}* for {escape(ctx.role.title)} against the *{round_name}* criteria."
            + profile
        )
        return [
            section(text),
            context(f"Due by {due_text}. Other reviews stay hidden from you until yours is in."),
            buttons("Submit review"),
        ]
    text = (
        f":alarm_clock: Reminder: your scorecard for *{who}* ({round_name}) is still open."
        if reminder
        else f":memo: Your round with *{who}* ({round_name}) has ended. How did it go?"
    )
    return [
        section(text),
        context(f"Feedback is due by {due_text}. Others' feedback stays hidden from you until yours is in."),
        buttons("Submit scorecard"),
    ]


def escalation_message(ctx: RoundContext, missing: Sequence[str], due: datetime) -> list[Block]:
    """`due`: when the last of the panel's scorecards was due (their working days)."""
    return [
        section(
            f":rotating_light: Feedback for *{escape(ctx.candidate.name)}* ({escape(ctx.stage.name)}), due by "
            f"{slack_date(due)}, is past the {ctx.kit.feedback_due_hours} h deadline. "
            f"Still waiting on {users(missing)}."
        )
    ]


# Why a round was cancelled with the candidate's stage (bot/rules/lifecycle.py), as the panel hears it.
CANCELLED_BECAUSE = {
    "rejected": "The candidate was rejected.",
    "hired": "The candidate was hired.",
    "on_hold": "The candidate is on hold.",
    "purged": "The candidate's data was erased.",
}


def cancelled_message(ctx: RoundContext, *, to_candidate: bool, why: str | None = None) -> list[Block]:
    """`why`: the candidate left the process (a key of CANCELLED_BECAUSE); they are told only that the
    round will not take place, the panel why."""
    who = f"Hi {escape(first_name(ctx.candidate.name))}, " if to_candidate else ""
    with_whom = "" if to_candidate else f" with *{escape(ctx.candidate.name)}*"
    if why is not None:
        if to_candidate:
            line = f"the round {round_line(ctx)} will not take place."
            # After a purge their name is a placeholder: no greeting rather than "Hi Purged".
            return [section(who + line if ctx.candidate.purged_at is None else "T" + line[1:])]
        because = CANCELLED_BECAUSE.get(why, "")
        return [
            section(f"The round {round_line(ctx)}{with_whom} is cancelled."),
            context(f"{because} Nothing to prepare.".strip()),
        ]
    return [
        section(f"{who}the round {round_line(ctx)}{with_whom} is cancelled."),
        context("Your recruiter will be in touch about next steps." if to_candidate else "Nothing to prepare."),
    ]


def rescheduled_message(ctx: RoundContext, *, to_candidate: bool) -> list[Block]:
    who = f"Hi {escape(first_name(ctx.candidate.name))}, " if to_candidate else ""
    with_whom = "" if to_candidate else f" with *{escape(ctx.candidate.name)}*"
    return [section(f"{who}the round{with_whom} has moved: {round_line(ctx)}")]


def debrief_blocks(debrief: Debrief, *, with_actions: bool) -> list[Block]:
    ctx = debrief.round
    blocks: list[Block] = [
        header(clip(f"Debrief: {ctx.candidate.name} · {ctx.stage.name}", 150)),
    ]
    recs = debrief.recommendations()
    summary = " · ".join(f"{RECOMMENDATION_LABELS[k]} {recs[k]}" for k in RECOMMENDATION_LABELS if recs.get(k))
    per_person = "\n".join(
        f"• {user(card.interviewer_id)}: *{RECOMMENDATION_LABELS.get(card.recommendation, card.recommendation)}*"
        for card, _ in debrief.scorecards
    )
    blocks.append(section(f"*Recommendations* ({summary})\n{per_person}"))
    if debrief.snoozes:
        put_off = ", ".join(f"{user(u)} {n}×" for u, n in sorted(debrief.snoozes.items()))
        blocks.append(context(f"Reminders put off (Remind me tomorrow): {put_off}."))
    for question in debrief.questions[: MAX_MESSAGE_BLOCKS - 8]:
        lines = [f"*{escape(question.title)}*"]
        for card, answers in debrief.scorecards:
            answer = answers.get(question.key)
            rating = RATING_LABELS.get(answer.rating, "—") if answer else "—"
            lines.append(f"• {user(card.interviewer_id)}: {rating}")
        positive, negative = debrief.indicator_tally(question)
        if positive:
            lines.append("+ " + "; ".join(f"{escape(k)} ×{v}" for k, v in positive.most_common()))
        if negative:
            lines.append("− " + "; ".join(f"{escape(k)} ×{v}" for k, v in negative.most_common()))
        blocks.append(section(clip("\n".join(lines), 2900)))
    notes = "\n".join(
        f"{user(card.interviewer_id)}: _{escape(clip(card.notes, 400))}_" for card, _ in debrief.scorecards
    )
    blocks.append(section(clip(f"*Notes*\n{notes}", 2900)))
    if with_actions and ctx.candidate.status == "active":
        blocks.append(divider())
        blocks.append(decision_buttons(ctx))
    return blocks[:MAX_MESSAGE_BLOCKS]


def take_home_message(ctx: RoundContext, *, reminder: bool) -> list[Block]:
    """To the candidate: the brief, the due date, and only what the kit marks candidate-facing."""
    take_home = ctx.stage.take_home
    name = escape(first_name(ctx.candidate.name))
    due = slack_date(ctx.interview.ends_at)
    company = f" with {escape(ctx.kit.company)}" if ctx.kit.company else ""
    if reminder:
        return [
            section(f"Hi {name}, a reminder: your *{escape(ctx.stage.name)}*{company} is due {due}."),
            context("Running late or stuck? Reply here and your recruiter will get back to you."),
        ]
    blocks: list[Block] = [section(f"Hi {name}, here is your *{escape(ctx.stage.name)}*{company}. It is due {due}.")]
    if take_home is not None:
        blocks.append(section(take_home.brief))
        facts = [f"*Effort:* {escape(take_home.effort_hours)}"] if take_home.effort_hours else []
        if take_home.compensation:
            facts.append(f"*Compensation and agreement:* {escape(take_home.compensation)}")
        if take_home.check_ins:
            facts.append(f"*Checking in:* {escape(take_home.check_ins)}")
        if facts:
            blocks.append(section(clip("\n".join(facts), 2900)))
    if ctx.stage.prep:
        blocks.append(section(ctx.stage.prep))
    blocks.append(context("Questions along the way? Reply here: your recruiter reads every message."))
    return blocks[:MAX_MESSAGE_BLOCKS]


def take_home_missing_message(ctx: RoundContext) -> list[Block]:
    link = thread_link(ctx.candidate.channel_id, ctx.candidate.thread_ts)
    thread = f" <{link}|Open the thread>." if link else ""
    return [
        section(
            f":hourglass: Nothing has arrived from *{escape(ctx.candidate.name)}* for the *{escape(ctx.stage.name)}*, "
            f"due {slack_date(ctx.interview.ends_at)}. Follow up, or mark it received on the card.{thread}"
        )
    ]


def decision_buttons(ctx: RoundContext) -> ActionsBlock:
    value = button_value(ctx.candidate)
    return ActionsBlock(
        block_id="candidate_card",
        elements=[
            ButtonElement(text="Advance", action_id=ADVANCE, value=value, style="primary"),
            ButtonElement(text="Hold", action_id=HOLD, value=value),
            ButtonElement(text="Reject", action_id=REJECT, value=value, style="danger"),
        ],
    )


def promise_message(ctx: RoundContext, hours: int, due_at: datetime) -> list[Block]:
    """To the recruiter, before a response-time promise to the candidate runs out."""
    days = f"{hours // 24} day{'s' if hours // 24 != 1 else ''}" if hours % 24 == 0 else f"{hours} hours"
    link = thread_link(ctx.candidate.channel_id, ctx.candidate.thread_ts)
    thread = f" · <{link}|Open the thread>" if link else ""
    blocks: list[Block] = [
        section(
            f":hourglass_flowing_sand: *{escape(ctx.candidate.name)}* was promised an answer within {days} of "
            f"their *{escape(ctx.stage.name)}*, so by {slack_date(due_at)}. No decision yet."
        ),
        context(f"{escape(ctx.role.title)}{thread}"),
    ]
    if ctx.candidate.status == "active":
        blocks.append(decision_buttons(ctx))
    return blocks


def dead_letter_message(what: str, target: str, candidate: Candidate, attempts: int, error: str | None) -> list[Block]:
    """To a recruiter: a message about a candidate (`what`, as reports name its kind) never arrived."""
    who = user(target) if target.startswith(("U", "W")) else "the thread"
    link = thread_link(candidate.channel_id, candidate.thread_ts)
    about = f"*{escape(candidate.name)}*" + (f" (<{link}|thread>)" if link else "")
    return [
        section(
            f":warning: I could not deliver the {escape(what)} about {about} to {who} after {attempts} attempts"
            + (f" (last error: `{escape(clip(error, 200))}`)" if error else "")
            + ". Please follow up by hand."
        )
    ]


def line_dead_letter_message(what: str, candidate: Candidate, attempts: int, error: str | None) -> list[Block]:
    """To a recruiter: a message between them and a candidate never arrived."""
    where = (
        f"into *{escape(candidate.name)}*'s thread"
        if what == "the candidate's message"
        else f"to *{escape(candidate.name)}*"
    )
    link = thread_link(candidate.channel_id, candidate.thread_ts)
    return [
        section(
            f":warning: I could not deliver {what} {where} after {attempts} attempts"
            + (f" (last error: `{escape(clip(error, 200))}`)" if error else "")
            + f". Please follow up by hand, e.g. at {escape(candidate.email)}."
            + (f" <{link}|Open the thread>." if link else "")
        )
    ]
