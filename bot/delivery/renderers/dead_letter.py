"""The notice that a message gave up after its last attempt, to each of the role's recruiters.

A notice is a row of its own (queued by bot/delivery/recording.py, one per recruiter), rendered
from the row that gave up (its `last_error` says why). It goes by DM, since the candidate's thread
may be what failed, and it is retried until Slack takes it: a notice about a notice is never sent.
"""

from __future__ import annotations

from sqlmodel import Session

from blocks.common import to_dicts
from blocks.messages import dead_letter_message, line_dead_letter_message
from blocks.purge import purge_gave_up_blocks
from bot.delivery.rendering import Rendered, Rendering
from bot.rules.message_kinds import LINE_KINDS, Kind, report_name
from bot.rules.purge_job import CleanupJob, Progress
from bot.rules.roles import role_recruiters
from bot.wiring.services import Services
from models.tables import Candidate, OutboxMessage, Role


def dead_letter_targets(session: Session, services: Services, dead: OutboxMessage) -> list[str]:
    """Who hears that `dead` gave up: the recruiter who wrote a line message; otherwise every
    recruiter of the candidate's role (the RECRUITERS list when it names none), else whoever added them."""
    by = (dead.payload or {}).get("by")
    if dead.kind in LINE_KINDS and isinstance(by, str) and by:
        return [by]
    candidate = session.get(Candidate, dead.candidate_id) if dead.candidate_id is not None else None
    # Nothing more goes out about a purged candidate, but their clean-up giving up.
    if candidate is None or (candidate.purged_at is not None and dead.kind != Kind.purge_cleanup):
        return []
    role = session.get(Role, candidate.role_id)
    people = role_recruiters(role, services.permissions.recruiter_ids) if role else []
    if not people and candidate.created_by:
        people = [candidate.created_by]
    return [p for p in people if p != dead.target]


def dead_letter(r: Rendering, row: OutboxMessage) -> Rendered | None:
    dead_id = (row.payload or {}).get("dead")
    with r.services.db.read() as session:
        dead = session.get(OutboxMessage, dead_id) if isinstance(dead_id, int) else None
        if dead is None or dead.kind == Kind.dead_letter:
            return None
        candidate = session.get(Candidate, dead.candidate_id) if dead.candidate_id is not None else None
    if dead.kind == Kind.purge_cleanup:
        return purge_gave_up(row, dead)
    if candidate is None or candidate.purged_at is not None:
        return None
    if dead.kind in LINE_KINDS:
        what = "the candidate's message" if dead.kind == Kind.line_relay else "your message"
        blocks = line_dead_letter_message(what, candidate, dead.attempts, dead.last_error)
        return Rendered(row.target, f"{what.capitalize()} could not be delivered", to_dicts(blocks))
    blocks = dead_letter_message(report_name(dead.kind), dead.target, candidate, dead.attempts, dead.last_error)
    return Rendered(
        row.target, f"A {report_name(dead.kind)} about {candidate.name} could not be delivered", to_dicts(blocks)
    )


def purge_gave_up(row: OutboxMessage, dead: OutboxMessage) -> Rendered | None:
    """A purge's Slack clean-up gave up: what is still in Slack, to delete by hand. Never names
    whom the job was addressed to (their Slack user)."""
    job = CleanupJob.from_payload(dead.payload)
    if job is None:
        return None
    left = Progress.from_payload(dead.payload).left(job)
    blocks = purge_gave_up_blocks(job.summary, left, dead.attempts, dead.last_error)
    return Rendered(row.target, f"The Slack clean-up after {job.summary.label} could not be finished", to_dicts(blocks))
