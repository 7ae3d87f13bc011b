"""Hypothesis drives every slash command's text and every modal submission with arbitrary values,
over signed HTTP against the real app: never a 5xx, never a partial write, always a
message that names the problem.

One running app per test; each example is one request. Commands only read or open modals, so no
table changes. A modal either accepts (an empty 200, `clear` or `push`) or answers
`response_action: errors` keyed to input blocks of the view that was submitted (Slack refuses any
other block id), with nothing written.

Modal payloads start from a valid answer and break up to three blocks of it (missing, the wrong
element type, junk, odd values), and sometimes the private_metadata: a wholly random form almost
never gets past the first check, so it would never reach the database. The regressions at the end
pin each bug these tests found.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import SQLModel, col

from blocks.candidate import ADVANCE
from blocks.candidate_modals import reason_modal
from blocks.scorecard import SUBMIT
from bot.devtools.slack_requests import answer_scorecard, text_value
from bot.devtools.slack_standin import MESSAGE_TEXT_LIMIT, check_blocks, check_view
from bot.rules.commands import COMMANDS, CommandSpec
from bot.rules.message_kinds import Kind
from models.tables import Candidate, Interview, OutboxMessage, PersonRecord, StageEvent
from tests.conftest import CANDIDATE, INTERVIEWER_1, INTERVIEWER_2, MEMBER, RECRUITER, RunningApp
from tests.flows import (
    add_candidate,
    all_text,
    click_card,
    command_for_view,
    make_role,
    new_candidate_values,
    new_view,
    open_new_candidate,
    reload,
    schedule_round_via_card,
    schedule_values,
    views_opened,
    wait_replies,
)

FUZZ = settings(
    # 50 each (300, then 150, then 75 before): accepted examples deliver their card and notes through the
    # outbox, the calendar tests came, and the whole suite must stay under 5 minutes on 2 cores.
    max_examples=50,
    deadline=None,
    database=None,  # no .hypothesis/ in the work tree; a failure prints its example and a reproduce blob
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# What `guarded` answers when a listener crashed: a reference, not the problem. Never acceptable here.
CRASHED = "Something went wrong on our side"
# Library wording that means a message was never written for people.
UNHELPFUL = (CRASHED, "Input should be", "validation error", "Traceback", "object has no attribute")
# 14:00 in New York (the recruiter's zone in the stand-in) on 25 November: the round in `world`.
STARTS = datetime(2026, 11, 25, 19, 0, tzinfo=UTC)

# Text that has broken apps like this one: NUL (PostgreSQL text cannot hold it), lengths around the
# columns' limits, mentions and links Slack would render, SQL and LIKE metacharacters, odd Unicode.
NASTY = [
    "\x00",
    "nul\x00byte",
    "x" * 33,
    "x" * 201,
    "x" * 255,
    "x" * 501,
    "x" * 1001,
    "x" * 3001,
    "<@U0RECRUIT>",
    "<!channel>",
    "<https://evil.example|click>",
    "%_\\'",
    "' OR '1'='1",
    "'; DROP TABLE candidate; --",
    "\u202eevil",
    "\u200b",
    "\r\n\t",
    "Zoë Ångström",
    "😀" * 40,
]


# ---------------------------------------------------------------------------------------- helpers


def row_counts(app: RunningApp) -> dict[str, int]:
    """Rows per table, after whatever the request set going has finished. A report asked for is
    not a change of state: its outbox row (the report to send) is not counted; nor are the person
    rows that only copy Slack's profiles (a zone read the first time), only those someone set."""
    app.listeners.wait_idle()
    app.reports.wait_idle()
    with app.services.db.read() as session:
        counts = {
            table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }
        counts["person"] = session.execute(
            select(func.count()).select_from(PersonRecord).where(col(PersonRecord.updated_by).is_not(None))
        ).scalar_one()
        counts["outbox"] -= session.execute(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == Kind.report)
        ).scalar_one()
        return counts


