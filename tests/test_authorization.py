"""Who may do what: every action against every role, over signed HTTP into the running app,
through every way in (slash command, card or DM button, modal submission, forged payloads).

One world is built per backend; each row of the table gets its own fresh candidate (and round),
refusals are tried first and must leave every table exactly as it was, then the allowed cells
run (each on a fresh subject when the row changes state).
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlmodel import SQLModel, select

from blocks.candidate import ADVANCE, HOLD, NEW_CANDIDATE, PURGE, REJECT, REOPEN, SCHEDULE, STAGE_REASON, button_value
from blocks.rounds import CANCEL, RESCHEDULE
from blocks.rounds import SCHEDULE as SCHEDULE_FORM
from blocks.scorecard import CALLBACK as SCORECARD_FORM
from blocks.scorecard import SUBMIT, ScorecardPage, paginate
from bot.cli import main
from bot.devtools.slack_requests import select_value, text_value
from bot.devtools.slack_standin import SlackStandIn
from bot.rules.people import set_schedule
from bot.rules.pipeline import change_stage
from bot.rules.scheduling import schedule_round
from bot.rules.scorecards import Answer, submit_scorecard
from bot.wiring.db import Database
from models.tables import Candidate, Interview, Scorecard, StageEvent
from tests.conftest import (
    CANDIDATE,
    HIRING_CHANNEL,
    HIRING_MANAGER,
    INTERVIEWER_1,
    INTERVIEWER_2,
    MEMBER,
    RECRUITER,
    RunningApp,
    running_app,
)
from tests.flows import (
    add_candidate,
    all_text,
    make_role,
    new_candidate_values,
    said,
    schedule_values,
    unpaced_dispatcher,
)

Verdict = Literal["allowed", "refused", "unclear"]
Y: Verdict = "allowed"
N: Verdict = "refused"

ROLES = ("recruiter", "hiring manager", "assigned interviewer", "other interviewer", "candidate (guest)", "member")

# The policy:
# - Only recruiters (RECRUITERS ids or user groups, or the role's recruiters) change the pipeline:
#   create, schedule, reschedule, cancel, advance, hold, reject, reopen, purge. The hiring manager
#   decides with them but is told to ask a recruiter; nobody else may either.
# - Only the interviewers assigned to a round submit its scorecard (one each), and edit it until
#   the debrief; after the debrief the scorecards are locked for everyone.
# - Blind: before the debrief nobody (not recruiters, not the hiring manager, not the co-panelist who
#   has not submitted) reads another interviewer's ratings or notes anywhere the bot shows them:
#   `/candidate <name>`, `/scorecard`, the scorecard modal, App Home, DMs, and the candidate's thread.
# - The debrief goes to the candidate's thread in the hiring channel (its audience is that channel's
#   members), and by DM to the role's hiring managers and the recruiter; the bot shows it to nobody else.
# - Export is server-side only (`interview-bot export`, for whoever runs the bot): no Slack command
#   exports or shows scorecards, not even to recruiters.
# - Guests and candidates get no hiring data from any command.
# "allowed": the effect happens (row, stage event, scorecard) or the modal / confirmation opens.
# "refused": a message (ephemeral, DM or modal error) naming who may do it, and nothing written.
# For reads, "refused" means the other interviewer's ratings and notes appear nowhere they are shown.
TABLE: dict[str, tuple[Verdict, Verdict, Verdict, Verdict, Verdict, Verdict]] = {
    # action                               recruiter  hiring mgr  assigned  other int  guest  member
    "create a candidate":                  (Y,        N,          N,        N,         N,     N),
    "schedule a round":                    (Y,        N,          N,        N,         N,     N),
    "reschedule a round":                  (Y,        N,          N,        N,         N,     N),
    "cancel a round":                      (Y,        N,          N,        N,         N,     N),
    "advance":                             (Y,        N,          N,        N,         N,     N),
    "hold":                                (Y,        N,          N,        N,         N,     N),
    "reject":                              (Y,        N,          N,        N,         N,     N),
    "reopen":                              (Y,        N,          N,        N,         N,     N),
    "purge":                               (Y,        N,          N,        N,         N,     N),
    "submit a scorecard":                  (N,        N,          Y,        N,         N,     N),
    "edit a submitted scorecard":          (N,        N,          Y,        N,         N,     N),
    "edit a scorecard after the debrief":  (N,        N,          N,        N,         N,     N),
    "read another interviewer's scorecard": (N,       N,          N,        N,         N,     N),
    "read a debrief":                      (Y,        Y,          N,        N,         N,     N),
    "export":                              (N,        N,          N,        N,         N,     N),
}  # fmt: skip

PANELIST = "U0INTTHREE"  # the assigned interviewer's co-panelist: not a role of the table, a witness
USERS = dict(zip(ROLES, (RECRUITER, HIRING_MANAGER, INTERVIEWER_1, INTERVIEWER_2, CANDIDATE, MEMBER), strict=True))

# A refusal names who may: recruiters (listed), the hiring team, or the round's interviewers; or,
# after the debrief, says the scorecards are locked (for everyone).
NAMES_WHO = re.compile(
    rf"Only recruiters can [^.]+\. Recruiters here: <@{RECRUITER}>"
    r"|only available to members of the hiring team"
    r"|[Oo]nly the interviewers on (this|a) round can submit its scorecard"
    r"|scorecards are locked"
)
MEMBERS_ONLY = "only available to members of the hiring team"

# Fourteen questions of seven blocks each: the panel's scorecard needs two modal pages, so the
# forged first page (which only pushes the next one) is tried as well as the last.
KIT: dict[str, Any] = {
    "key": "platform-panel",
    "title": "Platform Engineer",
    "questions": [
        {
            "key": f"q{i}",
            "kind": "competency",
            "title": f"Competency {i}",
            "prompt": f"Tell me about the hardest problem {i} you solved.",
            "positive": [f"Strength {i}.{j}" for j in range(12)],
            "negative": [f"Concern {i}.{j}" for j in range(11)],
            "anchors": {"exceeds": "Leads others", "meets": "Does it well", "below": "Needs help"},
        }
        for i in range(14)
    ],
    "stages": [
        {"key": "screen", "name": "Screening call", "kind": "call", "duration_minutes": 30, "prep": "A short call."},
        {"key": "panel", "name": "Panel interview", "kind": "interview", "duration_minutes": 120,
         "questions": [f"q{i}" for i in range(14)], "prep": "Two hours with the team."},
        {"key": "offer", "name": "Offer", "kind": "offer"},
    ],
}  # fmt: skip


@dataclass(frozen=True)
class Seen:
    """What one way in did for one person."""

    entry: str
    verdict: Verdict
    evidence: str


@dataclass(frozen=True)
class Reply:
    """What a person got back: an answer, a modal, a message told later, or the effect itself."""

    text: str = ""
    body: dict[str, Any] = field(default_factory=dict)
    view: dict[str, Any] | None = None
    effect: bool = False


@dataclass
class Subject:
    """The fresh candidate (and round) a row acts on; `marker` is in the notes nobody may read early."""

    candidate: Candidate | None = None
    interview: Interview | None = None
    marker: str = ""


@dataclass
class World:
    app: RunningApp
    role_id: int
    pages: list[ScorecardPage]
    workdir: Path
    numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    # ------------------------------------------------------------------ building subjects

    def candidate(self) -> Candidate:
        """A new candidate added by the recruiter over HTTP, with the guest as their Slack user."""
        n = next(self.numbers)
        return add_candidate(
            self.app, name=f"Subject {n}", email=f"subject{n}@example.org", slack_user=CANDIDATE, role_id=self.role_id
        )

    def round(self, candidate: Candidate, *, panel: list[str], started: bool) -> Interview:
        now = self.app.clock.now()
        starts = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
        with self.app.services.db.transaction() as session:
            ctx = schedule_round(
                session,
                self.app.services.kits,
                candidate_id=candidate.id or 0,
                stage_key="panel",
                interviewer_ids=panel,
                starts_at=starts,
                duration_minutes=60,
                location="https://meet.example.com/panel",
                actor=RECRUITER,
                now=now,
            )
            interview = ctx.interview
        if started:
            self.app.clock.set(interview.ends_at + timedelta(minutes=5))
        return interview

    def score(self, interview: Interview, user: str, notes: str) -> None:
        kit = self.app.services.kits.kits[KIT["key"]]
        answers = {
            key: Answer("exceeds", kit.question(key).positive[:1], kit.question(key).negative[:1])
            for key in kit.stage("panel").questions
        }
        with self.app.services.db.transaction() as session:
            submit_scorecard(
                session,
                self.app.services.kits,
                interview.id or 0,
                user,
                answers,
                "strong_yes",
                notes,
                self.app.clock.now(),
            )

    def fresh(self) -> Subject:
        return Subject(self.candidate())

    def on_hold(self) -> Subject:
        candidate = self.candidate()
        with self.app.services.db.transaction() as session:
            change_stage(
                session,
                self.app.services.kits,
                candidate.id or 0,
                "hold",
                RECRUITER,
                self.app.clock.now(),
                reason="Wait",
            )
        return Subject(candidate)

    def upcoming(self) -> Subject:
        candidate = self.candidate()
        return Subject(candidate, self.round(candidate, panel=[INTERVIEWER_1, PANELIST], started=False))

    def started(self) -> Subject:
        candidate = self.candidate()
        return Subject(candidate, self.round(candidate, panel=[INTERVIEWER_1, PANELIST], started=True))

    def submitted(self) -> Subject:
        """The assigned interviewer has submitted; the co-panelist has not."""
        subject = self.started()
        assert subject.interview is not None
        self.score(subject.interview, INTERVIEWER_1, "My first take.")
        return subject

    def witness_submitted(self) -> Subject:
        """The co-panelist has submitted (with a marker in the notes); the assigned interviewer has not."""
        subject = self.started()
        assert subject.interview is not None
        subject.marker = f"Blindspot{next(self.numbers)}x"
        self.score(subject.interview, PANELIST, f"{subject.marker}: sharp on back-pressure.")
        return subject

    def debriefed(self) -> Subject:
        """Both have submitted and the debrief has gone out."""
        subject = self.witness_submitted()
        assert subject.interview is not None
        self.score(subject.interview, INTERVIEWER_1, f"{subject.marker}: vague on retries.")
        # What is due by the next working-hours start: the debrief DMs wait for the hiring team's hours.
        unpaced_dispatcher(self.app.services).run_once(self.app.clock.now() + timedelta(hours=20))
        return subject

    # ------------------------------------------------------------------ reading the database

    def reload(self, candidate: Candidate) -> Candidate:
        with self.app.services.db.read() as session:
            found = session.get(Candidate, candidate.id)
            assert found is not None
            return found

    def events(self, candidate: Candidate) -> int:
        with self.app.services.db.read() as session:
            return len(session.exec(select(StageEvent).where(StageEvent.candidate_id == candidate.id)).all())

    def rounds(self, candidate: Candidate) -> int:
        with self.app.services.db.read() as session:
            return len(session.exec(select(Interview).where(Interview.candidate_id == candidate.id)).all())

    def interview(self, interview: Interview) -> Interview:
        with self.app.services.db.read() as session:
            found = session.get(Interview, interview.id)
            assert found is not None
            return found

    def notes(self, interview: Interview, user: str) -> list[str]:
        with self.app.services.db.read() as session:
            return list(
                session.exec(
                    select(Scorecard.notes).where(
                        Scorecard.interview_id == interview.id, Scorecard.interviewer_id == user
                    )
                )
            )

    def created(self, email: str) -> bool:
        with self.app.services.db.read() as session:
            found = session.exec(select(Candidate).where(Candidate.email == email)).first()
            return found is not None and found.thread_ts is not None

    # ------------------------------------------------------------------ acting as a person

    def command(self, user: str, command: str, text: str) -> Reply:
        marks = self.marks(user)
        response = self.app.client.command(user, command, text)
        if response.status_code != 200:
            return Reply(text=f"HTTP {response.status_code}: {response.text[:200]}")
        if response.text:
            return Reply(text=said(response), body=response.json())
        return self.await_reply(user, marks)

    def click(
        self,
        user: str,
        action_id: str,
        value: str,
        *,
        channel: str,
        message_ts: str | None = None,
        effect: Callable[[], bool] | None = None,
    ) -> Reply:
        marks = self.marks(user)
        response = self.app.client.block_action(user, action_id, value, channel_id=channel, message_ts=message_ts)
        if response.status_code != 200:
            return Reply(text=f"HTTP {response.status_code}: {response.text[:200]}")
        return self.await_reply(user, marks, effect)

    def submit(
        self, user: str, view: dict[str, Any], values: dict[str, Any], effect: Callable[[], bool] | None = None
    ) -> Reply:
        # Slack gives every view its own id; the stand-in's and the client's counters may collide.
        view = {**view, "id": view.get("id") or f"VAUTHZ{next(self.numbers)}"}
        response = self.app.client.view_submission(user, view, values)
        if response.status_code != 200:
            return Reply(text=f"HTTP {response.status_code}: {response.text[:200]}")
        body = response.json() if response.text else {}
        action = body.get("response_action")
        if action == "errors":
            return Reply(text="\n".join(body.get("errors", {}).values()), body=body)
        if action == "push":
            return Reply(view=body["view"], body=body)
        took = waited(effect, self.app.deliver)
        return Reply(
            text="" if took else f"accepted ({action or 'closed'}) but nothing changed", body=body, effect=took
        )

    def marks(self, user: str) -> tuple[int, int, str | None]:
        views = self.app.slack.open_views(user)
        return (
            len(self.app.slack.ephemerals(user)),
            len(self.app.slack.dm_messages(user)),
            (views[-1]["id"] if views else None),
        )

    def await_reply(
        self, user: str, marks: tuple[int, int, str | None], effect: Callable[[], bool] | None = None
    ) -> Reply:
        """The first of: the effect, a new modal for `user`, or a warning told to them (ephemeral or DM)."""
        ephemerals, dms, top = marks
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if effect is not None and effect():
                return Reply(effect=True)
            views = self.app.slack.open_views(user)
            if views and views[-1]["id"] != top:
                return Reply(view=views[-1])
            told = self.app.slack.ephemerals(user)[ephemerals:] + self.app.slack.dm_messages(user)[dms:]
            warnings = [all_text(m) for m in told if ":warning:" in all_text(m)]
            if warnings:
                return Reply(text="\n".join(warnings))
            time.sleep(0.01)
        return Reply(text="no answer, no modal and no effect within 5 s")

    def home(self, user: str) -> str:
        before = len(self.app.slack.calls_to("views.publish"))
        self.app.client.event({"type": "app_home_opened", "user": user, "tab": "home"})
        self.app.slack.wait_for(lambda: len(self.app.slack.calls_to("views.publish")) > before)
        return all_text(self.app.slack.home(user))

    # ------------------------------------------------------------------ form answers

    def schedule_form(self, view: dict[str, Any], *, days: int, stage: str | None) -> dict[str, Any]:
        """The schedule form, `days` from now, in the time zone the modal was opened in."""
        tz = str(json.loads(view.get("private_metadata") or "{}").get("tz") or "UTC")
        when = (self.app.clock.now() + timedelta(days=days)).astimezone(ZoneInfo(tz))
        return schedule_values(
            stage=stage,
            interviewers=[INTERVIEWER_1, PANELIST],
            date=when.strftime("%Y-%m-%d"),
            time=when.strftime("%H:00"),
            duration="60",
        )

    def scorecard_page(self, number: int, notes: str) -> dict[str, Any]:
        """What Slack sends for one page: a rating per question; on the last, recommendation and notes."""
        page = self.pages[number - 1]
        values = {f"rating:{i}": select_value("meets", "radio_buttons") for i, _ in page.questions}
        if page.last:
            values["recommendation"] = select_value("yes", "radio_buttons")
            values["notes"] = text_value(notes)
        return values

    def carried(self) -> dict[str, Any]:
        """Page one's answers as the second page's metadata carries them."""
        return {str(i): ["meets", [], []] for i, _ in self.pages[0].questions}


def waited(effect: Callable[[], bool] | None, deliver: Callable[[], object] | None = None, timeout: float = 5) -> bool:
    """Whether `effect` came about within `timeout`, delivering the outbox (`deliver`) meanwhile."""
    if effect is None:
        return False
    deadline = time.monotonic() + timeout
    next_delivery = 0.0
    while time.monotonic() < deadline:
        if deliver is not None and time.monotonic() >= next_delivery:
            deliver()
            next_delivery = time.monotonic() + 0.05
        if effect():
            return True
        time.sleep(0.01)
    return False


def forged(callback_id: str, metadata: dict[str, Any]) -> dict[str, Any]:
    """A view submission Slack never opened for this person: only the callback and metadata."""
    return {"type": "modal", "callback_id": callback_id, "private_metadata": json.dumps(metadata), "blocks": []}


def button(body: Any, action_id: str) -> str | None:
    """The value of the button `action_id` anywhere in a message or view."""
    if isinstance(body, dict):
        if body.get("type") == "button" and body.get("action_id") == action_id:
            return str(body.get("value", ""))
        items: list[Any] = list(body.values())
    elif isinstance(body, list):
        items = body
    else:
        return None
    for item in items:
        found = button(item, action_id)
        if found is not None:
            return found
    return None


def verdict(entry: str, reply: Reply, *, view: str | None = None, confirm: str | None = None) -> Seen:
    """allowed: the effect, the expected modal or a confirmation; refused: a message naming who may."""
    if reply.effect:
        return Seen(entry, Y, "it took effect")
    if reply.view is not None:
        opened = reply.view.get("callback_id")
        if view is not None and opened == view:
            return Seen(entry, Y, f"the {opened} modal opened")
        return Seen(entry, "unclear", f"an unexpected modal opened: {opened}")
    if confirm is not None and button(reply.body, confirm) is not None:
        return Seen(entry, Y, "asked to confirm")
    if NAMES_WHO.search(reply.text):
        return Seen(entry, N, reply.text)
    return Seen(entry, "unclear", reply.text or "no answer")


# ---------------------------------------------------------------------- the probes, one per action

Probe = Callable[[World, Subject, str], list[Seen]]


def probe_create(w: World, _: Subject, user: str) -> list[Seen]:
    opened = w.command(user, "/candidate", "new")
    email = f"created{next(w.numbers)}@example.org"
    view = opened.view or forged(NEW_CANDIDATE, {"channel": "C0GENERAL"})
    values = new_candidate_values(name="Nia New", email=email, role_id=w.role_id)
    created = w.submit(user, view, values, effect=lambda: w.created(email))
    return [
        verdict("/candidate new", opened, view=NEW_CANDIDATE),
        verdict("new-candidate modal submission", created),
    ]


def probe_schedule(w: World, s: Subject, user: str) -> list[Seen]:
    assert s.candidate is not None
    c = w.reload(s.candidate)
    command = w.command(user, "/interview", f"schedule #{c.id}")
    card = w.click(user, SCHEDULE, button_value(c), channel=HIRING_CHANNEL, message_ts=c.thread_ts)
    view = card.view or command.view or forged(SCHEDULE_FORM, {"candidate_id": c.id, "tz": "UTC"})
    before = w.rounds(c)
    scheduled = w.submit(user, view, w.schedule_form(view, days=2, stage="panel"), lambda: w.rounds(c) > before)
    return [
        verdict("/interview schedule", command, view=SCHEDULE_FORM),
        verdict("card button Schedule interview", card, view=SCHEDULE_FORM),
        verdict("schedule modal submission", scheduled),
    ]


def probe_reschedule(w: World, s: Subject, user: str) -> list[Seen]:
    assert s.candidate is not None and s.interview is not None
    c, interview = s.candidate, s.interview
    command = w.command(user, "/interview", f"reschedule #{c.id}")
    metadata = {"candidate_id": c.id, "interview_id": interview.id, "tz": "UTC"}
    view = command.view or forged(RESCHEDULE, metadata)
    was = w.interview(interview).starts_at
    moved = w.submit(
        user, view, w.schedule_form(view, days=3, stage=None), lambda: w.interview(interview).starts_at != was
    )
    return [
        verdict("/interview reschedule", command, view=RESCHEDULE),
        verdict("reschedule modal submission", moved),
    ]


def probe_cancel(w: World, s: Subject, user: str) -> list[Seen]:
    assert s.candidate is not None and s.interview is not None
    c, interview = s.candidate, s.interview
    command = w.command(user, "/interview", f"cancel #{c.id}")
    value = button(command.body, CANCEL) or str(interview.id)
    clicked = w.click(
        user, CANCEL, value, channel="C0GENERAL", effect=lambda: w.interview(interview).status == "cancelled"
    )
    return [
        verdict("/interview cancel", command, confirm=CANCEL),
        verdict("Cancel round button", clicked),
    ]


def probe_advance(w: World, s: Subject, user: str) -> list[Seen]:
    assert s.candidate is not None
    c = w.reload(s.candidate)
    command = w.command(user, "/candidate", f"advance #{c.id}")
    before = w.events(c)
    clicked = w.click(
        user, ADVANCE, button_value(c), channel=HIRING_CHANNEL, message_ts=c.thread_ts,
        effect=lambda: w.events(c) > before,
    )  # fmt: skip
    return [
        verdict("/candidate advance", command, confirm=ADVANCE),
        verdict("card button Advance", clicked),
    ]


def probe_stage_change(action: str, action_id: str) -> Probe:
    """Hold, reject and reopen: the command and the card button open the reason modal; its submission acts."""

    def probe(w: World, s: Subject, user: str) -> list[Seen]:
        assert s.candidate is not None
        c = w.reload(s.candidate)
        command = w.command(user, "/candidate", f"{action} #{c.id}")
        card = w.click(user, action_id, button_value(c), channel=HIRING_CHANNEL, message_ts=c.thread_ts)
        metadata = {"candidate_id": c.id, "action": action, "expected": [c.stage_key, c.status]}
        view = card.view or command.view or forged(STAGE_REASON, metadata)
        before = w.events(c)
        changed = w.submit(user, view, {"reason": text_value("Decided with the team")}, lambda: w.events(c) > before)
        return [
            verdict(f"/candidate {action}", command, view=STAGE_REASON),
            verdict(f"card button {action.title()}", card, view=STAGE_REASON),
            verdict("reason modal submission", changed),
        ]

    return probe


def probe_purge(w: World, s: Subject, user: str) -> list[Seen]:
    assert s.candidate is not None
    c = s.candidate
    command = w.command(user, "/candidate", f"purge #{c.id}")
    value = button(command.body, PURGE) or str(c.id)
    clicked = w.click(user, PURGE, value, channel="C0GENERAL", effect=lambda: w.reload(c).purged_at is not None)
    return [
        verdict("/candidate purge", command, confirm=PURGE),
        verdict("Purge button", clicked),
    ]


def probe_scorecard(*, edit: bool) -> Probe:
    """Open the scorecard by command and by the DM button, then submit both pages (forged when no
    modal opened). An edit must open with the person's own answers filled in."""

    def probe(w: World, s: Subject, user: str) -> list[Seen]:
        assert s.candidate is not None and s.interview is not None
        interview = s.interview
        command = w.command(user, "/scorecard", f"#{s.candidate.id}")
        clicked = w.click(user, SUBMIT, str(interview.id), channel=f"D{user}")
        first = clicked.view or command.view or forged(SCORECARD_FORM, {"i": interview.id, "p": 1, "a": {}})
        notes = f"Notes {next(w.numbers)} by {user}."
        page = w.submit(user, first, w.scorecard_page(1, notes))
        pushed = page.view if page.view is not None and page.view.get("callback_id") == SCORECARD_FORM else None
        last = pushed or forged(SCORECARD_FORM, {"i": interview.id, "p": 2, "a": w.carried()})
        done = w.submit(user, last, w.scorecard_page(2, notes), lambda: w.notes(interview, user) == [notes])
        seen = [
            verdict("/scorecard <candidate>", command, view=SCORECARD_FORM),
            verdict("Submit scorecard button (DM)", clicked, view=SCORECARD_FORM),
            verdict("scorecard first page (Next)", page, view=SCORECARD_FORM),
            verdict("scorecard last page (Submit)", done),
        ]
        if edit:
            for opened in (command.view, clicked.view):
                if opened is not None and "initial_option" not in json.dumps(opened):
                    seen.append(Seen("scorecard modal", "unclear", "opened without their own earlier answers"))
        return seen

    return probe


