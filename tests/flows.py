"""What people do in Slack, as the tests (and Slack) send it: open modals, fill them in, click."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlmodel import select

from bot.delivery.dispatcher import Dispatcher
from bot.devtools.slack_requests import (
    answer_scorecard,
    date_value,
    number_value,
    select_value,
    text_value,
    time_value,
    user_value,
    users_value,
)
from bot.devtools.slack_standin import check_view
from bot.rules.roles import add_role
from bot.wiring.services import Services
from models.tables import Candidate, OutboxMessage, OutboxState, Role
from tests.conftest import HIRING_CHANNEL, HIRING_MANAGER, RECRUITER, RunningApp


def make_role(app: RunningApp, title: str = "Backend Developer", kit: str = "backend-mid", **kw: Any) -> Role:
    with app.services.db.transaction() as session:
        return add_role(
            session,
            app.services.kits,
            title=title,
            kit_key=kit,
            channel_id=kw.pop("channel_id", HIRING_CHANNEL),
            hiring_manager_ids=kw.pop("hiring_manager_ids", [HIRING_MANAGER]),
            recruiter_ids=kw.pop("recruiter_ids", [RECRUITER]),
            **kw,
        )


text_input = text_value


def new_candidate_values(
    *,
    name: str = "Casey Candidate",
    email: str = "casey@example.org",
    role_id: int | str | None = 1,
    slack_user: str | None = None,
    source: str | None = "Referral",
    link: str | None = "https://example.org/casey",
    notes: str | None = None,
) -> dict[str, dict[str, Any]]:
    return {
        "name": text_input(name),
        "email": text_input(email, "email_text_input"),
        "role_id": select_value(str(role_id) if role_id is not None else None),
        "slack_user_id": user_value(slack_user),
        "source": text_input(source),
        "link": text_input(link, "url_text_input"),
        "notes": text_input(notes),
    }


def views_opened(app: RunningApp, user_id: str) -> int:
    """How many times the app called views.open for `user_id` (by the trigger id minted for them)."""
    calls = app.slack.calls_to("views.open")
    return sum(1 for call in calls if app.slack.trigger_user(str(call.args.get("trigger_id", ""))) == user_id)


def new_view(app: RunningApp, user_id: str, before: int) -> dict[str, Any]:
    """The modal the app opens for `user_id` after `before` views.open calls, once the lazy listener runs."""
    app.slack.wait_for(lambda: views_opened(app, user_id) > before)
    return app.slack.open_views(user_id)[-1]


def open_new_candidate(app: RunningApp, user_id: str = RECRUITER) -> dict[str, Any]:
    before = views_opened(app, user_id)
    response = app.client.command(user_id, "/candidate", "new")
    assert response.status_code == 200 and not response.text, response.text
    return new_view(app, user_id, before)


def add_candidate(app: RunningApp, user_id: str = RECRUITER, **values: Any) -> Candidate:
    view = open_new_candidate(app, user_id)
    response = app.client.view_submission(user_id, view, new_candidate_values(**values))
    assert response.status_code == 200 and not response.text, response.text
    email = values.get("email", "casey@example.org")
    app.slack.wait_for(lambda: candidate_by_email(app, email).thread_ts is not None)
    candidate = candidate_by_email(app, email)
    wait_replies(app, candidate, 1)
    return candidate


def candidate_by_email(app: RunningApp, email: str) -> Candidate:
    with app.services.db.read() as session:
        return session.exec(select(Candidate).where(Candidate.email == email)).one()


def reload(app: RunningApp, candidate: Candidate) -> Candidate:
    with app.services.db.read() as session:
        found = session.get(Candidate, candidate.id)
        assert found is not None
        return found


def replies(app: RunningApp, candidate: Candidate) -> list[dict[str, Any]]:
    """Thread replies under the card (the card itself excluded)."""
    assert candidate.channel_id and candidate.thread_ts
    return [m for m in app.slack.thread(candidate.channel_id, candidate.thread_ts) if m["ts"] != candidate.thread_ts]


def wait_replies(app: RunningApp, candidate: Candidate, count: int) -> list[dict[str, Any]]:
    app.slack.wait_for(lambda: len(replies(app, candidate)) >= count)
    return replies(app, candidate)


def card(app: RunningApp, candidate: Candidate) -> dict[str, Any]:
    assert candidate.channel_id and candidate.thread_ts
    (parent,) = [m for m in app.slack.messages(candidate.channel_id) if m["ts"] == candidate.thread_ts]
    return parent


def card_button(app: RunningApp, candidate: Candidate, action_id: str) -> dict[str, Any]:
    for block in card(app, candidate).get("blocks", []):
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return element
    raise AssertionError(f"no {action_id} button on the card of {candidate.name}")


def click_card(app: RunningApp, user_id: str, candidate: Candidate, action_id: str) -> None:
    button = card_button(app, reload(app, candidate), action_id)
    response = app.client.block_action(
        user_id,
        action_id,
        button["value"],
        block_id="candidate_card",
        channel_id=candidate.channel_id,
        message_ts=candidate.thread_ts,
    )
    assert response.status_code == 200, response.text


def click_for_view(app: RunningApp, user_id: str, candidate: Candidate, action_id: str) -> dict[str, Any]:
    """Click a card button that opens a modal, and return that modal."""
    before = views_opened(app, user_id)
    click_card(app, user_id, candidate, action_id)
    return new_view(app, user_id, before)


def command_for_view(app: RunningApp, user_id: str, command: str, text: str) -> dict[str, Any]:
    before = views_opened(app, user_id)
    response = app.client.command(user_id, command, text)
    assert response.status_code == 200 and not response.text, response.text
    return new_view(app, user_id, before)


def said(response: Any) -> str:
    """The text of an ephemeral answer (an HTTP response of the app), unescaped."""
    assert response.status_code == 200, response.text
    return all_text(response.json()) if response.text else ""


def submit_reason(app: RunningApp, user_id: str, view: dict[str, Any], reason: str | None) -> Any:
    return app.client.view_submission(user_id, view, {"reason": text_input(reason)})


def all_text(payload: Any) -> str:
    """Every string inside a message or view, for 'does it mention X' checks."""
    if isinstance(payload, dict):
        return "\n".join(all_text(v) for v in payload.values())
    if isinstance(payload, list):
        return "\n".join(all_text(v) for v in payload)
    return payload if isinstance(payload, str) else ""


def schedule_values(
    *,
    stage: str | None = "hiring-manager-technical",
    interviewers: list[str] | None = None,
    date: str | None = "2026-11-25",
    time: str | None = "14:00",
    duration: str | None = "60",
    location: str | None = "https://meet.example.com/abc",
    variant: str | None = None,
) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {
        "interviewers": users_value(interviewers or []),
        "date": date_value(date),
        "time": time_value(time),
        "duration": number_value(duration),
        "location": text_value(location),
    }
    if stage is not None:
        values["stage"] = select_value(stage)
    if variant is not None:
        values["variant"] = select_value(variant)
    return values


def schedule_round_via_card(app: RunningApp, candidate: Candidate, user_id: str = RECRUITER, **values: Any) -> Any:
    """Click the card's Schedule interview button and submit the form."""
    from blocks.candidate import SCHEDULE

    view = click_for_view(app, user_id, candidate, SCHEDULE)
    assert view["callback_id"] == "interview_schedule"
    return app.client.view_submission(user_id, view, schedule_values(**values))


