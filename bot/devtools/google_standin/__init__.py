"""An in-process stand-in for Google: the OAuth token endpoint (service accounts with domain-wide
delegation) and the Calendar API v3, on one loopback port. Nothing reaches Google.

It refuses what Google would refuse: every Calendar request is checked against the discovery
document bundled in googleapiclient (the one the provider's client is built from), and each refusal
is kept in :attr:`GoogleStandIn.invalid`; the token endpoint verifies the assertion's signature,
issuer, audience, scope, subject and lifetime.

Example::

    with GoogleStandIn() as google:
        key = google.write_service_account(tmp_path / "key.json")
        calendar = GoogleCalendar(key, "organizer@example.com", api_url=google.url)
        calendar.put(invite)
        assert google.events("organizer@example.com")[0]["status"] == "confirmed"
        assert not google.invalid
"""

from bot.devtools.google_standin.calendars import ApiError, Json
from bot.devtools.google_standin.oauth import CALENDAR_SCOPE, write_service_account
from bot.devtools.google_standin.server import GoogleStandIn, Invalid, Recorded

__all__ = ["CALENDAR_SCOPE", "ApiError", "GoogleStandIn", "Invalid", "Json", "Recorded", "write_service_account"]
