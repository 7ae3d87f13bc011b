"""*Need a different time?* on a candidate's confirmation: new times for the same panel, offered in
their DM (picking one moves the round), or, past the cutoff or the limit, why not and whom to ask."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from blocks.common import section
from bot.rules.availability import limits_for, zone
from bot.rules.candidate_moves import ASK_RECRUITER, may_move, moves_used, offer_move
from bot.rules.errors import NotFound, UserError
from bot.rules.rounds import RoundContext, load_round
from bot.wiring.services import Services
from handlers.context import services_of
from handlers.respond import tell
from handlers.views.rounds import SUBMIT_WAIT


def move_asked(client: WebClient, body: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    user_id = body["user"]["id"]
    try:
        interview_id = int((body.get("actions") or [{}])[0].get("value") or 0)
        with services.db.read() as session:
            ctx = load_round(session, services.kits, interview_id)
            used = moves_used(session, interview_id)
    except (ValueError, NotFound):
        return
    if ctx.candidate.slack_user_id != user_id:
        return  # only the candidate moves their own round here
    problem = may_move(ctx.kit, ctx.interview, used, services.clock.now())
    if problem is None:
        problem = _offer_new_times(services, ctx, user_id)
    if problem:
        tell(client, body, problem, [section(problem).to_dict()])


def _offer_new_times(services: Services, ctx: RoundContext, user_id: str) -> str | None:
    """Offer the panel's next free times (their DM follows); what to tell the candidate if none."""
    minutes = ctx.minutes
    limits = limits_for(ctx.kit, ctx.stage)
    found = services.free_slots(ctx.panel, limits, minutes, besides=ctx.interview.id, timeout=SUBMIT_WAIT)
    try:
        with services.db.transaction() as session:
            made = offer_move(
                session, services.kits, ctx, found.slots, zone(services.zone_of(user_id)), actor=user_id,
                now=services.clock.now(), recruiters=services.permissions.recruiter_ids,
            )  # fmt: skip
    except UserError as refused:
        return refused.message
    return None if made else f"There is no other time that suits your interviewers soon: {ASK_RECRUITER}"
