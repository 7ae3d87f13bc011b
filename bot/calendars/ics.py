"""Invites as iCalendar (RFC 5545), with the iTIP method (RFC 5546) when they are sent to someone.

Times are stored in UTC and written in the organizer's time zone with its VTIMEZONE, so a client
shows 10:00 Berlin as 10:00 whichever side of a daylight-saving change the round falls.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from bot.rules.invites import Invite

PRODID = "-//interview-bot//Interview coordinator for Slack//EN"
# iTIP: REQUEST for a new or moved round, CANCEL for a cancelled one; None for what is stored or
# subscribed to (a CalDAV object, a feed), which carries no method.
Method = Literal["REQUEST", "CANCEL"] | None
DEFAULT_ORGANIZER = "interview-bot@invalid"


def method_for(invite: Invite) -> Literal["REQUEST", "CANCEL"]:
    return "CANCEL" if invite.cancelled else "REQUEST"


def event(invite: Invite, *, tz: ZoneInfo, stamp: datetime, organizer: str = DEFAULT_ORGANIZER) -> Event:
    item = Event()
    item.add("uid", invite.uid)
    item.add("sequence", invite.sequence)
    item.add("dtstamp", stamp)
    item.add("dtstart", invite.starts_at.astimezone(tz))
    item.add("dtend", invite.ends_at.astimezone(tz))
    item.add("summary", invite.title)
    item.add("description", invite.description)
    if invite.location:
        item.add("location", invite.location)
    if invite.url:
        item.add("url", invite.url)
    item.add("status", "CANCELLED" if invite.cancelled else "TENTATIVE" if invite.tentative else "CONFIRMED")
    item.add("transp", "OPAQUE")
    who = vCalAddress(f"mailto:{organizer}")
    who.params["cn"] = vText("Interview bot")
    item.add("organizer", who)
    for email in invite.attendees:
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["rsvp"] = vText("FALSE")
        item.add("attendee", attendee)
    return item


def calendar(
    invites: Iterable[Invite],
    *,
    tz: ZoneInfo,
    stamp: datetime,
    method: Method,
    name: str | None = None,
    organizer: str = DEFAULT_ORGANIZER,
) -> bytes:
    """One VCALENDAR holding `invites`, with the VTIMEZONE of every zone they use."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method is not None:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    for invite in invites:
        cal.add_component(event(invite, tz=tz, stamp=stamp, organizer=organizer))
    cal.add_missing_timezones()
    return cal.to_ical()


def one_invite(invite: Invite, *, tz: ZoneInfo, stamp: datetime, organizer: str = DEFAULT_ORGANIZER) -> bytes:
    """The `.ics` file sent with a DM: REQUEST, or CANCEL with STATUS:CANCELLED."""
    return calendar([invite], tz=tz, stamp=stamp, method=method_for(invite), organizer=organizer)


def filename(invite: Invite) -> str:
    return "cancelled.ics" if invite.cancelled else "invite.ics"
