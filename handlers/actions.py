"""Button listeners: the card's Advance / Hold / Reject / Reopen, round cancellation, scorecards, purge
and Reply to candidate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from blocks.candidate import (
    ADVANCE,
    BUTTON_ACTIONS,
    CHECKLIST,
    HOLD,
    PURGE,
    REJECT,
    REOPEN,
    REVIEW,
    SCHEDULE,
    TAKE_HOME_RECEIVED,
    TAKE_HOME_SEND,
    checklist_group,
    parse_button_value,
    parse_checklist_block_id,
    purge_done_blocks,
    purge_done_text,
    reason_modal,
)
from blocks.common import to_dicts
from blocks.line import LINE_REPLY
from blocks.reports import REPORT_SEND
from blocks.rounds import CANCEL
from blocks.scorecard import SUBMIT
from bot.delivery.purge_cleanup import PurgeCleaner
from bot.delivery.report_dm import ReportRequest, request_report, send_report
from bot.delivery.threads import CandidateThreads
from bot.rules.candidates import get_candidate
from bot.rules.checklists import set_checklist
from bot.rules.errors import UserError
from bot.rules.pipeline import change_stage
from bot.rules.purge import candidate_to_purge, purge_candidate
from bot.rules.roles import require_role_recruiter
from bot.rules.rounds import load_round
from bot.rules.scheduling import cancel_round
from bot.rules.take_home import mark_received
from bot.wiring.services import Services
from handlers.modals import reply_view, review_view, schedule_view, scorecard_modal, take_home_view
from handlers.respond import catch_for_later, open_view_later, tell, tell_later


def register(app: App, services: Services) -> None:
    def require_recruiter(session: Any, user_id: str, role_id: int, verb: str) -> None:
        require_role_recruiter(session, services.permissions, user_id, role_id, f"{verb} candidates")

    def advance(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        ack()
        user_id = body["user"]["id"]

        def work() -> None:
            candidate_id, expected = parse_button_value(action["value"])
            with services.db.transaction() as session:
                require_recruiter(session, user_id, get_candidate(session, candidate_id).role_id, "advance")
                change = change_stage(
                    session, services.kits, candidate_id, "advance", user_id, services.clock.now(), expected=expected
                )
                context["event_id"] = change.event.id

        catch_for_later(context, work)

    def announce(client: WebClient, context: BoltContext, body: dict[str, Any]) -> None:
        if context.get("event_id"):
            CandidateThreads(services, client).announce(context["event_id"])
        tell_later(client, context, body)

    app.action(ADVANCE)(ack=advance, lazy=[announce])

    def ask_reason(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        ack()
        user_id = body["user"]["id"]
        verb = BUTTON_ACTIONS[action["action_id"]]

        def work() -> None:
            candidate_id, expected = parse_button_value(action["value"])
            with services.db.read() as session:
                candidate = get_candidate(session, candidate_id)
                require_recruiter(session, user_id, candidate.role_id, verb)
            origin = {"channel": (body.get("channel") or {}).get("id")}
            context["open_view"] = reason_modal(candidate, verb, expected, origin).to_dict()

        catch_for_later(context, work)

    for action_id in (HOLD, REJECT, REOPEN):
        app.action(action_id)(ack=ask_reason, lazy=[open_view_later])

    def ack_only(ack: Ack) -> None:
        ack()

    def modal_opener(build_view: Callable[[Services, int, str], dict[str, Any]]) -> Callable[..., None]:
        """A card button's lazy half: the candidate's modal, built after the ack (building may ask
        Slack for the person's time zone)."""

        def open_modal(client: WebClient, context: BoltContext, body: dict[str, Any], action: dict[str, Any]) -> None:
            def build() -> None:
                candidate_id, _ = parse_button_value(action["value"])
                context["open_view"] = build_view(services, candidate_id, body["user"]["id"])

            catch_for_later(context, build)
            open_view_later(client, context, body)

        return open_modal

    for action_id, build_view in ((SCHEDULE, schedule_view), (REVIEW, review_view), (TAKE_HOME_SEND, take_home_view)):
        app.action(action_id)(ack=ack_only, lazy=[modal_opener(build_view)])

    def take_home_received(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        ack()
        user_id = body["user"]["id"]

        def work() -> None:
            candidate_id, _ = parse_button_value(action["value"])
            with services.db.transaction() as session:
                require_recruiter(session, user_id, get_candidate(session, candidate_id).role_id, "mark take-homes for")
                context["round"] = mark_received(
                    session, services.kits, candidate_id, user_id, services.clock.now()
                ).interview.id

        catch_for_later(context, work)

    def announce_received(client: WebClient, context: BoltContext, body: dict[str, Any]) -> None:
        if context.get("round"):
            CandidateThreads(services, client).round_event(context["round"], "take_home_received", body["user"]["id"])
        tell_later(client, context, body)

    app.action(TAKE_HOME_RECEIVED)(ack=take_home_received, lazy=[announce_received])

    def cancel(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        ack()
        user_id = body["user"]["id"]

        def work() -> None:
            with services.db.transaction() as session:
                ctx = load_round(session, services.kits, int(action["value"]))
                services.permissions.require_recruiter(user_id, "cancel interviews", ctx.role.recruiter_ids)
                cancel_round(session, services.kits, int(action["value"]), actor=user_id, now=services.clock.now())
            context["round"] = int(action["value"])

        catch_for_later(context, work)

    def cancelled(client: WebClient, context: BoltContext, body: dict[str, Any]) -> None:
        if context.get("round"):
            CandidateThreads(services, client).round_event(context["round"], "cancelled", body["user"]["id"])
        tell_later(client, context, body)

    app.action(CANCEL)(ack=cancel, lazy=[cancelled])

    def open_scorecard(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        ack()
        catch_for_later(
            context,
            lambda: context.update(open_view=scorecard_modal(services, int(action["value"]), body["user"]["id"])),
        )

    app.action(SUBMIT)(ack=open_scorecard, lazy=[open_view_later])

    def purge(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        ack()
        user_id = body["user"]["id"]

        def work() -> None:
            value = action.get("value") or ""
            if not value.isdigit():
                raise UserError("This purge button is not valid; run `/candidate purge <name or #id>` again.")
            candidate_id = int(value)
            with services.db.transaction() as session:
                require_recruiter(session, user_id, candidate_to_purge(session, candidate_id).role_id, "purge")
                context["purge"] = purge_candidate(session, candidate_id, user_id, services.clock.now())

        catch_for_later(context, work)

    def purged(client: WebClient, context: BoltContext, body: dict[str, Any]) -> None:
        result = context.get("purge")
        if result is not None:
            cleanup = PurgeCleaner(client).clean(result)
            tell(client, body, purge_done_text(result, cleanup), to_dicts(purge_done_blocks(result, cleanup)))
        tell_later(client, context, body)

    app.action(PURGE)(ack=purge, lazy=[purged])

    def tick_checklist(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        ack()
        user_id = body["user"]["id"]

        def work() -> None:
            try:
                candidate_id, stage_key, group = parse_checklist_block_id(str(action.get("block_id", "")))
                ticked = {int(str(o.get("value"))) for o in action.get("selected_options") or []}
            except (ValueError, TypeError, AttributeError):
                raise UserError("This checklist is out of date; open the candidate's card again.") from None
            with services.db.transaction() as session:
                candidate = get_candidate(session, candidate_id)
                # Whatever happens next, the card is redrawn: a refused tick must not stay ticked on screen.
                context["checklist_card"] = candidate_id
                require_recruiter(session, user_id, candidate.role_id, "tick checklists for")
                events = set_checklist(
                    session,
                    services.kits,
                    candidate_id,
                    stage_key,
                    ticked,
                    lambda total: checklist_group(total, group),
                    user_id,
                    services.clock.now(),
                )
                context["ticks"] = [e.id for e in events]

        catch_for_later(context, work)

    def ticked(client: WebClient, context: BoltContext, body: dict[str, Any]) -> None:
        if context.get("checklist_card"):
            CandidateThreads(services, client).checklist_ticks(context["checklist_card"], context.get("ticks") or [])
        tell_later(client, context, body)

    app.action(CHECKLIST)(ack=tick_checklist, lazy=[ticked])

    def ask_for_report(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        user_id = body["user"]["id"]

        def work() -> None:
            context["report"] = request_report(services, user_id, "").to_json()

        catch_for_later(context, work)

    def deliver_report(client: WebClient, context: BoltContext, body: dict[str, Any]) -> None:
        if context.get("report"):
            send_report(services, ReportRequest.from_json(context["report"]))
        tell_later(client, context, body)

    app.action(REPORT_SEND)(ack=ask_for_report, lazy=[deliver_report])

    def reply_to_candidate(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        ack()
        value = str(action.get("value") or "")

        def work() -> None:
            # Ten digits at most: anything longer names no row (and int() refuses thousands).
            if not (value.isascii() and value.isdigit() and len(value) <= 10):
                raise UserError("This button is not valid; use *Reply to candidate* on a message in the thread.")
            context["open_view"] = reply_view(services, int(value), body["user"]["id"])

        catch_for_later(context, work)

    app.action(LINE_REPLY)(ack=reply_to_candidate, lazy=[open_view_later])
