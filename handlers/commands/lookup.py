"""Who may ask about candidates, and which candidate a command's text names."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from sqlmodel import Session, select

from blocks.pipeline import choices_blocks
from bot.rules.candidates import find_one, is_candidate
from bot.rules.errors import Forbidden
from bot.rules.roles import require_role_recruiter
from bot.wiring.services import Services
from models.tables import Candidate, Role


def subcommand(command: dict[str, Any]) -> tuple[str, str, str]:
    """A command's text, its first word (the subcommand, lowercased) and the rest, all stripped."""
    text = (command.get("text") or "").strip()
    sub, _, rest = text.partition(" ")
    return text, sub.lower(), rest.strip()


def candidate_for(
    services: Services, session: Session, query: str, user_id: str, verb: str, ack: Ack
) -> tuple[Candidate, Role] | None:
    """The one candidate `query` names, if `user_id` may `verb` them; None once the choices are shown.
    Guests and candidates are refused before the search, which would tell them who is in the pipeline."""
    require_member(services, user_id)
    found = find_one(session, query)
    if isinstance(found, list):
        ack(text="Several candidates match", blocks=choices_blocks(query, with_roles(session, found)))
        return None
    role = require_role_recruiter(session, services.permissions, user_id, found.role_id, verb)
    assert role is not None
    return found, role


def require_member(services: Services, user_id: str) -> None:
    """Guests and candidates never see internal hiring data."""
    if services.permissions.is_recruiter(user_id):
        return
    services.permissions.require_member(user_id)
    with services.db.read() as session:
        if is_candidate(session, user_id):
            raise Forbidden("Hiring information is only available to members of the hiring team.")


def with_roles(session: Session, candidates: list[Candidate]) -> list[tuple[Candidate, Role]]:
    roles = {r.id: r for r in session.exec(select(Role)).all()}
    return [(c, roles[c.role_id]) for c in candidates if c.role_id in roles]
