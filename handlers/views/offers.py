"""The *Offer times* form: the times picked (or, if the form was not refreshed, those proposed for
the panel) offered to the candidate, by a DM in Slack or a booking page's link shown to the recruiter."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from blocks.common import to_dicts
from blocks.offer_form import BY_LINK, link_view
from blocks.offers import none_work_sent_blocks
from blocks.pools import FROM_POOL, parse_pool_value
from bot.rules.availability import zone
from bot.rules.candidates import get_candidate
from bot.rules.errors import UserError
from bot.rules.offers import decline, make_offer
from bot.rules.roles import kit_for, require_role_recruiter
from bot.rules.scheduling import parse_panel
from handlers.context import services_of
from handlers.modals import offer_stages, proposed
from handlers.views.forms import answer_form, form_values, submitted_once
from handlers.views.rounds import SUBMIT_WAIT
from models.offers import Offer
from models.tables import Candidate, Role


def picked_times(values: dict[str, Any]) -> list[datetime] | None:
    """The form's *Times to offer* (None: the form has no such field yet)."""
    raw = values.get("times")
    if raw is None:
        return None
    return [datetime.strptime(v, "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC) for v in raw]


def offer_times(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    user_id = body["user"]["id"]

    def work() -> dict[str, Any] | None:
        meta = json.loads(view.get("private_metadata") or "{}")
        values = form_values(view)
        from_pool = "yes" in (values.get(FROM_POOL) or [])
        panel = parse_panel(values.get("interviewers") or [])
        if not panel and not from_pool:
            raise UserError("Pick at least one interviewer.", field="interviewers")
        with services.db.read() as session:
            candidate = get_candidate(session, int(meta["candidate_id"]))
            role = session.get(Role, candidate.role_id)
            assert role is not None
            kit = kit_for(services.kits, role)
        stage = next((s for s in offer_stages(kit) if s.key == values.get("stage")), None)
        if stage is None:
            raise UserError("Pick the stage.", field="stage")
        by_link = values.get("how") == BY_LINK or not candidate.slack_user_id
        if by_link and not services.settings.public_url:
            raise UserError(
                "The booking page needs the bot's public address: set PUBLIC_URL (e.g. "
                "https://interviews.example.com), or offer the times in Slack.",
                field="how",
            )
        pool = None
        times: list[datetime] | None
        if from_pool:
            # Each time with its own panel (and trainee), as the form showed it.
            try:
                picks = [parse_pool_value(v) for v in values.get("times") or []]
            except ValueError:
                raise UserError("Pick the times again: the form changed.", field="times") from None
            pool = {at: (chosen, trainee) for at, chosen, trainee in picks}
            times = list(pool)
        else:
            times = picked_times(values)
        if times is None:
            times = [s.starts_at for s in proposed(services, kit, stage, panel, candidate, SUBMIT_WAIT).chosen]
        if not times:
            raise UserError(
                "There is no time to offer: pick some, or other interviewers.",
                field="times" if values.get("times") is not None else ("stage" if from_pool else "interviewers"),
            )
        now = services.clock.now()
        with services.db.transaction() as session:
            submitted_once(session, view, now)
            require_role_recruiter(session, services.permissions, user_id, candidate.role_id, "offer times")
            made = make_offer(
                session, services.kits, candidate_id=candidate.id or 0, stage_key=stage.key, panel=panel,
                times=times, minutes=stage.duration_minutes or 60, location=values.get("location"),
                actor=user_id, now=now, by_link=by_link, recruiters=services.permissions.recruiter_ids, pool=pool,
            )  # fmt: skip
        if made.token is None:
            return None
        url = f"{services.settings.public_url}/book/{made.token}"
        return link_view(candidate.name, url, made.offer.expires_at, zone(services.zone_of(user_id))).to_dict()

    answer_form(ack, view, "interviewers", work)


def none_work(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """The candidate's times that would suit: kept on the offer, relayed to the thread and recruiters."""
    services = services_of(context)
    meta = json.loads(view.get("private_metadata") or "{}")
    stage_name: list[str] = []

    def work() -> None:
        now = services.clock.now()
        with services.db.transaction() as session:
            offer = session.get(Offer, int(meta["offer"]))
            candidate = session.get(Candidate, offer.candidate_id) if offer else None
            if offer is None or candidate is None or candidate.slack_user_id != body["user"]["id"]:
                raise UserError("This form is not yours.", field="note")
            submitted_once(session, view, now)
            decline(session, offer.id or 0, str(form_values(view).get("note") or ""), now=now,
                    recruiters=services.permissions.recruiter_ids)  # fmt: skip
            role = session.get(Role, candidate.role_id)
            assert role is not None
            stage_name.append(kit_for(services.kits, role).stage(offer.stage_key).name)

    answer_form(ack, view, "note", work)
    if stage_name and meta.get("channel") and meta.get("ts"):
        # The times they turned down become the thanks (a later click on them changes nothing anyway).
        blocks = to_dicts(none_work_sent_blocks(stage_name[0]))
        client.chat_update(channel=meta["channel"], ts=meta["ts"], text="Thanks: your recruiter will send new times",
                           blocks=blocks)  # fmt: skip
