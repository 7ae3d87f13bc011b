"""Which renderer renders each kind of message: one per kind in bot/rules/message_kinds.py.

The dispatcher looks a row's kind up here; it knows no kind itself.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.delivery.renderers import calendar, holds, line, load_digest, offers, rounds, thread, training
from bot.delivery.renderers.dead_letter import dead_letter
from bot.delivery.renderers.debrief import debrief
from bot.delivery.renderers.digest import digest
from bot.delivery.renderers.promise import promise
from bot.delivery.renderers.purge import purge_cleanup
from bot.delivery.renderers.report import report
from bot.delivery.renderers.take_home import take_home
from bot.delivery.rendering import Renderer
from bot.rules.message_kinds import Kind


def _one_each(*pairs: tuple[Kind, Renderer]) -> Mapping[str, Renderer]:
    table: dict[str, Renderer] = {}
    for kind, renderer in pairs:
        if kind in table:
            raise ValueError(f"two renderers for {kind.value}")
        table[kind] = renderer
    return table


RENDERERS = _one_each(
    (Kind.prep, rounds.prep),
    (Kind.prep_reminder, rounds.prep),
    (Kind.briefing, rounds.briefing),
    (Kind.scorecard_request, rounds.scorecard),
    (Kind.scorecard_reminder, rounds.scorecard),
    (Kind.escalation, rounds.escalation),
    (Kind.escalation_thread, rounds.escalation),
    (Kind.cancelled, rounds.cancelled),
    (Kind.rescheduled, rounds.rescheduled),
    (Kind.debrief, debrief),
    (Kind.debrief_thread, debrief),
    (Kind.dead_letter, dead_letter),
    (Kind.promise, promise),
    (Kind.take_home_brief, take_home),
    (Kind.take_home_reminder, take_home),
    (Kind.take_home_missing, take_home),
    (Kind.line_relay, line.relay),
    (Kind.line_reply, line.reply),
    (Kind.line_reply_thread, line.reply_thread),
    (Kind.line_notice, line.notice),
    (Kind.card, thread.card),
    (Kind.thread_note, thread.thread_note),
    (Kind.next_step, thread.next_step),
    (Kind.report, report),
    (Kind.purge_cleanup, purge_cleanup),
    (Kind.panel_invite, rounds.panel_invite),
    (Kind.calendar_event, calendar.calendar_event),
    (Kind.calendar_paused, calendar.calendar_paused),
    (Kind.offer, offers.offer),
    (Kind.offer_answer, offers.offer_answer),
    (Kind.calendar_hold, holds.calendar_hold),
    (Kind.load_digest, load_digest.load_digest),
    (Kind.signoff_request, training.signoff_request),
    (Kind.shadow_note, training.shadow_note),
    (Kind.shadow_learned, training.shadow_learned),
    (Kind.training_update, training.training_update),
    (Kind.training_done, training.training_done),
    (Kind.digest, digest),
)
