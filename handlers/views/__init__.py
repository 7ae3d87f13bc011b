"""Modal submission listeners, by family: candidate forms, round forms, the scorecard, the line."""

from __future__ import annotations

from slack_bolt import App

from blocks.candidate import NEW_CANDIDATE, STAGE_REASON
from blocks.line import LINE_REPLY_VIEW
from blocks.rounds import RESCHEDULE, REVIEW, SCHEDULE, TAKE_HOME
from blocks.scorecard import CALLBACK as SCORECARD
from handlers.views import candidate, line, rounds, scorecard


def register(app: App) -> None:
    app.view(NEW_CANDIDATE)(ack=candidate.new_candidate, lazy=[candidate.post_card])
    app.view(STAGE_REASON)(ack=candidate.stage_reason, lazy=[candidate.announce])
    app.view(SCHEDULE)(ack=rounds.schedule, lazy=[rounds.announce_round])
    app.view(RESCHEDULE)(ack=rounds.schedule, lazy=[rounds.announce_round])
    app.view(REVIEW)(ack=rounds.review, lazy=[rounds.announce_round])
    app.view(TAKE_HOME)(ack=rounds.take_home, lazy=[rounds.announce_take_home])
    app.view(SCORECARD)(ack=scorecard.scorecard, lazy=[scorecard.announce_scorecard])
    app.view(LINE_REPLY_VIEW)(line.reply)
