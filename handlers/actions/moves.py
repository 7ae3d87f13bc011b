"""*Need a different time?* on a candidate's confirmation: new times for the same panel, offered in
their DM (picking one moves the round), or, past the cutoff or the limit, why not and whom to ask."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from blocks.common import section
from bot.rules.availability import limits_for, suggest, zone
from bot.rules.candidate_moves import ASK_RECRUITER, may_move, moves_used
from bot.rules.errors import NotFound, UserError
from bot.rules.offers import make_offer, spread
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
    limits = limits_for(ctx.kit, ctx.stage)
    minutes = int((ctx.interview.ends_at - ctx.interview.starts_at).total_seconds() // 60)
    times = services.panel_times(ctx.panel, limits, timeout=SUBMIT_WAIT)
    now = services.clock.now()
    with services.db.read() as session:
        found = suggest(session, ctx.panel, times, minutes, now, limits, besides=ctx.interview.id, count=100)
    tz = zone(services.zone_of(user_id))
    chosen = spread(
        found.slots, ctx.stage.offer_count or ctx.kit.scheduling.offer_count, ctx.kit.scheduling.offer_days, tz
    )
    if not chosen:
        return f"There is no other time that suits your interviewers soon: {ASK_RECRUITER}"
    try:
        with services.db.transaction() as session:
            make_offer(
                session, services.kits, candidate_id=ctx.candidate.id or 0, stage_key=ctx.stage.key,
                panel=list(ctx.panel), times=[s.starts_at for s in chosen], minutes=minutes,
                location=ctx.interview.location, actor=user_id, now=now, moves_id=ctx.interview.id,
                recruiters=services.permissions.recruiter_ids,
            )  # fmt: skip
    except UserError as refused:
        return refused.message
    return None
