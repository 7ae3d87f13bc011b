"""The line between a candidate and the hiring team, end to end over signed HTTP: a candidate's DM
is relayed to their thread (once, to the right candidacy), with the files sent with it and a ✅ on
the DM once it is through; recruiters answer from the thread (button or message shortcut, then a
modal) and only that reaches the candidate; everyone else is refused."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from slack_sdk.errors import SlackApiError
from sqlmodel import func, select

import bot.delivery.dispatcher as dispatcher_module
from blocks.candidate import ADVANCE, PURGE, REJECT
from blocks.line import LINE_REPLY, LINE_REPLY_VIEW, NOT_A_CANDIDATE, chunks, defang
from bot.delivery.line_files import RELAYED_REACTION, DownloadError, TooLarge, download, download_url
from bot.rules.commands import REPLY_TO_CANDIDATE
from bot.rules.line import MAX_FILE_BYTES
from bot.rules.message_kinds import Kind, outbox_row
from bot.slack.client import dispatcher_client
from models.tables import Candidate, OutboxMessage
from tests.conftest import CANDIDATE, HIRING_CHANNEL, INTERVIEWER_1, MEMBER, RECRUITER, RunningApp
from tests.flows import (
    add_candidate,
    all_text,
    card,
    click_card,
    click_for_view,
    dms,
    make_role,
    new_view,
    reload,
    replies,
    submit_reason,
    text_input,
    unpaced_dispatcher,
    views_opened,
    wait_replies,
)

SECOND_CHANNEL = "C0FRONTEND"


def dispatch(app: RunningApp) -> str:
    return str(unpaced_dispatcher(app.services, dispatcher_client(app.services.settings)).run_once(app.clock.now()))


def candidate_says(app: RunningApp, text: str, user: str = CANDIDATE, **kw: Any) -> httpx.Response:
    """`user` writes to the bot in its DM; Slack delivers the message event to the app."""
    response = app.client.event(app.slack.user_message(user, text), **kw)
    assert response.status_code == 200, response.text
    return response


def bot_dms(app: RunningApp, user: str) -> list[dict[str, Any]]:
    """What the bot wrote in its DM with `user` (their own messages left out)."""
    return [m for m in app.slack.dm_messages(user) if m.get("bot_id")]


def outbox_count(app: RunningApp) -> int:
    with app.services.db.read() as session:
        return session.exec(select(func.count()).select_from(OutboxMessage)).one()


def button_in(message: dict[str, Any]) -> dict[str, Any]:
    for block in message.get("blocks", []):
        for element in block.get("elements", []):
            if element.get("action_id") == LINE_REPLY:
                return element
    raise AssertionError(f"no Reply to candidate button in {all_text(message)[:200]}")


def click_reply(app: RunningApp, user: str, message: dict[str, Any], channel: str = HIRING_CHANNEL) -> None:
    response = app.client.block_action(
        user, LINE_REPLY, button_in(message)["value"], block_id="line", channel_id=channel, message_ts=message["ts"]
    )
    assert response.status_code == 200 and not response.text, response.text


def reply_view_via_button(app: RunningApp, message: dict[str, Any], user: str = RECRUITER) -> dict[str, Any]:
    before = views_opened(app, user)
    click_reply(app, user, message)
    return new_view(app, user, before)


def shortcut(app: RunningApp, user: str, message: dict[str, Any], channel: str = HIRING_CHANNEL) -> None:
    response = app.client.message_shortcut(user, REPLY_TO_CANDIDATE.callback_id, channel, message)
    assert response.status_code == 200 and not response.text, response.text


def send(app: RunningApp, view: dict[str, Any], text: str | None, user: str = RECRUITER) -> httpx.Response:
    return app.client.view_submission(user, view, {"text": text_input(text)})


def told(app: RunningApp, user: str, count: int) -> str:
    """The `count`th ephemeral answer to `user`, once it arrives."""
    app.slack.wait_for(lambda: len(app.slack.ephemerals(user)) >= count)
    return all_text(app.slack.ephemerals(user)[count - 1])


def relayed(app: RunningApp, candidate: Candidate, text: str) -> dict[str, Any]:
    """The thread reply that relays `text`, after a dispatcher pass."""
    dispatch(app)
    found = [m for m in replies(app, candidate) if text in all_text(m) and "(candidate)" in all_text(m)]
    assert len(found) == 1, [all_text(m)[:120] for m in replies(app, candidate)]
    return found[0]


def with_candidate(app: RunningApp, **values: Any) -> Candidate:
    make_role(app)
    return add_candidate(app, slack_user=CANDIDATE, **values)


def candidate_sends(app: RunningApp, text: str, files: dict[str, bytes], user: str = CANDIDATE) -> dict[str, Any]:
    """`user` uploads `files` (name -> bytes) into their DM with the bot, with `text`: a file_share
    message event, delivered to the app. Returns the event."""
    ids = [app.slack.add_file(user, name, content) for name, content in files.items()]
    event = app.slack.user_message(user, text, files=ids)
    response = app.client.event(event)
    assert response.status_code == 200, response.text
    return event


def checks(app: RunningApp, event: dict[str, Any]) -> list[dict[str, Any]]:
    """The reactions on the candidate's own DM message of `event`."""
    (message,) = [m for m in app.slack.dm_messages(event["user"]) if m["ts"] == event["ts"]]
    return message.get("reactions", [])


