"""The booking page (`/book/<token>`): a candidate without Slack picks one of the times offered to
them, booked through the same path as a pick in Slack (handlers/actions/offers.py), and gets the
confirmation with the candidate's calendar invite to download.

The token in the URL is the only key: it is never logged, the page is never cached nor sent on as
a referrer, and once the offer is answered (or expires) the page says which and nothing more. A
pick is a form post guarded by a double-submit CSRF cookie (SameSite=Strict as well). Only
candidate-facing fields are shown: company, stage name, length, location, the prep guide's opening.
"""

from __future__ import annotations

import base64
import hmac
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from blocks.messages import first_name
from bot.calendars.ics import one_invite
from bot.rules.availability import limits_for
from bot.rules.errors import UserError
from bot.rules.invites import candidate_invite
from bot.rules.offer_links import PAGE_ACTOR, LinkState, find
from bot.rules.offers import ISO, OfferClosed, TimeTaken, decline, offered, pick, still_to_come
from bot.rules.roles import kit_for
from bot.web import moves
from bot.web.pages import (
    BOOK_PREFIX,
    CSRF_COOKIE,
    Page,
    StartResponse,
    cookies,
    csrf_cookie,
    csrf_value,
    message,
    render,
    send,
    shown,
)
from bot.wiring.services import Services
from models.kit import Kit, Stage
from models.offers import Offer
from models.tables import Candidate, CandidateStatus, Interview, Role

log = logging.getLogger("interview_bot.booking")

FORM_TYPE = "application/x-www-form-urlencoded"
# Two short fields: anything larger is not our form.
MAX_FORM = 16 * 1024
# The longest wait for the panel's calendars before booking (as for a pick in Slack).
PICK_WAIT = 1.5
# The prep guide's opening paragraph, at most this long.
PREP_OPENING = 600

CLOSED: dict[LinkState, tuple[int, str, str]] = {
    LinkState.unknown: (
        404,
        "This link is not valid",
        "Check that you opened the whole link from your recruiter's message, or ask them for a new one.",
    ),
    LinkState.used: (410, "A time was already booked with this link", "To change it, ask your recruiter."),
    LinkState.declined: (
        410,
        "You already told us none of these times work",
        "Your recruiter will be in touch with new times.",
    ),
    LinkState.expired: (410, "This link has expired; ask your recruiter for new times", ""),
}


@dataclass(frozen=True)
class Opened:
    offer: Offer
    candidate: Candidate
    kit: Kit
    stage: Stage
    # When the offer moves a booked round: the time it stays on until the candidate picks.
    moving_from: datetime | None = None


