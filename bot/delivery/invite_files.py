"""The `.ics` invite that follows a DM about a round (bot/rules/invites.py says what it holds):
the candidate's with their scheduling, reschedule and cancellation messages; an interviewer's
with theirs when no connected calendar holds the round for them already.

It is uploaded into the DM (the `D…` channel conversations.open gives) once the message is in.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from slack_sdk import WebClient

from bot.calendars import ics
from bot.delivery.rendering import Rendered, Rendering
from bot.rules.calendar_plan import active_people, google_on
from bot.rules.invites import candidate_invite, interviewer_invite, is_meeting
from bot.rules.rounds import RoundContext
from bot.wiring.db import Database
from models.tables import OutboxMessage


def has_calendar(r: Rendering, user_id: str) -> bool:
    """Whether a connected calendar holds the person's rounds: their own, or the organizer's
    Google calendar (which invites everyone on the panel by their Slack e-mail)."""
    with r.services.db.read() as session:
        if user_id in active_people(session, [user_id]):
            return True
        if not google_on(session):
            return False
    try:
        person = r.services.permissions.directory.person(user_id)
    except Exception:  # no e-mail known: the file is the safe side
        return False
    return person is not None and bool(person.email)


def with_invite(
    r: Rendering,
    row: OutboxMessage,
    rendered: Rendered | None,
    ctx: RoundContext,
    *,
    for_candidate: bool,
    in_calendar: bool | None = None,
) -> Rendered | None:
    """`rendered` with the round's `.ics` following it, where it should. `in_calendar`: whether a
    connected calendar holds the round for the (interviewer) target, when the caller knows already."""
    if rendered is None or not is_meeting(ctx) or rendered.channel != row.target:
        return rendered
    if not for_candidate and (in_calendar if in_calendar is not None else has_calendar(r, row.target)):
        return rendered
    invite = candidate_invite(ctx) if for_candidate else interviewer_invite(ctx)
    if not for_candidate and row.target not in ctx.attendees:
        # Taken off the panel of a round that goes on: for them, it is cancelled.
        invite = replace(invite, cancelled=True)
    data = ics.one_invite(invite, tz=r.services.settings.organizer_zone, stamp=r.services.clock.now())
    name = ics.filename(invite)
    title = f"{'Cancelled' if invite.cancelled else 'Invite'}: {invite.title}"[:200]

    db = r.services.db

    def follow_up(client: WebClient, until: datetime) -> bool:
        dm = client.conversations_open(users=row.target)["channel"]["id"]
        shared = client.files_upload_v2(channel=dm, file_uploads=[{"content": data, "filename": name, "title": title}])
        # Kept on the row so a purge can delete the file (it names the candidate to the panel).
        record_files(db, row.id or 0, [str(f["id"]) for f in shared.get("files") or [] if f.get("id")])
        return True

    return replace(rendered, follow_up=follow_up)


def record_files(db: Database, row_id: int, file_ids: list[str]) -> None:
    if not file_ids:
        return
    with db.transaction() as session:
        row = session.get(OutboxMessage, row_id, with_for_update=True)
        if row is None:
            return
        payload = dict(row.payload or {})
        payload["files"] = list(dict.fromkeys([*(payload.get("files") or []), *file_ids]))
        row.payload = payload
        session.add(row)
