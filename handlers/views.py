"""Modal submissions: new candidate, stage-change reason."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlmodel import Session

from blocks.candidate import NEW_CANDIDATE, STAGE_REASON
from blocks.line import LINE_REPLY_VIEW
from blocks.rounds import RESCHEDULE, REVIEW, SCHEDULE, TAKE_HOME
from blocks.scorecard import CALLBACK as SCORECARD
from blocks.scorecard import decode_answers, encode_answers, paginate, parse_page, scorecard_view
from bot.delivery.threads import CandidateThreads
from bot.rules.candidates import CandidateForm, FormErrors, create_candidate, get_candidate
from bot.rules.errors import UserError
from bot.rules.idempotency import AlreadyDone, once
from bot.rules.line import reply_to_candidate
from bot.rules.pipeline import change_stage, stage_events
from bot.rules.roles import get_role, require_role_recruiter
from bot.rules.rounds import load_round
from bot.rules.scheduling import assign_reviewers, local_to_utc, reschedule_round, schedule_round
from bot.rules.scorecards import RATING_LABELS, check_can_score, round_questions, submit_scorecard
from bot.rules.take_home import send_take_home
from bot.wiring.services import Services
from models.tables import Candidate


def submitted_once(session: Session, view: dict[str, Any], now: datetime) -> None:
    """Claim this submission (Slack's view id) in the transaction that writes it: a modal
    submitted twice (double click, replay) changes state once."""
    once(session, f"view:{view.get('id', '')}", now)


MULTI_KINDS = ("multi_users_select", "checkboxes")


def form_values(view: dict[str, Any]) -> dict[str, Any]:
    """`state.values` as {block_id: value}: a string or None, or for multi-selects and checkboxes
    a list of strings. An element of another type than the view's own input for that block, or of
    another shape than Slack's, counts as no answer, so each form's validation names what is missing."""
    state = view.get("state")
    blocks = state.get("values") if isinstance(state, dict) else None
    if not isinstance(blocks, dict):
        return {}
    expected = input_kinds(view)
    values: dict[str, Any] = {}
    for block_id, actions in blocks.items():
        if not isinstance(actions, dict):
            continue
        for element in actions.values():
            if not isinstance(element, dict):
                continue
            kind = element.get("type")
            if expected.get(block_id, kind) != kind:
                continue
            values[block_id] = element_value(kind, element)
    return values


def element_value(kind: Any, element: dict[str, Any]) -> str | list[str] | None:
    def text(value: Any) -> str | None:
        # PostgreSQL text cannot hold NUL, and no one means one: drop it.
        return value.replace("\x00", "") if isinstance(value, str) else None

    def texts(items: Any) -> list[str]:
        return [v.replace("\x00", "") for v in items if isinstance(v, str)] if isinstance(items, list) else []

    if kind in ("static_select", "radio_buttons"):
        option = element.get("selected_option")
        return text(option.get("value")) if isinstance(option, dict) else None
    if kind == "users_select":
        return text(element.get("selected_user"))
    if kind == "multi_users_select":
        return texts(element.get("selected_users"))
    if kind == "datepicker":
        return text(element.get("selected_date"))
    if kind == "timepicker":
        return text(element.get("selected_time"))
    if kind == "checkboxes":
        options = element.get("selected_options")
        return texts([o.get("value") for o in options if isinstance(o, dict)] if isinstance(options, list) else [])
    return text(element.get("value"))


def input_kinds(view: dict[str, Any]) -> dict[str, str]:
    """The view's input blocks (Slack sends the view back as the app built it): block id -> element type."""
    blocks = view.get("blocks")
    kinds: dict[str, str] = {}
    for block in blocks if isinstance(blocks, list) else []:
        if isinstance(block, dict) and block.get("type") == "input" and isinstance(block.get("element"), dict):
            kinds[str(block.get("block_id"))] = str(block["element"].get("type"))
    return kinds


def error_field(view: dict[str, Any], field: str | None, fallback: str) -> str:
    """The block an error belongs to, among the submitted view's inputs (Slack refuses errors
    keyed to a block the view does not have): `field`, else `fallback`, else the last input."""
    inputs = list(input_kinds(view))
    if not inputs:
        return field or fallback
    for candidate in (field, fallback):
        if candidate in inputs:
            return candidate
    return inputs[-1]


OUT_OF_DATE = "This form is out of date; close it and start again."


def answer_form(ack: Ack, view: dict[str, Any], fallback: str, work: Callable[[], None]) -> None:
    """Run a form's `work` and answer Slack: accepted, or the problem on the form's own field (a
    forged or stale form gets "out of date"); a replayed submission is accepted and does nothing."""
    try:
        work()
    except AlreadyDone:
        ack()
    except UserError as exc:
        ack(response_action="errors", errors={error_field(view, exc.field, fallback): exc.message})
    except (KeyError, ValueError, TypeError, OverflowError):
        ack(response_action="errors", errors={error_field(view, fallback, fallback): OUT_OF_DATE})
    else:
        ack()


def stage_candidate(session: Session, meta: dict[str, Any]) -> Candidate:
    """The form's candidate, still at the stage the form was opened for."""
    candidate = get_candidate(session, int(meta["candidate_id"]))
    if candidate.stage_key != meta.get("stage"):
        raise UserError(f"{candidate.name} has moved to another stage since this form opened; close it.")
    return candidate


def register(app: App, services: Services) -> None:
    def new_candidate(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        user_id = body["user"]["id"]
        try:
            form = CandidateForm.parse(form_values(view))
            with services.db.transaction() as session:
                submitted_once(session, view, services.clock.now())
                role = get_role(session, form.role_id)
                services.permissions.require_recruiter(user_id, "add candidates", role.recruiter_ids)
                candidate = create_candidate(session, services.kits, form, user_id, services.clock.now())
                context["candidate_id"] = candidate.id
        except AlreadyDone:
            ack()
            return
        except FormErrors as exc:
            ack(response_action="errors", errors={error_field(view, k, "name"): m for k, m in exc.errors.items()})
            return
        except UserError as exc:
            ack(response_action="errors", errors={error_field(view, exc.field, "role_id"): exc.message})
            return
        ack()

    def post_card(client: WebClient, context: BoltContext) -> None:
        candidate_id = context.get("candidate_id")
        if candidate_id is None:
            return
        with services.db.read() as session:
            created = stage_events(session, candidate_id)[0]
        CandidateThreads(services, client).announce(created.id or 0)

    app.view(NEW_CANDIDATE)(ack=new_candidate, lazy=[post_card])

    def stage_reason(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        user_id = body["user"]["id"]
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
            candidate_id, action = int(meta["candidate_id"]), str(meta["action"])
            stage_key, status = meta["expected"]
            expected = (str(stage_key), str(status))
        except (ValueError, KeyError, TypeError, OverflowError):
            message = OUT_OF_DATE
            ack(response_action="errors", errors={error_field(view, "reason", "reason"): message})
            return
        try:
            with services.db.transaction() as session:
                submitted_once(session, view, services.clock.now())
                role_id = get_candidate(session, candidate_id).role_id
                require_role_recruiter(session, services.permissions, user_id, role_id, f"{action} candidates")
                change = change_stage(
                    session,
                    services.kits,
                    candidate_id,
                    action,
                    user_id,
                    services.clock.now(),
                    reason=form_values(view).get("reason"),
                    expected=expected,
                )
                context["event_id"] = change.event.id
        except AlreadyDone:
            ack()
            return
        except UserError as exc:
            ack(response_action="errors", errors={error_field(view, exc.field, "reason"): exc.message})
            return
        ack()

    def announce(client: WebClient, context: BoltContext) -> None:
        if context.get("event_id"):
            CandidateThreads(services, client).announce(context["event_id"])

    app.view(STAGE_REASON)(ack=stage_reason, lazy=[announce])


def register_rounds(app: App, services: Services) -> None:
    def schedule(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
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
            with services.db.transaction() as session:
                submitted_once(session, view, services.clock.now())
                # A move is checked against the round's own candidate: the form's candidate id and
                # round id could be forged to disagree.
                moved = load_round(session, services.kits, int(meta["interview_id"])) if moving else None
                candidate = moved.candidate if moved else get_candidate(session, int(meta["candidate_id"]))
                verb = "reschedule interviews" if moving else "schedule interviews"
                require_role_recruiter(session, services.permissions, user_id, candidate.role_id, verb)
                if moving:
                    ctx = reschedule_round(
                        session,
                        services.kits,
                        int(meta["interview_id"]),
                        starts_at=starts_at,
                        duration_minutes=minutes,
                        location=values.get("location"),
                        interviewer_ids=values.get("interviewers") or [],
                        actor=user_id,
                        now=services.clock.now(),
                    )
                else:
                    ctx = schedule_round(
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
                    )
                context["round"] = ctx.interview.id

        answer_form(ack, view, "date", work)

    def announce_round(client: WebClient, context: BoltContext, body: dict[str, Any], view: dict[str, Any]) -> None:
        if context.get("round"):
            event = "rescheduled" if view.get("callback_id") == RESCHEDULE else "scheduled"
            CandidateThreads(services, client).round_event(context["round"], event, body["user"]["id"])

    app.view(SCHEDULE)(ack=schedule, lazy=[announce_round])
    app.view(RESCHEDULE)(ack=schedule, lazy=[announce_round])

    def review(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        user_id = body["user"]["id"]

        def work() -> None:
            meta = json.loads(view.get("private_metadata") or "{}")
            with services.db.transaction() as session:
                submitted_once(session, view, services.clock.now())
                candidate = stage_candidate(session, meta)
                require_role_recruiter(session, services.permissions, user_id, candidate.role_id, "ask for reviews")
                ctx = assign_reviewers(
                    session,
                    services.kits,
                    candidate_id=candidate.id or 0,
                    reviewer_ids=form_values(view).get("interviewers") or [],
                    actor=user_id,
                    now=services.clock.now(),
                )
                context["round"] = ctx.interview.id

        answer_form(ack, view, "interviewers", work)

    app.view(REVIEW)(ack=review, lazy=[announce_round])

    def take_home(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
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
                ctx = send_take_home(
                    session,
                    services.kits,
                    candidate_id=candidate.id or 0,
                    due=due,
                    tz=str(meta.get("tz") or "UTC"),
                    reviewer_ids=values.get("interviewers") or [],
                    actor=user_id,
                    now=services.clock.now(),
                )
                context["round"] = ctx.interview.id

        answer_form(ack, view, "date", work)

    def announce_take_home(client: WebClient, context: BoltContext, body: dict[str, Any]) -> None:
        if context.get("round"):
            CandidateThreads(services, client).round_event(context["round"], "take_home_sent", body["user"]["id"])

    app.view(TAKE_HOME)(ack=take_home, lazy=[announce_take_home])

    def scorecard(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        user_id = body["user"]["id"]
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
            interview_id, page_number, carried = int(meta["i"]), int(meta["p"]), dict(meta.get("a") or {})
            with services.db.read() as session:
                ctx = load_round(session, services.kits, interview_id)
            questions = round_questions(ctx)
            pages = paginate(questions)
            if not 1 <= page_number <= len(pages):
                raise IndexError(page_number)
            page = pages[page_number - 1]
            merged = decode_answers(carried, questions)
        except (KeyError, ValueError, TypeError, IndexError, OverflowError, UserError):
            message = OUT_OF_DATE
            ack(response_action="errors", errors={error_field(view, "notes", "notes"): message})
            return
        try:
            # Every page, not only the last: the next page shows interviewer-only questions.
            check_can_score(ctx, user_id, services.clock.now())
        except UserError as exc:
            ack(response_action="errors", errors={error_field(view, "notes", "notes"): exc.message})
            return
        answers, recommendation, notes = parse_page(form_values(view), page)
        missing = [i for i, q in page.questions if answers[q.key].rating not in RATING_LABELS]
        if missing:
            ack(
                response_action="errors",
                errors={
                    error_field(view, f"rating:{i}", "notes"): "Rate this question, or pick Not assessed."
                    for i in missing
                },
            )
            return
        merged.update(answers)
        if not page.last:
            # The next page carries this one's answers; nothing is stored until the last page.
            next_view = scorecard_view(
                pages[page_number],
                interview_id=interview_id,
                candidate_name=ctx.candidate.name,
                stage_name=ctx.stage.name,
                answers=merged,
                recommendation=None,
                notes=None,
                carried=encode_answers(merged, questions),
            )
            ack(response_action="push", view=next_view)
            return
        try:
            with services.db.transaction() as session:
                submitted_once(session, view, services.clock.now())
                result = submit_scorecard(
                    session,
                    services.kits,
                    interview_id,
                    user_id,
                    merged,
                    recommendation or "",
                    notes or "",
                    services.clock.now(),
                )
                context["submitted"] = {"round": interview_id, "edited": result.edited}
        except AlreadyDone:
            ack(response_action="clear")
            return
        except UserError as exc:
            ack(response_action="errors", errors={error_field(view, exc.field, "notes"): exc.message})
            return
        ack(response_action="clear")

    def announce_scorecard(client: WebClient, context: BoltContext, body: dict[str, Any]) -> None:
        submitted = context.get("submitted")
        if submitted:
            CandidateThreads(services, client).round_event(
                submitted["round"], "submitted", body["user"]["id"], edited=submitted["edited"]
            )

    app.view(SCORECARD)(ack=scorecard, lazy=[announce_scorecard])


def register_line(app: App, services: Services) -> None:
    def reply(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        """Reply to candidate: checked again here (a submission can be forged), then queued with its
        thread note in one transaction; the dispatcher sends both."""
        user_id = body["user"]["id"]
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
            candidate_id = int(meta["candidate_id"])
        except (ValueError, KeyError, TypeError, OverflowError):
            message = OUT_OF_DATE
            ack(response_action="errors", errors={error_field(view, "text", "text"): message})
            return
        now = services.clock.now()
        try:
            with services.db.transaction() as session:
                submitted_once(session, view, now)
                tag = str(view.get("id") or "") or f"{now:%Y%m%dT%H%M%S%f}"
                text = form_values(view).get("text")
                reply_to_candidate(session, services.permissions, candidate_id, user_id, text, tag, now)
        except AlreadyDone:
            ack()
            return
        except UserError as exc:
            ack(response_action="errors", errors={error_field(view, exc.field, "text"): exc.message})
            return
        ack()

    app.view(LINE_REPLY_VIEW)(reply)
