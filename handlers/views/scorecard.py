"""The scorecard form: page by page, the answers carried along; stored on the last page."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, BoltContext

from blocks.scorecard import decode_answers, encode_answers, paginate, parse_page, scorecard_view
from bot.rules.errors import UserError
from bot.rules.idempotency import AlreadyDone
from bot.rules.rounds import load_round
from bot.rules.scorecards import RATING_LABELS, check_can_score, round_questions, submit_scorecard
from handlers.context import services_of
from handlers.views.forms import OUT_OF_DATE, error_field, form_values, submitted_once


def scorecard(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
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
                error_field(view, f"rating:{i}", "notes"): "Rate this question, or pick Not assessed." for i in missing
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
            submit_scorecard(
                session,
                services.kits,
                interview_id,
                user_id,
                merged,
                recommendation or "",
                notes or "",
                services.clock.now(),
                services.permissions.recruiter_ids,
            )
    except AlreadyDone:
        ack(response_action="clear")
        return
    except UserError as exc:
        ack(response_action="errors", errors={error_field(view, exc.field, "notes"): exc.message})
        return
    ack(response_action="clear")