def lazy_effects(app: RunningApp) -> int:
    """Everything a lazy listener does for the person who asked: a modal or a message."""
    return sum(len(app.slack.calls_to(m)) for m in ("views.open", "chat.postEphemeral", "chat.postMessage"))


def assert_helpful(message: Any) -> None:
    assert isinstance(message, str) and message.strip(), message
    for phrase in UNHELPFUL:
        assert phrase not in message, message


def world(app: RunningApp) -> tuple[Candidate, Candidate]:
    """A role, two candidates (Casey has a Slack guest account), and Casey's first round with
    INTERVIEWER_1 under way, so every command has something real to find."""
    make_role(app)
    casey = add_candidate(app, slack_user=CANDIDATE)
    zoe = add_candidate(app, name="Zoë Ångström", email="zoe@example.org", source="Job board")
    click_card(app, RECRUITER, casey, ADVANCE)
    wait_replies(app, casey, 2)
    response = schedule_round_via_card(app, casey, interviewers=[INTERVIEWER_1])
    assert response.status_code == 200 and not response.text, response.text
    wait_replies(app, casey, 3)
    app.clock.set(STARTS + timedelta(minutes=30))
    return reload(app, casey), reload(app, zoe)


# ----------------------------------------------------------------------------------- command text

SUBCOMMANDS = [
    "",
    "help",
    "HELP",
    "new",
    "list",
    "advance",
    "hold",
    "reject",
    "reopen",
    "schedule",
    "reschedule",
    "cancel",
    "roles",
    "kits",
    "report",
]
LOOKALIKES = [
    "casey",
    "Casey Candidate",
    "zoë",
    "ZOE",
    "angstr",
    "zo",
    "#1",
    "#2",
    "1",
    "2",
    "#0",
    "#-1",
    "# 1",
    "#99999999999999999999999",
    "9223372036854775808",
    "2147483648",
    "²",
    "#١",
    "١",
    "<@U0GUEST>",
    "<@U0RECRUIT|rita>",
    "<#C0HIRING|hiring-backend>",
    "<!here>",
    "casey@example.org",
    "zoe@example.org",
    "@casey",
    "%",
    "_",
    "\\",
    "'",
    '"',
    "*bold*",
    "`code`",
    "&lt;",
    "backend",
    "Backend Developer",
]
word = st.one_of(st.sampled_from(LOOKALIKES), st.sampled_from(NASTY), st.text(max_size=30))
separator = st.sampled_from([" ", "  ", "\t", "\n", " \u00a0 "])
phrase = st.builds(
    lambda first, rest, sep: sep.join([first, *rest]),
    st.sampled_from(SUBCOMMANDS),
    st.lists(word, min_size=1, max_size=3),
    separator,
)
huge = st.builds(lambda chunk, n: chunk * n, st.text(min_size=1, max_size=3), st.integers(1_000, 8_000))
command_text = st.one_of(
    phrase,
    phrase,
    phrase,
    st.sampled_from(SUBCOMMANDS),
    st.text(),
    huge,
    st.builds(lambda sub, tail: f"{sub} {tail}", st.sampled_from(SUBCOMMANDS), huge),
)
people = st.sampled_from([RECRUITER, MEMBER, INTERVIEWER_1, CANDIDATE])


