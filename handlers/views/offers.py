"""The *Offer times* form: the panel's free times, spread over days, offered to the candidate."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.rules.availability import limits_for, suggest, zone
from bot.rules.candidates import get_candidate
from bot.rules.errors import UserError
from bot.rules.offers import make_offer, spread
from bot.rules.roles import kit_for, require_role_recruiter
from bot.rules.scheduling import parse_panel
from handlers.context import services_of
from handlers.views.forms import answer_form, form_values, submitted_once
from handlers.views.rounds import SUBMIT_WAIT
from models.tables import Role


def offer_times(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    user_id = body["user"]["id"]

    def work() -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        values = form_values(view)
        panel = parse_panel(values.get("interviewers") or [])
        if not panel:
            raise UserError("Pick at least one interviewer.", field="interviewers")
        with services.db.read() as session:
            candidate = get_candidate(session, int(meta["candidate_id"]))
            role = session.get(Role, candidate.role_id)
            assert role is not None
            kit = kit_for(services.kits, role)
        try:
            stage = kit.stage(str(values.get("stage") or ""))
        except KeyError:
            raise UserError("Pick the stage.", field="stage") from None
        minutes = stage.duration_minutes or 60
        limits = limits_for(kit, stage)
        times = services.panel_times(panel, limits, timeout=SUBMIT_WAIT)
        now = services.clock.now()
        with services.db.read() as session:
            found = suggest(session, panel, times, minutes, now, limits, count=100)
        tz = zone(services.zone_of(candidate.slack_user_id) if candidate.slack_user_id else None)
        chosen = spread(found.slots, kit.scheduling.offer_count, kit.scheduling.offer_days, tz)
        if not chosen:
            raise UserError(
                f"No time in the next {limits.horizon_days} working days suits the whole panel: pick other "
                "interviewers.",
                field="interviewers",
            )
        with services.db.transaction() as session:
            submitted_once(session, view, now)
            require_role_recruiter(session, services.permissions, user_id, candidate.role_id, "offer times")
            make_offer(
                session, services.kits, candidate_id=candidate.id or 0, stage_key=stage.key, panel=panel,
                times=[s.starts_at for s in chosen], minutes=minutes, location=values.get("location"),
                actor=user_id, now=now,
            )  # fmt: skip

    answer_form(ack, view, "interviewers", work)