def scorecard_values(
    view: dict[str, Any],
    *,
    rating: str = "meets",
    pick: int = 1,
    notes: str | None = "Solid.",
    recommendation: str | None = "yes",
) -> dict[str, dict[str, Any]]:
    return answer_scorecard(view, rating=rating, pick=pick, recommendation=recommendation, notes=notes)


def dm_button(app: RunningApp, user_id: str, action_id: str) -> dict[str, Any]:
    """The last button with `action_id` in the user's DMs."""
    for message in reversed(app.slack.dm_messages(user_id)):
        for block in message.get("blocks", []):
            for element in [*block.get("elements", []), block.get("accessory") or {}]:
                if element.get("action_id") == action_id:
                    return element
    raise AssertionError(f"no {action_id} button in the DMs of {user_id}")


def submit_scorecard_via_dm(app: RunningApp, user_id: str, **answers: Any) -> list[Any]:
    """Click Submit scorecard in the DM, answer every page, submit. Returns each page's response."""
    from blocks.scorecard import SUBMIT

    button = dm_button(app, user_id, SUBMIT)
    before = views_opened(app, user_id)
    app.client.block_action(user_id, SUBMIT, button["value"], block_id="scorecard", channel_id=f"D{user_id}")
    view = new_view(app, user_id, before)
    responses = []
    while True:
        response = app.client.view_submission(user_id, view, scorecard_values(view, **answers))
        responses.append(response)
        body = response.json() if response.text else {}
        if body.get("response_action") != "push":
            return responses
        # A pushed page never reaches the stand-in: check it against Slack's limits here.
        assert check_view(body["view"], expected_type="modal") == []
        view = body["view"]


def unpaced_dispatcher(
    services: Services, client: WebClient | None = None, kinds: Collection[str] | None = None
) -> Dispatcher:
    """The dispatcher tests use: posts to one channel are not held a real second apart (the stand-in
    enforces Slack's limits only when a test asks; pacing has its own tests, with the real interval).
    `client`: the app's Slack client unless given; `kinds`: only rows of these kinds."""
    return Dispatcher(services, client or services.slack, channel_interval=timedelta(0), kinds=kinds)


def dispatch(app: RunningApp, until: datetime | None = None) -> str:
    """One dispatcher pass over what is due by `until` (default: the app's clock), as its summary."""
    return str(unpaced_dispatcher(app.services).run_once(until or app.clock.now()))


def dispatch_held(app: RunningApp, user: str) -> str:
    """A dispatcher pass (what is due goes out, or is held), then the app's clock moved on to when the
    messages held for `user`'s working hours (or a candidate's morning) go out, and a pass then."""
    dispatch(app)
    with app.services.db.read() as session:
        held = [
            r.due_at
            for r in session.exec(
                select(OutboxMessage).where(OutboxMessage.target == user, OutboxMessage.state == OutboxState.pending)
            )
            if "held_from" in (r.payload or {})
        ]
    assert held, f"nothing is held for {user}"
    app.clock.set(max(app.clock.now(), min(held)))
    return dispatch(app)


def dms(app: RunningApp, user: str) -> list[str]:
    """The text of each message the bot sent `user` in their DM (the `.ics` files that follow some
    of them are in `dm_files`)."""
    return [all_text(m) for m in app.slack.dm_messages(user) if not _file_share(m)]


def _file_share(message: dict[str, Any]) -> bool:
    return bool(message.get("files")) and not message.get("blocks") and not message.get("text")


def dm_files(app: RunningApp, user: str) -> list[bytes]:
    """The content of each file the bot shared into `user`'s DM, oldest first (`.ics` invites)."""
    return [f.content or b"" for f in app.slack.dm_files(user)]


def working_day(app: RunningApp, days: int = 2) -> str:
    """The date `days` from now in the recruiter's New York, or the Monday after if that is a weekend
    (the panel's working hours are Monday to Friday)."""
    day = (app.clock.now() + timedelta(days=days)).astimezone(ZoneInfo("America/New_York")).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.isoformat()
