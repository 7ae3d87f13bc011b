"""Slash command listeners: parse, call a rule, render, answer in the ack.

Anything that needs the Web API (opening a modal, sending a report) is handed to a lazy
function through Bolt's context and runs after the acknowledgement.
"""

from __future__ import annotations

from slack_bolt import App

from bot.rules.commands import CANDIDATE, HIRING, INTERVIEW, SCORECARD
from handlers.commands import candidate, hiring, interview, scorecard


def register(app: App) -> None:
    # /candidate first: the command people type most (Bolt tries the listeners in order).
    # Only subcommands that open a modal get the lazy half: Bolt copies the request for it.
    app.command(CANDIDATE.name, matchers=[candidate.opens_a_modal])(
        ack=candidate.candidate, lazy=[candidate.open_candidate_view]
    )
    app.command(CANDIDATE.name)(candidate.candidate)
    app.command(HIRING.name, matchers=[hiring.asks_for_report])(ack=hiring.report, lazy=[hiring.deliver_report])
    app.command(HIRING.name)(hiring.hiring)
    app.command(INTERVIEW.name)(ack=interview.interview, lazy=[interview.open_round_view])
    app.command(SCORECARD.name)(ack=scorecard.scorecard, lazy=[candidate.open_candidate_view])
