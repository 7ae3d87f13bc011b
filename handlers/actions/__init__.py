"""Button listeners: the card's Advance / Hold / Reject / Reopen, rounds, scorecards, checklists,
purge, the report, Reply to candidate and the App Home's calendar. Each acks at once; Web API calls
run in the lazy half."""

from __future__ import annotations

import re

from slack_bolt import App

from blocks.calendar import CONNECT, DISCONNECT, FEED_NEW, FEED_OPEN
from blocks.candidate import (
    ADVANCE,
    CHECKLIST,
    HOLD,
    OFFER_TIMES,
    PURGE,
    REJECT,
    REOPEN,
    REVIEW,
    SCHEDULE,
    TAKE_HOME_RECEIVED,
    TAKE_HOME_SEND,
)
from blocks.hours import HOURS_EDIT
from blocks.line import LINE_REPLY
from blocks.offer_form import OFFER_REFRESH
from blocks.offers import OFFER_MOVE, OFFER_NONE, OFFER_PICK
from blocks.pools import FROM_POOL, POOL_PICKED, POOLS_EDIT
from blocks.reports import REPORT_SEND
from blocks.rounds import CANCEL, PANEL_PICKED, WHO_PICKS
from blocks.scorecard import SNOOZE, SUBMIT
from blocks.times import SUGGESTED
from blocks.training import ADD_TO_POOL, NOT_YET, SHADOW_NOTE, SIGNOFF_MORE, SIGNOFF_READY
from handlers.actions import (
    calendar,
    checklist,
    hours,
    line,
    moves,
    offers,
    pools,
    purge,
    report,
    rounds,
    snooze,
    stage,
    times,
    training,
)
from handlers.respond import open_view_later, tell_later


def register(app: App) -> None:
    app.action(ADVANCE)(ack=stage.advance, lazy=[tell_later])
    for action_id in (HOLD, REJECT, REOPEN):
        app.action(action_id)(ack=stage.ask_reason, lazy=[open_view_later])
    app.action(SCHEDULE)(ack=rounds.ack_only, lazy=[rounds.open_schedule])
    app.action(REVIEW)(ack=rounds.ack_only, lazy=[rounds.open_review])
    app.action(TAKE_HOME_SEND)(ack=rounds.ack_only, lazy=[rounds.open_take_home])
    app.action(TAKE_HOME_RECEIVED)(ack=rounds.take_home_received, lazy=[tell_later])
    app.action(CANCEL)(ack=rounds.cancel, lazy=[tell_later])
    app.action(OFFER_TIMES)(ack=rounds.ack_only, lazy=[rounds.open_offer])
    for action_id in (PANEL_PICKED, SUGGESTED, OFFER_REFRESH, WHO_PICKS, FROM_POOL):
        app.action(action_id)(ack=times.ack_only, lazy=[times.update_form])
    app.action(SUBMIT)(ack=rounds.open_scorecard, lazy=[open_view_later])
    app.action(SNOOZE)(ack=snooze.snooze_reminder, lazy=[snooze.snoozed])
    app.action(PURGE)(ack=purge.purge, lazy=[purge.purged])
    app.action(CHECKLIST)(ack=checklist.tick_checklist, lazy=[tell_later])
    app.action(REPORT_SEND)(ack=report.ask_for_report, lazy=[report.deliver_report])
    app.action(LINE_REPLY)(ack=line.reply_to_candidate, lazy=[open_view_later])
    app.action(FEED_NEW)(ack=calendar.new_feed, lazy=[calendar.republish])
    app.action(FEED_OPEN)(calendar.ack_only)
    app.action(CONNECT)(ack=calendar.open_connect, lazy=[open_view_later])
    app.action(DISCONNECT)(ack=calendar.disconnect_calendar, lazy=[calendar.republish])
    app.action(HOURS_EDIT)(ack=hours.open_hours, lazy=[open_view_later])
    app.action(POOLS_EDIT)(ack=pools.open_pools, lazy=[open_view_later])
    app.action(POOL_PICKED)(ack=pools.ack_only, lazy=[pools.pool_picked])
    app.action(re.compile(rf"^{OFFER_PICK}:\d+$"))(ack=offers.ack_only, lazy=[offers.picked])
    app.action(OFFER_NONE)(ack=offers.ask_other_times, lazy=[open_view_later])
    app.action(OFFER_MOVE)(ack=offers.ack_only, lazy=[moves.move_asked])
    for action_id in (SIGNOFF_READY, SIGNOFF_MORE):
        app.action(action_id)(ack=training.open_signoff, lazy=[open_view_later])
    app.action(SHADOW_NOTE)(ack=training.open_shadow_note, lazy=[open_view_later])
    for action_id in (ADD_TO_POOL, NOT_YET):
        app.action(action_id)(ack=training.decide_trainee, lazy=[training.decided])
