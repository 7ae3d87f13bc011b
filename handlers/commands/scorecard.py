"""/scorecard: the scorecards waiting for this person, or the scorecard of the round they name."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from blocks.hiring import command_help_blocks
from blocks.scorecard import pending_blocks
from bot.rules.commands import SCORECARD
from bot.rules.scorecards import pending_for, round_to_score
from handlers.commands.lookup import require_member
from handlers.context import services_of
from handlers.modals import scorecard_modal
from handlers.respond import guarded


@guarded
def scorecard(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    text = (command.get("text") or "").strip()
    user_id = command["user_id"]
    now = services.clock.now()
    if text.lower() == "help":
        ack(text="/scorecard help", blocks=command_help_blocks(SCORECARD))
        return
    if text:
        require_member(services, user_id)  # the search would tell a guest who is in the pipeline
    with services.db.read() as session:
        if not text:
            pending = pending_for(session, services.kits, user_id, now)
            ack(text=f"{len(pending)} scorecards to submit", blocks=pending_blocks(pending))
            return
        interview_id = round_to_score(session, user_id, text, now).id or 0
    context["open_view"] = scorecard_modal(services, interview_id, user_id)
    ack()
