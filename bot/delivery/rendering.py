"""What renderers share: the message as posted, and what one claim reads about its rounds.

A renderer (bot/delivery/renderers/, registered per kind in bot/delivery/kinds.py) turns an outbox
row into the message as it should read now, or None when it no longer applies. The rows of one
claim share a `Rendering`: each round they concern is read once, and the blocks of a kind of
message about a round are built once per side (the candidate's, everyone else's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block
from sqlmodel import col, select

from blocks.common import to_dicts
from bot.rules.errors import UserError
from bot.rules.message_kinds import BY_KEY, THREAD_KINDS
from bot.rules.rounds import RoundContext, load_round
from bot.rules.scorecards import Debrief, debrief_for, submitted_by
from bot.wiring.services import Services
from models.tables import Candidate, CandidateStatus, Interview, InterviewStatus, OutboxMessage, Role, Scorecard

Json = dict[str, Any]
# What has to follow a message once it is posted, before its row counts as sent (the files of a
# relayed DM): False when `until` came with some of it left, so the row is taken again and goes on.
FollowUp = Callable[[WebClient, datetime], bool]


@dataclass(frozen=True)
class Rendered:
    """What one outbox row does in Slack: a message posted to `channel` (in the thread `thread_ts`),
    or, with `update_ts`, that message edited in place; then its `follow_up`, if any. A row with
    `post` False is work without a message of its own (a purge clean-up, a report's upload):
    only its follow-up runs."""

    channel: str
    text: str = ""
    blocks: list[Json] = field(default_factory=list)
    thread_ts: str | None = None
    follow_up: FollowUp | None = None
    update_ts: str | None = None
    post: bool = True
    # A new card: its channel and ts become the candidate's thread once it is posted.
    starts_thread: bool = False


@dataclass
class _Round:
    """What rendering needs to know about one round, read once per claim."""

    ctx: RoundContext
    done: list[str]
    debrief: Debrief | None = None
    blocks: dict[tuple[str, bool], tuple[str, list[Json]]] = field(default_factory=dict)

    @property
    def cancelled(self) -> bool:
        return self.ctx.interview.status == InterviewStatus.cancelled

    @property
    def scheduled(self) -> bool:
        return self.ctx.interview.status == InterviewStatus.scheduled


class Rendering:
    """The rendering of one claim's rows."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._rounds: dict[int, _Round] = {}
        self._candidates: dict[int, Candidate | None] = {}

    def load(self, ids: set[int]) -> None:
        """Every round a claim needs, in a handful of queries rather than several per round."""
        if not ids:
            return
        with self.services.db.read() as session:
            # Loaded into the session, so load_round's own lookups by id are answered without a query.
            interviews = session.exec(select(Interview).where(col(Interview.id).in_(ids))).all()
            candidates = session.exec(
                select(Candidate).where(col(Candidate.id).in_({i.candidate_id for i in interviews}))
            ).all()
            session.exec(select(Role).where(col(Role.id).in_({c.role_id for c in candidates}))).all()
            done: dict[int, list[str]] = {}
            for interview_id, interviewer_id in session.exec(
                select(Scorecard.interview_id, Scorecard.interviewer_id)
                .where(col(Scorecard.interview_id).in_(ids))
                .order_by(col(Scorecard.submitted_at))
            ):
                done.setdefault(interview_id, []).append(interviewer_id)
            for interview in interviews:
                interview_id = interview.id or 0
                try:
                    # Purged candidates too: the notices their purge sends render after it.
                    ctx = load_round(session, self.services.kits, interview_id, purged=True)
                except UserError:
                    continue  # round() meets the same error for each of its rows
                self._rounds[interview_id] = _Round(ctx, done.get(interview_id, []))

    def candidate(self, candidate_id: int) -> Candidate | None:
        """The candidate (read once per claim); None when there is no such row."""
        for state in self._rounds.values():
            if state.ctx.candidate.id == candidate_id:
                return state.ctx.candidate
        if candidate_id not in self._candidates:
            with self.services.db.read() as session:
                self._candidates[candidate_id] = session.get(Candidate, candidate_id)
        return self._candidates[candidate_id]

    def out_of_process(self, row: OutboxMessage) -> bool:
        """A kind sent only while its candidate is in the process, whose candidate is rejected,
        hired or purged: it no longer applies, whatever its round says."""
        kind = BY_KEY.get(row.kind)
        if kind is None or not kind.in_process or row.candidate_id is None:
            return False
        candidate = self.candidate(row.candidate_id)
        return (
            candidate is None
            or candidate.purged_at is not None
            or candidate.status in (CandidateStatus.rejected, CandidateStatus.hired)
        )

    def round(self, row: OutboxMessage) -> _Round | None:
        """The round `row` is about (read now unless the claim read it), or None for a row about none."""
        if row.interview_id is None:
            return None
        return self.round_of(row.interview_id)

    def round_of(self, interview_id: int) -> _Round:
        """A round by id (a digest's), read now unless the claim read it; raises UserError when gone."""
        state = self._rounds.get(interview_id)
        if state is None:
            with self.services.db.read() as session:
                ctx = load_round(session, self.services.kits, interview_id, purged=True)
                state = self._rounds[interview_id] = _Round(ctx, submitted_by(session, interview_id))
        return state

    def debrief(self, state: _Round) -> Debrief:
        """The round's debrief, read once per claim."""
        debrief = state.debrief
        if debrief is None:
            with self.services.db.read() as session:
                debrief = state.debrief = debrief_for(session, self.services.kits, state.ctx.interview.id or 0)
        return debrief

    def message(
        self, row: OutboxMessage, state: _Round, text: str, build: Callable[[], list[Block]]
    ) -> Rendered | None:
        """`row`'s message about the round: in the candidate's thread for a thread kind (None when
        they have none), otherwise to the row's target."""
        if row.kind in THREAD_KINDS:
            built = self._blocks(state, row.kind, False, text, build)
            return _thread_post(state.ctx.candidate, *built)
        return Rendered(row.target, *self._blocks(state, row.kind, to_candidate(row, state.ctx.candidate), text, build))

    @staticmethod
    def _blocks(
        state: _Round, kind: str, to_candidate: bool, text: str, build: Callable[[], list[Block]]
    ) -> tuple[str, list[Json]]:
        # Messages of one kind about one round read the same for everyone on the same side.
        key = (kind, to_candidate)
        if key not in state.blocks:
            state.blocks[key] = (text, to_dicts(build()))
        return state.blocks[key]


def to_candidate(row: OutboxMessage, candidate: Candidate) -> bool:
    """Whether `row` is addressed to the candidate: by their Slack user, or (once a purge erased it)
    by the audience the row was written for."""
    return (row.payload or {}).get("audience") == "candidate" or (
        candidate.slack_user_id is not None and row.target == candidate.slack_user_id
    )


def _thread_post(candidate: Candidate, text: str, blocks: list[Json]) -> Rendered | None:
    """A message in the candidate's thread, or None when they have no thread yet."""
    if not candidate.channel_id:
        return None
    return Rendered(channel=candidate.channel_id, thread_ts=candidate.thread_ts, text=text, blocks=blocks)


# One renderer per kind (bot/delivery/kinds.py): the row's message as it should read now, or None.
Renderer = Callable[[Rendering, OutboxMessage], Rendered | None]