@pytest.mark.parametrize("spec", COMMANDS, ids=[c.name.lstrip("/") for c in COMMANDS])
def test_any_command_text_is_answered_and_writes_nothing(app: RunningApp, spec: CommandSpec) -> None:
    world(app)

    @FUZZ
    @given(text=command_text, user=people)
    # Regressions: ids past INTEGER, digits int() refuses, NUL on PostgreSQL, a guest searching.
    @example(text="#99999999999999999999999", user=MEMBER)
    @example(text="schedule #2147483648", user=RECRUITER)
    @example(text="²", user=MEMBER)
    @example(text="0" * 5000, user=MEMBER)
    @example(text="÷가" * 6250, user=MEMBER)
    @example(text="hold nul\x00byte", user=RECRUITER)
    @example(text="zoë", user=CANDIDATE)
    @example(text="hold zo", user=CANDIDATE)
    def command(text: str, user: str) -> None:
        before = row_counts(app)
        effects = lazy_effects(app)
        calls = len(app.slack.calls)
        response = app.client.command(user, spec.name, text)
        assert response.status_code == 200, response.text
        if response.text:
            body = response.json()
            assert_helpful(body.get("text"))
            assert len(body["text"]) <= MESSAGE_TEXT_LIMIT
            assert check_blocks(body.get("blocks", [])) == []
            answer = all_text(body)
        else:
            # The answer comes after the ack: a modal, or the problem in an ephemeral message.
            app.slack.wait_for(lambda: lazy_effects(app) > effects)
            app.wait_idle()  # every call the listener makes, made
            new = app.slack.calls[calls:]
            assert all(c.error is None for c in new), [(c.method, c.error) for c in new]
            answer = all_text([c.args for c in new])
            assert CRASHED not in answer
        if user == CANDIDATE:
            # A candidate (a guest) learns nothing about anyone in the pipeline (beyond their own words).
            for secret in ("Zoë", "zoe@example.org", "Job board", "Hiring manager technical"):
                assert secret in text or secret not in answer, (text, answer)
        assert row_counts(app) == before
        assert app.slack.violations == []

    command()


# --------------------------------------------------------------------------------- modal payloads

anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
long_text = st.builds(lambda chunk, n: chunk * n, st.text(min_size=1, max_size=2), st.integers(200, 5_000))

USER_IDS = [INTERVIEWER_1, INTERVIEWER_2, CANDIDATE, MEMBER, RECRUITER, "W0ENTERPRISE", "U" + "A" * 40, "C0HIRING"]
PLAUSIBLE: dict[str, list[str]] = {
    "name": ["Casey Candidate", "Zoë Ångström", "", "  "],
    "email": ["casey@example.org", "CASEY@EXAMPLE.ORG", "not-an-email", "a@b", "@", "x@y.z" * 60, "a\x00@b.co"],
    "role_id": ["1", "2", "3", "999", "0", "-1", "abc", "1.0", " 1", "99999999999999999999", "2147483648"],
    "slack_user_id": [*USER_IDS, "U0GUEST\n", "u0guest", ""],
    "link": ["https://example.org/cv", "example.org/cv", "javascript:alert(1)", "https://a b", "http://[x"],
    "link_long": ["https://" + "a" * 600],
    "stage": ["hiring-manager-technical", "peer-technical", "resume-screen", "offer", "nope", ""],
    "date": ["2026-11-25", "2026-12-01", "2020-01-01", "2026-02-30", "9999-12-31", "0001-01-01", "2028-01-01", ""],
    "time": ["14:00", "00:00", "23:59", "24:00", "9:5", "noon", ""],
    "duration": ["60", "5", "4", "600", "601", "-1", "0", "1e3", "60.5", "abc", "99999999999999999999"],
    "recommendation": ["yes", "no", "strong_yes", "strong_no", "maybe", ""],
    "rating": ["meets", "exceeds", "below", "not_assessed", "great", ""],
    "indicator": ["pos0", "pos1", "neg0", "neg1", "pos99", "neg-1", "posx", "pos", ""],
}
KINDS = [
    "plain_text_input",
    "email_text_input",
    "url_text_input",
    "number_input",
    "static_select",
    "radio_buttons",
    "users_select",
    "multi_users_select",
    "datepicker",
    "timepicker",
    "checkboxes",
]


def scalar_for(block_id: str) -> st.SearchStrategy[Any]:
    name = block_id.split(":")[0]
    key = {"pos": "indicator", "neg": "indicator", "interviewers": "slack_user_id"}.get(name, name)
    choices = PLAUSIBLE.get(key, []) + PLAUSIBLE.get(f"{key}_long", []) + NASTY
    return st.one_of(
        st.sampled_from(choices), st.sampled_from(choices), st.none(), st.text(max_size=40), long_text, anything
    )


