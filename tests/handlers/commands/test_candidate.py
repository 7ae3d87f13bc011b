"""/candidate, called as Bolt calls it, without HTTP."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext

from blocks.candidate import NEW_CANDIDATE
from blocks.common import section
from handlers.commands.candidate import candidate, opens_a_modal
from models.tables import Candidate, Role
from tests.conftest import CANDIDATE, HIRING_CHANNEL, MEMBER, RECRUITER
from tests.flows import all_text
from tests.handlers.conftest import FakeAck

REFUSED = "Hiring information is only available to members of the hiring team."


def command(user_id: str, text: str) -> dict[str, Any]:
    return {"command": "/candidate", "text": text, "user_id": user_id, "channel_id": HIRING_CHANNEL}


def blocks_of(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [b if isinstance(b, dict) else b.to_dict() for b in answer.get("blocks") or []]


def test_a_guest_is_refused_in_an_ephemeral_answer_before_any_search(
    ack: FakeAck, context: BoltContext, candidate: Candidate
) -> None:
    slash(ack, context, CANDIDATE, "casey")
    answer = ack.answer
    assert answer["text"] == REFUSED
    assert "response_type" not in answer  # a slash command's answer is ephemeral unless it says otherwise
    assert blocks_of(answer) == [section(f":warning: {REFUSED}").to_dict()]
    assert "open_view" not in context


def test_a_member_sees_the_candidate_summary(ack: FakeAck, context: BoltContext, candidate: Candidate) -> None:
    slash(ack, context, MEMBER, "casey")
    answer = ack.answer
    assert answer["text"] == "Casey Candidate"
    assert "Casey Candidate" in all_text(blocks_of(answer))


def test_new_acks_empty_and_leaves_the_modal_for_the_lazy_half(ack: FakeAck, context: BoltContext, role: Role) -> None:
    assert opens_a_modal(command(RECRUITER, "new"))
    slash(ack, context, RECRUITER, "new")
    assert ack.answer == {}
    view = context["open_view"]
    assert view["callback_id"] == NEW_CANDIDATE
    assert "Backend Developer" in all_text(view)


def test_new_refuses_someone_who_is_not_a_recruiter(ack: FakeAck, context: BoltContext, role: Role) -> None:
    slash(ack, context, MEMBER, "new")
    assert ack.answer["text"].startswith("Only recruiters can add candidates.")
    assert "open_view" not in context


def slash(ack: FakeAck, context: BoltContext, user_id: str, text: str) -> None:
    candidate(ack=ack, command=command(user_id, text), context=context)
