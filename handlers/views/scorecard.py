"""The scorecard form: page by page, the answers carried along; stored on the last page."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, BoltContext
from sqlmodel import Session

from blocks.scorecard import decode_answers, encode_answers, paginate, parse_page, scorecard_view
from bot.rules.errors import UserError
from bot.rules.idempotency import AlreadyDone
from bot.rules.rounds import RoundContext, load_round
from bot.rules.scorecards import RATING_LABELS, Answer, check_can_score, round_questions, submit_scorecard
from bot.wiring.services import Services
from handlers.context import services_of
from handlers.views.forms import OUT_OF_DATE, error_field, form_values, submitted_once


class Answered(Exception):
    """The page was answered with an error or a next page: nothing to store (the transaction rolls back)."""


def _refused(ack: Ack, view: dict[str, Any], message: str = OUT_OF_DATE) -> Answered:
    """Answer with `message` on the form (a forged or stale one gets "out of date"); raise what it returns."""
    ack(response_action="errors", errors={error_field(view, "notes", "notes"): message})
    return Answered()


def scorecard(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    user_id = body["user"]["id"]
    try:
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
            interview_id, page_number, carried = int(meta["i"]), int(meta["p"]), dict(meta.get("a") or {})
        except (KeyError, ValueError, TypeError, OverflowError):
            raise _refused(ack, view) from None
        if meta.get("l"):
            # The last page: the round is loaded once, locked, in the transaction that stores it.
            with services.db.transaction() as session:
                # Slack's retry of a stored submission is answered as the first was, before any check.
                submitted_once(session, view, services.clock.now())
                ctx = _load(session, services, interview_id, ack, view, lock=True)
                answers = _checked(ack, view, services, ctx, user_id, page_number, carried)
                _store(session, services, ctx, user_id, answers, loaded=True)
        else:
            with services.db.read() as session:
                ctx = _load(session, services, interview_id, ack, view, lock=False)
            answers = _checked(ack, view, services, ctx, user_id, page_number, carried)
            # A last page without the mark (a form opened before it was added): the round again, locked.
            with services.db.transaction() as session:
                submitted_once(session, view, services.clock.now())
                _store(session, services, ctx, user_id, answers, loaded=False)
    except Answered:
        return
    except AlreadyDone:
        ack(response_action="clear")
        return
    except UserError as exc:
        ack(response_action="errors", errors={error_field(view, exc.field, "notes"): exc.message})
        return
    ack(response_action="clear")


def _load(
    session: Session, services: Services, interview_id: int, ack: Ack, view: dict[str, Any], *, lock: bool
) -> RoundContext:
    try:
        return load_round(session, services.kits, interview_id, lock=lock)
    except (UserError, OverflowError):
        raise _refused(ack, view) from None


def _checked(
    ack: Ack,
    view: dict[str, Any],
    services: Services,
    ctx: RoundContext,
    user_id: str,
    page_number: int,
    carried: dict[str, Any],
) -> tuple[dict[str, Answer], str, str]:
    """The whole scorecard's answers, recommendation and notes, once its last page is answered;
    otherwise this page is answered (its problems, or the next page) and `Answered` raised."""
    questions = round_questions(ctx)
    pages = paginate(questions)
    try:
        if not 1 <= page_number <= len(pages):
            raise IndexError(page_number)
        merged = decode_answers(carried, questions)
    except (KeyError, ValueError, TypeError, IndexError, OverflowError):
        raise _refused(ack, view) from None
    page = pages[page_number - 1]
    try:
        # Every page, not only the last: the next page shows interviewer-only questions.
        check_can_score(ctx, user_id, services.clock.now())
    except UserError as exc:
        raise _refused(ack, view, exc.message) from None
    answers, recommendation, notes = parse_page(form_values(view), page)
    missing = [i for i, q in page.questions if answers[q.key].rating not in RATING_LABELS]
    if missing:
        problem = "Rate this question, or pick Not assessed."
        ack(response_action="errors", errors={error_field(view, f"rating:{i}", "notes"): problem for i in missing})
        raise Answered
    merged.update(answers)
    if not page.last:
        # The next page carries this one's answers; nothing is stored until the last page.
        next_view = scorecard_view(
            pages[page_number],
            interview_id=ctx.interview.id or 0,
            candidate_name=ctx.candidate.name,
            stage_name=ctx.stage.name,
            answers=merged,
            recommendation=None,
            notes=None,
            carried=encode_answers(merged, questions),
        )
        ack(response_action="push", view=next_view)
        raise Answered
    return merged, recommendation or "", notes or ""


def _store(
    session: Session,
    services: Services,
    ctx: RoundContext,
    user_id: str,
    answers: tuple[dict[str, Answer], str, str],
    *,
    loaded: bool,
) -> None:
    """`loaded`: `ctx` was loaded, locked, in `session`; else the round is loaded again there."""
    merged, recommendation, notes = answers
    submit_scorecard(
        session,
        services.kits,
        ctx.interview.id or 0,
        user_id,
        merged,
        recommendation,
        notes,
        services.clock.now(),
        services.permissions.recruiter_ids,
        ctx=ctx if loaded else None,
    )
