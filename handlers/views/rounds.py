"""Round forms: schedule or move a meeting, ask for reviews, send a take-home."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from slack_bolt import Ack, BoltContext
from sqlmodel import Session

from blocks.rounds import ANYWAY, RESCHEDULE
from blocks.times import reason_text
from bot.rules.availability import zone
from bot.rules.candidates import get_candidate
from bot.rules.clashes import Clash
from bot.rules.errors import UserError
from bot.rules.roles import require_role_recruiter
from bot.rules.rounds import load_round
from bot.rules.scheduling import assign_reviewers, local_to_utc, reschedule_round, schedule_round
from bot.rules.slots import Limits
from bot.rules.take_home import send_take_home
from bot.wiring.services import Services
from handlers.context import services_of
from handlers.views.forms import answer_form, form_values, submitted_once
from models.tables import Candidate

# Slack shows at most this much of a modal error.
MAX_ERROR = 2000
SUBMIT_WAIT = 1.5


def stage_candidate(session: Session, meta: dict[str, Any]) -> Candidate:
    """The form's candidate, still at the stage the form was opened for."""
    candidate = get_candidate(session, int(meta["candidate_id"]))
    if candidate.stage_key != meta.get("stage"):
        raise UserError(f"{candidate.name} has moved to another stage since this form opened; close it.")
    return candidate


def schedule(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    user_id = body["user"]["id"]
    moving = view.get("callback_id") == RESCHEDULE

    def work() -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        if not isinstance(meta, dict):
            raise ValueError("private_metadata is not an object")
        values = form_values(view)
        starts_at = local_to_utc(values.get("date"), values.get("time"), str(meta.get("tz") or "UTC"))
        try:
            minutes = int(values.get("duration") or 0)
        except ValueError:
            raise UserError("The duration must be a whole number of minutes.", field="duration") from None
        anyway = bool(values.get(ANYWAY))
        # Calendars are asked before the transaction (network); the bot's own bookings and the caps
        # are checked inside it, after the panel's locks.
        trainee = None if moving else (values.get("trainee") or None)
        panel = [u for u in [*(values.get("interviewers") or []), trainee] if isinstance(u, str)]
        # Slack gives a submission 3 s: a calendar slower than SUBMIT_WAIT is left out (the form
        # asked it a moment ago, when the panel was picked, so its answer is usually kept).
        times = services.panel_times(panel, Limits(), around=starts_at, timeout=SUBMIT_WAIT) if panel else None
        with services.db.transaction() as session:
            submitted_once(session, view, services.clock.now())
            # A move is checked against the round's own candidate: the form's candidate id and
            # round id could be forged to disagree.
            moved = load_round(session, services.kits, int(meta["interview_id"])) if moving else None
            candidate = moved.candidate if moved else get_candidate(session, int(meta["candidate_id"]))
            verb = "reschedule interviews" if moving else "schedule interviews"
            require_role_recruiter(session, services.permissions, user_id, candidate.role_id, verb)
            if moving:
                reschedule_round(
                    session,
                    services.kits,
                    int(meta["interview_id"]),
                    starts_at=starts_at,
                    duration_minutes=minutes,
                    location=values.get("location"),
                    interviewer_ids=values.get("interviewers") or [],
                    actor=user_id,
                    now=services.clock.now(),
                    recruiters=services.permissions.recruiter_ids,
                    anyway=anyway,
                    times=times,
                )
            else:
                schedule_round(
                    session,
                    services.kits,
                    candidate_id=candidate.id or 0,
                    stage_key=str(values.get("stage") or ""),
                    interviewer_ids=values.get("interviewers") or [],
                    starts_at=starts_at,
                    duration_minutes=minutes,
                    location=values.get("location"),
                    actor=user_id,
                    now=services.clock.now(),
                    variant=values.get("variant"),
                    recruiters=services.permissions.recruiter_ids,
                    anyway=anyway,
                    times=times,
                    trainee=trainee,
                )

    def answered() -> None:
        try:
            work()
        except Clash as clash:
            # Modal errors are plain text: people by name, times in the recruiter's zone.
            tz_name = str(json.loads(view.get("private_metadata") or "{}").get("tz") or "UTC")
            raise UserError(clash_text(services, clash, tz_name), field="time") from None

    answer_form(ack, view, "date", answered)


def clash_text(services: Services, clash: Clash, tz_name: str) -> str:
    """Who cannot meet then and why, by name, in the recruiter's zone."""
    reader = zone(tz_name)
    said = [
        f"{services.display_name(b.user_id)} has another interview "
        f"{b.starts_at.astimezone(reader):%a %d %b %H:%M}-{b.ends_at.astimezone(reader):%H:%M}"
        for b in clash.booked[:5]
    ]
    zones = {r.user_id: zone(services.zone_of(r.user_id)) for r in clash.reasons if r.why == "outside_hours"}
    said += [reason_text(r, services.display_name, zones, reader) for r in clash.reasons[:5]]
    return (f'{"; ".join(said)}. Pick another time, or tick "Schedule anyway" below.')[:MAX_ERROR]


def review(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    user_id = body["user"]["id"]

    def work() -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        with services.db.transaction() as session:
            submitted_once(session, view, services.clock.now())
            candidate = stage_candidate(session, meta)
            require_role_recruiter(session, services.permissions, user_id, candidate.role_id, "ask for reviews")
            assign_reviewers(
                session,
                services.kits,
                candidate_id=candidate.id or 0,
                reviewer_ids=form_values(view).get("interviewers") or [],
                actor=user_id,
                now=services.clock.now(),
                recruiters=services.permissions.recruiter_ids,
            )

    answer_form(ack, view, "interviewers", work)


def take_home(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    user_id = body["user"]["id"]

    def work() -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        values = form_values(view)
        try:
            due = date.fromisoformat(str(values.get("date") or ""))
        except ValueError:
            raise UserError("Pick the due date.", field="date") from None
        with services.db.transaction() as session:
            submitted_once(session, view, services.clock.now())
            candidate = stage_candidate(session, meta)
            require_role_recruiter(session, services.permissions, user_id, candidate.role_id, "send take-homes")
            send_take_home(
                session,
                services.kits,
                candidate_id=candidate.id or 0,
                due=due,
                tz=str(meta.get("tz") or "UTC"),
                reviewer_ids=values.get("interviewers") or [],
                actor=user_id,
                now=services.clock.now(),
                recruiters=services.permissions.recruiter_ids,
            )

    answer_form(ack, view, "date", work)