def uploaded(app: RunningApp, candidate: Candidate) -> list[tuple[str, bytes | None]]:
    """(name, bytes) of each file the bot shared in the candidate's thread, in order."""
    assert candidate.channel_id
    return [(f.filename, f.content) for f in app.slack.uploads_in(candidate.channel_id, candidate.thread_ts)]


def relay_row(app: RunningApp) -> OutboxMessage:
    with app.services.db.read() as session:
        (row,) = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "line_relay")).all()
        return row


Route = tuple[int, dict[str, str], bytes]


@contextmanager
def trap(routes: dict[str, Route] | None = None) -> Iterator[tuple[str, list[str]]]:
    """A web server: its URL, and the paths it was asked for. It answers from `routes` (path ->
    status, headers, body; filled in once its URL is known), anything else with 200 "stolen"."""
    hits: list[str] = []
    answers = {} if routes is None else routes

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            status, headers, body = answers.get(self.path, (200, {}, b"stolen"))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def test_a_candidates_dm_is_relayed_to_their_thread_once(app: RunningApp) -> None:
    candidate = with_candidate(app)
    before = len(replies(app, candidate))
    event = app.slack.user_message(CANDIDATE, "Hi <!channel>! Could we move my interview to Friday? <@U0MEMBER>")
    # Slack retries an event it thinks failed, with the same event_id: it takes effect once.
    for retry in (None, 1, 2):
        assert app.client.event(event, event_id="Ev0LINE1", retry_num=retry).status_code == 200
    assert dispatch(app) == "sent 1, retried 0, gave up 0, skipped 0"
    assert dispatch(app) == "sent 0, retried 0, gave up 0, skipped 0"
    (message,) = replies(app, candidate)[before:]
    text = all_text(message)
    assert "Message from *Casey Candidate* (candidate):" in text
    assert message["text"].startswith("Message from Casey Candidate (candidate): Hi @channel!")
    # A broadcast mention must not notify the hiring channel; the rest is as the candidate wrote it.
    assert "<!channel>" not in text and "Could we move my interview to Friday? <@U0MEMBER>" in text
    assert button_in(message)["value"] == str(candidate.id)
    # The same message delivered again under another event id is still relayed once (keyed by its ts).
    app.client.event(event, event_id="Ev0LINE2")
    assert dispatch(app) == "sent 0, retried 0, gave up 0, skipped 0"
    # The candidate is not answered, and nothing from the thread went to them.
    assert bot_dms(app, CANDIDATE) == []


def test_edits_joins_and_bots_are_not_relayed(app: RunningApp) -> None:
    with_candidate(app)
    rows, posted = outbox_count(app), len(app.slack.calls_to("chat.postMessage"))
    base = {"type": "message", "channel": "D0CASEY", "channel_type": "im", "ts": "1.000100", "text": "hello"}
    for event in (
        {**base, "subtype": "message_changed", "message": {"text": "edited"}},
        {**base, "subtype": "channel_join", "user": CANDIDATE},
        {**base, "bot_id": "B0OTHER", "user": CANDIDATE},
        {**base, "user": CANDIDATE, "channel_type": "channel"},
        {**base, "user": CANDIDATE, "text": "   "},
        # A bot sharing a file; a file share carrying nothing that is a Slack file.
        {**base, "subtype": "file_share", "bot_id": "B0OTHER", "user": CANDIDATE, "files": [{"id": "F0BOTFILE"}]},
        {**base, "subtype": "file_share", "user": CANDIDATE, "text": "", "files": [{"id": "../etc/passwd"}, "F0X"]},
    ):
        assert app.client.event(event).status_code == 200
    app.wait_idle()  # the listeners that ran have finished
    assert outbox_count(app) == rows
    assert len(app.slack.calls_to("chat.postMessage")) == posted