def element(kind: str, block_id: str) -> st.SearchStrategy[dict[str, Any]]:
    """An element of `kind` as Slack puts it in state.values, holding a value for `block_id`."""
    value = scalar_for(block_id)
    if kind in ("static_select", "radio_buttons"):
        option = st.one_of(st.builds(lambda v: {"value": v}, value), st.none(), anything)
        return st.builds(lambda o: {"type": kind, "selected_option": o}, option)
    if kind == "users_select":
        return st.builds(lambda v: {"type": kind, "selected_user": v}, value)
    if kind == "multi_users_select":
        users = st.one_of(st.lists(value, max_size=12), st.none(), anything)
        return st.builds(lambda u: {"type": kind, "selected_users": u}, users)
    if kind == "datepicker":
        return st.builds(lambda v: {"type": kind, "selected_date": v}, value)
    if kind == "timepicker":
        return st.builds(lambda v: {"type": kind, "selected_time": v}, value)
    if kind == "checkboxes":
        picked = st.one_of(st.lists(st.builds(lambda v: {"value": v}, value), max_size=4), st.none(), anything)
        return st.builds(lambda p: {"type": kind, "selected_options": p}, picked)
    return st.builds(lambda v: {"type": kind, "value": v}, value)


def input_blocks(view: dict[str, Any]) -> dict[str, str]:
    """Input block id -> its element type, in the view as the app built it."""
    return {
        b["block_id"]: b.get("element", {}).get("type", "")
        for b in view.get("blocks", [])
        if b.get("type") == "input" and b.get("block_id")
    }


def block_state(block_id: str, kind: str) -> st.SearchStrategy[Any]:
    """One block of `state.values`: its own element with any value, another element, or junk."""
    action_id = st.sampled_from(["value", "value", "value", "other", ""])
    right = element(kind, block_id)
    wrong = st.sampled_from(KINDS).flatmap(lambda k: element(k, block_id))
    shaped = st.builds(lambda a, e: {a: e}, action_id, st.one_of(right, right, wrong))
    return st.one_of(shaped, shaped, shaped, st.none(), anything)


@st.composite
def state_values(draw: st.DrawFn, view: dict[str, Any], valid: dict[str, Any]) -> Any:
    """`state.values`: the valid answer with up to three blocks broken or missing; now and then
    not even an object."""
    if draw(st.integers(0, 24)) == 0:
        return draw(anything)
    blocks = input_blocks(view)
    values = {block_id: valid[block_id] for block_id in blocks if block_id in valid}
    for block_id in draw(st.lists(st.sampled_from(sorted(blocks)), max_size=3, unique=True)):
        if draw(st.integers(0, 4)) == 0:
            values.pop(block_id, None)
        else:
            values[block_id] = draw(block_state(block_id, blocks[block_id]))
    return values


@st.composite
def metadata(draw: st.DrawFn, real: str) -> str:
    """The view's private_metadata as the app wrote it, mostly; otherwise broken in every way."""
    pick = draw(st.integers(0, 9))
    if pick < 6:
        return real
    if pick == 6:
        return draw(st.one_of(st.text(max_size=50), st.sampled_from(["", "null", "[]", "{}", "1", '"x"', "{", "[1"])))
    if pick == 7:
        return json.dumps(draw(anything))
    meta = json.loads(real) if real else {}
    if not isinstance(meta, dict) or not meta:
        return real
    key = draw(st.sampled_from(sorted(meta)))
    if draw(st.booleans()):
        del meta[key]
    else:
        odd = [0, -1, 2**31, 2**63, 10**30, 1e300, "1", "2", "", [], ["x"], ["a", "b", "c"], {"0": 5}, {"0": [1]}]
        meta[key] = draw(st.one_of(anything, st.sampled_from(odd)))
    # Python's json writes Infinity for 1e400-like floats; Slack would pass it through as text.
    return json.dumps(meta)


