"""Scheduling views and the thread replies about rounds."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    DatePickerElement,
    InputBlock,
    NumberInputElement,
    Option,
    OptionGroup,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticSelectElement,
    TimePickerElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from blocks.common import clip, context, escape, section, slack_date, user, users
from bot.rules.offer_links import PAGE_ACTOR
from bot.rules.rounds import RoundContext
from models.kit import Stage, StageKind, Variant
from models.tables import InterviewKind

# The schedule form's override: book the round over the panel's other meetings (bot/rules/clashes.py).
ANYWAY = "anyway"
ANYWAY_TEXT = "Schedule anyway, even where it does not suit someone on the panel"

REVIEW = "review_assign"
TAKE_HOME = "take_home_send"
SCHEDULE = "interview_schedule"
RESCHEDULE = "interview_reschedule"
CANCEL = "interview_cancel"
PANEL_PICKED = "panel_picked"


# Who picks the time: the schedule form and the offer form (blocks/offer_form.py) switch into each other.
WHO_PICKS = "who_picks"
RECRUITER_PICKS, CANDIDATE_PICKS = "recruiter", "candidate"


def who_picks_block(candidate_picks: bool) -> ActionsBlock:
    mine = Option(value=RECRUITER_PICKS, text="I pick the time")
    theirs = Option(value=CANDIDATE_PICKS, text="Let the candidate pick")
    return ActionsBlock(
        block_id=WHO_PICKS,
        elements=[
            RadioButtonsElement(
                action_id=WHO_PICKS, options=[mine, theirs], initial_option=theirs if candidate_picks else mine
            )
        ],
    )


def revised(block_id: str, revision: int) -> str:
    """A block id that makes Slack show the block's new initial value (handlers read the base id)."""
    return f"{block_id}~{revision}" if revision else block_id


def stage_label(stage: Stage) -> str:
    return f"{stage.name}: kickoff meeting" if stage.kind is StageKind.take_home else stage.name


def default_duration(stage: Stage) -> int | None:
    if stage.kind is StageKind.take_home:
        return (stage.take_home.kickoff_minutes if stage.take_home else None) or 30
    return stage.duration_minutes


def schedule_modal(
    *,
    candidate_name: str,
    candidate_id: int,
    stages: Sequence[Stage],
    current_stage: str,
    tz: str,
    interview: RoundContext | None = None,
    local_start: datetime | None = None,
    variants: Mapping[str, Sequence[Variant]] | None = None,
    panel: Sequence[str] | None = None,
    suggestions: Sequence[Block] = (),
    revision: int = 0,
    pool: Block | None = None,
) -> View:
    """A new round, or (with `interview`) the same form to move an existing one. A take-home
    stage is offered as its kickoff meeting; `variants` are the exercise variants by stage key.
    `suggestions`: blocks/times.py's *Suggested time*, under the panel; `revision` counts the times
    a suggestion filled in the date and time (Slack shows a new initial value only in a new block);
    `pool`: the *From the pool* choice, when the stage has one."""
    moving = interview is not None
    blocks: list[Block] = [
        section(f"{'Move the round with' if moving else 'Schedule a round with'} *{escape(candidate_name)}*")
    ]
    if not moving:
        blocks.append(who_picks_block(candidate_picks=False))
        options = [Option(value=s.key, text=clip(stage_label(s), 75)) for s in stages[:100]]
        initial = next((o for o in options if o.value == current_stage), options[0] if options else None)
        blocks.append(
            InputBlock(
                block_id="stage",
                label="Stage",
                element=StaticSelectElement(action_id="value", options=options, initial_option=initial),
            )
        )
        groups = [
            OptionGroup(
                label=clip(stage.name, 75),
                options=[
                    Option(value=f"{stage.key}:{v.key}", text=clip(v.title, 75))
                    for v in (variants or {}).get(stage.key, [])[:100]
                ],
            )
            for stage in stages
            if (variants or {}).get(stage.key)
        ][:100]
        if groups:
            blocks.append(
                InputBlock(
                    block_id="variant",
                    label="Exercise variant",
                    optional=True,
                    hint="The briefing gives the interviewers this variant only; left empty, it lists them all.",
                    element=StaticSelectElement(action_id="value", option_groups=groups, placeholder="Pick a variant"),
                )
            )
    default_minutes = (interview.stage.duration_minutes if interview else None) or next(
        (default_duration(s) for s in stages if s.key == current_stage and default_duration(s)), 60
    )
    if interview is not None:
        default_minutes = interview.minutes
    if pool is not None:
        blocks.append(pool)  # *From the pool* (blocks/pools.py)
    blocks += [
        InputBlock(
            # Re-keyed with the date and time: a suggestion from the pool fills in the panel too.
            block_id=revised("interviewers", revision),
            label="Interviewers",
            # Picking the panel asks for the times that suit it (handlers/actions/times.py).
            dispatch_action=True,
            element=UserMultiSelectElement(
                action_id=PANEL_PICKED,
                placeholder="Pick the panel",
                initial_users=list(panel or (interview.panel if interview else None) or []) or None,
                max_selected_items=10,
            ),
        ),
        *suggestions,
        InputBlock(
            block_id=revised("date", revision),
            label="Date",
            element=DatePickerElement(
                action_id="value", initial_date=local_start.strftime("%Y-%m-%d") if local_start else None
            ),
        ),
        InputBlock(
            block_id=revised("time", revision),
            label=clip(f"Start time ({tz})", 2000),
            element=TimePickerElement(
                action_id="value", initial_time=local_start.strftime("%H:%M") if local_start else None
            ),
        ),
        InputBlock(
            block_id="duration",
            label="Duration (minutes)",
            element=NumberInputElement(
                action_id="value",
                is_decimal_allowed=False,
                min_value="5",
                max_value="600",
                initial_value=str(default_minutes),
            ),
        ),
        InputBlock(
            block_id="location",
            label="Video link or location",
            optional=True,
            element=PlainTextInputElement(
                action_id="value",
                max_length=500,
                initial_value=(interview.interview.location if interview else None) or None,
            ),
        ),
        InputBlock(
            block_id=ANYWAY,
            label="Clashes",
            optional=True,
            element=CheckboxesElement(action_id="value", options=[Option(value="yes", text=ANYWAY_TEXT)]),
        ),
    ]
    meta: dict[str, object] = {"candidate_id": candidate_id, "tz": tz, "revision": revision}
    if interview is not None:
        meta["interview_id"] = interview.interview.id
    return View(
        type="modal",
        callback_id=RESCHEDULE if moving else SCHEDULE,
        title="Move round" if moving else "Schedule round",
        submit="Move" if moving else "Schedule",
        close="Cancel",
        private_metadata=json.dumps(meta),
        blocks=blocks,
    )