def test_a_relayed_dm_gets_a_check_mark_once_it_is_in_the_thread(app: RunningApp) -> None:
    candidate = with_candidate(app)
    event = app.slack.user_message(CANDIDATE, "Is Friday still on?")
    assert app.client.event(event).status_code == 200
    assert checks(app, event) == []  # nothing before the dispatcher's turn
    app.slack.reset_calls()
    relayed(app, candidate, "Is Friday still on?")
    assert checks(app, event) == [{"name": RELAYED_REACTION, "users": [app.slack.bot_user_id], "count": 1}]
    (reaction,) = app.slack.calls_to("reactions.add")
    assert reaction.args == {"channel": event["channel"], "timestamp": event["ts"], "name": "white_check_mark"}
    # In the thread first, then the check mark.
    assert [c.method for c in app.slack.calls if c.method in ("chat.postMessage", "reactions.add")] == [
        "chat.postMessage",
        "reactions.add",
    ]
    # The reaction failing (already there, or anything else) is logged and never fails the relay.
    for error, status in (("already_reacted", 200), ("internal_error", 500)):
        app.slack.fail_next("reactions.add", error=error, status=status)
        later = app.slack.user_message(CANDIDATE, f"Still there? ({error})")
        assert app.client.event(later).status_code == 200
        assert dispatch(app) == "sent 1, retried 0, gave up 0, skipped 0"
        assert checks(app, later) == []
    assert dispatch(app) == "sent 0, retried 0, gave up 0, skipped 0"
    assert len(app.slack.calls_to("reactions.add")) == 3


def test_files_sent_with_a_dm_follow_it_into_the_thread_then_the_check_mark(app: RunningApp) -> None:
    candidate = with_candidate(app)
    cv, sample = b"%PDF-1.7 Casey's CV", bytes(range(256)) * 40
    event = candidate_sends(app, "Here are my CV and a code sample.", {"casey-cv.pdf": cv, "sample <b>.zip": sample})
    app.slack.reset_calls()
    message = relayed(app, candidate, "Here are my CV and a code sample.")
    # The message says what follows, the names escaped like everything the candidate wrote.
    assert "2 files follow in this thread: *casey-cv.pdf* (19 bytes), *sample &lt;b&gt;.zip* (10 KB)" in all_text(
        message
    )
    assert message["text"].endswith("Here are my CV and a code sample. [2 files]")
    assert uploaded(app, candidate) == [("casey-cv.pdf", cv), ("sample <b>.zip", sample)]
    # Each fetched by its id through files.info, downloaded with the bot token (the stand-in wants it).
    ids = [f["id"] for f in event["files"]]
    assert [c.args["file"] for c in app.slack.calls_to("files.info")] == ids
    assert [(c.args["file_id"], c.error) for c in app.slack.calls_to("download")] == [(i, None) for i in ids]
    # The message, each file under it, and only then the check mark.
    order = ("chat.postMessage", "files.completeUploadExternal", "reactions.add")
    assert [c.method for c in app.slack.calls if c.method in order] == [
        "chat.postMessage",
        "files.completeUploadExternal",
        "files.completeUploadExternal",
        "reactions.add",
    ]
    assert [c.args["thread_ts"] for c in app.slack.calls_to("files.completeUploadExternal")] == [
        candidate.thread_ts
    ] * 2
    assert checks(app, event)[0]["name"] == RELAYED_REACTION
    row = relay_row(app)
    assert row.state == "sent" and row.payload["done"] == {i: "uploaded" for i in ids}
    assert dispatch(app) == "sent 0, retried 0, gave up 0, skipped 0"
    assert len(uploaded(app, candidate)) == 2


def test_a_file_over_the_cap_is_named_as_too_large_and_never_downloaded(app: RunningApp) -> None:
    candidate = with_candidate(app)
    before = len(replies(app, candidate))
    event = candidate_sends(app, "", {"cv.pdf": b"cv", "interview-recording.mov": bytes(MAX_FILE_BYTES + 1)})
    message = relayed(app, candidate, "1 file follows")
    text = all_text(message)
    assert "1 file follows in this thread: *cv.pdf* (2 bytes)" in text
    assert (
        "*interview-recording.mov* (25 MB) is too large to relay here (over 25 MB): "
        "ask the candidate to send it to you by email." in text
    )
    assert message["text"] == "Message from Casey Candidate (candidate): [2 files]"
    assert uploaded(app, candidate) == [("cv.pdf", b"cv")]
    assert [c.args["file_id"] for c in app.slack.calls_to("download")] == [event["files"][0]["id"]]
    # The message and the one file; no other note, since the message said it already.
    assert len(replies(app, candidate)) == before + 2
    assert checks(app, event)[0]["name"] == RELAYED_REACTION
    assert relay_row(app).payload["done"] == {event["files"][0]["id"]: "uploaded", event["files"][1]["id"]: "too_large"}


