"""A candidate picks one of the times offered to them: booked through the recruiters' path, and
their message becomes the confirmation (or, if someone took the time a moment before, the times
still free)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from blocks.common import to_dicts
from blocks.offers import booked_blocks, none_work_modal, offer_blocks
from bot.rules.availability import limits_for, zone
from bot.rules.candidate_moves import can_offer_moves, moves_used
from bot.rules.errors import UserError
from bot.rules.offers import OfferClosed, TimeTaken, closed_reason, pick
from bot.rules.roles import kit_for
from handlers.context import services_of
from handlers.respond import catch_for_later, tell
from handlers.views.rounds import SUBMIT_WAIT
from models.offers import Offer
from models.tables import Candidate, Role


def ack_only(ack: Ack) -> None:
    ack()


def ask_other_times(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """*None of these work*: the short form for times that would suit (or why not, if the offer is closed)."""
    ack()

    def build() -> None:
        services = services_of(context)
        offer_id = int((body.get("actions") or [{}])[0].get("value") or 0)
        with services.db.read() as session:
            offer = session.get(Offer, offer_id)
            candidate = session.get(Candidate, offer.candidate_id) if offer else None
            role = session.get(Role, candidate.role_id) if candidate else None
        if offer is None or candidate is None or role is None or candidate.slack_user_id != body["user"]["id"]:
            return
        closed = closed_reason(offer, services.clock.now())
        if closed:
            raise UserError(closed)
        stage = kit_for(services.kits, role).stage(offer.stage_key)
        channel, message_ts = _message_of(body)
        context["open_view"] = none_work_modal(offer_id, stage.name, channel, message_ts).to_dict()

    catch_for_later(context, build)


def _message_of(body: dict[str, Any]) -> tuple[str, str]:
    channel = str((body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or "")
    return channel, str((body.get("container") or {}).get("message_ts") or "")


def picked(client: WebClient, body: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    user_id = body["user"]["id"]
    action = (body.get("actions") or [{}])[0]
    offer_text, _, when = str(action.get("value") or "").partition(":")
    try:
        offer_id = int(offer_text)
        starts_at = datetime.strptime(when, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return
    with services.db.read() as session:
        offer = session.get(Offer, offer_id)
        candidate = session.get(Candidate, offer.candidate_id) if offer else None
        role = session.get(Role, candidate.role_id) if candidate else None
    if offer is None or candidate is None or role is None or candidate.slack_user_id != user_id:
        return  # only the candidate the times were offered to can pick one
    kit = kit_for(services.kits, role)
    stage = kit.stage(offer.stage_key)
    tz = zone(services.zone_of(user_id))
    times = services.panel_times(offer.people(), limits_for(kit, stage), around=starts_at, timeout=SUBMIT_WAIT)
    channel, message_ts = _message_of(body)
    try:
        with services.db.transaction() as session:
            ctx = pick(session, services.kits, offer_id, starts_at, actor=user_id, now=services.clock.now(),
                       times=times, recruiters=services.permissions.recruiter_ids)  # fmt: skip
            used = moves_used(session, ctx.interview.id or 0)
    except TimeTaken as taken:
        blocks = offer_blocks(offer_id=offer_id, company=kit.company, stage_name=stage.name, minutes=offer.minutes,
                              prep=None, times=taken.left, tz=tz, taken=True)  # fmt: skip
        client.chat_update(channel=channel, ts=message_ts, text="That time was just taken", blocks=to_dicts(blocks))
        return
    except OfferClosed as closed:
        tell(client, body, closed.message, [{"type": "section", "text": {"type": "mrkdwn", "text": closed.message}}])
        return
    except UserError as problem:
        tell(client, body, problem.message, [{"type": "section", "text": {"type": "mrkdwn", "text": problem.message}}])
        return
    movable = can_offer_moves(kit, ctx.interview, used, services.clock.now())
    blocks = booked_blocks(stage.name, starts_at, offer.minutes, tz, move_id=ctx.interview.id if movable else None,
                           moved=offer.moves_id is not None)  # fmt: skip
    client.chat_update(channel=channel, ts=message_ts, text=f"Booked: your {stage.name}", blocks=to_dicts(blocks))