def review_modal(*, candidate_name: str, candidate_id: int, stage: Stage, criteria: Sequence[str]) -> View:
    """Ask for a review (a resume screen): who rates the candidate against the stage's criteria."""
    listed = "\n".join(f"• {escape(c)}" for c in criteria[:20]) or "_The kit lists no criteria for this stage._"
    blocks: list[Block] = [
        section(f"Who should review *{escape(candidate_name)}* for *{escape(stage.name)}*?"),
        context(clip(f"Each reviewer rates every criterion in a form like a scorecard:\n{listed}", 2900)),
        InputBlock(
            block_id="interviewers",
            label="Reviewers",
            element=UserMultiSelectElement(action_id="value", placeholder="Pick the reviewers", max_selected_items=10),
        ),
    ]
    return View(
        type="modal",
        callback_id=REVIEW,
        title="Ask for a review",
        submit="Ask",
        close="Cancel",
        private_metadata=json.dumps({"candidate_id": candidate_id, "stage": stage.key}),
        blocks=blocks,
    )


def take_home_modal(*, candidate_name: str, candidate_id: int, stage: Stage, due: date, tz: str, scored: bool) -> View:
    """Send a take-home: its due date (the kit's default) and who reviews the work."""
    effort = f" ({stage.take_home.effort_hours})" if stage.take_home and stage.take_home.effort_hours else ""
    blocks: list[Block] = [
        section(f"Send *{escape(candidate_name)}* the *{escape(stage.name)}*{escape(effort)}."),
        context("They get the brief and the due date now, and a reminder a day before it is due. "
                "You hear if nothing has arrived by then."),
        InputBlock(
            block_id="date",
            label=clip(f"Due date (end of day, {tz})", 2000),
            element=DatePickerElement(action_id="value", initial_date=due.isoformat()),
        ),
        InputBlock(
            block_id="interviewers",
            label="Reviewers",
            optional=not scored,
            hint="They score the work once you mark it received." if scored else "Optional: this step is scored later.",
            element=UserMultiSelectElement(action_id="value", placeholder="Pick the reviewers", max_selected_items=10),
        ),
    ]  # fmt: skip
    return View(
        type="modal",
        callback_id=TAKE_HOME,
        title="Send take-home",
        submit="Send",
        close="Cancel",
        private_metadata=json.dumps({"candidate_id": candidate_id, "stage": stage.key, "tz": tz}),
        blocks=blocks,
    )


