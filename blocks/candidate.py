"""The candidate card: its fields, the stage's checklist and the buttons, with the ids Slack sends back
for candidate buttons and modals."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
    Option,
    SectionBlock,
)
from slack_sdk.models.blocks.basic_components import MarkdownTextObject

from blocks.common import clip, context, escape, header, section, slack_date, user
from bot.rules.pipeline import CandidateView, status_word
from models.kit import TIMED_STAGE_KINDS, Stage, StageKind
from models.tables import Candidate, CandidateStatus

STATUS_EMOJI = {
    "active": ":large_green_circle:",
    "on_hold": ":double_vertical_bar:",
    "rejected": ":x:",
    "hired": ":tada:",
}

NEW_CANDIDATE = "candidate_new"
STAGE_REASON = "stage_reason"
ADVANCE = "candidate_advance"
HOLD = "candidate_hold"
REJECT = "candidate_reject"
REOPEN = "candidate_reopen"
SCHEDULE = "candidate_schedule"
OFFER_TIMES = "candidate_offer_times"
REVIEW = "candidate_review"
TAKE_HOME_SEND = "candidate_take_home"
TAKE_HOME_RECEIVED = "candidate_take_home_received"
PURGE = "candidate_purge"
BUTTON_ACTIONS = {ADVANCE: "advance", HOLD: "hold", REJECT: "reject", REOPEN: "reopen"}


def button_value(candidate: Candidate) -> str:
    # The state the person saw: a second click on a stale card changes nothing.
    return f"{candidate.id}:{candidate.stage_key}:{candidate.status}"


def parse_button_value(value: str) -> tuple[int, tuple[str, str]]:
    candidate_id, stage_key, status = value.split(":", 2)
    return int(candidate_id), (stage_key, status)


def stage_label(view: CandidateView) -> str:
    if view.stage is None:
        return f"`{view.candidate.stage_key}` (kit not loaded)"
    return f"{view.stage_number} of {view.stage_count}: {escape(view.stage.name)}"


def card_text(view: CandidateView) -> str:
    return f"{view.candidate.name}: {view.role.title}, {status_word(view.candidate.status)}"


def card_blocks(view: CandidateView) -> list[Block]:
    c = view.candidate
    level = f" · {view.role.level}" if view.role.level else ""
    nxt = f"{slack_date(view.next_interview.starts_at)}" if view.next_interview is not None else "none scheduled"
    fields = [
        MarkdownTextObject(text=f"*Role*\n{escape(view.role.title)}{level}"),
        MarkdownTextObject(text=f"*Stage*\n{stage_label(view)}"),
        MarkdownTextObject(text=f"*Status*\n{STATUS_EMOJI.get(c.status, '')} {status_word(c.status)}"),
        MarkdownTextObject(text=f"*In stage*\n{view.days_in_stage} day{'s' if view.days_in_stage != 1 else ''}"),
        MarkdownTextObject(text=f"*Next interview*\n{nxt}"),
        MarkdownTextObject(text=f"*Recruiter*\n{user(c.created_by) if c.created_by else 'unassigned'}"),
    ]
    if view.promise is not None:
        due = slack_date(view.promise.due_at)
        late = ":warning: overdue since " if view.promise_overdue else "by "
        fields.append(MarkdownTextObject(text=f"*Answer promised*\n{late}{due}"))
    details = [f"#{c.id}", escape(c.email)]
    if c.source:
        details.append(f"via {escape(clip(c.source, 80))}")
    if c.link:
        details.append(f"<{c.link}|profile>")
    if c.slack_user_id:
        details.append(f"Slack: {user(c.slack_user_id)}")
    blocks: list[Block] = [
        header(c.name),
        SectionBlock(fields=fields),
        context(" · ".join(details)),
    ]
    if view.checklist:
        blocks.extend(checklist_blocks(view))
    buttons = card_buttons(c, view.stage, view.take_home)
    if buttons:
        blocks.append(ActionsBlock(block_id="candidate_card", elements=buttons))
    return blocks


CHECKLIST = "stage_checklist"
CHECKLIST_GROUP = 10  # Slack's cap on options in one checkbox group


def checklist_block_id(candidate_id: int, stage_key: str, group: int) -> str:
    # The stage rides along so a tick on a card shown before the candidate moved on is refused.
    return f"{CHECKLIST}:{candidate_id}:{stage_key}:{group}"


def parse_checklist_block_id(block_id: str) -> tuple[int, str, int]:
    prefix, candidate_id, stage_key, group = block_id.split(":")
    if prefix != CHECKLIST:
        raise ValueError(block_id)
    return int(candidate_id), stage_key, int(group)


def checklist_group(total: int, group: int) -> list[int]:
    """The item indexes one checkbox group shows."""
    return list(range(group * CHECKLIST_GROUP, min(total, (group + 1) * CHECKLIST_GROUP)))


def checklist_blocks(view: CandidateView) -> list[Block]:
    """The stage's checklist: checkboxes a recruiter ticks while the candidate is active, else a list."""
    items = view.checklist
    done = sum(1 for i in items if i.done)
    title = f"*Checklist* ({done} of {len(items)} done)"
    if view.candidate.status != CandidateStatus.active or view.candidate.id is None or view.stage is None:
        lines = [f"{':white_check_mark:' if i.done else ':white_large_square:'} {escape(i.text)}" for i in items]
        return [section(title + "\n" + "\n".join(lines))]
    blocks: list[Block] = [section(title)]
    for group in range((len(items) + CHECKLIST_GROUP - 1) // CHECKLIST_GROUP):
        shown = [items[i] for i in checklist_group(len(items), group)]
        options = [
            Option(
                value=str(i.index),
                text=MarkdownTextObject(text=clip(escape(i.text), 75)),
                description=MarkdownTextObject(text=f"{user(i.by)}, {slack_date(i.at)}")
                if i.done and i.by and i.at
                else None,
            )
            for i in shown
        ]
        ticked = [o for o, i in zip(options, shown, strict=True) if i.done]
        blocks.append(
            ActionsBlock(
                block_id=checklist_block_id(view.candidate.id, view.stage.key, group),
                elements=[CheckboxesElement(action_id=CHECKLIST, options=options, initial_options=ticked or None)],
            )
        )
    return blocks


def card_buttons(c: Candidate, stage: Stage | None, take_home: str | None = None) -> list[ButtonElement]:
    value = button_value(c)
    reviewing = stage is not None and stage.kind is StageKind.review
    stage_buttons = [ButtonElement(text="Ask for a review", action_id=REVIEW, value=value)] if reviewing else []
    if stage is not None and stage.kind is StageKind.take_home:
        if take_home is None:
            stage_buttons.append(ButtonElement(text="Send take-home", action_id=TAKE_HOME_SEND, value=value))
        elif take_home == "open":
            stage_buttons.append(
                ButtonElement(text="Mark take-home received", action_id=TAKE_HOME_RECEIVED, value=value)
            )
    timed = stage is not None and stage.kind in TIMED_STAGE_KINDS
    offer_button = [ButtonElement(text="Offer times to the candidate", action_id=OFFER_TIMES, value=value)]
    offer_button = offer_button if timed else []
    if c.status == CandidateStatus.active:
        return [
            *stage_buttons,
            ButtonElement(text="Schedule interview", action_id=SCHEDULE, value=value),
            *offer_button,
            ButtonElement(
                text="Advance",
                action_id=ADVANCE,
                value=value,
                style="primary",
                confirm=ConfirmObject(
                    title="Advance candidate?",
                    text=f"Move {clip(c.name, 100)} past {clip(stage.name if stage else c.stage_key, 60)}?",
                    confirm="Advance",
                    deny="Cancel",
                ),
            ),
            ButtonElement(text="Hold", action_id=HOLD, value=value),
            ButtonElement(text="Reject", action_id=REJECT, value=value, style="danger"),
        ]
    if c.status in (CandidateStatus.on_hold, CandidateStatus.rejected):
        buttons = [ButtonElement(text="Reopen", action_id=REOPEN, value=value)]
        if c.status == CandidateStatus.on_hold:
            buttons.append(ButtonElement(text="Reject", action_id=REJECT, value=value, style="danger"))
        return buttons
    return []


def advance_confirmation_blocks(view: CandidateView) -> list[Block]:
    c = view.candidate
    if view.kit is not None and view.stage_number < view.stage_count:
        target = f"to *{escape(view.kit.stages[view.stage_number].name)}*"
    else:
        target = "to *hired* (this is the last stage)"
    return [
        section(f"Advance *{escape(c.name)}* from *{stage_label(view)}* {target}?"),
        ActionsBlock(
            block_id="advance_confirmation",
            elements=[ButtonElement(text="Advance", action_id=ADVANCE, value=button_value(c), style="primary")],
        ),
    ]
