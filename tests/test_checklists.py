"""Reference and offer checklists: ticked on the candidate card by recruiters,
each tick a thread reply and a stage event; refused for everyone else; replays change nothing."""

from __future__ import annotations

import time
from typing import Any

from sqlmodel import col, select

from blocks.candidate import ADVANCE, CHECKLIST
from bot.reporting.export import export_all
from models.tables import StageEvent
from tests.conftest import MEMBER, RECRUITER, RunningApp
from tests.flows import add_candidate, all_text, card, click_card, make_role, reload, replies, wait_replies

KIT = "code-insights-backend"
REFERENCES = [
    "Reference contacts received from the candidate",
    "Candidate consent to contact referees confirmed",
    "References contacted and notes recorded",
    "Any concerns raised with the hiring manager",
]


def checklist_element(app: RunningApp, candidate: Any) -> tuple[str, dict[str, Any]]:
    for block in card(app, reload(app, candidate)).get("blocks", []):
        for element in block.get("elements", []):
            if element.get("action_id") == CHECKLIST:
                return block["block_id"], element
    raise AssertionError("no checklist on the card")


def tick(app: RunningApp, user_id: str, candidate: Any, values: list[int], block_id: str | None = None) -> None:
    """What Slack sends when someone changes the card's checkboxes: every option now selected."""
    current = reload(app, candidate)
    block, element = checklist_element(app, candidate) if block_id is None else (block_id, {"options": []})
    options = {o["value"]: o for o in element["options"]}
    payload = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id.lower(), "team_id": app.client.team_id},
        "trigger_id": app.client.trigger_id(user_id),
        "channel": {"id": current.channel_id},
        "container": {"type": "message", "channel_id": current.channel_id, "message_ts": current.thread_ts},
        "message": {"ts": current.thread_ts},
        "actions": [
            {
                "type": "checkboxes",
                "action_id": CHECKLIST,
                "block_id": block,
                "selected_options": [options.get(str(v), {"value": str(v)}) for v in values],
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    response = app.client.interaction(payload)
    assert response.status_code == 200, response.text


def ticks(app: RunningApp) -> list[tuple[str, str | None, str | None]]:
    with app.services.db.read() as session:
        events = session.exec(select(StageEvent).order_by(col(StageEvent.id))).all()
        return [(e.action, e.reason, e.actor_id) for e in events if "check:" in e.action]


def to_references(app: RunningApp) -> Any:
    make_role(app, title="Founding Engineer", kit=KIT)
    casey = add_candidate(app)
    kit = app.services.kits.kits[KIT]
    target = [s.key for s in kit.stages].index("references")
    for step in range(target):
        click_card(app, RECRUITER, casey, ADVANCE)
        wait_replies(app, casey, 2 + step)
    assert reload(app, casey).stage_key == "references"
    return reload(app, casey)


def test_recruiter_ticks_the_reference_checklist(app: RunningApp) -> None:
    casey = to_references(app)
    shown = all_text(card(app, casey))
    assert "Checklist* (0 of 4 done)" in shown
    _, element = checklist_element(app, casey)
    assert [o["value"] for o in element["options"]] == ["0", "1", "2", "3"]
    assert "initial_options" not in element
    before = len(replies(app, casey))

    tick(app, RECRUITER, casey, [0, 2])
    new = wait_replies(app, casey, before + 2)[before:]
    assert [m["text"] for m in new] == [
        f":white_check_mark: <@{RECRUITER}> ticked *{REFERENCES[0]}* for *Casey Candidate* (2 of 4 done).",
        f":white_check_mark: <@{RECRUITER}> ticked *{REFERENCES[2]}* for *Casey Candidate* (2 of 4 done).",
    ]
    assert ticks(app) == [("check:0", REFERENCES[0], RECRUITER), ("check:2", REFERENCES[2], RECRUITER)]
    app.slack.wait_for(lambda: "(2 of 4 done)" in all_text(card(app, casey)))
    _, element = checklist_element(app, casey)
    assert [o["value"] for o in element["initial_options"]] == ["0", "2"]

    # The same click replayed (a double click, a retry) changes nothing.
    tick(app, RECRUITER, casey, [0, 2])
    app.wait_idle()
    assert len(ticks(app)) == 2 and len(replies(app, casey)) == before + 2

    # Unticking is a change too: its own event and reply.
    tick(app, RECRUITER, casey, [2])
    reply = wait_replies(app, casey, before + 3)[-1]
    assert reply["text"] == (
        f":leftwards_arrow_with_hook: <@{RECRUITER}> unticked *{REFERENCES[0]}* for *Casey Candidate* (1 of 4 done)."
    )
    assert ticks(app)[-1] == ("uncheck:0", REFERENCES[0], RECRUITER)
    # The stage did not move, and every tick is in the export.
    assert reload(app, casey).stage_key == "references"
    with app.services.db.read() as session:
        exported = [e["action"] for e in export_all(session)["stage_events"]]
    assert exported[-3:] == ["check:0", "check:2", "uncheck:0"]


def test_only_recruiters_tick_and_stale_cards_are_refused(app: RunningApp) -> None:
    casey = to_references(app)
    updates = len(app.slack.calls_to("chat.update"))
    tick(app, MEMBER, casey, [1])
    app.slack.wait_for(lambda: app.slack.ephemerals(MEMBER))
    assert "Only recruiters can tick checklists for candidates" in all_text(app.slack.ephemerals(MEMBER)[-1])
    assert ticks(app) == []
    # The card is redrawn, so the member's tick does not stay on their screen.
    app.slack.wait_for(lambda: len(app.slack.calls_to("chat.update")) > updates)
    assert "initial_options" not in checklist_element(app, casey)[1]

    # Once the candidate moves on, a checklist from the old card is closed.
    old_block, _ = checklist_element(app, casey)
    count = len(replies(app, casey))
    click_card(app, RECRUITER, casey, ADVANCE)
    wait_replies(app, casey, count + 1)
    tick(app, RECRUITER, casey, [0], block_id=old_block)
    app.slack.wait_for(lambda: app.slack.ephemerals(RECRUITER))
    assert "has moved on; this checklist is closed" in all_text(app.slack.ephemerals(RECRUITER)[-1])
    assert ticks(app) == []
    # Forged or garbled block ids get a message, not a crash.
    tick(app, RECRUITER, casey, [0], block_id="stage_checklist:nope")
    app.slack.wait_for(lambda: len(app.slack.ephemerals(RECRUITER)) >= 2)
    assert "This checklist is out of date" in all_text(app.slack.ephemerals(RECRUITER)[-1])
    # The offer stage has its own checklist, starting empty.
    assert "Checklist* (0 of 5 done)" in all_text(card(app, reload(app, casey)))