def test_a_failed_upload_is_retried_without_posting_or_uploading_anything_twice(
    app: RunningApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dispatcher_module, "BASE_BACKOFF", timedelta(0))
    candidate = with_candidate(app)
    files = {"one.txt": b"first file", "two.txt": b"second file", "three.txt": b"third file"}
    event = candidate_sends(app, "Three files for you", files)
    # The second upload fails once, after its bytes went up.
    app.slack.fail_next("files.completeUploadExternal", error="internal_error", status=500, after=1)
    assert dispatch(app) == "sent 0, retried 1, gave up 0, skipped 0"
    assert uploaded(app, candidate) == [("one.txt", b"first file")]
    assert checks(app, event) == []  # not confirmed before everything is through
    assert dispatch(app) == "sent 1, retried 0, gave up 0, skipped 0"
    assert uploaded(app, candidate) == list(files.items())
    relays = [c for c in app.slack.calls_to("chat.postMessage") if "Three files for you" in all_text(c.args)]
    assert len(relays) == 1
    assert len([m for m in replies(app, candidate) if "Three files for you" in all_text(m)]) == 1
    assert len(app.slack.calls_to("reactions.add")) == 1 and checks(app, event)[0]["count"] == 1
    row = relay_row(app)
    assert (row.state, row.attempts) == ("sent", 2)
    assert set(row.payload["done"].values()) == {"uploaded"} and len(row.payload["done"]) == 3


def test_files_from_someone_who_is_not_a_candidate_are_not_relayed_or_fetched(app: RunningApp) -> None:
    with_candidate(app)
    rows = outbox_count(app)
    candidate_sends(app, "", {"salaries.xlsx": b"not for you"}, user=MEMBER)
    app.slack.wait_for(lambda: len(bot_dms(app, MEMBER)) == 1)
    assert bot_dms(app, MEMBER)[0]["text"] == NOT_A_CANDIDATE
    assert outbox_count(app) == rows + 1  # the notice itself, nothing relayed
    assert dispatch(app) == "sent 0, retried 0, gave up 0, skipped 0"
    assert app.slack.calls_to("files.info") == [] and app.slack.calls_to("download") == []
    assert app.slack.files() == []


def test_a_download_url_in_the_event_is_never_fetched(app: RunningApp) -> None:
    candidate = with_candidate(app)
    with trap() as (elsewhere, hits):
        file_id = app.slack.add_file(CANDIDATE, "cv.pdf", b"the real CV")
        event = app.slack.user_message(CANDIDATE, "My CV, and my notes", files=[file_id])
        # Forged: the real file pointing somewhere else, and a file Slack never had.
        forged = [
            {**event["files"][0], "url_private_download": f"{elsewhere}/steal", "url_private": f"{elsewhere}/steal"},
            {"id": "F0NOSUCHFILE", "name": "notes.txt", "size": 5, "url_private_download": f"{elsewhere}/notes"},
        ]
        assert app.client.event({**event, "files": forged}).status_code == 200
        relayed(app, candidate, "My CV, and my notes")
        assert hits == []
    # The real file came from where files.info said; the made-up one is said to be unavailable.
    assert uploaded(app, candidate) == [("cv.pdf", b"the real CV")]
    assert [c.args["file_id"] for c in app.slack.calls_to("download")] == [file_id]
    (note,) = [m for m in replies(app, candidate) if "could not be relayed" in all_text(m)]
    assert "*notes.txt* (5 bytes), sent with the candidate's message above, could not be relayed" in all_text(note)
    assert relay_row(app).payload["done"] == {file_id: "uploaded", "F0NOSUCHFILE": "unavailable"}


def test_a_download_follows_redirects_only_within_its_host_and_stops_at_the_cap() -> None:
    routes: dict[str, Route] = {}
    with trap() as (elsewhere, stolen), trap(routes) as (files, asked):
        routes.update(
            {
                "/file": (200, {}, b"the bytes"),
                "/moved": (302, {"Location": "/file"}, b""),
                "/away": (302, {"Location": f"{elsewhere}/file"}, b""),
                "/big": (200, {}, b"x" * 2000),
            }
        )
        assert download(f"{files}/moved", "xoxb-test") == b"the bytes"
        with pytest.raises(DownloadError, match="redirected to another host"):
            download(f"{files}/away", "xoxb-test")
        with pytest.raises(TooLarge):
            download(f"{files}/big", "xoxb-test", limit=1000)
        assert asked == ["/moved", "/file", "/away", "/big"] and stolen == []
    # The bot token goes over HTTPS, or to the Slack API's own origin only.
    api = "http://127.0.0.1:5000/api/"
    assert download_url({"url_private_download": "http://127.0.0.1:5000/download/F1/a"}, api)
    assert download_url({"url_private_download": "https://files.slack.com/files-pri/T1-F1/download/a"}, api)
    with pytest.raises(DownloadError):
        download_url({"url_private_download": "http://127.0.0.1:5001/download/F1/a"}, api)


