"""The new-candidate form's submission, called as Bolt calls it, without HTTP."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from sqlmodel import col, select

from blocks.candidate_modals import new_candidate_modal
from bot.wiring.services import Services
from handlers.views.candidate import new_candidate
from models.tables import Candidate, OutboxMessage, Role
from tests.conftest import HIRING_CHANNEL, MEMBER, RECRUITER
from tests.flows import new_candidate_values
from tests.handlers.conftest import FakeAck


def submitted(role: Role, view_id: str = "V0NEW", **values: Any) -> dict[str, Any]:
    """The modal as the app opened it, with Slack's id and `state.values`."""
    view = new_candidate_modal([role], origin_channel=HIRING_CHANNEL).to_dict()
    return {**view, "id": view_id, "state": {"values": new_candidate_values(role_id=role.id, **values)}}


def candidates(services: Services) -> list[Candidate]:
    with services.db.read() as session:
        return list(session.exec(select(Candidate)).all())


def submit(ack: FakeAck, context: BoltContext, user_id: str, view: dict[str, Any]) -> None:
    new_candidate(ack=ack, body={"user": {"id": user_id}}, view=view, context=context)


def test_a_bad_email_is_answered_on_the_email_field_and_nothing_is_stored(
    ack: FakeAck, context: BoltContext, services: Services, role: Role
) -> None:
    submit(ack, context, RECRUITER, submitted(role, email="casey at example"))
    assert ack.answer == {
        "response_action": "errors",
        "errors": {"email": "'casey at example' is not an email address; enter one like name@example.com."},
    }
    assert candidates(services) == []


def test_a_good_form_is_accepted_and_the_card_queued_with_it(
    ack: FakeAck, context: BoltContext, services: Services, role: Role
) -> None:
    submit(ack, context, RECRUITER, submitted(role))
    assert ack.answer == {}
    (stored,) = candidates(services)
    assert (stored.name, stored.email, stored.role_id) == ("Casey Candidate", "casey@example.org", role.id)
    with services.db.read() as session:
        rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
    # The card and its first note, for the dispatcher: nothing is posted from the listener.
    assert [(r.kind, r.target, r.candidate_id) for r in rows] == [
        ("card", role.channel_id, stored.id),
        ("thread_note", role.channel_id, stored.id),
    ]


def test_the_same_submission_twice_stores_one_candidate(
    ack: FakeAck, context: BoltContext, services: Services, role: Role
) -> None:
    submit(ack, context, RECRUITER, submitted(role))
    submit(ack, BoltContext(context), RECRUITER, submitted(role))
    assert ack.calls == [{}, {}]
    assert len(candidates(services)) == 1


def test_someone_who_is_not_a_recruiter_is_answered_on_the_role_field(
    ack: FakeAck, context: BoltContext, services: Services, role: Role
) -> None:
    submit(ack, context, MEMBER, submitted(role))
    answer = ack.answer
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["role_id"]
    assert answer["errors"]["role_id"].startswith("Only recruiters can add candidates.")
    assert candidates(services) == []
