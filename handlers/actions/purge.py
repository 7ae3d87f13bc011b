"""The Purge button of `/candidate purge`: erase the candidate, then clean up what Slack holds."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from blocks.common import to_dicts
from blocks.purge import purge_done_blocks, purge_done_text
from bot.delivery.purge_cleanup import PurgeCleaner
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
            context["purge"] = purge_candidate(session, candidate_id, user_id, services.clock.now())

    catch_for_later(context, work)


def purged(client: WebClient, context: BoltContext, body: dict[str, Any]) -> None:
    result = context.get("purge")
    if result is not None:
        cleanup = PurgeCleaner(client).clean(result)
        tell(client, body, purge_done_text(result, cleanup), to_dicts(purge_done_blocks(result, cleanup)))
    tell_later(client, context, body)