def test_a_purged_candidates_files_are_never_fetched(app: RunningApp) -> None:
    candidate = with_candidate(app)
    candidate_sends(app, "My CV", {"casey-cv.pdf": b"cv"})
    app.client.block_action(
        RECRUITER, PURGE, str(candidate.id), block_id="purge_confirmation", channel_id="C0GENERAL", message_ts="1.0"
    )
    app.slack.wait_for(lambda: reload(app, candidate).purged_at is not None)
    app.wait_idle()  # the purge's Slack clean-up has run
    assert dispatch(app) == "sent 0, retried 0, gave up 0, skipped 0"
    assert app.slack.calls_to("files.info") == [] and app.slack.files() == []
    assert app.slack.calls_to("reactions.add") == []
    assert "casey-cv.pdf" not in str(relay_row(app).payload)


def test_someone_who_is_not_a_candidate_is_answered_once_with_nothing_revealed(app: RunningApp) -> None:
    candidate = with_candidate(app)
    rows = outbox_count(app)
    candidate_says(app, "Who is interviewing for the backend role?", user=MEMBER)
    app.slack.wait_for(lambda: len(bot_dms(app, MEMBER)) == 1)
    (answer,) = bot_dms(app, MEMBER)
    assert answer["text"] == NOT_A_CANDIDATE
    for secret in (candidate.name, "Casey", "Backend", HIRING_CHANNEL):
        assert secret not in all_text(answer)
    candidate_says(app, "Hello?", user=MEMBER)
    candidate_says(app, "Anyone?", user=MEMBER)
    app.wait_idle()  # both answered, or not, by now
    assert outbox_count(app) == rows + 1  # the notice itself, once
    assert dispatch(app) == "sent 0, retried 0, gave up 0, skipped 0"
    assert len(bot_dms(app, MEMBER)) == 1


def test_a_candidate_in_two_pipelines_is_relayed_to_the_most_recently_active(app: RunningApp) -> None:
    app.slack.add_channel(SECOND_CHANNEL, "hiring-frontend")
    backend = with_candidate(app)
    make_role(app, title="Frontend Developer", kit="backend-developer", channel_id=SECOND_CHANNEL)
    app.clock.advance(timedelta(hours=1))
    frontend = add_candidate(app, slack_user=CANDIDATE, email="casey.fe@example.org", role_id=2)
    # Frontend was added last: the first message goes there, and says where else they are.
    candidate_says(app, "Which one is this about?")
    message = relayed(app, frontend, "Which one is this about?")
    assert "also a candidate for Backend Developer" in all_text(message)
    assert "most recently active" in all_text(message)
    # Then the backend pipeline moves: it is now the most recently active one.
    app.clock.advance(timedelta(hours=1))
    click_card(app, RECRUITER, backend, ADVANCE)
    wait_replies(app, backend, 2)
    candidate_says(app, "Thanks for moving me on!")
    assert "also a candidate for Frontend Developer" in all_text(relayed(app, backend, "Thanks for moving me on!"))
    # A recruiter writing from the frontend thread makes that the live conversation again.
    app.clock.advance(timedelta(hours=1))
    before = views_opened(app, RECRUITER)
    shortcut(app, RECRUITER, card(app, frontend), channel=SECOND_CHANNEL)
    view = new_view(app, RECRUITER, before)
    assert send(app, view, "Frontend question: are you free on Monday?").status_code == 200
    dispatch(app)
    candidate_says(app, "Monday works.")
    relayed(app, frontend, "Monday works.")
    assert not any("Monday works." in all_text(m) for m in replies(app, backend))


def test_a_recruiter_replies_from_the_button_and_the_candidate_gets_it_as_a_dm(app: RunningApp) -> None:
    candidate = with_candidate(app)
    candidate_says(app, "Could we move my interview to Friday?")
    message = relayed(app, candidate, "Could we move my interview to Friday?")
    view = reply_view_via_button(app, message)
    assert view["callback_id"] == LINE_REPLY_VIEW
    assert "To *Casey Candidate* (Backend Developer)" in all_text(view)

    # Empty, blank and overlong messages are refused in the form.
    for text, problem in (
        (None, "Write the message to send."),
        ("   \n ", "Write the message to send."),
        ("x" * 3001, "The message is 3,001 characters; keep it to 3,000."),
    ):
        assert send(app, view, text).json() == {"response_action": "errors", "errors": {"text": problem}}
    rows = outbox_count(app)

    response = send(app, view, "Friday works: 10:00 <3 & see you then. *Rita*")
    assert response.status_code == 200 and not response.text
    # Submitted twice (a double click, a replay): queued once.
    assert send(app, view, "Friday works: 10:00 <3 & see you then. *Rita*").status_code == 200
    assert outbox_count(app) == rows + 2
    assert bot_dms(app, CANDIDATE) == []  # nothing is sent before the dispatcher's turn
    assert dispatch(app) == "sent 2, retried 0, gave up 0, skipped 0"

    (dm,) = bot_dms(app, CANDIDATE)
    text = all_text(dm)
    assert "A message about your application for *Backend Developer*" in text and f"<@{RECRUITER}>" in text
    # Their words as typed: escaped, so they cannot ping or break the message; formatting kept.
    assert "Friday works: 10:00 &lt;3 &amp; see you then. *Rita*" in text
    assert "You can reply here" in text
    note = replies(app, candidate)[-1]
    assert note["text"].startswith(f"Sent to Casey Candidate by <@{RECRUITER}>: Friday works")
    assert "Friday works: 10:00 &lt;3 &amp; see you then." in all_text(note)
    assert button_in(note)["value"] == str(candidate.id)