def probe_read(w: World, s: Subject, user: str) -> list[Seen]:
    """Everything the bot shows this person that could carry the co-panelist's ratings or notes."""
    assert s.candidate is not None
    shown: dict[str, str] = {}
    guest_refusals: list[str] = []
    for entry, (command, text) in {
        "/candidate <candidate>": ("/candidate", f"#{s.candidate.id}"),
        "/scorecard <candidate>": ("/scorecard", f"#{s.candidate.id}"),
        "/scorecard": ("/scorecard", ""),
    }.items():
        reply = w.command(user, command, text)
        modal = json.dumps(reply.view) if reply.view else ""
        # Someone who has not submitted finds no answers filled in: any would be another's.
        shown[entry] = reply.text + modal + (" [prefilled ratings]" if "initial_option" in modal else "")
        if user == CANDIDATE and entry.endswith("<candidate>") and MEMBERS_ONLY not in reply.text:
            guest_refusals.append(f"{entry} answered a guest with: {reply.text[:150] or modal[:150]}")
    shown["App Home"] = w.home(user)
    shown["their DMs"] = all_text(w.app.slack.dm_messages(user))
    shown["their ephemeral messages"] = all_text(w.app.slack.ephemerals(user))
    seen = [
        Seen(entry, Y, "shows it") if s.marker in text or "[prefilled ratings]" in text else Seen(entry, N, "absent")
        for entry, text in shown.items()
    ]
    return seen + [Seen("guest refusal", "unclear", problem) for problem in guest_refusals]