def serve(services: Services, environ: Mapping[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """Every `/book/...` request. Failures are logged without the path (it holds the token)."""
    method = str(environ.get("REQUEST_METHOD") or "GET")
    token = str(environ.get("PATH_INFO") or "")[len(BOOK_PREFIX) :]
    try:
        if method in ("GET", "HEAD"):
            page = show(services, token, environ)
        elif method == "POST":
            page = post(services, token, environ)
        else:
            page = message(405, "Use the page's buttons", "Open the link again and pick a time.")
            page.headers.append(("Allow", "GET, HEAD, POST"))
    except Exception:
        log.exception("the booking page failed on a %s", method)
        page = message(500, "Something went wrong", "Nothing was booked. Please try again in a moment.")
    return send(page, start_response, head=method == "HEAD")


def show(services: Services, token: str, environ: Mapping[str, Any]) -> Page:
    csrf = csrf_value(environ)
    managing = moves.manage_page(services, token, csrf)
    if managing is not None:
        return managing
    now = services.clock.now()
    opened = open_offer(services, token, now)
    if isinstance(opened, Page):
        return opened
    future = still_to_come(opened.offer, now)
    return offer_page(services, opened, future, csrf)


def post(services: Services, token: str, environ: Mapping[str, Any]) -> Page:
    form = read_form(environ)
    if isinstance(form, Page):
        return form
    cookie = cookies(environ).get(CSRF_COOKIE, "")
    sent = form.get("csrf", "")
    if not cookie or not hmac.compare_digest(sent.encode("utf-8"), cookie.encode("utf-8")):
        return message(403, "This form has expired; reload the page", "Nothing was booked.")
    if form.get("move"):
        moved = moves.move_post(services, token, cookie)
        if moved is not None:
            return moved
    now = services.clock.now()
    opened = open_offer(services, token, now)
    if isinstance(opened, Page):
        return opened
    offer, kit, stage = opened.offer, opened.kit, opened.stage
    if form.get("none"):
        return none_work(services, opened, token, form.get("note", ""), cookie)
    starts_at = parse_start(form.get("start", ""))
    if starts_at is None or starts_at not in offered(offer):
        future = still_to_come(offer, now)
        return offer_page(services, opened, future, cookie, status=400, notice="Pick one of the times below.")
    times = services.panel_times(offer.people(), limits_for(kit, stage), around=starts_at, timeout=PICK_WAIT)
    tz = services.settings.organizer_zone
    try:
        with services.db.transaction() as session:
            ctx = pick(session, services.kits, offer.id or 0, starts_at, actor=PAGE_ACTOR, now=now, times=times,
                       recruiters=services.permissions.recruiter_ids)  # fmt: skip
            ics = one_invite(candidate_invite(ctx), tz=tz, stamp=now)
            location = ctx.interview.location
            move = moves.keep_move_link(session, offer.id or 0, ctx, now)
    except TimeTaken as taken:
        notice = "That time was just taken. " + ("Pick another one below." if taken.left else "")
        return offer_page(services, opened, taken.left, cookie, status=409, notice=notice.strip())
    except OfferClosed:
        with services.db.read() as session:
            state = find(session, token, services.clock.now()).state
        return closed(state if state is not LinkState.open else LinkState.used)
    except UserError as refused:
        log.warning("offer #%s: a pick on the booking page was refused: %s", offer.id, refused.message)
        return unavailable()
    return render(
        "booked.html",
        stage=stage.name,
        company=kit.company,
        minutes=offer.minutes,
        location=location,
        time=shown([starts_at], offer.minutes, tz)[0],
        zone=tz.key,
        ics=base64.b64encode(ics).decode("ascii"),
        moved=offer.moves_id is not None,
        move_url=moves.url(services, move) if move else None,
        cutoff=kit.scheduling.reschedule_cutoff_hours,
    )


def none_work(services: Services, opened: Opened, token: str, note: str, csrf: str) -> Page:
    """*None of these work*: the candidate's words, relayed into the thread and to the recruiters."""
    now = services.clock.now()
    try:
        with services.db.transaction() as session:
            decline(session, opened.offer.id or 0, note, now=now, recruiters=services.permissions.recruiter_ids)
    except OfferClosed:
        with services.db.read() as session:
            return closed(find(session, token, services.clock.now()).state)
    except UserError as refused:  # nothing said, or too much: the page again, their words kept
        future = still_to_come(opened.offer, now)
        return offer_page(services, opened, future, csrf, status=400, notice=refused.message, note=note)
    return message(200, "Thanks: your recruiter will send you new times",
                   f"We passed the times that suit you for your {opened.stage.name} to your recruiter.")  # fmt: skip


def open_offer(services: Services, token: str, now: datetime) -> Opened | Page:
    """The open offer behind the token with what its page shows, or the page saying why not."""
    with services.db.read() as session:
        found = find(session, token, now)
        if found.offer is None:
            return closed(found.state)
        candidate = session.get(Candidate, found.offer.candidate_id)
        role = session.get(Role, candidate.role_id) if candidate is not None else None
    if candidate is None or role is None or candidate.status != CandidateStatus.active:
        return unavailable()
    kit = kit_for(services.kits, role)
    try:
        stage = kit.stage(found.offer.stage_key)
    except KeyError:
        return unavailable()
    moving_from = None
    if found.offer.moves_id is not None:
        with services.db.read() as session:
            moving = session.get(Interview, found.offer.moves_id)
        moving_from = moving.starts_at if moving is not None else None
    return Opened(found.offer, candidate, kit, stage, moving_from)


def offer_page(
    services: Services,
    opened: Opened,
    times: Sequence[datetime],
    csrf: str,
    *,
    status: int = 200,
    notice: str | None = None,
    note: str | None = None,
) -> Page:
    tz = services.settings.organizer_zone
    offer = opened.offer
    return render(
        "offer.html",
        status,
        [("Set-Cookie", csrf_cookie(csrf, secure=(services.settings.public_url or "").startswith("https://")))],
        first_name=first_name(opened.candidate.name),
        company=opened.kit.company,
        stage=opened.stage.name,
        minutes=offer.minutes,
        location=offer.location,
        prep=prep_opening(opened.stage.prep or opened.kit.candidate_guide),
        times=shown(times, offer.minutes, tz),
        zone=tz.key,
        csrf=csrf,
        notice=notice,
        note=note,
        moving_from=shown([opened.moving_from], offer.minutes, tz)[0] if opened.moving_from else None,
    )


def closed(state: LinkState) -> Page:
    """Unknown, used, declined or expired: which, and nothing of the candidate."""
    status, title, detail = CLOSED.get(state, CLOSED[LinkState.unknown])
    return message(status, title, detail)


def unavailable() -> Page:
    return message(409, "This booking cannot be made here", "Nothing was booked. Please ask your recruiter.")


def prep_opening(text: str | None) -> list[str]:
    """The guide's first paragraph as plain lines (Slack's *bold* and _italic_ marks dropped)."""
    if not text or not text.strip():
        return []
    paragraph = text.strip().split("\n\n", 1)[0][:PREP_OPENING]
    plain = re.sub(r"(?<!\w)[*_]([^*_\n]+)[*_](?!\w)", r"\1", paragraph)
    return [line.strip() for line in plain.splitlines() if line.strip()]


def parse_start(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, ISO).replace(tzinfo=UTC)
    except ValueError:
        return None


def read_form(environ: Mapping[str, Any]) -> dict[str, str] | Page:
    """The posted form's fields (the first value of each), or the page refusing it."""
    ctype = str(environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
    if ctype != FORM_TYPE:
        return message(415, "This form could not be read", "Open the link again and pick a time.")
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if length < 0:
        return message(400, "This form could not be read", "Open the link again and pick a time.")
    if length > MAX_FORM:
        return message(413, "This form is too large", "Open the link again and pick a time.")
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        fields = parse_qs(raw.decode("utf-8"), max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        return message(400, "This form could not be read", "Open the link again and pick a time.")
    return {name: values[0] for name, values in fields.items() if values}