def test_a_recruiter_replies_with_the_message_shortcut_on_any_message_of_the_thread(app: RunningApp) -> None:
    candidate = with_candidate(app)
    # On the card itself, and on a reply someone wrote under it.
    people_reply = app.slack.user_message(
        INTERVIEWER_1, "Great CV.", channel=HIRING_CHANNEL, thread_ts=candidate.thread_ts
    )
    for message in (card(app, candidate), people_reply):
        before = views_opened(app, RECRUITER)
        shortcut(app, RECRUITER, message)
        view = new_view(app, RECRUITER, before)
        assert view["callback_id"] == LINE_REPLY_VIEW and "Casey Candidate" in all_text(view)
        assert send(app, view, f"Hello from the shortcut on {message['ts']}").status_code == 200
    assert dispatch(app) == "sent 4, retried 0, gave up 0, skipped 0"
    assert [m["text"].startswith("Message from the hiring team: Hello from") for m in bot_dms(app, CANDIDATE)] == [
        True,
        True,
    ]
    # Anywhere else it explains where it works, and names nobody.
    shortcut(app, RECRUITER, app.slack.user_message(MEMBER, "lunch?", channel="C0GENERAL"), channel="C0GENERAL")
    assert "works on a message in a candidate's thread" in told(app, RECRUITER, 1)


def test_an_ordinary_thread_reply_never_reaches_the_candidate(app: RunningApp) -> None:
    candidate = with_candidate(app)
    candidate_says(app, "Any news?")
    relayed(app, candidate, "Any news?")
    sent_before = len(app.slack.calls_to("chat.postMessage"))
    # An interviewer (and a recruiter) answer in the thread the ordinary way, even right under the
    # relayed message; were the app subscribed to channel messages, it would still relay nothing.
    for user, words in ((INTERVIEWER_1, "Honestly I'd lean no, weak on SQL."), (RECRUITER, "Noted, will decide.")):
        event = app.slack.user_message(user, words, channel=HIRING_CHANNEL, thread_ts=candidate.thread_ts)
        assert app.client.event(event).status_code == 200
    assert dispatch(app) == "sent 0, retried 0, gave up 0, skipped 0"
    assert bot_dms(app, CANDIDATE) == []
    assert len(app.slack.calls_to("chat.postMessage")) == sent_before
    posted = [all_text(c.args) for c in app.slack.calls_to("chat.postMessage")]
    assert not any("weak on SQL" in p or "will decide" in p for p in posted)


def test_only_recruiters_may_write_to_a_candidate(app: RunningApp) -> None:
    candidate = with_candidate(app)
    candidate_says(app, "Hello team")
    message = relayed(app, candidate, "Hello team")
    opened = views_opened(app, RECRUITER)
    rows = outbox_count(app)
    refusal = f"Only recruiters can write to candidates. Recruiters here: <@{RECRUITER}>"
    click_reply(app, INTERVIEWER_1, message)
    assert refusal in told(app, INTERVIEWER_1, 1)
    shortcut(app, MEMBER, message)
    assert refusal in told(app, MEMBER, 1)
    assert views_opened(app, RECRUITER) == opened

    # A submission forged by someone else (the recruiter's modal, or one made up) is refused too.
    view = reply_view_via_button(app, message)
    for user in (INTERVIEWER_1, CANDIDATE):
        answer = send(app, view, "You are hired!", user=user).json()
        assert answer["response_action"] == "errors" and refusal in answer["errors"]["text"]
    forged = {"type": "modal", "callback_id": LINE_REPLY_VIEW, "private_metadata": "not json", "blocks": []}
    answer = send(app, forged, "hi", user=RECRUITER).json()
    assert answer == {
        "response_action": "errors",
        "errors": {"text": "This form is out of date; close it and start again."},
    }
    assert outbox_count(app) == rows
    assert dispatch(app) == "sent 0, retried 0, gave up 0, skipped 0"
    assert bot_dms(app, CANDIDATE) == []