def probe_export(w: World, s: Subject, user: str) -> list[Seen]:
    """No Slack command exports: whatever anyone types, no scorecard comes back."""
    seen = []
    for command, text in (("/hiring", "export"), ("/candidate", "export"), ("/scorecard", "export")):
        reply = w.command(user, command, text)
        entry = f"{command} {text}"
        if s.marker in reply.text + json.dumps(reply.view or {}):
            seen.append(Seen(entry, Y, reply.text[:200]))
        elif user == CANDIDATE and command != "/hiring" and MEMBERS_ONLY not in reply.text:
            seen.append(Seen(entry, "unclear", f"a guest got: {reply.text[:150]}"))
        else:
            seen.append(Seen(entry, N, reply.text[:200]))
    return seen


# ---------------------------------------------------------------------- checks on the row as a whole


def thread_text(w: World, s: Subject) -> str:
    assert s.candidate is not None
    c = w.reload(s.candidate)
    assert c.channel_id and c.thread_ts
    return all_text(w.app.slack.thread(c.channel_id, c.thread_ts))


def thread_is_blind(w: World, s: Subject) -> list[str]:
    if s.marker in thread_text(w, s):
        return ["the candidate thread shows a scorecard before the debrief"]
    return []


def thread_has_debrief(w: World, s: Subject) -> list[str]:
    if s.marker not in thread_text(w, s):
        return ["the debrief is not in the candidate thread"]
    return []


