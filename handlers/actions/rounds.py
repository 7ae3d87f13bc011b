"""Card and message buttons about rounds: schedule, ask for reviews, send or receive a take-home,
cancel a round, open a scorecard."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from blocks.candidate import parse_button_value
from bot.rules.candidates import get_candidate
from bot.rules.roles import require_role_recruiter
from bot.rules.rounds import load_round
from bot.rules.scheduling import cancel_round
from bot.rules.take_home import mark_received
from bot.wiring.services import Services
from handlers.context import services_of
from handlers.modals import offer_view, review_view, schedule_view, scorecard_modal, take_home_view
from handlers.respond import catch_for_later, open_view_later


def ack_only(ack: Ack) -> None:
    ack()


def open_modal_later(
    build_view: Callable[[Services, int, str], dict[str, Any]],
    client: WebClient,
    context: BoltContext,
    body: dict[str, Any],
    action: dict[str, Any],
) -> None:
    """A card button's lazy half: the candidate's modal, built after the ack (building may ask
    Slack for the person's time zone)."""

    def build() -> None:
        candidate_id, _ = parse_button_value(action["value"])
        context["open_view"] = build_view(services_of(context), candidate_id, body["user"]["id"])

    catch_for_later(context, build)
    open_view_later(client, context, body)


def open_schedule(client: WebClient, context: BoltContext, body: dict[str, Any], action: dict[str, Any]) -> None:
    open_modal_later(schedule_view, client, context, body, action)


def open_offer(client: WebClient, context: BoltContext, body: dict[str, Any], action: dict[str, Any]) -> None:
    open_modal_later(offer_view, client, context, body, action)


def open_review(client: WebClient, context: BoltContext, body: dict[str, Any], action: dict[str, Any]) -> None:
    open_modal_later(review_view, client, context, body, action)


def open_take_home(client: WebClient, context: BoltContext, body: dict[str, Any], action: dict[str, Any]) -> None:
    open_modal_later(take_home_view, client, context, body, action)


def take_home_received(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    ack()
    services = services_of(context)
    user_id = body["user"]["id"]

    def work() -> None:
        candidate_id, _ = parse_button_value(action["value"])
        with services.db.transaction() as session:
            role_id = get_candidate(session, candidate_id).role_id
            require_role_recruiter(session, services.permissions, user_id, role_id, "mark take-homes for candidates")
            mark_received(
                session,
                services.kits,
                candidate_id,
                user_id,
                services.clock.now(),
                services.permissions.recruiter_ids,
            )

    catch_for_later(context, work)


def cancel(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    ack()
    services = services_of(context)
    user_id = body["user"]["id"]

    def work() -> None:
        with services.db.transaction() as session:
            ctx = load_round(session, services.kits, int(action["value"]))
            services.permissions.require_recruiter(user_id, "cancel interviews", ctx.role.recruiter_ids)
            cancel_round(session, services.kits, int(action["value"]), actor=user_id, now=services.clock.now())

    catch_for_later(context, work)


def open_scorecard(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    ack()
    services = services_of(context)
    catch_for_later(
        context,
        lambda: context.update(open_view=scorecard_modal(services, int(action["value"]), body["user"]["id"])),
    )
