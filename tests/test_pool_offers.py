"""Offering the candidate times *From the pool*: each time comes with the fairest free panel (and
trainee) then; the candidate's pick books that time's panel; holds are put only where each person is."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import select

from blocks.candidate import OFFER_TIMES
from blocks.offer_form import OFFER_REFRESH
from blocks.pools import FROM_POOL
from bot.devtools import form_actions
from bot.devtools.slack_requests import select_value, text_value
from bot.rules.holds import hold_invites
from bot.rules.offers import make_offer, pick
from bot.rules.pools import add_members
from bot.rules.rounds import load_round
from bot.wiring.db import Database
from models.offers import Offer
from tests.conftest import CANDIDATE, RECRUITER, RunningApp, shipped_kits
from tests.flows import all_text, click_for_view, make_role, wait_replies
from tests.test_availability import NOW, STAGE, candidates
from tests.test_find_time import sqlite_only
from tests.test_offer_form import advanced, times_block
from tests.test_offers import _picks, offer_dm
from tests.test_pools import POOL, THIRD
from tests.test_training import TRAINEE, with_trainee


def test_each_offered_time_books_its_own_panel_and_trainee(db: Database) -> None:
    [candidate_id] = candidates(db, 1)
    with_trainee(db)
    first, second = NOW + timedelta(days=1, hours=6), NOW + timedelta(days=2, hours=6)
    pool = {first: ((POOL[0],), None), second: ((POOL[1],), TRAINEE)}
    with db.transaction() as session:
        made = make_offer(session, shipped_kits(), candidate_id=candidate_id, stage_key=STAGE, panel=[], times=[first,
                          second], minutes=60, location=None, actor=RECRUITER, now=NOW, by_link=True,
                          pool=pool)  # fmt: skip
        offer = made.offer
        assert offer.panel == sorted(POOL[:2])
        # Holds go only where each person is on that time's panel.
        assert [h.starts_at for h in hold_invites(offer, POOL[0])] == [first]
        assert [h.starts_at for h in hold_invites(offer, POOL[1])] == [second]
        assert hold_invites(offer, THIRD) == []
    with db.transaction() as session:
        ctx = pick(session, shipped_kits(), offer.id or 0, second, actor=CANDIDATE, now=NOW)
    assert ctx.panel == [POOL[1]] and ctx.shadows == (TRAINEE,)
    with db.read() as session:
        stored = load_round(session, shipped_kits(), ctx.interview.id or 0)
    assert stored.panel == [POOL[1]] and stored.shadows == (TRAINEE,)


def test_the_offer_form_offers_times_from_the_pool_and_the_pick_books_that_panel(app: RunningApp) -> None:
    sqlite_only(app)
    make_role(app)
    with app.services.db.transaction() as session:
        add_members(session, shipped_kits(), 1, STAGE, POOL, trainee=False, actor=RECRUITER, now=app.clock.now())
    candidate = advanced(app, slack_user=CANDIDATE)
    view = click_for_view(app, RECRUITER, candidate, OFFER_TIMES)
    option = next(b for b in view["blocks"] if b.get("block_id") == FROM_POOL)["elements"][0]["options"][0]
    values: dict[str, Any] = {
        FROM_POOL: {FROM_POOL: {"type": "checkboxes", "selected_options": [option]}},
        "stage": {OFFER_REFRESH: {"type": "static_select", "selected_option": {"value": STAGE}}},
    }
    action = {"type": "checkboxes", "action_id": FROM_POOL, "block_id": FROM_POOL, "selected_options": [option]}
    ticked = form_actions.act_in_view(app.client, app.slack, RECRUITER, action, values)
    assert not [b for b in ticked["blocks"] if b.get("block_id") == "interviewers"]  # the pool picks them
    block = times_block(ticked)
    proposed = block["element"]["initial_options"]
    assert len(proposed) == 6 and all(o["value"].count("|") == 2 for o in proposed)
    assert all(o["description"]["text"] for o in proposed)  # each time shows its panel
    submitted = {
        **values,
        block["block_id"]: {"value": {"type": "multi_static_select", "selected_options": proposed}},
        "how": select_value("slack", "radio_buttons"),
        "location": text_value("https://meet.example.com/x"),
    }
    assert app.client.view_submission(RECRUITER, ticked, submitted).text == ""
    app.wait_idle()
    with app.services.db.read() as session:
        offer = session.exec(select(Offer)).one()
    assert offer.pool_panels and len(offer.pool_panels) == 6
    message = offer_dm(app)
    button = _picks(message)[-1]
    form_actions.pick_time(app.client, app.slack, CANDIDATE, message, button)
    app.wait_idle()
    with app.services.db.read() as session:
        booked = session.get(Offer, offer.id)
        assert booked is not None and booked.interview_id is not None
        ctx = load_round(session, shipped_kits(), booked.interview_id)
    at = button["value"].split(":", 1)[1]
    assert ctx.panel == offer.pool_panels[at]
    note = all_text(wait_replies(app, candidate, 3))
    assert "From the pool, each time its own panel" in note