def cli_exports(w: World, s: Subject) -> list[str]:
    """The export exists, server-side: `interview-bot export` holds the notes Slack never shows."""
    out = w.workdir / "export.json"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", w.app.services.db.url)
        if main(["export", "--out", str(out)]) != 0:
            return ["interview-bot export failed"]
    notes = [card["notes"] for card in json.loads(out.read_text())["scorecards"]]
    return [] if any(s.marker in n for n in notes) else ["interview-bot export lacks the scorecards"]


@dataclass(frozen=True)
class Action:
    setup: Callable[[World], Subject]
    probe: Probe
    kind: Literal["change", "read"] = "change"
    row_check: Callable[[World, Subject], list[str]] | None = None


ACTIONS: dict[str, Action] = {
    "create a candidate": Action(lambda w: Subject(), probe_create),
    "schedule a round": Action(World.fresh, probe_schedule),
    "reschedule a round": Action(World.upcoming, probe_reschedule),
    "cancel a round": Action(World.upcoming, probe_cancel),
    "advance": Action(World.fresh, probe_advance),
    "hold": Action(World.fresh, probe_stage_change("hold", HOLD)),
    "reject": Action(World.fresh, probe_stage_change("reject", REJECT)),
    "reopen": Action(World.on_hold, probe_stage_change("reopen", REOPEN)),
    "purge": Action(World.fresh, probe_purge),
    "submit a scorecard": Action(World.started, probe_scorecard(edit=False)),
    "edit a submitted scorecard": Action(World.submitted, probe_scorecard(edit=True)),
    "edit a scorecard after the debrief": Action(World.debriefed, probe_scorecard(edit=True)),
    "read another interviewer's scorecard": Action(World.witness_submitted, probe_read, "read", thread_is_blind),
    "read a debrief": Action(World.debriefed, probe_read, "read", thread_has_debrief),
    "export": Action(World.debriefed, probe_export, "read", cli_exports),
}


