"""What a change to a candidate says: the thread reply for a stage move or a checklist tick, and the
message the candidate reads when they move on."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from blocks.common import clip, context, escape, section, user
from bot.rules.pipeline import PAST_TENSE, CandidateView
from models.kit import Stage
from models.tables import Candidate, StageEvent


def event_text(event: StageEvent, view: CandidateView, *, from_name: str, to_name: str) -> str:
    actor = user(event.actor_id) if event.actor_id else "Someone"
    name = escape(view.candidate.name)
    if event.action == "created":
        return f":wave: {actor} added *{name}* for {escape(view.role.title)}, starting at *{escape(to_name)}*."
    if event.action == "advance":
        return f":arrow_right: {actor} advanced *{name}* from *{escape(from_name)}* to *{escape(to_name)}*."
    if event.action == "hire":
        return f":tada: {actor} marked *{name}* as *hired* after *{escape(from_name)}*."
    if event.action == "hold":
        return f":double_vertical_bar: {actor} put *{name}* on hold at *{escape(from_name)}*."
    if event.action == "reject":
        return f":x: {actor} rejected *{name}* at *{escape(from_name)}*."
    if event.action == "reopen":
        return f":leftwards_arrow_with_hook: {actor} reopened *{name}* at *{escape(to_name)}*."
    return f"{actor}: {event.action} {name}."


def action_words(action: str) -> str:
    verb = action.partition(":")[0]
    return {"check": "ticked", "uncheck": "unticked"}.get(verb) or PAST_TENSE.get(action, action)


def tick_text(event: StageEvent, view: CandidateView) -> str:
    """The thread reply for one checklist tick."""
    actor = user(event.actor_id) if event.actor_id else "Someone"
    done = sum(1 for i in view.checklist if i.done)
    item = escape(event.reason or "an item")
    progress = f"({done} of {len(view.checklist)} done)"
    if event.action.startswith("check:"):
        return f":white_check_mark: {actor} ticked *{item}* for *{escape(view.candidate.name)}* {progress}."
    return f":leftwards_arrow_with_hook: {actor} unticked *{item}* for *{escape(view.candidate.name)}* {progress}."


def event_blocks(text: str, reason: str | None) -> list[Block]:
    blocks: list[Block] = [section(text)]
    if reason:
        blocks.append(context(f"Reason: {escape(clip(reason, 2900))}"))
    return blocks


def candidate_stage_message(candidate: Candidate, stage: Stage, company: str | None) -> list[Block]:
    """What a candidate reads when they move on: the next stage and its prep, nothing internal."""
    who = f" with {escape(company)}" if company else ""
    blocks: list[Block] = [
        section(f"Hi {escape(candidate.name.split()[0])}, good news: you are moving on to the next step{who}."),
        section(f"*Next: {escape(stage.name)}*"),
    ]
    if stage.prep:
        blocks.append(section(stage.prep))
    blocks.append(context("Questions about this step? Your recruiter is happy to help."))
    return blocks
