"""*Remind me tomorrow* on a scorecard reminder or digest (bot/rules/snooze.py)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from blocks.common import section, slack_date
from bot.rules.delivery_windows import readers
from bot.rules.snooze import snooze
from handlers.context import services_of
from handlers.respond import catch_for_later, tell, tell_later


def snooze_reminder(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    ack()
    services = services_of(context)
    user_id = body["user"]["id"]

    def work() -> None:
        with services.db.transaction() as session:
            # The zone is the one stored when the reminder was sent to them.
            reader = readers(session, [user_id])[user_id]
            done = snooze(session, int(action["value"]), user_id, reader, services.clock.now())
        text = f"Done: I will remind you {slack_date(done.at)}, at the start of your working hours."
        if done.spent:
            text += f" {len(done.spent)} of them you have put off twice already: the recruiter hears if it is late."
        context["told"] = text

    catch_for_later(context, work)


def snoozed(client: WebClient, context: BoltContext, body: dict[str, Any]) -> None:
    """The lazy half: when the reminder comes back, or the problem, only to the person."""
    told = context.get("told")
    if told:
        tell(client, body, told, [section(f":zzz: {told}").to_dict()])
    tell_later(client, context, body)