def snapshot(db: Database) -> dict[str, list[str]]:
    """Every row of every table (App Home event ids aside: opening a tab is recorded once, by design;
    and the person table's copy of Slack profiles, read by any form or Home, refused or not)."""
    tables: dict[str, list[str]] = {}
    with db.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if table.name == "person":
                rows = sorted(
                    repr((r.user_id, r.hours, r.max_per_day, r.max_per_week))
                    for r in conn.execute(table.select())
                    if r.hours or r.max_per_day or r.max_per_week
                )
                tables[table.name] = rows
                continue
            rows = sorted(repr(tuple(row)) for row in conn.execute(table.select()))
            if table.name == "processed_event":
                rows = [r for r in rows if not r.startswith("('event:")]
            tables[table.name] = rows
    return tables


def judge(
    cell: str,
    action: Action,
    want: Verdict,
    seen: list[Seen],
    before: dict[str, list[str]],
    after: dict[str, list[str]],
) -> list[str]:
    problems = []
    if action.kind == "read":
        got: Verdict = (
            Y if any(s.verdict == Y for s in seen) else N if seen and all(s.verdict == N for s in seen) else "unclear"
        )
        if got != want:
            detail = "; ".join(f"{s.entry}: {s.verdict} ({s.evidence[:150]})" for s in seen if s.verdict != N)
            problems.append(f"{cell}: expected {want}, got {got}: {detail or 'shown nowhere'}")
    else:
        problems += [
            f"{cell} via {s.entry}: expected {want}, got {s.verdict}: {s.evidence[:300]}"
            for s in seen
            if s.verdict != want
        ]
    if want == N and before != after:
        changed = [f"{t} ({len(before[t])} -> {len(after[t])} rows)" for t in before if before[t] != after[t]]
        problems.append(f"{cell}: refused, yet wrote to {', '.join(changed)}")
    return problems


