"""Acting inside an open modal as Slack does (block_actions carrying the view and what it holds),
for the demo and the tests: picking the panel in the schedule form, then a suggested time; picking
the panel in the offer form; a candidate picking an offered time in their DM."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from blocks.offer_form import OFFER_REFRESH
from blocks.offers import OFFER_PICK
from blocks.rounds import PANEL_PICKED
from blocks.times import SUGGESTED
from bot.devtools.slack_requests import SignedSlackClient, date_value, time_value
from bot.devtools.slack_standin import SlackStandIn

Json = dict[str, Any]


def act_in_view(
    client: SignedSlackClient, slack: SlackStandIn, user_id: str, action: Json, values: Json, timeout: float = 10
) -> Json:
    """Do `action` in `user_id`'s open modal, holding `values`; the view the app updates it to."""
    before = len(slack.calls_to("views.update"))
    current = slack.open_views(user_id)[-1]
    payload = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id.lower(), "team_id": client.team_id},
        "trigger_id": slack.trigger_id(user_id),
        "container": {"type": "view", "view_id": current["id"]},
        "view": {**current, "state": {"values": values}},
        "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
    }
    response = client.interaction(payload)
    if response.status_code != 200:
        raise RuntimeError(f"Slack's action was refused: {response.status_code} {response.text}")
    slack.wait_for(lambda: len(slack.calls_to("views.update")) > before, timeout=timeout)
    return slack.open_views(user_id)[-1]


def pick_panel(client: SignedSlackClient, slack: SlackStandIn, user_id: str, panel: list[str]) -> Json:
    values = {"interviewers": {PANEL_PICKED: {"type": "multi_users_select", "selected_users": panel}}}
    action = {"type": "multi_users_select", "action_id": PANEL_PICKED, "block_id": "interviewers"}
    return act_in_view(client, slack, user_id, {**action, "selected_users": panel}, values)


def suggestions(view: Json) -> list[Json]:
    block = next((b for b in view["blocks"] if b.get("block_id") == SUGGESTED), None)
    return [o for g in block["element"]["option_groups"] for o in g["options"]] if block else []


def pick_suggestion(
    client: SignedSlackClient, slack: SlackStandIn, user_id: str, panel: list[str], not_before: datetime
) -> tuple[Json, Json, Json]:
    """Pick the panel, then the first suggested time from `not_before` (else the last offered): the
    view as filled in, the date and time it holds (under their block ids), and the option picked."""
    view = pick_panel(client, slack, user_id, panel)
    offered = suggestions(view)
    if not offered:
        raise RuntimeError("the schedule form suggested no time for the panel")
    later = [o for o in offered if o["value"] >= not_before.strftime("%Y-%m-%dT%H:%MZ")]
    first = later[0] if later else offered[-1]
    values = {"interviewers": {PANEL_PICKED: {"type": "multi_users_select", "selected_users": panel}}}
    filled = choose_suggestion(client, slack, user_id, first, values)
    blocks = {str(b.get("block_id")): b for b in filled["blocks"]}
    date_id = next(k for k in blocks if k.split("~")[0] == "date")
    time_id = next(k for k in blocks if k.split("~")[0] == "time")
    held = {
        date_id: date_value(blocks[date_id]["element"]["initial_date"]),
        time_id: time_value(blocks[time_id]["element"]["initial_time"]),
    }
    return filled, held, first


def choose_suggestion(client: SignedSlackClient, slack: SlackStandIn, user_id: str, option: Json, values: Json) -> Json:
    """Pick the suggested time `option` in the open schedule form holding `values`: the form as filled in."""
    picked = {**values, SUGGESTED: {SUGGESTED: {"type": "static_select", "selected_option": option}}}
    action = {"type": "static_select", "action_id": SUGGESTED, "block_id": SUGGESTED, "selected_option": option}
    return act_in_view(client, slack, user_id, action, picked)


def offer_panel(client: SignedSlackClient, slack: SlackStandIn, user_id: str, panel: list[str], stage: str) -> Json:
    """Pick the panel in the open offer form: the form as updated with the times it proposes."""
    values = {
        "stage": {OFFER_REFRESH: {"type": "static_select", "selected_option": {"value": stage}}},
        "interviewers": {OFFER_REFRESH: {"type": "multi_users_select", "selected_users": panel}},
    }
    action = {"type": "multi_users_select", "action_id": OFFER_REFRESH, "block_id": "interviewers",
              "selected_users": panel}  # fmt: skip
    return act_in_view(client, slack, user_id, action, values)


def proposed_times(view: Json) -> list[Json]:
    """The offer form's preselected *Times to offer* (what is sent unless the recruiter changes it)."""
    block = next((b for b in view["blocks"] if str(b.get("block_id", "")).split("~")[0] == "times"), None)
    return list(block["element"].get("initial_options") or []) if block else []


def time_buttons(message: Json) -> list[Json]:
    """An offer DM's buttons, one a time."""
    return [e for b in message.get("blocks", []) for e in b.get("elements", [])
            if str(e.get("action_id", "")).startswith(OFFER_PICK)]  # fmt: skip


def pick_time(client: SignedSlackClient, slack: SlackStandIn, user_id: str, message: Json, button: Json) -> None:
    """The candidate clicks one of the times in the offer DM `message`."""
    response = client.block_action(
        user_id, button["action_id"], button["value"], block_id="offer", channel_id=slack.dm_id(user_id) or "",
        message_ts=message["ts"],
    )  # fmt: skip
    if response.status_code != 200:
        raise RuntimeError(f"Slack's action was refused: {response.status_code} {response.text}")