def test_closed_candidates_can_still_be_written_to_and_answer(app: RunningApp) -> None:
    candidate = with_candidate(app)
    view = click_for_view(app, RECRUITER, candidate, REJECT)
    assert submit_reason(app, RECRUITER, view, "Not enough backend experience").status_code == 200
    app.slack.wait_for(lambda: reload(app, candidate).status == "rejected")
    # Rejected and no conversation open: the DM is not a line to the team any more.
    candidate_says(app, "Hello?")
    app.slack.wait_for(lambda: any(m["text"] == NOT_A_CANDIDATE for m in bot_dms(app, CANDIDATE)))
    # Closing the loop: the recruiter writes, and the answer comes back to the thread.
    before = views_opened(app, RECRUITER)
    shortcut(app, RECRUITER, card(app, candidate))
    view = new_view(app, RECRUITER, before)
    assert send(app, view, "Thank you for your time; happy to share feedback.").status_code == 200
    dispatch(app)
    assert "happy to share feedback" in all_text(bot_dms(app, CANDIDATE)[-1])
    candidate_says(app, "Yes please, I would love feedback.")
    relayed(app, candidate, "Yes please, I would love feedback.")
    # Two weeks later the line is closed again.
    app.clock.advance(timedelta(days=15))
    rows = outbox_count(app)
    candidate_says(app, "Any update on that feedback?")
    assert outbox_count(app) == rows


def test_a_purged_candidate_cannot_be_written_to(app: RunningApp) -> None:
    candidate = with_candidate(app)
    candidate_says(app, "Please delete my data.")
    message = relayed(app, candidate, "Please delete my data.")
    view = reply_view_via_button(app, message)
    response = app.client.block_action(
        RECRUITER, PURGE, str(candidate.id), block_id="purge_confirmation", channel_id="C0GENERAL", message_ts="1.0"
    )
    assert response.status_code == 200
    # The purge's own report comes first (its Slack clean-up deletes the bot's thread replies).
    app.slack.wait_for(lambda: any("Purged candidate" in all_text(e) for e in app.slack.ephemerals(RECRUITER)))
    erased = f"Candidate #{candidate.id} was purged: their data was erased"
    told_before = len(app.slack.ephemerals(RECRUITER))
    click_reply(app, RECRUITER, message)
    assert erased in told(app, RECRUITER, told_before + 1)
    shortcut(app, RECRUITER, card(app, candidate))
    assert erased in told(app, RECRUITER, told_before + 2)
    rows = outbox_count(app)
    answer = send(app, view, "Done, your data is gone.").json()
    assert answer["response_action"] == "errors" and erased in answer["errors"]["text"]
    assert outbox_count(app) == rows
    # Their Slack user is no longer tied to anything: a new DM is answered like anyone's.
    candidate_says(app, "Is it done?")
    app.slack.wait_for(lambda: any(m["text"] == NOT_A_CANDIDATE for m in bot_dms(app, CANDIDATE)))
    assert dispatch(app) == "sent 0, retried 0, gave up 0, skipped 0"


def test_long_candidate_messages_are_split_and_kept_whole() -> None:
    # Slack allows 40,000 characters in a DM; a section holds 3,000.
    text = ("word " * 700 + "<https://example.org/a-very-long-link|a link> &amp; more\n") * 12
    parts = chunks(text)
    assert all(len(p) <= 3000 for p in parts) and len(parts) <= 40
    assert "".join(parts).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")
    for part in parts:
        assert part.count("<") == part.count(">") and part.count("&") == part.count(";")
    assert defang("<!here> <!subteam^S0TEAM|@recruiting> <!everyone|everyone>") == "@here @recruiting everyone"


def test_a_purge_erases_the_stored_text(app: RunningApp) -> None:
    candidate = with_candidate(app)
    candidate_says(app, "My phone number is 555-0100")
    dispatch(app)
    app.client.block_action(
        RECRUITER, PURGE, str(candidate.id), block_id="purge_confirmation", channel_id="C0GENERAL", message_ts="1.0"
    )
    app.slack.wait_for(lambda: reload(app, candidate).purged_at is not None)
    with app.services.db.read() as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.candidate_id == candidate.id)).all()
    assert rows and all("555-0100" not in str(r.payload) for r in rows)