def run_row(w: World, name: str, action: Action) -> list[str]:
    expected = dict(zip(ROLES, TABLE[name], strict=True))
    subject = action.setup(w)
    w.app.wait_idle()
    problems = action.row_check(w, subject) if action.row_check else []
    fresh_needed = False
    # Refusals first: they must leave the subject exactly as it was for the allowed ones.
    for role in sorted(ROLES, key=lambda r: expected[r] == Y):
        want = expected[role]
        if want == Y and action.kind == "change":
            if fresh_needed:
                subject = action.setup(w)
                w.app.wait_idle()
            fresh_needed = True
        before = snapshot(w.app.services.db)
        seen = action.probe(w, subject, USERS[role])
        w.app.wait_idle()
        after = snapshot(w.app.services.db)
        problems += judge(f"{name} × {role}", action, want, seen, before, after)
        if want == N and before != after:
            subject = action.setup(w)  # what the refused person changed must not confuse the next one
            w.app.wait_idle()
    return [f"[{name}] {p}" for p in problems]


def test_every_action_against_every_role(db: Database, slack: SlackStandIn, tmp_path: Path) -> None:
    assert list(TABLE) == list(ACTIONS)
    slack.add_user(PANELIST, "pat", real_name="Pat Panelist", tz="Europe/Berlin", tz_offset=3600)
    kits = tmp_path / "kits"
    kits.mkdir()
    (kits / "platform-panel.yaml").write_text(yaml.safe_dump(KIT, sort_keys=False))
    with running_app(db, slack, kits_dir=kits) as app:
        role = make_role(app, title=KIT["title"], kit=KIT["key"])
        kit = app.services.kits.kits[KIT["key"]]
        pages = paginate([kit.question(key) for key in kit.stage("panel").questions])
        assert len(pages) == 2, "the panel's scorecard must take two modal pages"
        world = World(app, role.id or 0, pages, tmp_path)
        # This table is about who may do what, not about load: the panel takes any number of rounds.
        with app.services.db.transaction() as session:
            for person in (INTERVIEWER_1, PANELIST):
                set_schedule(
                    session, person, spec="mon-sun 00:00-24:00", max_per_day=20, max_per_week=60,
                    actor=RECRUITER, now=app.clock.now(),
                )  # fmt: skip
        # The other interviewer really is one: on a round of another candidate, not on the subjects'.
        world.round(world.candidate(), panel=[INTERVIEWER_2], started=True)
        problems = [p for name, action in ACTIONS.items() for p in run_row(world, name, action)]
        assert not problems, f"{len(problems)} cells break the policy:\n" + "\n".join(problems)
