"""The schedule form, updated in place: picking the panel shows the times that suit it; picking one
of those fills in the date and time."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks.offer_form import OFFER_VIEW
from blocks.pools import FROM_POOL, parse_pool_value
from blocks.rounds import CANDIDATE_PICKS, RESCHEDULE, WHO_PICKS
from bot.rules.errors import UserError
from bot.rules.scheduling import parse_panel
from handlers.context import services_of
from handlers.modals import Picked, offer_view, reschedule_view, schedule_view
from handlers.views.forms import form_values

log = logging.getLogger("interview_bot.times")


def ack_only(ack: Ack) -> None:
    ack()


def picked_in(
    view: dict[str, Any], fill: datetime | None = None, panel_fill: list[str] | None = None,
    from_pool: bool | None = None, trainee_fill: str | None = None,
) -> Picked:  # fmt: skip
    """What the form holds, with what the action changes: a suggested time (and its panel and
    trainee, from the pool), or *From the pool* ticked or not."""
    meta = json.loads(view.get("private_metadata") or "{}")
    values = form_values(view)
    try:
        minutes = int(values.get("duration") or 0) or None
    except ValueError:
        minutes = None
    try:
        panel = parse_panel(values.get("interviewers") or [])
    except UserError:
        panel = []  # the form says what is wrong with it when submitted
    revision = int(meta.get("revision") or 0) + (1 if fill else 0)
    if from_pool is None:
        from_pool = "yes" in (values.get(FROM_POOL) or [])
    trainee = trainee_fill if panel_fill is not None else values.get("trainee")
    return Picked(panel_fill or panel, minutes, values.get("stage"), fill, revision, from_pool, trainee or None)


def update_form(client: WebClient, context: BoltContext, body: dict[str, Any]) -> None:
    """Rebuild the form with what it holds (Slack keeps typed values of unchanged blocks) and the
    suggestions for its panel; or switch between the schedule form and the offer form (*I pick the
    time* / *Let the candidate pick*), keeping the stage and panel. A form changed meanwhile (hash
    conflict) is left to the next pick."""
    services = services_of(context)
    view = body["view"]
    action = (body.get("actions") or [{}])[0]
    fill, panel_fill, from_pool, trainee_fill = None, None, None, ""
    if action.get("type") == "static_select":
        # A suggested time; from the pool, with its panel and trainee.
        value = str((action.get("selected_option") or {}).get("value") or "")
        if value:
            fill, chosen, trainee = parse_pool_value(value)
            panel_fill, trainee_fill = list(chosen) or None, trainee or ""
    if action.get("action_id") == FROM_POOL:
        from_pool = bool(action.get("selected_options"))
    picked = picked_in(view, fill, panel_fill, from_pool, trainee_fill or None)
    meta = json.loads(view.get("private_metadata") or "{}")
    user_id = body["user"]["id"]
    offering = view.get("callback_id") == OFFER_VIEW
    if action.get("action_id") == WHO_PICKS:
        offering = (action.get("selected_option") or {}).get("value") == CANDIDATE_PICKS
    if offering:
        # Each rebuild proposes times anew: a new block id shows them preselected.
        picked = Picked(picked.panel, picked.minutes, picked.stage_key, None, picked.revision + 1, picked.from_pool,
                        picked.trainee)  # fmt: skip
    try:
        if view.get("callback_id") == RESCHEDULE:
            rebuilt = reschedule_view(services, int(meta["interview_id"]), user_id, picked)
        elif offering:
            rebuilt = offer_view(services, int(meta["candidate_id"]), user_id, picked)
        else:
            rebuilt = schedule_view(services, int(meta["candidate_id"]), user_id, picked)
    except UserError as exc:
        log.info("schedule form not updated for %s: %s", user_id, exc.message)
        return
    try:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=rebuilt)
    except SlackApiError as exc:
        if exc.response.get("error") != "hash_conflict":
            raise