submitters = st.sampled_from([RECRUITER, RECRUITER, INTERVIEWER_1])


def submit(app: RunningApp, user: str, view: dict[str, Any], values: Any) -> Any:
    """Submit `view` with raw `state.values` as Slack posts it; each submission gets a fresh view id
    (the app takes a view id once)."""
    fresh = {k: v for k, v in view.items() if k not in ("id", "state")}
    return app.client.view_submission(user, fresh, values)


def check_answer(app: RunningApp, view: dict[str, Any], response: Any, before: dict[str, int]) -> str:
    """The answer is one Slack accepts; errors are keyed to this view's input blocks, say what is
    wrong, and come with nothing written. Returns "accepted", "errors" or "push"."""
    assert response.status_code == 200, response.text
    if not response.text:
        return "accepted"
    body = response.json()
    action = body.get("response_action")
    if action == "clear":
        return "accepted"
    if action == "push":
        assert check_view(body["view"], expected_type="modal") == []
        assert row_counts(app) == before
        return "push"
    assert action == "errors", body
    errors = body["errors"]
    assert isinstance(errors, dict) and errors, body
    blocks = input_blocks(view)
    for block_id, message in errors.items():
        assert block_id in blocks, (block_id, sorted(blocks), message)
        assert_helpful(message)
    assert row_counts(app) == before, errors
    return "errors"


def fuzz_modal(
    app: RunningApp, view_now: Any, valid: Any, *, written: Any = None, users: st.SearchStrategy[str] = submitters
) -> None:
    """Submit `view_now()` (the modal as the app would show it now) with payloads drawn around
    `valid(view)`; `written(before, after)` checks what an accepted submission wrote."""

    @FUZZ
    @given(data=st.data(), user=users)
    def submission(data: st.DataObject, user: str) -> None:
        view = view_now()
        view = {**view, "private_metadata": data.draw(metadata(view["private_metadata"]), label="private_metadata")}
        values = data.draw(state_values(view, valid(view, data)), label="state.values")
        before, posted = row_counts(app), len(app.slack.calls_to("chat.postMessage"))
        outcome = check_answer(app, view, submit(app, user, view, values), before)
        if outcome == "accepted":
            if written is not None:
                written(before, row_counts(app))
            # Let the lazy listener post to the thread, and finish, before the next example.
            app.slack.wait_for(lambda: len(app.slack.calls_to("chat.postMessage")) > posted)
            app.wait_idle()
        assert app.slack.violations == []

    submission()


def check_baseline(app: RunningApp, view: dict[str, Any], values: dict[str, Any], user: str = RECRUITER) -> None:
    """The unbroken answer is accepted: the fuzz starts from something that works."""
    posted = len(app.slack.calls_to("chat.postMessage"))
    assert check_answer(app, view, submit(app, user, view, values), row_counts(app)) == "accepted"
    app.slack.wait_for(lambda: len(app.slack.calls_to("chat.postMessage")) > posted)


def round_world(app: RunningApp, panel: list[str]) -> tuple[Candidate, Interview]:
    make_role(app)
    casey = add_candidate(app, slack_user=CANDIDATE)
    click_card(app, RECRUITER, casey, ADVANCE)
    wait_replies(app, casey, 2)
    response = schedule_round_via_card(app, casey, interviewers=panel)
    assert response.status_code == 200 and not response.text, response.text
    wait_replies(app, casey, 3)
    with app.services.db.read() as session:
        (interview,) = session.execute(select(Interview)).scalars().all()
    return reload(app, casey), interview


