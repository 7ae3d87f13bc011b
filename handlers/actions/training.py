"""Training buttons: a reverse shadow's *Ready* / *Needs more practice* and a shadow's *Write a note*
open their forms; a recruiter's *Add to pool* / *Not yet* decides on a trainee (recruiters of the
role only: anyone else is told who may) and the message says what was decided."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from blocks.common import to_dicts
from blocks.training import ADD_TO_POOL, SIGNOFF_READY, decided_message, shadow_note_modal, signoff_modal
from bot.rules.errors import Forbidden, UserError
from bot.rules.roles import require_role_recruiter
from bot.rules.rounds import load_round
from bot.rules.training import decide, require_evaluator
from handlers.context import services_of
from handlers.respond import catch_for_later, tell
from models.tables import TrainingSignoff

DECIDED = "training_decided"


def open_signoff(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    ack()
    services = services_of(context)
    user_id = body["user"]["id"]

    def build() -> None:
        with services.db.read() as session:
            ctx = load_round(session, services.kits, int(action.get("value") or 0))
            earlier = session.get(TrainingSignoff, (ctx.interview.id, user_id))
        require_evaluator(ctx, user_id)
        ready = action.get("action_id") == SIGNOFF_READY
        context["open_view"] = signoff_modal(ctx, ready=ready, comment=earlier.comment if earlier else None).to_dict()

    catch_for_later(context, build)


def open_shadow_note(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    ack()
    services = services_of(context)

    def build() -> None:
        with services.db.read() as session:
            ctx = load_round(session, services.kits, int(action.get("value") or 0))
        if body["user"]["id"] not in ctx.shadows:
            raise Forbidden("Only the round's shadows write a note about it.")
        context["open_view"] = shadow_note_modal(ctx).to_dict()

    catch_for_later(context, build)


def decide_trainee(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    """*Add to pool* / *Not yet*, in one transaction; the lazy half says the outcome in the message."""
    ack()
    services = services_of(context)
    user_id = body["user"]["id"]

    def work() -> None:
        role_text, _, rest = str(action.get("value") or "").partition(":")
        stage_key, _, trainee = rest.partition(":")
        if not role_text.isdigit() or not stage_key or not trainee:
            raise UserError("This button is from an older message: open the App Home's *Pools* instead.")
        add = action.get("action_id") == ADD_TO_POOL
        with services.db.transaction() as session:
            require_role_recruiter(session, services.permissions, user_id, int(role_text),
                                   "add trainees to the pool")  # fmt: skip
            context[DECIDED] = decide(session, services.kits, int(role_text), stage_key, trainee, add=add,
                                      actor=user_id, now=services.clock.now())  # fmt: skip

    catch_for_later(context, work)


def decided(client: WebClient, body: dict[str, Any], context: BoltContext) -> None:
    said = context.get(DECIDED)
    if not said:
        error = context.get("error")
        if error:
            tell(client, body, error, to_dicts(decided_message(f":warning: {error}")))
        return
    channel = str((body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or "")
    message_ts = str((body.get("container") or {}).get("message_ts") or "")
    if channel and message_ts:
        client.chat_update(channel=channel, ts=message_ts, text=said, blocks=to_dicts(decided_message(said)))
