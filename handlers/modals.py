"""Modals opened from several places (a command, a card button, a DM button): read, then render."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from blocks.common import escape
from blocks.line import reply_modal
from blocks.offer_form import offer_form
from blocks.rounds import default_duration, review_modal, schedule_modal, take_home_modal
from blocks.scorecard import paginate, scorecard_view
from blocks.times import pool_reasons, suggestion_blocks
from bot.rules.availability import limits_for, zone
from bot.rules.candidates import get_candidate
from bot.rules.errors import UserError
from bot.rules.kits import stage_index
from bot.rules.line import reply_target
from bot.rules.offers import in_their_day, spread
from bot.rules.roles import kit_for, require_role_recruiter
from bot.rules.rounds import load_round, schedulable_stages, stage_variants
from bot.rules.scorecards import check_can_score, existing_answers, round_questions
from bot.rules.slots import Availability, Slot
from bot.wiring.services import Services
from handlers.pool_form import pool_offer, pool_parts
from models.kit import Kit, Stage, StageKind
from models.tables import Candidate


def for_recruiter(services: Services, candidate_id: int, user_id: str, verb: str) -> tuple[Candidate, Kit, Stage]:
    """The candidate, their kit and current stage, if `user_id` may `verb` for their role."""
    with services.db.read() as session:
        candidate = get_candidate(session, candidate_id)
        role = require_role_recruiter(session, services.permissions, user_id, candidate.role_id, verb)
        assert role is not None
        kit = kit_for(services.kits, role)
    return candidate, kit, kit.stages[stage_index(kit, candidate.stage_key)]


@dataclass(frozen=True)
class Picked:
    """What the schedule form holds so far, when it is rebuilt (a panel or a suggested time picked)."""

    panel: Sequence[str]
    minutes: int | None = None
    stage_key: str | None = None
    # A suggested time, to fill in the date and time with; `revision` re-keys those blocks.
    fill: datetime | None = None
    revision: int = 0
    # *From the pool* is ticked: the suggestions choose the panel too.
    from_pool: bool = False
    # The trainee on the round (picked, or filled in with a suggestion from the pool).
    trainee: str | None = None


def suggestions_for(
    services: Services, kit: Kit, stage: Stage, picked: Picked | None, minutes: int, tz: str, besides: int | None
) -> list[Block]:
    """*Suggested time* for the panel picked so far (none yet: a line saying to pick one)."""
    if picked is None or not picked.panel:
        return suggestion_blocks(None, [], [], zone(tz), services.display_name, horizon_days=0)
    limits = limits_for(kit, stage)
    found = services.free_slots(picked.panel, limits, minutes, besides=besides, count=25)
    return suggestion_blocks(
        found.slots, found.panel, found.silent, zone(tz), services.display_name, horizon_days=limits.horizon_days
    )


def schedule_view(services: Services, candidate_id: int, user_id: str, picked: Picked | None = None) -> dict[str, Any]:
    """A new round for the candidate, in the scheduler's own time zone."""
    candidate, kit, _ = for_recruiter(services, candidate_id, user_id, "schedule interviews")
    stages = schedulable_stages(kit)
    if not stages:
        raise UserError(f"The kit {kit.title} has no interview stages to schedule.")
    tz = services.zone_of(user_id)
    stage_key = (picked.stage_key if picked else None) or candidate.stage_key
    stage = next((s for s in stages if s.key == stage_key), stages[0])
    minutes = (picked.minutes if picked else None) or default_duration(stage) or 60
    panel = list(picked.panel) if picked else []
    revision = picked.revision if picked else 0
    parts = pool_parts(services, candidate.role_id, kit, stage, panel, bool(picked and picked.from_pool), minutes,
                       tz, picked.trainee if picked else None, revision)  # fmt: skip
    pooled = parts.suggestions
    if pooled is None:
        pooled = suggestions_for(services, kit, stage, picked, minutes, tz, None)
    if parts.trainee is not None:
        pooled = [*pooled, parts.trainee]
    return schedule_modal(
        candidate_name=candidate.name,
        candidate_id=candidate_id,
        stages=stages,
        current_stage=stage.key,
        tz=tz,
        variants={s.key: stage_variants(kit, s) for s in stages},
        panel=panel or None,
        suggestions=pooled,
        local_start=picked.fill.astimezone(zone(tz)) if picked and picked.fill else None,
        revision=revision,
        pool=parts.choice,
    ).to_dict()


