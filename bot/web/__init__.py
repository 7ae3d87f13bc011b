"""Pages the bot serves to people outside Slack: the booking page a candidate without Slack picks
an offered time on (bot/web/booking.py), server-rendered from the templates beside it."""
