"""Offering times from Slack, through the real app: the card's *Offer times to the candidate* and the
schedule form's *Let the candidate pick* open the offer form; picking the panel proposes times spread
over days, which the recruiter can change before sending; a candidate without Slack gets a booking
page's link, shown to the recruiter once."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import select

from blocks.candidate import ADVANCE, OFFER_TIMES, SCHEDULE
from blocks.offer_form import OFFER_REFRESH, OFFER_VIEW
from blocks.rounds import CANDIDATE_PICKS, RECRUITER_PICKS, WHO_PICKS
from bot.devtools import form_actions
from bot.devtools.slack_requests import select_value, text_value, users_value
from bot.rules.offer_links import token_hash
from models.offers import Offer
from tests.conftest import CANDIDATE, INTERVIEWER_1, INTERVIEWER_2, RECRUITER, RunningApp, running_app
from tests.flows import add_candidate, all_text, click_card, click_for_view, make_role, replies, wait_replies
from tests.test_find_time import sqlite_only
from tests.test_offers import STAGE, _picks, offer_dm

PANEL = [INTERVIEWER_1, INTERVIEWER_2]


def refresh(app: RunningApp, panel: list[str], stage: str = STAGE) -> dict[str, Any]:
    values = {
        "stage": {OFFER_REFRESH: {"type": "static_select", "selected_option": {"value": stage}}},
        "interviewers": {OFFER_REFRESH: {"type": "multi_users_select", "selected_users": panel}},
    }
    action = {"type": "multi_users_select", "action_id": OFFER_REFRESH, "block_id": "interviewers",
              "selected_users": panel}  # fmt: skip
    return form_actions.act_in_view(app.client, app.slack, RECRUITER, action, values)


def times_block(view: dict[str, Any]) -> dict[str, Any]:
    return next(b for b in view["blocks"] if str(b.get("block_id", "")).split("~")[0] == "times")


def submit(app: RunningApp, view: dict[str, Any], times: list[dict[str, Any]] | None, how: str | None) -> Any:
    values: dict[str, Any] = {
        "stage": {OFFER_REFRESH: {"type": "static_select", "selected_option": {"value": STAGE}}},
        "interviewers": users_value(PANEL),
        "location": text_value("https://meet.example.com/x"),
    }
    values["interviewers"] = {OFFER_REFRESH: {"type": "multi_users_select", "selected_users": PANEL}}
    if times is not None:
        values[times_block(view)["block_id"]] = {"value": {"type": "multi_static_select", "selected_options": times}}
    if how is not None:
        values["how"] = select_value(how, "radio_buttons")
    response = app.client.view_submission(RECRUITER, view, values)
    assert response.status_code == 200, response.text
    app.wait_idle()
    return response


def advanced(app: RunningApp, **kw: Any) -> Any:
    candidate = add_candidate(app, **kw)
    click_card(app, RECRUITER, candidate, ADVANCE)
    wait_replies(app, candidate, 2)
    return candidate


def test_the_card_offers_times_the_recruiter_edits_before_sending(app: RunningApp) -> None:
    sqlite_only(app)
    make_role(app)
    candidate = advanced(app, slack_user=CANDIDATE)
    view = click_for_view(app, RECRUITER, candidate, OFFER_TIMES)
    assert view["callback_id"] == OFFER_VIEW
    assert "Pick the interviewers to see the times" in all_text(view["blocks"])
    updated = refresh(app, PANEL)
    element = times_block(updated)["element"]
    proposed = element["initial_options"]
    # Six proposed, over three of the candidate's days (New York), among the panel's other free times.
    assert len(proposed) == 6
    assert len({o["text"]["text"][:10] for o in proposed}) == 3
    shown = [o for g in element["option_groups"] for o in g["options"]]
    assert len(shown) > 6 and all(p in shown for p in proposed)
    # The recruiter takes out the first and puts in another one.
    extra = next(o for o in shown if o not in proposed)
    sent = [*proposed[1:], extra]
    assert not submit(app, updated, sent, None).text
    with app.services.db.read() as session:
        offer = session.exec(select(Offer)).one()
    assert offer.times == sorted(o["value"].replace("Z", ":00Z") for o in sent)
    buttons = _picks(offer_dm(app))
    assert len(buttons) == 6
    assert [b["value"].split(":", 1)[1] for b in buttons] == offer.times


def test_the_schedule_form_switches_to_letting_the_candidate_pick_and_back(app: RunningApp) -> None:
    sqlite_only(app)
    make_role(app)
    candidate = advanced(app, slack_user=CANDIDATE)
    view = click_for_view(app, RECRUITER, candidate, SCHEDULE)
    form_actions.pick_panel(app.client, app.slack, RECRUITER, PANEL)

    def choose(value: str) -> dict[str, Any]:
        values = {"interviewers": {"panel_picked": {"type": "multi_users_select", "selected_users": PANEL}},
                  "stage": {"value": {"type": "static_select", "selected_option": {"value": STAGE}}}}  # fmt: skip
        action = {"type": "radio_buttons", "action_id": WHO_PICKS, "block_id": WHO_PICKS,
                  "selected_option": {"value": value}}  # fmt: skip
        return form_actions.act_in_view(app.client, app.slack, RECRUITER, action, values)

    offering = choose(CANDIDATE_PICKS)
    assert offering["callback_id"] == OFFER_VIEW and offering["id"] == view["id"]
    assert len(times_block(offering)["element"]["initial_options"]) == 6  # the panel was kept
    back = choose(RECRUITER_PICKS)
    assert back["callback_id"] == view["callback_id"]
    assert any(b.get("block_id") == "suggested" for b in back["blocks"])


def test_a_candidate_without_slack_gets_a_booking_link_shown_once(db: Any, slack: Any) -> None:
    with running_app(db, slack, public_url="https://interviews.example.com") as app:
        sqlite_only(app)
        make_role(app)
        candidate = advanced(app)  # no Slack user
        click_for_view(app, RECRUITER, candidate, OFFER_TIMES)
        updated = refresh(app, PANEL)
        how = next(b for b in updated["blocks"] if b.get("block_id") == "how")
        assert [o["value"] for o in how["element"]["options"]] == ["link"]  # no DM without Slack
        answer = json.loads(submit(app, updated, None, None).text)
        assert answer["response_action"] == "update"
        text = all_text(answer["view"]["blocks"])
        token = text.split("https://interviews.example.com/book/", 1)[1].split("`", 1)[0]
        with app.services.db.read() as session:
            offer = session.exec(select(Offer)).one()
        assert offer.token_hash == token_hash(token) and token not in json.dumps(offer.model_dump(mode="json"))
        assert len(offer.times) == 6
        wait_replies(app, candidate, 3)
        note = all_text(replies(app, candidate)[-1])
        assert "booking page" in note and token not in note
        assert app.slack.dm_messages(CANDIDATE) == []


def test_a_booking_link_needs_the_public_address(app: RunningApp) -> None:
    sqlite_only(app)
    make_role(app)
    candidate = advanced(app)
    click_for_view(app, RECRUITER, candidate, OFFER_TIMES)
    updated = refresh(app, PANEL)
    answer = json.loads(submit(app, updated, None, None).text)
    assert "PUBLIC_URL" in answer["errors"]["how"]