def candidate_zone(services: Services, candidate: Candidate) -> ZoneInfo:
    """Where the candidate reads times: their Slack zone, else the organizer's (a booking page
    shows the browser's own once it runs its script)."""
    if candidate.slack_user_id:
        return zone(services.zone_of(candidate.slack_user_id))
    return services.settings.organizer_zone


@dataclass(frozen=True)
class Proposed:
    slots: list[Slot]  # every free time for the panel, earliest first
    chosen: list[Slot]  # those proposed: spread over days in the candidate's zone
    panel: list[Availability]
    horizon_days: int
    # The panel has no time inside the candidate's day (08:00-20:00 their time): proposed anyway.
    outside_day: str | None = None


def proposed(
    services: Services, kit: Kit, stage: Stage, panel: Sequence[str], candidate: Candidate, timeout: float | None = None
) -> Proposed:
    limits = limits_for(kit, stage)
    found = services.free_slots(panel, limits, stage.duration_minutes or 60, timeout=timeout)
    count = stage.offer_count or kit.scheduling.offer_count
    tz = candidate_zone(services, candidate)
    theirs = in_their_day(found.slots, tz)
    chosen = spread(theirs or found.slots, count, kit.scheduling.offer_days, tz)
    outside = tz.key if found.slots and not theirs else None
    return Proposed(list(found.slots), chosen, list(found.panel), limits.horizon_days, outside)


def offer_stages(kit: Kit) -> list[Stage]:
    return [s for s in schedulable_stages(kit) if s.kind is not StageKind.take_home]


def offer_view(services: Services, candidate_id: int, user_id: str, picked: Picked | None = None) -> dict[str, Any]:
    """Offer the candidate times for a stage: proposed once the panel is picked."""
    candidate, kit, _ = for_recruiter(services, candidate_id, user_id, "offer times")
    stages = offer_stages(kit)
    if not stages:
        raise UserError(f"The kit {kit.title} has no interview stages to offer times for.")
    stage_key = (picked.stage_key if picked else None) or candidate.stage_key
    stage = next((s for s in stages if s.key == stage_key), stages[0])
    panel = list(picked.panel) if picked else []
    tz = zone(services.zone_of(user_id))
    pool = pool_offer(services, candidate.role_id, kit, stage, bool(picked and picked.from_pool),
                      candidate_zone(services, candidate))  # fmt: skip
    if pool is not None and pool.slots is not None:
        why = escape(pool_reasons(pool.reasons, pool.zones, tz, services.display_name))
        return offer_form(
            candidate_name=candidate.name, candidate_id=candidate_id, stages=stages, stage_key=stage.key,
            slots=pool.slots, chosen=pool.chosen, tz=tz, name=services.display_name,
            in_slack=bool(candidate.slack_user_id), revision=picked.revision if picked else 0,
            holds=kit.scheduling.holds, pool=pool.choice,
            pooled=f"No time in the next {limits_for(kit, stage).horizon_days} working days has {pool.size} of "
            f"the pool free: {why}. Untick *From the pool* to pick the interviewers yourself.",
        ).to_dict()  # fmt: skip
    found = proposed(services, kit, stage, panel, candidate) if panel else None
    return offer_form(
        candidate_name=candidate.name,
        candidate_id=candidate_id,
        stages=stages,
        stage_key=stage.key,
        panel=panel,
        slots=found.slots if found else None,
        chosen=found.chosen if found else (),
        availability=found.panel if found else (),
        tz=tz,
        name=services.display_name,
        in_slack=bool(candidate.slack_user_id),
        horizon_days=found.horizon_days if found else 10,
        revision=picked.revision if picked else 0,
        holds=kit.scheduling.holds,
        outside_day=found.outside_day if found else None,
        pool=pool.choice if pool else None,
    ).to_dict()


