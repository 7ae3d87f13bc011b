"""The Purge button of `/candidate purge`: erase the candidate; the Slack clean-up is queued with it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from blocks.common import to_dicts
from blocks.purge import purge_started_blocks, purge_started_text
from bot.rules.errors import UserError
from bot.rules.purge import candidate_to_purge, purge_candidate
from bot.rules.roles import require_role_recruiter
from handlers.context import services_of
from handlers.respond import catch_for_later, tell, tell_later


def purge(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    ack()
    services = services_of(context)
    user_id = body["user"]["id"]

    def work() -> None:
        value = action.get("value") or ""
        if not value.isdigit():
            raise UserError("This purge button is not valid; run `/candidate purge <name or #id>` again.")
        candidate_id = int(value)
        with services.db.transaction() as session:
            role_id = candidate_to_purge(session, candidate_id).role_id
            require_role_recruiter(session, services.permissions, user_id, role_id, "purge candidates")
            # The clean-up in Slack is an outbox job in the same transaction; they get a DM when it is done.
            context["purge"] = purge_candidate(
                session, services.kits, candidate_id, user_id, services.clock.now(), tell=user_id
            )

    catch_for_later(context, work)


def purged(client: WebClient, context: BoltContext, body: dict[str, Any]) -> None:
    result = context.get("purge")
    if result is not None:
        tell(client, body, purge_started_text(result), to_dicts(purge_started_blocks(result)))
    tell_later(client, context, body)