def test_any_reply_submission_is_answered_and_writes_both_messages_or_nothing(app: RunningApp) -> None:
    from hypothesis import given
    from hypothesis import strategies as st

    from tests.test_fuzz import FUZZ, check_answer, metadata, row_counts, state_values, submit, submitters

    candidate = with_candidate(app)
    before = views_opened(app, RECRUITER)
    shortcut(app, RECRUITER, card(app, candidate))
    view = new_view(app, RECRUITER, before)
    assert view["callback_id"] == LINE_REPLY_VIEW

    @FUZZ
    @given(data=st.data(), user=submitters)
    def submission(data: st.DataObject, user: str) -> None:
        forged = {**view, "private_metadata": data.draw(metadata(view["private_metadata"]), label="private_metadata")}
        values = data.draw(state_values(forged, {"text": text_input("See you on Friday.")}), label="state.values")
        before = row_counts(app)
        if check_answer(app, forged, submit(app, user, forged, values), before) == "accepted":
            after = row_counts(app)
            assert user == RECRUITER
            assert after[OutboxMessage.__tablename__] == before[OutboxMessage.__tablename__] + 2

    submission()


def test_a_purge_deletes_the_copies_of_the_candidates_files_from_slack(app: RunningApp) -> None:
    candidate = with_candidate(app)
    candidate_sends(app, "My passport scan, as asked", {"passport.pdf": b"%PDF personal"})
    dispatch(app)
    (copy,) = [f["id"] for m in replies(app, candidate) for f in m.get("files") or []]
    assert app.services.slack.files_info(file=copy)["file"]["name"] == "passport.pdf"
    app.client.block_action(
        RECRUITER, PURGE, str(candidate.id), block_id="purge_confirmation", channel_id="C0GENERAL", message_ts="1.0"
    )
    # The clean-up is an outbox job: the recruiter hears by DM once it is done.
    app.slack.wait_for(lambda: any("the clean-up is done" in text for text in dms(app, RECRUITER)))
    assert "1 file the bot shared deleted" in dms(app, RECRUITER)[-1]
    assert app.slack.deleted_files == [copy]
    with pytest.raises(SlackApiError, match="file_not_found"):
        app.services.slack.files_info(file=copy)
    assert not any(m.get("files") for m in replies(app, candidate))


def test_a_relay_that_never_reaches_the_thread_is_told_to_the_recruiter(
    app: RunningApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dispatcher_module, "BASE_BACKOFF", timedelta(0))
    candidate = with_candidate(app)
    dispatch(app)
    candidate_says(app, "Can we move Friday's call?")
    app.slack.fail_next("chat.postMessage", error="internal_error", status=500, times=dispatcher_module.MAX_ATTEMPTS)
    results = [dispatch(app) for _ in range(dispatcher_module.MAX_ATTEMPTS)]
    assert results[-1] == "sent 1, retried 0, gave up 1, skipped 0"  # the notice, queued when it gave up
    notice = dms(app, RECRUITER)[-1]
    attempts = dispatcher_module.MAX_ATTEMPTS
    assert (
        f"could not deliver the candidate's message into *Casey Candidate*'s thread after {attempts} attempts" in notice
    )
    assert "internal_error" in notice and candidate.email in notice
    assert not [m for m in replies(app, candidate) if "move Friday" in all_text(m)]


def test_a_slow_download_holds_up_no_other_post(app: RunningApp, monkeypatch: pytest.MonkeyPatch) -> None:
    """The files of a relayed DM follow it off the posting lock: while one downloads, every other
    message of the pass still goes out."""
    import bot.delivery.line_files as line_files

    candidate = with_candidate(app)
    dispatch(app)
    release, downloading = threading.Event(), threading.Event()
    real = line_files.download

    def slow(url: str, token: str, limit: int = line_files.MAX_FILE_BYTES) -> bytes:
        downloading.set()
        assert release.wait(20), "the test never let the download finish"
        return real(url, token, limit)

    monkeypatch.setattr(line_files, "download", slow)
    ids = [app.slack.add_file(CANDIDATE, "big.zip", b"x" * 1000)]
    app.slack.while_waiting = None  # this test runs its own pass
    assert app.client.event(app.slack.user_message(CANDIDATE, "My sample.", files=ids)).status_code == 200
    app.listeners.wait_idle()
    with app.services.db.transaction() as session:
        # Another message due now, to someone else: it must not wait for the download.
        session.add(outbox_row(Kind.line_notice, MEMBER, None, None, app.clock.now(), app.clock.now()))
    result: list[str] = []
    sending = threading.Thread(target=lambda: result.append(dispatch(app)))
    sending.start()
    try:
        assert downloading.wait(10)
        app.slack.wait_for(lambda: bool(bot_dms(app, MEMBER)), timeout=10)
        assert not sending.join(0.1) and sending.is_alive()  # the relay is still downloading
    finally:
        release.set()
        sending.join(20)
    assert result == ["sent 2, retried 0, gave up 0, skipped 0"]
    assert [name for name, _ in uploaded(app, candidate)] == ["big.zip"]
