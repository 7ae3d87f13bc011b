"""The card's Advance and Hold buttons, called as Bolt calls them, without HTTP: each acks at once
and leaves the Web API work (the thread note, the modal, telling off) to its lazy half."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from sqlmodel import col, select

from blocks.candidate import ADVANCE, HOLD, STAGE_REASON, button_value
from bot.wiring.services import Services
from handlers.actions.stage import advance, ask_reason
from models.tables import Candidate, OutboxMessage, StageEvent
from tests.conftest import HIRING_CHANNEL, MEMBER, RECRUITER
from tests.handlers.conftest import FakeAck


def click(user_id: str, action_id: str, candidate: Candidate) -> dict[str, Any]:
    return {
        "body": {"user": {"id": user_id}, "channel": {"id": HIRING_CHANNEL}},
        "action": {"action_id": action_id, "value": button_value(candidate)},
    }


def reloaded(services: Services, candidate: Candidate) -> Candidate:
    with services.db.read() as session:
        found = session.get(Candidate, candidate.id)
        assert found is not None
        return found


def test_advance_acks_and_moves_the_candidate(
    ack: FakeAck, context: BoltContext, services: Services, candidate: Candidate
) -> None:
    first_stage = candidate.stage_key
    advance(ack=ack, context=context, **click(RECRUITER, ADVANCE, candidate))
    assert ack.answer == {}
    assert reloaded(services, candidate).stage_key != first_stage
    with services.db.read() as session:
        event = session.exec(select(StageEvent).where(StageEvent.action == "advance")).one()
        kinds = [r.kind for r in session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))]
    assert event.from_stage == first_stage
    # The card's refresh and the thread's note are queued in the same transaction, for the dispatcher.
    assert kinds.count("card") == 1 and kinds.count("thread_note") == 2  # "added", then "advanced"
    assert "error" not in context


def test_advance_by_someone_who_is_not_a_recruiter_acks_and_keeps_the_refusal_for_later(
    ack: FakeAck, context: BoltContext, services: Services, candidate: Candidate
) -> None:
    advance(ack=ack, context=context, **click(MEMBER, ADVANCE, candidate))
    assert ack.answer == {}
    assert context["error"].startswith("Only recruiters can advance candidates.")
    assert reloaded(services, candidate).stage_key == candidate.stage_key


def test_a_second_click_on_the_same_card_changes_nothing(
    ack: FakeAck, context: BoltContext, services: Services, candidate: Candidate
) -> None:
    advance(ack=ack, context=context, **click(RECRUITER, ADVANCE, candidate))
    moved = reloaded(services, candidate).stage_key
    again = BoltContext(context)
    advance(ack=ack, context=again, **click(RECRUITER, ADVANCE, candidate))
    assert ack.calls == [{}, {}]
    assert "has changed since this was shown" in again["error"]
    assert reloaded(services, candidate).stage_key == moved


def test_hold_acks_and_leaves_the_reason_modal_for_the_lazy_half(
    ack: FakeAck, context: BoltContext, candidate: Candidate
) -> None:
    ask_reason(ack=ack, context=context, **click(RECRUITER, HOLD, candidate))
    assert ack.answer == {}
    assert context["open_view"]["callback_id"] == STAGE_REASON
    assert "Casey Candidate" in str(context["open_view"])
