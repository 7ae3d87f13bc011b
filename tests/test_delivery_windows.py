"""Messages at human hours: delivery windows, deadlines in working days, digests and snooze, with a
ManualClock and the real dispatcher against the Slack stand-in, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from blocks.scorecard import SNOOZE, SUBMIT
from bot.reporting.data import load_data
from bot.reporting.figures import build_section
from bot.reporting.reports import build_report
from bot.rules.candidates import CandidateForm, create_candidate
from bot.rules.delivery_windows import Reader, readers
from bot.rules.errors import UserError
from bot.rules.roles import add_role
from bot.rules.rounds import RoundContext
from bot.rules.scheduling import reschedule_round, schedule_round
from bot.rules.scorecards import Answer, round_questions, submit_scorecard
from bot.rules.snooze import snooze
from bot.rules.working_hours import WorkingHours
from bot.wiring.db import Database
from models.tables import OutboxMessage, PanelMember, PersonRecord
from tests.conftest import CANDIDATE, HIRING_CHANNEL, HIRING_MANAGER, RECRUITER, RunningApp
from tests.flows import all_text, dispatch, dms

KIRAN = "U0KIRAN"  # an interviewer in Kolkata
RAVI = "U0RAVI"  # a recruiter in Kolkata
NORA = "U0NORA"  # an interviewer in New York
GUEST_JP = "U0GUESTJP"  # a candidate in Tokyo
NY, IST = ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")
OFFICE = Reader(WorkingHours.default(), NY)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0, tz: ZoneInfo = NY) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz).astimezone(UTC)


def at(app: RunningApp, moment: datetime) -> str:
    app.clock.set(moment)
    return dispatch(app)


def people(app: RunningApp) -> None:
    app.slack.add_user(KIRAN, "kiran", tz="Asia/Kolkata", tz_offset=19800)
    app.slack.add_user(RAVI, "ravi", tz="Asia/Kolkata", tz_offset=19800)
    app.slack.add_user(NORA, "nora")
    app.slack.add_user(GUEST_JP, "kenji", tz="Asia/Tokyo", tz_offset=32400, is_restricted=True)
    # Slack's zones, stored as a schedule form stores them.
    app.services.zones_of([KIRAN, RAVI, NORA, GUEST_JP])


def rounds(
    app: RunningApp,
    panel: list[str],
    starts: list[datetime],
    *,
    recruiters: list[str] | None = None,
    candidate_user: str | None = CANDIDATE,
) -> list[RoundContext]:
    """A role, and a candidate with an hour-long round at each of `starts`, scheduled now."""
    kits, now = app.services.kits, app.clock.now()
    found = []
    with app.services.db.transaction() as session:
        role = add_role(
            session, kits, title="Windows", kit_key="backend-mid", channel_id=HIRING_CHANNEL,
            hiring_manager_ids=[HIRING_MANAGER], recruiter_ids=recruiters or [RECRUITER],
        )  # fmt: skip
        for n, starts_at in enumerate(starts):
            user = candidate_user if n == 0 else None
            values = {"name": f"Casey {n}", "email": f"c{n}@example.org", "role_id": role.id}
            form = CandidateForm.parse({**values, **({"slack_user_id": user} if user else {})})
            candidate = create_candidate(session, kits, form, RECRUITER, now)
            ctx = schedule_round(
                session, kits, candidate_id=candidate.id or 0, stage_key="hiring-manager-technical",
                interviewer_ids=panel, starts_at=starts_at, duration_minutes=60, location=None,
                actor=RECRUITER, now=now,
            )  # fmt: skip
            found.append(ctx)
    return found


def stamp(moment: datetime) -> str:
    return f"<!date^{int(moment.timestamp())}^"


def scored(app: RunningApp, ctx: RoundContext, user: str) -> None:
    answers = {q.key: Answer("meets") for q in round_questions(ctx)}
    with app.services.db.transaction() as session:
        submit_scorecard(
            session, app.services.kits, ctx.interview.id or 0, user, answers, "yes", "Fine.", app.clock.now()
        )


def test_working_day_deadlines() -> None:
    # Monday to Friday, 9 to 5: Friday 16:00 + 48 h is Tuesday 16:00; Thursday 18:30 + 24 h is Friday 17:00.
    assert OFFICE.working_due(utc(2026, 11, 27, 16), 48) == utc(2026, 12, 1, 16)
    assert OFFICE.working_due(utc(2026, 11, 26, 18, 30), 24) == utc(2026, 11, 27, 17)
    # Own hours: Monday to Thursday, so Thursday 15:00 + 24 h skips Friday to the weekend's end.
    own = Reader(WorkingHours.parse("mon-thu 10:00-16:00"), NY, own_hours=True)
    assert own.working_due(utc(2026, 11, 26, 15), 24) == utc(2026, 11, 30, 15)
    # A daylight-saving week: New York falls back on Sunday 1 November; the wall-clock time holds.
    assert OFFICE.working_due(utc(2026, 10, 30, 16), 48) == datetime(2026, 11, 3, 21, tzinfo=UTC)
    assert utc(2026, 10, 30, 16) == datetime(2026, 10, 30, 20, tzinfo=UTC)
    assert OFFICE.next_start(datetime(2026, 10, 31, 12, tzinfo=UTC)) == datetime(2026, 11, 2, 14, tzinfo=UTC)
    assert OFFICE.next_start(utc(2026, 11, 3, 17)) == utc(2026, 11, 3, 17)  # the end counts as inside
    # A candidate's night: 21:00 to 08:00; a prep reminder at 07:00 goes the evening before.
    guest = Reader.candidate("America/New_York")
    assert guest.next_start(utc(2026, 11, 3, 22)) == utc(2026, 11, 4, 8)
    assert guest.evening_before(utc(2026, 11, 4, 7)) == utc(2026, 11, 3, 20, 30)
    assert guest.evening_before(utc(2026, 11, 4, 12)) == utc(2026, 11, 4, 12)


def test_a_person_with_no_hours_set_has_the_default_in_their_zone(db: Database) -> None:
    with db.transaction() as session:
        session.add(PersonRecord(user_id=KIRAN, tz="Asia/Kolkata"))
        session.add(PersonRecord(user_id=NORA, tz="America/New_York", hours="mon-thu 10:00-16:00"))
    with db.read() as session:
        found = readers(session, [KIRAN, NORA, RAVI])
    assert (found[KIRAN].hours, str(found[KIRAN].zone), found[KIRAN].own_hours) == (
        WorkingHours.default(),
        "Asia/Kolkata",
        False,
    )
    assert found[NORA].own_hours and found[NORA].hours.spec() == "mon-thu 10:00-16:00"
    # Nobody known: the default hours, in UTC until Slack says otherwise.
    assert (found[RAVI].hours, str(found[RAVI].zone), found[RAVI].known_zone) == (WorkingHours.default(), "UTC", False)


def test_kolkata_interviewer_on_a_new_york_afternoon_round(app: RunningApp) -> None:
    people(app)
    app.clock.set(utc(2026, 12, 7, 9))
    # Tuesday 15:30-16:30 in New York: the round ends at 03:00 on Wednesday in Kolkata.
    (ctx,) = rounds(app, [KIRAN], [utc(2026, 12, 8, 15, 30)], recruiters=[RAVI])
    ends = ctx.interview.ends_at
    with app.services.db.read() as session:
        member = session.exec(select(PanelMember).where(PanelMember.interviewer_id == KIRAN)).one()
    # Two working days: Friday 03:00 is outside Kiran's hours, so the end of Friday, 17:00 IST.
    due = utc(2026, 12, 11, 17, tz=IST)
    assert member.due_at == due
    ended = lambda: [m for m in dms(app, KIRAN) if "has ended" in m]  # noqa: E731
    assert "held" in at(app, ends)
    assert ended() == []
    at(app, utc(2026, 12, 9, 8, 59, tz=IST))
    assert ended() == []
    at(app, utc(2026, 12, 9, 9, tz=IST))  # the first pass in Kiran's hours
    (request,) = ended()
    assert stamp(due) in request
    # The reminder a working day on (Thursday 03:00 IST, outside: the end of Thursday), the escalation at the due time.
    reminded = lambda: [m for m in dms(app, KIRAN) if "Reminder" in m]  # noqa: E731
    at(app, utc(2026, 12, 10, 16, 59, tz=IST))
    assert reminded() == []
    at(app, utc(2026, 12, 10, 17, tz=IST))
    (reminder,) = reminded()
    assert stamp(due) in reminder and SNOOZE in reminder
    at(app, due - timedelta(minutes=1))
    assert not [m for m in dms(app, RAVI) if "past the" in m]
    at(app, due)
    (escalation,) = [m for m in dms(app, RAVI) if "past the" in m]
    assert stamp(due) in escalation and f"<@{KIRAN}>" in escalation


def test_friday_round_due_tuesday_in_request_reminder_and_report(app: RunningApp) -> None:
    people(app)
    app.clock.set(utc(2026, 11, 23, 10))
    (ctx,) = rounds(app, [NORA], [utc(2026, 11, 27, 15)])
    due = utc(2026, 12, 1, 16)  # Friday 16:00 + 48 h, Monday to Friday 9 to 5
    at(app, utc(2026, 11, 27, 16))
    (request,) = [m for m in dms(app, NORA) if "has ended" in m]
    assert stamp(due) in request
    at(app, utc(2026, 11, 30, 16))  # the reminder: one working day on, Monday 16:00
    (reminder,) = [m for m in dms(app, NORA) if "Reminder" in m]
    assert stamp(due) in reminder
    # Monday 17:00: late by the calendar's 48 hours (Sunday 16:00), on time by Nora's working days.
    app.clock.set(utc(2026, 11, 30, 17))
    scored(app, ctx, NORA)
    with app.services.db.read() as session:
        role_id = ctx.role.id or 0
        section = build_section(
            "t", ctx.role, ctx.kit, load_data(session, [role_id], None), {role_id: ctx.kit}, app.clock.now()
        )
    (turnaround,) = section.turnaround
    assert (turnaround.interviewer_id, turnaround.submitted, turnaround.within_deadline) == (NORA, 1, 1)
    assert turnaround.median_hours == 73  # the turnaround counts from the round's end regardless
    # The report people get (from the kept aggregates) says the same.
    with app.services.db.read() as session:
        report = build_report(session, app.services.kits, [ctx.role], app.clock.now())
    (kept,) = report.overall.turnaround
    assert (kept.submitted, kept.within_deadline, kept.median_hours) == (1, 1, 73)


def test_briefing_at_seven_and_a_candidate_never_messaged_at_night(app: RunningApp) -> None:
    people(app)
    app.clock.set(utc(2026, 11, 30, 9))  # Monday 23:00 in Tokyo
    # Wednesday 08:00 in New York is 22:00 on Wednesday in Tokyo.
    rounds(app, [NORA], [utc(2026, 12, 2, 8)], candidate_user=GUEST_JP)
    with app.services.db.read() as session:
        rows = {r.kind: r for r in session.exec(select(OutboxMessage).where(OutboxMessage.target == GUEST_JP))}
    # 24 hours before is Tuesday 22:00 in Tokyo: the evening before instead, by 21:00.
    assert rows["prep_reminder"].due_at == datetime(2026, 12, 1, 20, 30, tzinfo=ZoneInfo("Asia/Tokyo"))
    tokyo_hours = []
    # Every hour from now to the briefing, and the prep reminder's own time.
    hourly = {app.clock.now() + timedelta(hours=n) for n in range(47)}
    for moment in sorted(hourly | {rows["prep_reminder"].due_at}):
        before = len(dms(app, GUEST_JP))
        at(app, moment)
        if len(dms(app, GUEST_JP)) > before:
            tokyo_hours.append(moment.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%a %H:%M"))
        if moment == utc(2026, 12, 2, 7):
            assert any("Briefing" in m for m in dms(app, NORA))  # 07:00 in New York, one hour before
    assert tokyo_hours == ["Tue 08:00", "Tue 20:30"]  # the prep guide when their day starts, then the reminder
    assert "a reminder" in dms(app, GUEST_JP)[-1]


def buttons(message: dict[str, Any], action_id: str) -> list[dict[str, Any]]:
    return [e for b in message.get("blocks", []) for e in b.get("elements", []) if e.get("action_id") == action_id]


def test_two_reminders_become_one_digest_its_submit_opens_the_scorecard_and_snooze_puts_it_off(
    app: RunningApp,
) -> None:
    people(app)
    app.clock.set(utc(2026, 11, 30, 10))
    # Two rounds on Tuesday evening: both reminders fall at the end of Wednesday's hours, 17:00.
    first, second = rounds(app, [NORA], [utc(2026, 12, 1, 17, 30), utc(2026, 12, 1, 19)])
    at(app, utc(2026, 12, 2, 9))  # the two requests, held overnight, go out one each
    assert "digested 1" in at(app, utc(2026, 12, 2, 17))
    digest = app.slack.dm_messages(NORA)[-1]
    submits = buttons(digest, SUBMIT)
    assert [b["value"] for b in submits] == [str(first.interview.id), str(second.interview.id)]
    assert "2 of your scorecards are still open" in str(digest)
    # Its Submit button opens that round's scorecard.
    block_id = f"scorecard:{first.interview.id}"
    app.client.block_action(NORA, SUBMIT, submits[0]["value"], block_id=block_id, channel_id=f"D{NORA}")
    app.slack.wait_for(lambda: bool(app.slack.open_views(NORA)))
    assert app.slack.open_views(NORA)[-1]["callback_id"].startswith("scorecard")
    # Remind me tomorrow: back at Thursday's working start.
    (snooze_button,) = buttons(digest, SNOOZE)
    app.client.block_action(NORA, SNOOZE, snooze_button["value"], block_id="snooze", channel_id=f"D{NORA}")
    app.slack.wait_for(lambda: "I will remind you" in dms(app, NORA)[-1])
    assert stamp(utc(2026, 12, 3, 9)) in dms(app, NORA)[-1]
    # The App Home: Nora's hours and zone, and what comes next, when.
    app.client.event({"type": "app_home_opened", "user": NORA, "tab": "home"})
    app.wait_idle()
    home = all_text(app.slack.home(NORA))
    assert "America/New_York time: `mon-fri 09:00-17:00 (the default)`" in home
    assert f"What I will send you next*\n• {stamp(utc(2026, 12, 3, 9))}" in home and "reminder digest" in home
    scored(app, first, NORA)
    at(app, utc(2026, 12, 3, 8, 59))
    assert "I will remind you" in dms(app, NORA)[-1]
    at(app, utc(2026, 12, 3, 9))
    again = app.slack.dm_messages(NORA)[-1]
    assert [b["value"] for b in buttons(again, SUBMIT)] == [str(second.interview.id)]  # only what is pending
    # Twice per scorecard, then the escalation goes ahead as planned.
    (snooze_again,) = buttons(again, SNOOZE)
    reader = Reader.default("America/New_York")
    with app.services.db.transaction() as session:
        snooze(session, int(snooze_again["value"]), NORA, reader, app.clock.now())
    with app.services.db.read() as session:
        latest = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id).desc())).first()
    assert latest is not None and latest.kind == "scorecard_reminder"
    with pytest.raises(UserError, match="put this off 2 times"), app.services.db.transaction() as session:
        snooze(session, latest.id or 0, NORA, reader, app.clock.now())
    # The recruiter sees the put-offs in the debrief's timing, nowhere else.
    scored(app, second, NORA)
    dispatch(app)
    (debrief,) = [m for m in dms(app, RECRUITER) if "Debrief: Casey 1" in m]
    assert f"Reminders put off (Remind me tomorrow): <@{NORA}> 2×" in debrief


def test_a_recruiters_escalations_due_together_become_one_digest(app: RunningApp) -> None:
    people(app)
    app.clock.set(utc(2026, 11, 30, 10))
    # Two Tuesday-evening rounds in New York, Nora on both: each due at the end of Thursday, 17:00
    # New York, which is 03:30 on Friday for Ravi in Kolkata: both escalations wait for his 09:00.
    first, second = rounds(app, [NORA], [utc(2026, 12, 1, 16, 30), utc(2026, 12, 1, 18)], recruiters=[RAVI])
    assert first.feedback_due == second.feedback_due == utc(2026, 12, 3, 17)
    overdue = lambda: [m for m in dms(app, RAVI) if "overdue" in m or "past the" in m]  # noqa: E731
    at(app, utc(2026, 12, 3, 17))
    assert overdue() == []  # held: 03:30 in Kolkata
    at(app, utc(2026, 12, 4, 8, 59, tz=IST))
    assert overdue() == []
    assert "digested 1" in at(app, utc(2026, 12, 4, 9, tz=IST))
    (digest,) = overdue()
    assert "Feedback is overdue for 2 rounds" in digest
    assert "Casey 0" in digest and "Casey 1" in digest and digest.count(f"<@{NORA}>") == 2
    assert stamp(utc(2026, 12, 3, 17)) in digest
    # Once sent, nothing else comes for them: each round's escalation was replaced by the digest.
    at(app, utc(2026, 12, 4, 12, tz=IST))
    assert len(overdue()) == 1


def test_a_round_moved_after_a_snooze_replans_its_reminder_and_keeps_the_count(app: RunningApp) -> None:
    people(app)
    app.clock.set(utc(2026, 11, 30, 10))
    (ctx,) = rounds(app, [NORA], [utc(2026, 11, 30, 11)])
    at(app, utc(2026, 11, 30, 12))  # the request
    at(app, utc(2026, 12, 1, 12, 5))  # the reminder, a working day on
    with app.services.db.read() as session:
        sent = session.exec(
            select(OutboxMessage).where(OutboxMessage.kind == "scorecard_reminder", OutboxMessage.state == "sent")
        ).one()
    with app.services.db.transaction() as session:
        snooze(session, sent.id or 0, NORA, Reader.default("America/New_York"), app.clock.now())
    # The round did not happen after all: moved to Thursday, 11:00-12:00 in New York.
    new_start = utc(2026, 12, 3, 11)
    with app.services.db.transaction() as session:
        moved = reschedule_round(
            session, app.services.kits, ctx.interview.id or 0, starts_at=new_start, duration_minutes=60,
            location=None, interviewer_ids=None, actor=RECRUITER, now=app.clock.now(),
        )  # fmt: skip
    with app.services.db.read() as session:
        pending = session.exec(
            select(OutboxMessage).where(
                OutboxMessage.kind == "scorecard_reminder", OutboxMessage.state == "pending",
                OutboxMessage.target == NORA,
            )
        ).all()  # fmt: skip
        member = session.exec(select(PanelMember).where(PanelMember.interviewer_id == NORA)).one()
    # One reminder left, planned from the new end in Nora's working days, not the snooze's morning.
    new_end = moved.interview.ends_at
    timings = moved.kit.timings_for(moved.stage)
    assert [r.due_at for r in pending] == [OFFICE.working_due(new_end, timings.reminder_after_hours)]
    assert member.due_at == OFFICE.working_due(new_end, moved.kit.feedback_due_hours)
    assert member.snoozes == 1  # one put-off spent: one left for the new time
