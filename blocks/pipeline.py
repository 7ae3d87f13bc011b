"""`/candidate` answers: one candidate's summary, the candidates a search matches, and the pipeline
boards of `/candidate list`."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block

from blocks.candidate import STATUS_EMOJI, stage_label
from blocks.common import clip, context, escape, header, section, slack_date, user
from blocks.stage_change import action_words
from bot.rules.candidates import thread_link
from bot.rules.pipeline import CandidateView, RoleBoard, status_word
from models.tables import Candidate, CandidateStatus, Role, StageEvent


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
