"""A candidate's thread in the hiring channel: the live card as parent, every event as a reply.

Wiring: reads the database, renders with `blocks/`, calls Slack's Web API. Runs after the
acknowledgement (Bolt lazy listeners), never on the request path.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict

from slack_sdk import WebClient
from sqlmodel import col, update

from blocks.candidate import card_blocks, card_metadata, card_text
from blocks.common import section, to_dicts
from blocks.rounds import (
    cancelled_reply,
    rescheduled_reply,
    scheduled_reply,
    submitted_reply,
    take_home_received_reply,
    take_home_sent_reply,
)
from blocks.stage_change import candidate_message_metadata, candidate_stage_message, event_blocks, event_text, tick_text
from bot.rules.candidates import get_candidate
from bot.rules.pipeline import candidate_view
from bot.rules.rounds import load_round
from bot.rules.scorecards import submitted_by
from bot.wiring.services import Services
from models.tables import Candidate, StageEvent

log = logging.getLogger("interview_bot.threads")

# One card per candidate even when two changes land at once in this process.
_card_locks: defaultdict[int, threading.Lock] = defaultdict(threading.Lock)


class CandidateThreads:
    def __init__(self, services: Services, client: WebClient) -> None:
        self.services = services
        self.client = client

    def sync_card(self, candidate_id: int) -> Candidate:
        """Post the card if the candidate has no thread yet, otherwise update it in place."""
        with _card_locks[candidate_id]:
            with self.services.db.read() as session:
                candidate = get_candidate(session, candidate_id)
                view = candidate_view(session, self.services.kits, candidate, self.services.clock.now())
            blocks = to_dicts(card_blocks(view))
            if candidate.thread_ts:
                self.client.chat_update(
                    channel=candidate.channel_id or "", ts=candidate.thread_ts, text=card_text(view), blocks=blocks
                )
                return candidate
            posted = self.client.chat_postMessage(
                channel=view.role.channel_id,
                text=card_text(view),
                blocks=blocks,
                metadata=card_metadata(candidate),
                unfurl_links=False,
            )
            with self.services.db.transaction() as session:
                session.exec(
                    update(Candidate)
                    .where(col(Candidate.id) == candidate_id, col(Candidate.thread_ts).is_(None))
                    .values(channel_id=posted["channel"], thread_ts=posted["ts"])
                )
            candidate.channel_id, candidate.thread_ts = posted["channel"], posted["ts"]
            return candidate

    def announce(self, event_id: int) -> None:
        """Reply in the thread for a stage event, refresh the card, and tell the candidate what is next."""
        with self.services.db.read() as session:
            event = session.get(StageEvent, event_id)
            if event is None:
                return
            candidate = get_candidate(session, event.candidate_id)
            view = candidate_view(session, self.services.kits, candidate, self.services.clock.now())
        candidate = self.sync_card(candidate.id)  # type: ignore[arg-type]
        kit = view.kit
        names = {s.key: s.name for s in kit.stages} if kit else {}
        text = event_text(
            event,
            view,
            from_name=names.get(event.from_stage or "", event.from_stage or ""),
            to_name=names.get(event.to_stage or "", event.to_stage or ""),
        )
        self.client.chat_postMessage(
            channel=candidate.channel_id or "",
            thread_ts=candidate.thread_ts,
            text=text,
            blocks=to_dicts(event_blocks(text, event.reason if event.action != "created" else None)),
        )
        moved_on = event.action == "advance" and event.from_stage != event.to_stage
        if moved_on and candidate.slack_user_id and kit is not None and view.stage is not None:
            blocks = candidate_stage_message(candidate, view.stage, kit.company)
            self.client.chat_postMessage(
                channel=candidate.slack_user_id,
                text=f"Next step: {view.stage.name}",
                blocks=to_dicts(blocks),
                metadata=candidate_message_metadata(candidate),
            )

    def checklist_ticks(self, candidate_id: int, event_ids: list[int]) -> None:
        """Refresh the card (also undoing a refused tick on screen) and reply once per tick."""
        candidate = self.sync_card(candidate_id)
        if not event_ids:
            return
        with self.services.db.read() as session:
            view = candidate_view(session, self.services.kits, candidate, self.services.clock.now())
            events = [e for e in (session.get(StageEvent, i) for i in event_ids) if e is not None]
        for event in events:
            text = tick_text(event, view)
            self.client.chat_postMessage(
                channel=candidate.channel_id or "",
                thread_ts=candidate.thread_ts,
                text=text,
                blocks=to_dicts([section(text)]),
            )

    def round_event(self, interview_id: int, event: str, actor: str, *, edited: bool = False) -> None:
        """Thread reply for a round: scheduled, rescheduled, cancelled or a scorecard submitted."""
        with self.services.db.read() as session:
            ctx = load_round(session, self.services.kits, interview_id)
            done = submitted_by(session, interview_id)
        candidate = self.sync_card(ctx.candidate.id or 0)
        blocks = {
            "scheduled": lambda: scheduled_reply(ctx, actor),
            "rescheduled": lambda: rescheduled_reply(ctx, actor),
            "cancelled": lambda: cancelled_reply(ctx, actor),
            "submitted": lambda: submitted_reply(ctx, actor, done, edited),
            "take_home_sent": lambda: take_home_sent_reply(ctx, actor),
            "take_home_received": lambda: take_home_received_reply(ctx, actor),
        }[event]()
        self.client.chat_postMessage(
            channel=candidate.channel_id or "",
            thread_ts=candidate.thread_ts,
            text=f"{ctx.stage.name}: {event}",
            blocks=to_dicts(blocks),
        )