def take_home_sent_reply(ctx: RoundContext, actor: str) -> list[Block]:
    reviewers = f" Reviewers: {users(ctx.panel)}." if ctx.panel else ""
    return [
        section(f":package: {user(actor)} sent *{escape(ctx.candidate.name)}* the *{escape(ctx.stage.name)}*, "
                f"due {slack_date(ctx.interview.ends_at)}.{reviewers}"),
    ]  # fmt: skip


def take_home_received_reply(ctx: RoundContext, actor: str) -> list[Block]:
    asked = f" {users(ctx.panel)}: your scorecards, please." if ctx.panel else ""
    return [section(f":inbox_tray: {user(actor)} marked *{escape(ctx.candidate.name)}*'s take-home received.{asked}")]


def round_line(ctx: RoundContext) -> str:
    where = f" · {escape(ctx.interview.location)}" if ctx.interview.location else ""
    minutes = ctx.minutes
    return f"*{escape(ctx.title)}* on {slack_date(ctx.interview.starts_at)} ({minutes} min){where}"


def panel_text(ctx: RoundContext) -> str:
    """The panel, and who is training on the round: shadowing, or leading in reverse shadow."""
    said = f"Panel: {users(ctx.panel)}"
    if ctx.reverse_shadow:
        said += f" · reverse shadow: {user(ctx.reverse_shadow)} leads and scores, {users(ctx.evaluators)} signs off"
    if ctx.shadows:
        said += f" · shadowing: {users(ctx.shadows)}"
    return said


def scheduled_reply(ctx: RoundContext, actor: str) -> list[Block]:
    if ctx.stage.kind is StageKind.review:
        return [
            section(f":mag: {user(actor)} asked {users(ctx.panel)} to review *{escape(ctx.candidate.name)}* "
                    f"for *{escape(ctx.stage.name)}*."),
            context("Reviews are blind: the thread only says who has submitted; the tally follows when all are in."),
        ]  # fmt: skip
    panel = context(panel_text(ctx))
    if ctx.interview.kind == InterviewKind.kickoff:
        panel = context(
            f"Panel: {users(ctx.panel)} · not scored; send the take-home from the card when it is handed over"
        )
    if actor in (ctx.candidate.slack_user_id, PAGE_ACTOR):
        # The candidate picked it from the times offered to them (in Slack, or on the booking page).
        where = " on the booking page" if actor == PAGE_ACTOR else ""
        said = f":calendar: *{escape(ctx.candidate.name)}* picked one of the offered times{where}: {round_line(ctx)}"
        return [section(said), panel]
    return [section(f":calendar: {user(actor)} scheduled {round_line(ctx)}"), panel]


def rescheduled_reply(
    ctx: RoundContext, actor: str, old_starts_at: datetime | None = None, old_panel: Sequence[str] = ()
) -> list[Block]:
    """The move, with where it was (time and panel) when that changed."""
    was = f" from {slack_date(old_starts_at)}" if old_starts_at and old_starts_at != ctx.interview.starts_at else ""
    panel = panel_text(ctx)
    if old_panel and list(old_panel) != list(ctx.panel):
        panel += f" (was {users(old_panel)})"
    return [
        section(f":arrows_counterclockwise: {user(actor)} moved the round{was} to {round_line(ctx)}"),
        context(panel),
    ]


def cancelled_reply(ctx: RoundContext, actor: str, because: str | None = None) -> list[Block]:
    """`because`: why, when the round went with the candidate's stage (rejected, hired, on hold)."""
    blocks: list[Block] = [section(f":no_entry_sign: {user(actor)} cancelled {round_line(ctx)}")]
    if because:
        blocks.append(context(f"{because} The panel and the candidate are told."))
    return blocks


def submitted_reply(ctx: RoundContext, interviewer: str, done: Sequence[str], edited: bool) -> list[Block]:
    """Who has submitted, never what: feedback stays blind until the debrief."""
    verb = "updated their scorecard" if edited else "submitted their scorecard"
    waiting = [u for u in ctx.panel if u not in done]
    status = f"{len(done)} of {len(ctx.panel)} in" + (f"; waiting on {users(waiting)}" if waiting else "")
    return [section(f":memo: {user(interviewer)} {verb} for *{escape(ctx.stage.name)}*."), context(status)]


def cancel_confirmation(ctx: RoundContext) -> list[Block]:
    return [
        section(f"Cancel {round_line(ctx)} with *{escape(ctx.candidate.name)}*? The panel and the candidate are told."),
        ActionsBlock(
            block_id="cancel_round",
            elements=[
                ButtonElement(text="Cancel round", action_id=CANCEL, value=str(ctx.interview.id), style="danger")
            ],
        ),
    ]
