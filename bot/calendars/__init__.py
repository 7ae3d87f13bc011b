"""Calendars: rounds written as iCalendar (invites, feeds) and into people's calendars (CalDAV,
Google), behind one provider interface (bot/calendars/provider.py)."""
