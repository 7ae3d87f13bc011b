"""Training messages (bot/rules/training.py), each rendered from the state when sent: nothing once
what it asks is answered (a sign-off given, a trainee already decided on) or its round is off."""

from __future__ import annotations

from blocks.common import slack_date, to_dicts
from blocks.training import (
    round_signed_message,
    shadow_learned_message,
    shadow_note_message,
    signoff_request_message,
    training_done_message,
    training_news_message,
)
from bot.delivery.rendering import Rendered, Rendering
from bot.rules.errors import UserError
from bot.rules.roles import kit_for
from bot.rules.training import signoffs_of, trainee_progress
from models.tables import OutboxMessage, PoolMember, Role, TrainingSignoff


def signoff_request(r: Rendering, row: OutboxMessage) -> Rendered | None:
    state = r.round(row)
    if state is None or state.cancelled or state.ctx.candidate.purged_at is not None:
        return None
    ctx = state.ctx
    if ctx.reverse_shadow is None or row.target not in ctx.evaluators:
        return None
    with r.services.db.read() as session:
        if session.get(TrainingSignoff, (ctx.interview.id, row.target)) is not None:
            return None
    return Rendered(row.target, f"Sign off on <@{ctx.reverse_shadow}>'s reverse shadow", to_dicts(
        signoff_request_message(ctx)))  # fmt: skip


def shadow_note(r: Rendering, row: OutboxMessage) -> Rendered | None:
    state = r.round(row)
    if state is None or state.cancelled or state.ctx.candidate.purged_at is not None:
        return None
    if row.target not in state.ctx.shadows:
        return None
    return Rendered(row.target, "What did you learn?", to_dicts(shadow_note_message(state.ctx)))


def shadow_learned(r: Rendering, row: OutboxMessage) -> Rendered | None:
    state = r.round(row)
    payload = row.payload or {}
    if state is None or state.ctx.candidate.purged_at is not None or not payload.get("text"):
        return None
    shadow = str(payload.get("shadow") or "")
    blocks = shadow_learned_message(state.ctx, shadow, str(payload["text"]))
    return Rendered(row.target, "A note from your shadow", to_dicts(blocks))


def training_update(r: Rendering, row: OutboxMessage) -> Rendered | None:
    """To the trainee: how a reverse shadow went (every sign-off), their path done, or a recruiter's answer."""
    payload = row.payload or {}
    what = str(payload.get("what") or "")
    services = r.services
    if what == "round":
        state = r.round(row)
        trainee = state.ctx.reverse_shadow if state else None
        if state is None or trainee is None:
            return None
        ctx = state.ctx
        with services.db.read() as session:
            signoffs = signoffs_of(session, ctx.interview.id or 0)
            progress = trainee_progress(
                session, services.kits, ctx.role.id or 0, ctx.stage.key, trainee, services.clock.now()
            )
        blocks = round_signed_message(ctx.stage.name, slack_date(ctx.interview.starts_at), signoffs, progress)
        return Rendered(row.target, f"Your reverse shadow of {ctx.stage.name}", to_dicts(blocks))
    found = _pool_member(r, payload)
    if found is None or what not in ("done", "added", "not_yet"):
        return None
    role, stage_name, _ = found
    with services.db.read() as session:
        progress = trainee_progress(
            session, services.kits, role.id or 0, str(payload["stage"]), row.target, services.clock.now()
        )
    where = f"{role.title} · {stage_name}"
    actor = str(payload.get("actor") or "") or None
    return Rendered(row.target, f"Your training for {where}", to_dicts(training_news_message(what, where, progress,
                                                                                              actor)))  # fmt: skip


def training_done(r: Rendering, row: OutboxMessage) -> Rendered | None:
    """To a recruiter of the role: *Add to pool* / *Not yet*, while nobody has answered."""
    payload = row.payload or {}
    found = _pool_member(r, payload)
    if found is None:
        return None
    role, stage_name, member = found
    if not member.trainee or member.proposed_at is None:
        return None  # answered already
    trainee = member.member_id
    with r.services.db.read() as session:
        progress = trainee_progress(
            session, r.services.kits, role.id or 0, member.stage_key, trainee, r.services.clock.now()
        )
        signoffs = signoffs_of(session, row.interview_id or 0)
    value = f"{role.id}:{member.stage_key}:{trainee}"
    blocks = training_done_message(trainee, f"{role.title} · {stage_name}", progress, signoffs, value)
    return Rendered(row.target, "A trainee is ready for the pool", to_dicts(blocks))


def _pool_member(r: Rendering, payload: dict[str, object]) -> tuple[Role, str, PoolMember] | None:
    """The payload's role, its stage's name and the trainee's pool row; None when any is gone."""
    role_id, stage_key, trainee = payload.get("role"), payload.get("stage"), payload.get("trainee")
    if not isinstance(role_id, int) or not isinstance(stage_key, str) or not isinstance(trainee, str):
        return None
    with r.services.db.read() as session:
        role = session.get(Role, role_id)
        member = session.get(PoolMember, (role_id, stage_key, trainee))
        if role is None or member is None:
            return None
        try:
            stage_name = kit_for(r.services.kits, role).stage(stage_key).name
        except (KeyError, UserError):
            return None
    return role, stage_name, member
