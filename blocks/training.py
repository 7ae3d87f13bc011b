"""Training new interviewers (bot/rules/training.py): the schedule form's *Trainee*, the sign-off
asked of a reverse shadow's panel and its form, a shadow's *What did you learn?*, what the trainee
hears, and the recruiters' *Add to pool* / *Not yet*."""

from __future__ import annotations

import json
from collections.abc import Sequence

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, InputBlock, PlainTextInputElement
from slack_sdk.models.blocks.block_elements import UserSelectElement
from slack_sdk.models.views import View

from blocks.common import clip, context, escape, section, user, users
from blocks.rounds import revised, round_line
from blocks.times import Names
from bot.rules.rounds import RoundContext
from bot.rules.training import MAX_NOTE, Progress
from models.tables import TrainingPart, TrainingSignoff

TRAINEE = "trainee"
SIGNOFF_READY = "signoff_ready"
SIGNOFF_MORE = "signoff_more"
SIGNOFF_VIEW = "signoff_view"
SHADOW_NOTE = "shadow_note_open"
SHADOW_NOTE_VIEW = "shadow_note_view"
ADD_TO_POOL = "training_add"
NOT_YET = "training_not_yet"

PART_NAMES = {TrainingPart.shadow: "shadow", TrainingPart.reverse_shadow: "reverse shadow"}


def progress_line(progress: Progress, name: str) -> str:
    """ "Tia: 2 of 2 shadows, 0 of 1 reverse shadows; next: reverse shadow"."""
    part = progress.next_part()
    nxt = f"; next: {PART_NAMES[part]}" if part else ("; done" if progress.done else "; the rest is booked")
    return f"{name}: {progress.text()}{nxt}"


def trainee_block(progress: Sequence[Progress], chosen: str | None, name: Names, revision: int) -> InputBlock:
    """*Trainee*: who shadows the round (or leads it in reverse shadow, by their progress)."""
    hint = "; ".join(progress_line(p, name(p.user_id)) for p in progress[:5])
    return InputBlock(
        block_id=revised(TRAINEE, revision),
        label="Trainee",
        optional=True,
        hint=clip(f"Shadows, or leads in reverse shadow by their progress. {hint}", 2000),
        element=UserSelectElement(action_id="value", placeholder="No trainee", initial_user=chosen or None),
    )


def signoff_request_message(ctx: RoundContext) -> list[Block]:
    trainee = ctx.reverse_shadow or ""
    value = str(ctx.interview.id or 0)
    return [
        section(
            f":mortar_board: {user(trainee)} led {round_line(ctx)} with *{escape(ctx.candidate.name)}* in reverse "
            "shadow. Are they ready to interview on their own?"
        ),
        context("Your sign-off goes to them with your comment. They join the pool once every sign-off says ready."),
        ActionsBlock(
            block_id="signoff",
            elements=[
                ButtonElement(text="Ready", action_id=SIGNOFF_READY, value=value, style="primary"),
                ButtonElement(text="Needs more practice", action_id=SIGNOFF_MORE, value=value),
            ],
        ),
    ]


def signoff_modal(ctx: RoundContext, *, ready: bool, comment: str | None = None) -> View:
    trainee = ctx.reverse_shadow or ""
    verdict = "Ready" if ready else "Needs more practice"
    return View(
        type="modal",
        callback_id=SIGNOFF_VIEW,
        title="Sign off",
        submit="Sign off",
        close="Cancel",
        private_metadata=json.dumps({"interview_id": ctx.interview.id, "ready": ready}),
        blocks=[
            section(f"*{verdict}*: {user(trainee)}'s reverse shadow of *{escape(ctx.stage.name)}*."),
            InputBlock(
                block_id="comment",
                label="What went well, and what to practise" if ready else "What should they practise?",
                optional=ready,
                element=PlainTextInputElement(
                    action_id="value", multiline=True, max_length=MAX_NOTE, initial_value=comment or None
                ),
            ),
        ],
    )