def test_new_candidate_modal(app: RunningApp) -> None:
    make_role(app)
    # A role whose own recruiter is someone else: still the configured recruiter's to fill.
    make_role(app, title="Platform Engineer", kit="senior-backend-scalability", recruiter_ids=[INTERVIEWER_2])
    view = open_new_candidate(app)
    assert view["callback_id"] == "candidate_new"
    local = st.from_regex(r"[a-z]{1,8}", fullmatch=True)

    def valid(view: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
        # A fresh email most of the time (the same email twice in a role is refused).
        return new_candidate_values(email=f"{data.draw(local, label='email')}@example.org", role_id=1)

    def written(before: dict[str, int], after: dict[str, int]) -> None:
        assert after[Candidate.__tablename__] == before[Candidate.__tablename__] + 1
        assert after[StageEvent.__tablename__] == before[StageEvent.__tablename__] + 1

    check_baseline(app, view, new_candidate_values(email="first@example.org"))
    fuzz_modal(app, lambda: view, valid, written=written)


def test_stage_reason_modal(app: RunningApp) -> None:
    make_role(app)
    casey = add_candidate(app, slack_user=CANDIDATE)

    def view_now() -> dict[str, Any]:
        # The modal the card's Hold / Reject / Reopen button opens, for Casey's current state.
        current = reload(app, casey)
        action = {"active": "hold", "on_hold": "reject", "rejected": "reopen"}[current.status]
        origin = {"channel": "C0GENERAL"}
        return reason_modal(current, action, (current.stage_key, current.status), origin).to_dict()

    def valid(view: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
        return {"reason": text_value("Waiting on headcount")}

    def written(before: dict[str, int], after: dict[str, int]) -> None:
        assert after[StageEvent.__tablename__] == before[StageEvent.__tablename__] + 1

    check_baseline(app, view_now(), {"reason": text_value("First hold")})
    # Each accepted example moves Casey on (hold → reject → reopen → hold …), so all three are fuzzed.
    fuzz_modal(app, view_now, valid, written=written)


@pytest.mark.parametrize("callback", ["interview_schedule", "interview_reschedule"])
def test_schedule_and_reschedule_modals(app: RunningApp, callback: str) -> None:
    round_world(app, [INTERVIEWER_1])
    command = "schedule casey" if callback == "interview_schedule" else "reschedule casey"
    view = command_for_view(app, RECRUITER, "/interview", command)
    assert view["callback_id"] == callback
    stage = "hiring-manager-technical" if callback == "interview_schedule" else None

    def valid(view: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
        return schedule_values(stage=stage, interviewers=[INTERVIEWER_1], date="2026-11-30")

    def written(before: dict[str, int], after: dict[str, int]) -> None:
        if callback == "interview_schedule":
            assert after[Interview.__tablename__] == before[Interview.__tablename__] + 1
            assert after[OutboxMessage.__tablename__] > before[OutboxMessage.__tablename__]
        else:
            assert after[Interview.__tablename__] == before[Interview.__tablename__]

    check_baseline(app, view, schedule_values(stage=stage, interviewers=[INTERVIEWER_1], date="2026-11-27"))
    fuzz_modal(app, lambda: view, valid, written=written)


def test_scorecard_modal(app: RunningApp) -> None:
    # Two on the panel, and only one of them submits: the round stays open (no debrief), so
    # every accepted example after the baseline is an edit.
    _, interview = round_world(app, [INTERVIEWER_1, INTERVIEWER_2])
    app.clock.set(STARTS + timedelta(hours=2))
    before = views_opened(app, INTERVIEWER_1)
    app.client.block_action(INTERVIEWER_1, SUBMIT, str(interview.id), block_id="scorecard", channel_id="DU0INTONE")
    view = new_view(app, INTERVIEWER_1, before)
    assert view["callback_id"] == "scorecard_submit"

    def valid(view: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
        return answer_scorecard(view, rating="meets", pick=1, recommendation="yes", notes="Solid.")

    check_baseline(app, view, valid(view, None), user=INTERVIEWER_1)
    fuzz_modal(app, lambda: view, valid, users=st.sampled_from([INTERVIEWER_1, INTERVIEWER_1, RECRUITER]))