def review_view(services: Services, candidate_id: int, user_id: str) -> dict[str, Any]:
    """Ask for reviewers for the candidate's current stage, a review (no meeting to schedule)."""
    candidate, kit, stage = for_recruiter(services, candidate_id, user_id, "ask for reviews")
    if stage.kind is not StageKind.review:
        raise UserError(f"{candidate.name} is at {stage.name}, not a review stage; schedule a round instead.")
    criteria = [kit.question(k).title for k in stage.questions]
    return review_modal(
        candidate_name=candidate.name, candidate_id=candidate_id, stage=stage, criteria=criteria
    ).to_dict()


def take_home_view(services: Services, candidate_id: int, user_id: str) -> dict[str, Any]:
    """Send the take-home of the candidate's current stage, due by default after the kit's days."""
    candidate, _, stage = for_recruiter(services, candidate_id, user_id, "send take-homes")
    if stage.kind is not StageKind.take_home or stage.take_home is None:
        raise UserError(f"{candidate.name} is at {stage.name}, not a take-home stage.")
    tz = services.zone_of(user_id)
    due = (services.clock.now() + timedelta(days=stage.take_home.due_days)).astimezone(zone(tz)).date()
    modal = take_home_modal(
        candidate_name=candidate.name,
        candidate_id=candidate_id,
        stage=stage,
        due=due,
        tz=tz,
        scored=bool(stage.questions),
    )
    return modal.to_dict()


def reschedule_view(
    services: Services, interview_id: int, user_id: str, picked: Picked | None = None
) -> dict[str, Any]:
    """The schedule form for a round already booked, with times that suit its panel at once."""
    with services.db.read() as session:
        ctx = load_round(session, services.kits, interview_id)
        services.permissions.require_recruiter(user_id, "reschedule interviews", ctx.role.recruiter_ids)
    tz = services.zone_of(user_id)
    local = ((picked.fill if picked else None) or ctx.interview.starts_at).astimezone(zone(tz))
    minutes = (picked.minutes if picked else None) or ctx.minutes
    picked = picked or Picked(panel=ctx.panel)
    return schedule_modal(
        candidate_name=ctx.candidate.name,
        candidate_id=ctx.candidate.id or 0,
        stages=[ctx.stage],
        current_stage=ctx.stage.key,
        tz=tz,
        interview=ctx,
        local_start=local,
        panel=picked.panel,
        suggestions=suggestions_for(services, ctx.kit, ctx.stage, picked, minutes, tz, ctx.interview.id),
        revision=picked.revision,
    ).to_dict()


def scorecard_modal(services: Services, interview_id: int, user_id: str) -> dict[str, Any]:
    """The first page of the scorecard, filled in with what this interviewer submitted before."""
    with services.db.read() as session:
        ctx = load_round(session, services.kits, interview_id)
        check_can_score(ctx, user_id, services.clock.now())
        scorecard, answers = existing_answers(session, interview_id, user_id)
    pages = paginate(round_questions(ctx))
    return scorecard_view(
        pages[0],
        interview_id=interview_id,
        candidate_name=ctx.candidate.name,
        stage_name=ctx.stage.name,
        answers=answers,
        recommendation=scorecard.recommendation if scorecard else None,
        notes=scorecard.notes if scorecard else None,
    ).to_dict()


def reply_view(services: Services, candidate_id: int, user_id: str) -> dict[str, Any]:
    """The Reply to candidate modal (from the button or the message shortcut), or why not."""
    with services.db.read() as session:
        candidate, role = reply_target(session, services.permissions, candidate_id, user_id)
    return reply_modal(candidate, role.title).to_dict()
