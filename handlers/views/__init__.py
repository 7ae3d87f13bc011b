"""Modal submission listeners, by family: candidate forms, round forms, the scorecard, the line, the calendar."""

from __future__ import annotations

from slack_bolt import App

from blocks.calendar import CONNECT_VIEW
from blocks.candidate import NEW_CANDIDATE, STAGE_REASON
from blocks.hours import HOURS_VIEW
from blocks.line import LINE_REPLY_VIEW
from blocks.offer_form import OFFER_VIEW
from blocks.offers import OFFER_NONE_VIEW
from blocks.pools import POOLS_VIEW
from blocks.rounds import RESCHEDULE, REVIEW, SCHEDULE, TAKE_HOME
from blocks.scorecard import CALLBACK as SCORECARD
from blocks.training import SHADOW_NOTE_VIEW, SIGNOFF_VIEW
from handlers.views import calendar, candidate, hours, line, offers, pools, rounds, scorecard, training


def register(app: App) -> None:
    app.view(SCORECARD)(scorecard.scorecard)
    app.view(NEW_CANDIDATE)(candidate.new_candidate)
    app.view(STAGE_REASON)(candidate.stage_reason)
    app.view(SCHEDULE)(rounds.schedule)
    app.view(RESCHEDULE)(rounds.schedule)
    app.view(REVIEW)(rounds.review)
    app.view(TAKE_HOME)(rounds.take_home)
    app.view(LINE_REPLY_VIEW)(line.reply)
    app.view(CONNECT_VIEW)(ack=calendar.connect, lazy=[calendar.connected])
    app.view(HOURS_VIEW)(ack=hours.save, lazy=[hours.saved])
    app.view(POOLS_VIEW)(ack=pools.save, lazy=[pools.saved])
    app.view(OFFER_VIEW)(offers.offer_times)
    app.view(OFFER_NONE_VIEW)(offers.none_work)
    app.view(SIGNOFF_VIEW)(training.signoff)
    app.view(SHADOW_NOTE_VIEW)(training.note)
