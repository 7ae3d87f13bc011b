"""The App Home's *Edit pools*: the editor for one role's stage at a time (recruiters only; anyone
else is told who may), refilled when another stage is picked."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import col, select

from blocks.pools import pool_choice, pools_modal
from bot.rules.errors import UserError
from bot.rules.pools import pool_of
from bot.rules.roles import kit_for
from bot.wiring.services import Services
from handlers.context import services_of
from handlers.respond import catch_for_later
from models.kit import TIMED_STAGE_KINDS
from models.tables import Role

log = logging.getLogger("interview_bot.pools")


def editor(services: Services, user_id: str, chosen: str | None = None, revision: int = 0) -> dict[str, Any]:
    """The modal for the pool `chosen` ("<role id>:<stage key>"; None: the first)."""
    services.permissions.require_recruiter(user_id, "change interviewer pools")
    with services.db.read() as session:
        roles = session.exec(select(Role).where(col(Role.active).is_(True)).order_by(col(Role.title))).all()
        choices = [
            (r.id or 0, s.key, f"{r.title} · {s.name}")
            for r in roles
            for s in kit_for(services.kits, r).stages
            if s.kind in TIMED_STAGE_KINDS
        ]
        if not choices:
            raise UserError("There is no role with an interview stage yet: add a role first.")
        key = chosen if chosen in {pool_choice(r, k) for r, k, _ in choices} else pool_choice(*choices[0][:2])
        role_id, _, stage_key = key.partition(":")
        pool = pool_of(session, services.kits, int(role_id), stage_key)
    return pools_modal(choices, key, pool.qualified, pool.trainees, revision).to_dict()


def ack_only(ack: Ack) -> None:
    ack()


def open_pools(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()

    def build() -> None:
        context["open_view"] = editor(services_of(context), body["user"]["id"])

    catch_for_later(context, build)


def pool_picked(client: WebClient, body: dict[str, Any], context: BoltContext) -> None:
    view = body["view"]
    chosen = str(((body.get("actions") or [{}])[0].get("selected_option") or {}).get("value") or "")
    revision = int(json.loads(view.get("private_metadata") or "{}").get("revision") or 0) + 1
    rebuilt = editor(services_of(context), body["user"]["id"], chosen, revision)
    try:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=rebuilt)
    except SlackApiError as exc:
        if exc.response.get("error") != "hash_conflict":
            raise
