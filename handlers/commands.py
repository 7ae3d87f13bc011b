"""Slash command listeners: parse, call a service, render, answer in the ack.

Anything that needs the Web API (opening a modal) is handed to a lazy function through
Bolt's context and runs after the acknowledgement.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlmodel import Session, select

from blocks.candidate import (
    advance_confirmation_blocks,
    board_blocks,
    choices_blocks,
    new_candidate_modal,
    purge_confirmation_blocks,
    reason_modal,
    summary_blocks,
)
from blocks.common import section
from blocks.hiring import command_help_blocks, help_blocks, kits_blocks, roles_blocks, usage_error_blocks
from blocks.rounds import cancel_confirmation
from blocks.scorecard import pending_blocks
from bot.delivery.report_dm import ReportRequest, request_report, send_report
from bot.rules.candidates import find_one, is_candidate
from bot.rules.commands import CANDIDATE, HIRING, INTERVIEW, SCORECARD
from bot.rules.errors import Forbidden, UserError
from bot.rules.pipeline import ACTIONS, candidate_view, next_state, pipeline_boards, stage_events
from bot.rules.purge import purge_preview
from bot.rules.roles import list_roles, open_roles, require_role_recruiter
from bot.rules.rounds import load_round
from bot.rules.scheduling import upcoming_round
from bot.rules.scorecards import pending_for, round_to_score
from bot.wiring.services import Services
from handlers.modals import reschedule_view, schedule_view, scorecard_modal
from handlers.respond import catch_for_later, guarded, open_view_later
from models.tables import Candidate, Role


def register(app: App, services: Services) -> None:
    def candidate_for(session: Session, query: str, user_id: str, verb: str, ack: Ack) -> tuple[Candidate, Role] | None:
        """The one candidate `query` names, if `user_id` may `verb` them; None once the choices are shown.
        Guests and candidates are refused before the search, which would tell them who is in the pipeline."""
        require_member(user_id)
        found = find_one(session, query)
        if isinstance(found, list):
            ack(text="Several candidates match", blocks=choices_blocks(query, with_roles(session, found)))
            return None
        role = require_role_recruiter(session, services.permissions, user_id, found.role_id, verb)
        assert role is not None
        return found, role

    def require_member(user_id: str) -> None:
        """Guests and candidates never see internal hiring data."""
        if services.permissions.is_recruiter(user_id):
            return
        services.permissions.require_member(user_id)
        with services.db.read() as session:
            if is_candidate(session, user_id):
                raise Forbidden("Hiring information is only available to members of the hiring team.")

    @guarded
    def hiring(ack: Ack, command: dict[str, Any]) -> None:
        words = (command.get("text") or "").split()
        sub = words[0].lower() if words else "help"
        if sub in ("roles", "kits"):
            require_member(command["user_id"])
        if sub == "help":
            ack(text="Interview coordinator help", blocks=help_blocks())
        elif sub == "roles":
            with services.db.read() as session:
                summaries = list_roles(session, services.kits)
            ack(text=f"Open roles: {len(summaries)}", blocks=roles_blocks(summaries))
        elif sub == "kits":
            ack(text=f"{len(services.kits.kits)} interview kits", blocks=kits_blocks(services.kits))
        else:
            problem = f"`{HIRING.name} {words[0]}` is not a command I know."
            ack(text=problem, blocks=usage_error_blocks(problem, HIRING))

    @guarded
    def report(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
        text = (command.get("text") or "").strip()
        request = request_report(services, command["user_id"], text.partition(" ")[2])
        context["report"] = request.to_json()
        message = "Putting your hiring report together; it arrives in a direct message from me in a few seconds."
        ack(text=message, blocks=[section(f":bar_chart: {message}")])

    def deliver_report(client: WebClient, context: BoltContext, body: dict[str, Any]) -> None:
        if context.get("report"):
            send_report(services, ReportRequest.from_json(context["report"]))

    def asks_for_report(command: dict[str, Any]) -> bool:
        return (command.get("text") or "").strip().lower().partition(" ")[0] == "report"

    app.command(HIRING.name, matchers=[asks_for_report])(ack=report, lazy=[deliver_report])
    app.command(HIRING.name)(hiring)

    @guarded
    def candidate(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
        text = (command.get("text") or "").strip()
        user_id = command["user_id"]
        sub, _, rest = text.partition(" ")
        sub, rest = sub.lower(), rest.strip()
        permissions = services.permissions
        if sub in ("", "help"):
            ack(text="/candidate help", blocks=command_help_blocks(CANDIDATE))
        elif sub == "new":
            with services.db.read() as session:
                roles = open_roles(session)
            allowed = [r for r in roles if permissions.is_recruiter(user_id, r.recruiter_ids)]
            permissions.require_recruiter(user_id, "add candidates", [u for r in roles for u in r.recruiter_ids])
            if not allowed:
                raise UserError("There are no open roles yet. Add one with `interview-bot role add` first.")
            context["open_view"] = new_candidate_modal(allowed, origin_channel=command.get("channel_id")).to_dict()
            ack()
        elif sub == "list":
            permissions.require_recruiter(user_id, "see the whole pipeline")
            with services.db.read() as session:
                boards = pipeline_boards(session, services.kits, services.clock.now(), rest or None)
            ack(text="Pipeline", blocks=board_blocks(boards))
        elif sub == "purge":
            if not rest:
                problem = "Say which candidate: `/candidate purge <name, email or #id>`."
                ack(text=problem, blocks=usage_error_blocks(problem, CANDIDATE))
                return
            with services.db.read() as session:
                match = candidate_for(session, rest, user_id, "purge candidates", ack)
                if match is None:
                    return
                preview = purge_preview(session, match[0].id or 0)
            ack(text=f"Purge {preview.name}?", blocks=purge_confirmation_blocks(preview))
        elif sub in ACTIONS:
            if not rest:
                problem = f"Say which candidate: `/candidate {sub} <name or #id>`."
                ack(text=problem, blocks=usage_error_blocks(problem, CANDIDATE))
                return
            with services.db.read() as session:
                match = candidate_for(session, rest, user_id, f"{sub} candidates", ack)
                if match is None:
                    return
                found, _ = match
                view = candidate_view(session, services.kits, found, services.clock.now())
            if view.kit is not None:
                next_state(view.kit, found, sub)  # refuse now rather than after the confirmation
            if sub == "advance":
                ack(text=f"Advance {found.name}?", blocks=advance_confirmation_blocks(view))
            else:
                origin = {"channel": command.get("channel_id")}
                context["open_view"] = reason_modal(found, sub, (found.stage_key, found.status), origin).to_dict()
                ack()
        else:
            require_member(user_id)
            internal = permissions.is_recruiter(user_id)
            with services.db.read() as session:
                matches = find_one(session, text)
                if isinstance(matches, list):
                    ack(text="Several candidates match", blocks=choices_blocks(text, with_roles(session, matches)))
                    return
                role = session.get(Role, matches.role_id)
                view = candidate_view(session, services.kits, matches, services.clock.now())
                events = stage_events(session, matches.id or 0)
                internal = internal or bool(role and user_id in role.recruiter_ids + role.hiring_manager_ids)
            ack(text=matches.name, blocks=summary_blocks(view, events, internal=internal))

    def open_candidate_view(client: WebClient, context: BoltContext, body: dict[str, Any]) -> None:
        open_view_later(client, context, body)

    def opens_a_modal(command: dict[str, Any]) -> bool:
        return (command.get("text") or "").strip().split(" ")[0].lower() in ("new", "hold", "reject", "reopen")

    # Only subcommands that open a modal get the lazy half: Bolt copies the request for it.
    app.command(CANDIDATE.name, matchers=[opens_a_modal])(ack=candidate, lazy=[open_candidate_view])
    app.command(CANDIDATE.name)(candidate)

    @guarded
    def interview(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
        text = (command.get("text") or "").strip()
        user_id = command["user_id"]
        sub, _, rest = text.partition(" ")
        sub, rest = sub.lower(), rest.strip()
        if sub in ("", "help"):
            ack(text="/interview help", blocks=command_help_blocks(INTERVIEW))
            return
        if sub not in ("schedule", "reschedule", "cancel") or not rest:
            problem = (
                f"Say which candidate: `/interview {sub} <name or #id>`."
                if sub in ("schedule", "reschedule", "cancel")
                else f"`/interview {sub}` is not a command I know."
            )
            ack(text=problem, blocks=usage_error_blocks(problem, INTERVIEW))
            return
        with services.db.read() as session:
            match = candidate_for(session, rest, user_id, f"{sub} interviews", ack)
            if match is None:
                return
            found, _ = match
            if sub == "schedule":
                context["schedule"] = found.id
                ack()
                return
            round_id = upcoming_round(session, found.id or 0, services.clock.now()).id
            if sub == "reschedule":
                context["reschedule"] = round_id
                ack()
                return
            ctx = load_round(session, services.kits, round_id or 0)
        ack(text="Cancel this round?", blocks=cancel_confirmation(ctx))

    def open_round_view(client: WebClient, context: BoltContext, body: dict[str, Any]) -> None:
        user_id = body["user_id"]

        def build() -> None:
            # Looking up the scheduler's time zone is a Web API call: after the ack.
            if context.get("schedule"):
                context["open_view"] = schedule_view(services, context["schedule"], user_id)
            elif context.get("reschedule"):
                context["open_view"] = reschedule_view(services, context["reschedule"], user_id)

        catch_for_later(context, build)
        open_view_later(client, context, body)

    app.command(INTERVIEW.name)(ack=interview, lazy=[open_round_view])

    @guarded
    def scorecard(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
        text = (command.get("text") or "").strip()
        user_id = command["user_id"]
        now = services.clock.now()
        if text.lower() == "help":
            ack(text="/scorecard help", blocks=command_help_blocks(SCORECARD))
            return
        if text:
            require_member(user_id)  # the search would tell a guest who is in the pipeline
        with services.db.read() as session:
            if not text:
                pending = pending_for(session, services.kits, user_id, now)
                ack(text=f"{len(pending)} scorecards to submit", blocks=pending_blocks(pending))
                return
            interview_id = round_to_score(session, user_id, text, now).id or 0
        context["open_view"] = scorecard_modal(services, interview_id, user_id)
        ack()

    app.command(SCORECARD.name)(ack=scorecard, lazy=[open_candidate_view])


def with_roles(session: Session, candidates: list[Candidate]) -> list[tuple[Candidate, Role]]:
    roles = {r.id: r for r in session.exec(select(Role)).all()}
    return [(c, roles[c.role_id]) for c in candidates if c.role_id in roles]
