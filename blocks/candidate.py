"""Candidate card, thread replies, summaries, pipeline lists and the candidate modals."""

from __future__ import annotations

import json
from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
    EmailInputElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UrlInputElement,
    UserSelectElement,
)
from slack_sdk.models.blocks.basic_components import MarkdownTextObject
from slack_sdk.models.views import View

from blocks.common import clip, context, escape, header, section, slack_date, user
from bot.rules.candidates import thread_link
from bot.rules.pipeline import PAST_TENSE, CandidateView, RoleBoard, status_word
from bot.rules.purge import PurgePreview, PurgeResult, SlackCleanup
from models.kit import Stage, StageKind
from models.tables import Candidate, CandidateStatus, Role, StageEvent

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
    if c.status == CandidateStatus.active:
        return [
            *stage_buttons,
            ButtonElement(text="Schedule interview", action_id=SCHEDULE, value=value),
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


def card_metadata(candidate: Candidate) -> dict[str, object]:
    return {"event_type": "candidate_card", "event_payload": {"candidate_id": candidate.id}}


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


def summary_blocks(view: CandidateView, events: Sequence[StageEvent], *, internal: bool) -> list[Block]:
    c = view.candidate
    lines = [
        f"*{escape(c.name)}* (#{c.id}) · {escape(view.role.title)}",
        f"Stage {stage_label(view)} · {STATUS_EMOJI.get(c.status, '')} {status_word(c.status)} · "
        f"{view.days_in_stage} days in stage",
    ]
    if view.next_interview is not None:
        lines.append(f"Next interview: {slack_date(view.next_interview.starts_at)}")
    link = thread_link(c.channel_id, c.thread_ts)
    if link:
        lines.append(f"<{link}|Open the candidate thread>")
    blocks: list[Block] = [section("\n".join(lines))]
    if internal:
        details = [escape(c.email)]
        if c.source:
            details.append(f"source: {escape(clip(c.source, 100))}")
        if c.link:
            details.append(f"<{c.link}|profile>")
        blocks.append(context(" · ".join(details)))
        history = [
            f"{slack_date(e.at, '{date_short}')} {action_words(e.action)}"
            + (f" by {user(e.actor_id)}" if e.actor_id else "")
            + (f": _{escape(clip(e.reason, 120))}_" if e.reason else "")
            for e in list(events)[-5:]
        ]
        if history:
            blocks.append(context("\n".join(history)))
    return blocks


def choices_blocks(query: str, matches: Sequence[tuple[Candidate, Role]]) -> list[Block]:
    lines = [f"• #{c.id} *{escape(c.name)}* · {escape(r.title)} · {status_word(c.status)}" for c, r in matches[:10]]
    return [
        section(f"{len(matches)} candidates match '{escape(query)}':\n" + "\n".join(lines)),
        context("Pick one with `/candidate #id`."),
    ]


def board_blocks(boards: Sequence[RoleBoard]) -> list[Block]:
    if not boards:
        return [section("No open roles yet. Ask whoever runs the bot to add one with `interview-bot role add`.")]
    blocks: list[Block] = []
    for board in boards:
        total = sum(board.by_status.values())
        closed = ", ".join(
            f"{board.by_status[s]} {status_word(s)}" for s in ("hired", "rejected") if board.by_status.get(s)
        )
        blocks.append(header(clip(f"{board.role.title} · {total} candidates", 150)))
        lines = []
        for column in board.columns:
            names = ", ".join(
                f"{escape(c.name)}{' (on hold)' if c.status == CandidateStatus.on_hold else ''} {days}d"
                for c, days in column.candidates
            )
            more = column.count - len(column.candidates)
            if more > 0:
                names += f" +{more} more"
            lines.append(f"*{escape(column.stage.name)}* ({column.count})" + (f": {names}" if names else ""))
        if not board.columns:
            lines.append(f"Kit `{board.role.kit_key}` is not loaded.")
        blocks.append(section("\n".join(lines)))
        if closed:
            blocks.append(context(closed))
        if len(blocks) >= 45:
            blocks.append(context("More roles: use `/candidate list <role>`."))
            break
    return blocks


def new_candidate_modal(roles: Sequence[Role], *, origin_channel: str | None) -> View:
    options = [Option(value=str(r.id), text=clip(r.title, 75)) for r in roles[:100]]
    role_select = StaticSelectElement(
        action_id="value",
        placeholder="Pick the role",
        options=options,
        initial_option=options[0] if len(options) == 1 else None,
    )
    return View(
        type="modal",
        callback_id=NEW_CANDIDATE,
        title="New candidate",
        submit="Add candidate",
        close="Cancel",
        private_metadata=json.dumps({"channel": origin_channel}),
        blocks=[
            InputBlock(
                block_id="name",
                label="Name",
                element=PlainTextInputElement(action_id="value", max_length=200, placeholder="Full name"),
            ),
            InputBlock(
                block_id="email",
                label="Email",
                element=EmailInputElement(action_id="value", placeholder="name@example.com"),
            ),
            InputBlock(block_id="role_id", label="Role", element=role_select),
            InputBlock(
                block_id="slack_user_id",
                label="Candidate's Slack user",
                optional=True,
                hint="A guest or Slack Connect user, if they have one: they get their prep messages here.",
                element=UserSelectElement(action_id="value", placeholder="Pick a user"),
            ),
            InputBlock(
                block_id="source",
                label="Source",
                optional=True,
                element=PlainTextInputElement(action_id="value", max_length=200, placeholder="Referral, job board…"),
            ),
            InputBlock(
                block_id="link",
                label="Resume or profile link",
                optional=True,
                element=UrlInputElement(action_id="value"),
            ),
            InputBlock(
                block_id="notes",
                label="Notes",
                optional=True,
                element=PlainTextInputElement(action_id="value", multiline=True, max_length=2000),
            ),
        ],
    )


def reason_modal(candidate: Candidate, action: str, expected: tuple[str, str], origin: dict[str, str | None]) -> View:
    verb = {"hold": "Put on hold", "reject": "Reject", "reopen": "Reopen"}[action]
    required = action in ("hold", "reject")
    return View(
        type="modal",
        callback_id=STAGE_REASON,
        title=clip(f"{verb}", 24),
        submit=clip(verb, 24),
        close="Cancel",
        private_metadata=json.dumps(
            {"candidate_id": candidate.id, "action": action, "expected": list(expected), **origin}
        ),
        blocks=[
            section(f"{verb} *{escape(candidate.name)}*? The reason is posted in the candidate's thread."),
            InputBlock(
                block_id="reason",
                label="Reason",
                optional=not required,
                element=PlainTextInputElement(action_id="value", multiline=True, max_length=1000),
            ),
        ],
    )


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


def candidate_message_metadata(candidate: Candidate) -> dict[str, object]:
    """On messages sent to a candidate outside the outbox, so a purge finds exactly theirs."""
    return {"event_type": "candidate_message", "event_payload": {"candidate_id": candidate.id}}


def purge_confirmation_blocks(preview: PurgePreview) -> list[Block]:
    lines = "\n".join(f"• {escape(line)}" for line in preview.lines())
    name = escape(preview.name)
    return [
        section(
            f"Purge *{name}* (#{preview.candidate_id}, {escape(preview.role_title)}, {escape(preview.email)})? "
            f"This erases, everywhere the bot keeps it:\n{lines}"
        ),
        context(
            "Anonymous counts (stages, statuses, ratings, recommendations) are kept for reports, and the purge "
            "is logged with your name. This cannot be undone."
        ),
        ActionsBlock(
            block_id="purge_confirmation",
            elements=[
                ButtonElement(
                    text="Purge personal data",
                    action_id=PURGE,
                    value=str(preview.candidate_id),
                    style="danger",
                    confirm=ConfirmObject(
                        title="Purge candidate?",
                        text=f"Erase everything about {clip(preview.name, 100)} (#{preview.candidate_id}) for good?",
                        confirm="Purge",
                        deny="Cancel",
                        style="danger",
                    ),
                )
            ],
        ),
    ]


def purged_card_text(result: PurgeResult) -> str:
    return f"Candidate purged: #{result.candidate_id}, {result.role_title}"


def purged_card_blocks(result: PurgeResult) -> list[Block]:
    """The card once the candidate is purged: nothing personal, no buttons."""
    return [
        header("Candidate purged"),
        section(
            f"#{result.candidate_id} · {escape(result.role_title)}: this candidate's personal data was erased "
            f"on {slack_date(result.at, '{date_short_pretty}')} at a recruiter's request."
        ),
    ]


def purge_done_blocks(result: PurgeResult, cleanup: SlackCleanup) -> list[Block]:
    erased = "\n".join(f"• {escape(line)}" for line in result.lines())
    slack = "\n".join(f"• {escape(line)}" for line in cleanup.lines())
    blocks: list[Block] = [
        section(f":wastebasket: *{escape(result.label)}* ({escape(result.role_title)}).\n{erased}"),
        section(f"*In Slack*\n{slack}"),
        context(f"Logged as audit entry #{result.audit_id}."),
    ]
    return blocks


def purge_done_text(result: PurgeResult, cleanup: SlackCleanup) -> str:
    problems = f"; {len(cleanup.failures)} Slack messages could not be cleaned up" if cleanup.failures else ""
    return f"{result.label}{problems}"