def shadow_note_message(ctx: RoundContext) -> list[Block]:
    return [
        section(
            f"Thanks for shadowing {round_line(ctx)} with *{escape(ctx.candidate.name)}*. What did you learn? "
            f"A few words go to {users(ctx.panel)}, who ran it."
        ),
        ActionsBlock(
            block_id="shadow_note",
            elements=[ButtonElement(text="Write a note", action_id=SHADOW_NOTE, value=str(ctx.interview.id or 0))],
        ),
        context("Optional: nothing waits on it."),
    ]


def shadow_note_modal(ctx: RoundContext) -> View:
    return View(
        type="modal",
        callback_id=SHADOW_NOTE_VIEW,
        title="What did you learn?",
        submit="Send",
        close="Cancel",
        private_metadata=json.dumps({"interview_id": ctx.interview.id}),
        blocks=[
            section(f"To {users(ctx.panel)}, about *{escape(ctx.stage.name)}* with *{escape(ctx.candidate.name)}*."),
            InputBlock(
                block_id="note",
                label="What did you learn?",
                element=PlainTextInputElement(action_id="value", multiline=True, max_length=MAX_NOTE),
            ),
        ],
    )


def shadow_learned_message(ctx: RoundContext, shadow: str, text: str) -> list[Block]:
    return [
        section(f":seedling: {user(shadow)} shadowed your {round_line(ctx)} and wrote:"),
        section(clip("> " + escape(text).replace("\n", "\n> "), 2900)),
    ]


def signoffs_text(signoffs: Sequence[TrainingSignoff]) -> str:
    lines = []
    for s in signoffs:
        mark = ":white_check_mark: Ready" if s.ready else ":repeat: Needs more practice"
        lines.append(f"{mark} from {user(s.evaluator_id)}" + (f": {escape(s.comment)}" if s.comment else ""))
    return "\n".join(lines)


def round_signed_message(
    stage_name: str, when: str, signoffs: Sequence[TrainingSignoff], progress: Progress
) -> list[Block]:
    """To the trainee once every sign-off of their reverse shadow is in."""
    return [
        section(f":mortar_board: Your reverse shadow of *{escape(stage_name)}* on {when}:"),
        section(clip(signoffs_text(signoffs), 2900)),
        context(f"Your training: {progress.text()}."),
    ]


def training_news_message(what: str, where: str, progress: Progress | None, actor: str | None) -> list[Block]:
    """To the trainee: their path is done, they joined the pool, or a recruiter said not yet."""
    said = {
        "done": f":tada: You have finished training for *{escape(where)}*. The recruiters are asked to add you "
        "to the pool.",
        "added": f":tada: {user(actor or '')} added you to the pool for *{escape(where)}*: you can be picked "
        "to interview on your own now.",
        "not_yet": f"{user(actor or '')} asks for one more reverse shadow before you join the pool for "
        f"*{escape(where)}*. It is booked like the others, from the pool.",
    }[what]
    blocks: list[Block] = [section(said)]
    if progress is not None and what != "added":
        blocks.append(context(f"Your training: {progress.text()}."))
    return blocks


def training_done_message(
    trainee: str, where: str, progress: Progress, signoffs: Sequence[TrainingSignoff], value: str
) -> list[Block]:
    """To the role's recruiters: the trainee's path is done; add them to the pool?"""
    return [
        section(f":mortar_board: {user(trainee)} has finished training for *{escape(where)}*: {progress.text()}."),
        section(clip(signoffs_text(signoffs), 2900)) if signoffs else context("No sign-offs on record."),
        ActionsBlock(
            block_id="training_decision",
            elements=[
                ButtonElement(text="Add to pool", action_id=ADD_TO_POOL, value=value, style="primary"),
                ButtonElement(text="Not yet", action_id=NOT_YET, value=value),
            ],
        ),
        context("Not yet: they do one more reverse shadow first."),
    ]


def decided_message(said: str) -> list[Block]:
    return [section(said)]
