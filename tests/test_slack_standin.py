"""The Slack Web API stand-in, driven over HTTP by a real slack_sdk WebClient."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    ImageElement,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    OptionGroup,
    OverflowMenuElement,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    RichTextBlock,
    RichTextElementParts,
    RichTextSectionElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.metadata import Metadata
from slack_sdk.models.views import View

from bot.devtools.slack_standin import Call, SlackStandIn

TS = re.compile(r"^\d{10}\.\d{6}$")


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as s:
        s.add_user("U1", "alice", real_name="Alice A", email="alice@example.com")
        s.add_user("U2", "bob", tz="Europe/Berlin", tz_offset=3600, is_restricted=True)
        s.add_channel("C1", "hiring")
        s.add_channel("G1", "secret", is_private=True)
        s.add_usergroup("S1", "interviewers", ["U1", "U2"])
        yield s


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    return WebClient(token="xoxb-test", base_url=standin.url)


def error_of(exc: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(exc.value.response["error"])


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def options(n: int) -> list[dict[str, Any]]:
    return [{"text": {"type": "plain_text", "text": f"o{i}"}, "value": f"v{i}"} for i in range(n)]


def modal(*blocks: dict[str, Any], title: str = "Scorecard", **extra: Any) -> dict[str, Any]:
    view: dict[str, Any] = {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": list(blocks)}
    return {**view, **extra}


def text_input(block_id: str = "b") -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": "Notes"},
        "element": {"type": "plain_text_input", "action_id": "notes"},
    }


# ---------------------------------------------------------------------- lifecycle and auth


def test_url_points_at_a_running_server_and_stop_releases_it() -> None:
    standin = SlackStandIn().start()
    url = standin.url
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api/", url)
    assert httpx.post(url + "auth.test", headers={"Authorization": "Bearer xoxb-1"}).json()["ok"] is True
    standin.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.post(url + "auth.test", timeout=1)
    with pytest.raises(RuntimeError):
        _ = standin.url


def test_auth_test_identifies_the_bot(standin: SlackStandIn, client: WebClient) -> None:
    response = client.auth_test()
    assert response["team_id"] == standin.team_id
    assert response["user_id"] == standin.bot_user_id
    assert response["bot_id"] == standin.bot_id
    assert "chat:write" in response.headers["X-OAuth-Scopes"]
    assert [c.method for c in standin.calls] == ["auth.test"]


def test_missing_token_is_not_authed(standin: SlackStandIn) -> None:
    with pytest.raises(SlackApiError) as exc:
        WebClient(base_url=standin.url).auth_test()
    assert error_of(exc) == "not_authed"
    assert exc.value.response.status_code == 200


def test_token_of_the_wrong_kind_is_refused(standin: SlackStandIn) -> None:
    for token, error in [("xapp-1-abc", "not_allowed_token_type"), ("abc", "invalid_auth")]:
        with pytest.raises(SlackApiError) as exc:
            WebClient(token=token, base_url=standin.url).chat_postMessage(channel="C1", text="hi")
        assert error_of(exc) == error
    assert standin.messages("C1") == []


def test_token_argument_and_user_tokens_are_accepted(standin: SlackStandIn) -> None:
    form = httpx.post(standin.url + "auth.test", data={"token": "xoxp-user"}).json()
    query = httpx.get(standin.url + "auth.test", params={"token": "xoxb-q"}).json()
    assert form["ok"] is True and query["ok"] is True
    # The token is consumed by auth, not recorded with the arguments.
    assert all("token" not in c.args for c in standin.calls)


# ---------------------------------------------------------------------- messages


def test_post_message_stores_the_message_with_increasing_ts(standin: SlackStandIn, client: WebClient) -> None:
    first = client.chat_postMessage(channel="C1", text="one")
    second = client.chat_postMessage(channel="C1", text="two")
    assert first["channel"] == "C1"
    assert TS.match(first["ts"]) and TS.match(second["ts"])
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["text"] == "one"
    stored = standin.messages("C1")
    assert [m["text"] for m in stored] == ["one", "two"]
    assert stored[0]["user"] == standin.bot_user_id
    assert standin.calls_to("chat.postMessage")[0].args == {"channel": "C1", "text": "one"}


def test_post_message_by_channel_name_and_to_private_channel(standin: SlackStandIn, client: WebClient) -> None:
    assert client.chat_postMessage(channel="#hiring", text="by name")["channel"] == "C1"
    client.chat_postMessage(channel="G1", text="private")
    assert standin.messages("G1")[0]["text"] == "private"


def test_post_message_errors(standin: SlackStandIn, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C404", text="hi")
    assert error_of(exc) == "channel_not_found"
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="hi", thread_ts="1700000000.000001")
    assert error_of(exc) == "thread_not_found"
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="U404", text="hi")
    assert error_of(exc) == "channel_not_found"
    assert standin.messages("C1") == []
    # Ordinary API errors are not violations.
    standin.assert_no_violations()


def test_threads_and_replies(standin: SlackStandIn, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C1", text="candidate: Ada")["ts"]
    r1 = client.chat_postMessage(channel="C1", text="r1", thread_ts=parent)["ts"]
    # Replying to a reply lands in the same thread.
    r2 = client.chat_postMessage(channel="C1", text="r2", thread_ts=r1)["ts"]
    later = client.chat_postMessage(channel="C1", text="later")["ts"]

    replies = client.conversations_replies(channel="C1", ts=parent)["messages"]
    assert [m["ts"] for m in replies] == [parent, r1, r2]
    assert replies[0]["reply_count"] == 2
    assert replies[0]["latest_reply"] == r2
    assert all(m["thread_ts"] == parent for m in replies)

    history = client.conversations_history(channel="C1")["messages"]
    assert [m["ts"] for m in history] == [later, parent]  # newest first, no replies

    assert [m["text"] for m in standin.thread("C1", parent)] == ["candidate: Ada", "r1", "r2"]
    with pytest.raises(SlackApiError) as exc:
        client.conversations_replies(channel="C1", ts="1.000000")
    assert error_of(exc) == "thread_not_found"


def test_history_limit_oldest_latest_and_cursor(client: WebClient) -> None:
    ts = [client.chat_postMessage(channel="C1", text=str(i))["ts"] for i in range(5)]
    page = client.conversations_history(channel="C1", limit=2)
    assert [m["text"] for m in page["messages"]] == ["4", "3"]
    assert page["has_more"] is True
    rest = client.conversations_history(channel="C1", limit=2, cursor=page["response_metadata"]["next_cursor"])
    assert [m["text"] for m in rest["messages"]] == ["2", "1"]
    window = client.conversations_history(channel="C1", oldest=ts[1], latest=ts[4])["messages"]
    assert [m["text"] for m in window] == ["3", "2"]  # both bounds exclusive
    inclusive = client.conversations_history(channel="C1", oldest=ts[1], latest=ts[4], inclusive=True)
    assert [m["text"] for m in inclusive["messages"]] == ["4", "3", "2", "1"]
    replies = client.conversations_replies(channel="C1", ts=ts[0], limit=1)
    assert [m["text"] for m in replies["messages"]] == ["0"]


def test_metadata_round_trip_needs_include_all_metadata(standin: SlackStandIn, client: WebClient) -> None:
    metadata = {"event_type": "candidate_thread", "event_payload": {"candidate_id": 7}}
    ts = client.chat_postMessage(channel="C1", text="Ada", metadata=metadata)["ts"]
    client.chat_postMessage(channel="C1", text="reply", thread_ts=ts, metadata=Metadata(**metadata))

    plain = client.conversations_history(channel="C1")["messages"][0]
    assert "metadata" not in plain
    with_metadata = client.conversations_history(channel="C1", include_all_metadata=True)["messages"][0]
    assert with_metadata["metadata"] == metadata
    replies = client.conversations_replies(channel="C1", ts=ts, include_all_metadata=True)["messages"]
    assert [m["metadata"] for m in replies] == [metadata, metadata]
    assert standin.messages("C1")[0]["metadata"] == metadata


def test_post_to_user_id_goes_to_a_stable_dm(standin: SlackStandIn, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="U1", text="your interview is at 10")
    assert posted["channel"].startswith("D")
    opened = client.conversations_open(users="U1")
    assert opened["channel"]["id"] == posted["channel"]
    assert opened["already_open"] is True
    assert client.conversations_open(users=["U1"])["channel"]["id"] == posted["channel"]
    assert [m["text"] for m in standin.dm_messages("U1")] == ["your interview is at 10"]
    assert standin.dm_messages("U2") == []
    info = client.conversations_info(channel=posted["channel"])["channel"]
    assert info["is_im"] is True and info["user"] == "U1"


def test_conversations_open_creates_dm_and_rejects_unknown_users(standin: SlackStandIn, client: WebClient) -> None:
    dm = client.conversations_open(users="U2")["channel"]["id"]
    assert dm.startswith("D")
    assert dm != client.conversations_open(users="U1")["channel"]["id"]
    client.chat_postMessage(channel=dm, text="hello")
    assert [m["text"] for m in standin.dm_messages("U2")] == ["hello"]
    with pytest.raises(SlackApiError) as exc:
        client.conversations_open(users="U404")
    assert error_of(exc) == "user_not_found"


def test_conversations_info(client: WebClient) -> None:
    channel = client.conversations_info(channel="G1")["channel"]
    assert channel["id"] == "G1" and channel["name"] == "secret" and channel["is_private"] is True
    assert client.conversations_info(channel="C1")["channel"]["is_private"] is False
    with pytest.raises(SlackApiError) as exc:
        client.conversations_info(channel="C404")
    assert error_of(exc) == "channel_not_found"


def test_chat_update_replaces_given_fields(standin: SlackStandIn, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C1", text="old", blocks=[section("old")])["ts"]
    updated = client.chat_update(
        channel="C1",
        ts=ts,
        text="new",
        blocks=[section("new")],
        metadata={"event_type": "e", "event_payload": {"v": 2}},
    )
    assert updated["ts"] == ts and updated["message"]["text"] == "new"
    stored = standin.messages("C1")[0]
    assert stored["text"] == "new"
    assert stored["blocks"] == [section("new")]
    assert stored["metadata"] == {"event_type": "e", "event_payload": {"v": 2}}
    # Omitted fields keep their value, as on Slack.
    client.chat_update(channel="C1", ts=ts, text="newer")
    assert standin.messages("C1")[0]["blocks"] == [section("new")]
    with pytest.raises(SlackApiError) as exc:
        client.chat_update(channel="C1", ts="1700000000.000009", text="x")
    assert error_of(exc) == "message_not_found"


def test_chat_delete(standin: SlackStandIn, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C1", text="p")["ts"]
    reply = client.chat_postMessage(channel="C1", text="r", thread_ts=parent)["ts"]
    lonely = client.chat_postMessage(channel="C1", text="x")["ts"]
    client.chat_delete(channel="C1", ts=lonely)
    assert [m["ts"] for m in standin.messages("C1")] == [parent]
    client.chat_delete(channel="C1", ts=reply)
    assert "reply_count" not in standin.messages("C1")[0]
    with pytest.raises(SlackApiError) as exc:
        client.chat_delete(channel="C1", ts=lonely)
    assert error_of(exc) == "message_not_found"


def test_post_ephemeral(standin: SlackStandIn, client: WebClient) -> None:
    response = client.chat_postEphemeral(channel="C1", user="U1", text="only you", blocks=[section("only you")])
    assert TS.match(response["message_ts"])
    [ephemeral] = standin.ephemerals("U1")
    assert ephemeral["channel"] == "C1" and ephemeral["text"] == "only you"
    assert standin.ephemerals("U2") == []
    assert standin.messages("C1") == []
    with pytest.raises(SlackApiError) as exc:
        client.chat_postEphemeral(channel="C404", user="U1", text="x")
    assert error_of(exc) == "channel_not_found"
    with pytest.raises(SlackApiError) as exc:
        client.chat_postEphemeral(channel="C1", user="U404", text="x")
    assert error_of(exc) == "user_not_found"


def test_get_permalink(client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C1", text="p")["ts"]
    reply = client.chat_postMessage(channel="C1", text="r", thread_ts=parent)["ts"]
    link = client.chat_getPermalink(channel="C1", message_ts=parent)["permalink"]
    assert link.endswith("/archives/C1/p" + parent.replace(".", ""))
    reply_link = client.chat_getPermalink(channel="C1", message_ts=reply)["permalink"]
    assert f"thread_ts={parent}" in reply_link
    with pytest.raises(SlackApiError) as exc:
        client.chat_getPermalink(channel="C1", message_ts="1.000001")
    assert error_of(exc) == "message_not_found"


# ---------------------------------------------------------------------- users and groups


def test_users_info_and_lookup_by_email(client: WebClient) -> None:
    alice = client.users_info(user="U1")["user"]
    assert alice["real_name"] == "Alice A" and alice["profile"]["email"] == "alice@example.com"
    assert alice["tz"] == "America/New_York" and alice["tz_offset"] == -18000
    bob = client.users_info(user="U2")["user"]
    assert bob["tz"] == "Europe/Berlin" and bob["tz_offset"] == 3600 and bob["is_restricted"] is True
    assert "email" not in bob["profile"]
    assert client.users_lookupByEmail(email="ALICE@example.com")["user"]["id"] == "U1"
    with pytest.raises(SlackApiError) as exc:
        client.users_info(user="U404")
    assert error_of(exc) == "user_not_found"
    with pytest.raises(SlackApiError) as exc:
        client.users_lookupByEmail(email="nobody@example.com")
    assert error_of(exc) == "users_not_found"


def test_usergroups(client: WebClient) -> None:
    [group] = client.usergroups_list()["usergroups"]
    assert group["id"] == "S1" and group["handle"] == "interviewers" and group["user_count"] == 2
    assert client.usergroups_list(include_users=True)["usergroups"][0]["users"] == ["U1", "U2"]
    assert client.usergroups_users_list(usergroup="S1")["users"] == ["U1", "U2"]
    with pytest.raises(SlackApiError) as exc:
        client.usergroups_users_list(usergroup="S404")
    assert error_of(exc) == "no_such_subteam"


# ---------------------------------------------------------------------- views


def test_views_open_push_update(standin: SlackStandIn, client: WebClient) -> None:
    opened = client.views_open(trigger_id=standin.trigger_id("U1"), view=modal(section("step 1"), external_id="ext-1"))
    view_id = opened["view"]["id"]
    assert view_id.startswith("V") and opened["view"]["root_view_id"] == view_id

    pushed = client.views_push(trigger_id=standin.trigger_id("U1"), view=modal(section("step 2")))["view"]
    assert pushed["previous_view_id"] == view_id and pushed["root_view_id"] == view_id
    assert [v["blocks"][0]["text"]["text"] for v in standin.open_views("U1")] == ["step 1", "step 2"]
    assert standin.open_views("U2") == []

    client.views_update(view_id=view_id, view=modal(section("step 1 again")))
    assert standin.open_views("U1")[0]["blocks"][0]["text"]["text"] == "step 1 again"
    by_external = client.views_update(external_id="ext-1", view=modal(section("via external id")))
    assert by_external["view"]["id"] == view_id
    assert standin.open_views("U1")[0]["blocks"][0]["text"]["text"] == "via external id"

    with pytest.raises(SlackApiError) as exc:
        client.views_update(view_id="V404", view=modal(section("x")))
    assert error_of(exc) == "not_found"
    with pytest.raises(SlackApiError) as exc:
        client.views_update(view_id=view_id, hash="stale", view=modal(section("x")))
    assert error_of(exc) == "hash_conflict"


def test_views_open_needs_a_trigger_that_was_not_used_yet(standin: SlackStandIn, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.views_open(view=modal(section("x")))
    assert error_of(exc) == "invalid_arguments"
    trigger = standin.trigger_id("U1")
    client.views_open(trigger_id=trigger, view=modal(section("x")))
    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id=trigger, view=modal(section("x")))
    assert error_of(exc) == "exchanged_trigger_id"
    assert len(standin.open_views("U1")) == 1


def test_fabricated_trigger_ids_work_but_belong_to_no_user(standin: SlackStandIn, client: WebClient) -> None:
    root = client.views_open(trigger_id="1.1700000000.trigger", view=modal(section("root")))["view"]
    client.views_push(trigger_id="2.1700000000.trigger", view=modal(section("pushed")))
    client.views_open(trigger_id=standin.trigger_id("U2"), view=modal(section("bob's")))
    assert standin.open_views("U1") == []
    assert [v["blocks"][0]["text"]["text"] for v in standin.open_views("U2")] == ["bob's"]
    everything = [v["blocks"][0]["text"]["text"] for v in standin.open_views()]
    assert everything == ["root", "pushed", "bob's"]
    assert standin.open_views()[1]["root_view_id"] == root["id"]
    with pytest.raises(SlackApiError) as exc:
        client.views_push(trigger_id="2.1700000000.trigger", view=modal(section("again")))
    assert error_of(exc) == "exchanged_trigger_id"


def test_views_publish_keeps_latest_home_per_user(standin: SlackStandIn, client: WebClient) -> None:
    first = client.views_publish(user_id="U1", view={"type": "home", "blocks": [section("v1")]})["view"]
    second = client.views_publish(user_id="U1", view={"type": "home", "blocks": [section("v2")]})["view"]
    assert first["id"] == second["id"]
    home = standin.home("U1")
    assert home is not None and home["blocks"] == [section("v2")]
    assert standin.home("U2") is None
    with pytest.raises(SlackApiError) as exc:
        client.views_publish(user_id="U404", view={"type": "home", "blocks": [section("x")]})
    assert error_of(exc) == "user_not_found"


# ---------------------------------------------------------------------- files


def test_files_upload_v2(standin: SlackStandIn, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C1", text="candidate")["ts"]
    response = client.files_upload_v2(
        channel="C1",
        content="name,score\nAda,4\n",
        filename="scores.csv",
        title="Scores",
        initial_comment="Scorecards attached",
        thread_ts=parent,
    )
    assert response["file"]["title"] == "Scores"
    [uploaded] = standin.files()
    assert uploaded.content == b"name,score\nAda,4\n"
    assert (uploaded.title, uploaded.channels, uploaded.thread_ts) == ("Scores", ["C1"], parent)
    assert uploaded.initial_comment == "Scorecards attached"
    assert [c.method for c in standin.calls][-3:] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    upload_url = standin.calls_to("files.getUploadURLExternal")[0]
    assert upload_url.args["filename"] == "scores.csv" and upload_url.args["length"] == "17"
    [_, file_message] = standin.thread("C1", parent)
    assert file_message["text"] == "Scorecards attached"
    assert file_message["files"][0]["id"] == uploaded.id


def test_uploads_in_lists_what_the_bot_shared_in_a_thread_and_files_info_describes_it(
    standin: SlackStandIn, client: WebClient
) -> None:
    parent = client.chat_postMessage(channel="C1", text="candidate")["ts"]
    client.files_upload_v2(channel="C1", thread_ts=parent, content=b"\x00\x01", filename="a.bin")
    client.files_upload_v2(channel="C1", content=b"elsewhere", filename="b.txt")
    client.files_getUploadURLExternal(filename="never-completed.txt", length=1)
    [shared] = standin.uploads_in("C1", parent)
    assert (shared.filename, shared.content) == ("a.bin", b"\x00\x01")
    assert [f.filename for f in standin.uploads_in("C1")] == ["a.bin", "b.txt"]
    info = client.files_info(file=shared.id)["file"]
    assert (info["name"], info["size"], info["user"]) == ("a.bin", 2, standin.bot_user_id)


def test_a_file_a_person_shares_comes_with_their_message_and_downloads_with_a_token(
    standin: SlackStandIn, client: WebClient
) -> None:
    file_id = standin.add_file("U2", "cv.pdf", b"%PDF-1.7 cv", title="My CV")
    event = standin.user_message("U2", "Here is my CV", files=[file_id])
    assert (event["subtype"], event["channel_type"], event["text"]) == ("file_share", "im", "Here is my CV")
    [shared] = event["files"]
    assert (shared["id"], shared["name"], shared["title"], shared["size"]) == (file_id, "cv.pdf", "My CV", 11)
    assert shared["user"] == "U2" and shared["mimetype"] == "application/pdf"
    # files.info gives the download URL, served by the stand-in itself, only to a token.
    info = client.files_info(file=file_id)["file"]
    url = info["url_private_download"]
    assert url == shared["url_private_download"] and url.startswith(f"http://127.0.0.1:{standin.port}/download/")
    assert httpx.get(url).status_code == 403
    assert httpx.get(url, headers={"Authorization": "Bearer xapp-1"}).status_code == 403
    response = httpx.get(url, headers={"Authorization": "Bearer xoxb-test"})
    assert response.status_code == 200 and response.content == b"%PDF-1.7 cv"
    assert [(c.args["file_id"], c.error) for c in standin.calls_to("download")] == [
        (file_id, "not_authed"),
        (file_id, "not_authed"),
        (file_id, None),
    ]
    assert standin.files() == []  # the bot uploaded nothing
    with pytest.raises(SlackApiError) as exc:
        client.files_info(file="F0NOSUCHFILE")
    assert error_of(exc) == "file_not_found"
    with pytest.raises(KeyError):
        standin.user_message("U1", "not mine to share", files=[file_id])


def test_complete_upload_without_bytes_fails(standin: SlackStandIn, client: WebClient) -> None:
    file_id = client.files_getUploadURLExternal(filename="a.txt", length=3)["file_id"]
    with pytest.raises(SlackApiError) as exc:
        client.files_completeUploadExternal(files=[{"id": file_id, "title": "a"}], channel_id="C1")
    assert error_of(exc) == "file_not_found"
    assert standin.messages("C1") == []


# ---------------------------------------------------------------------- validation


def test_valid_payload_built_with_slack_sdk_models_round_trips(standin: SlackStandIn, client: WebClient) -> None:
    yes = Option(value="yes", text="Yes")
    blocks = [
        HeaderBlock(text="Candidate: Ada :wave:"),
        SectionBlock(
            text=MarkdownTextObject(text="*Stage* onsite", verbatim=True),
            fields=[PlainTextObject(text="Role"), MarkdownTextObject(text="Backend")],
            accessory=ButtonElement(
                text="Open",
                action_id="open",
                value="7",
                style="primary",
                confirm=ConfirmObject(title="Sure?", text="Open the kit"),
            ),
        ),
        SectionBlock(text="Overflow", accessory=OverflowMenuElement(action_id="more", options=[yes])),
        ActionsBlock(
            elements=[
                StaticSelectElement(placeholder="Pick", action_id="pick", options=[yes], initial_option=yes),
                StaticMultiSelectElement(
                    placeholder="Many",
                    action_id="many",
                    option_groups=[OptionGroup(label="Group", options=[yes])],
                    initial_options=[yes],
                ),
                DatePickerElement(action_id="date", initial_date="2026-11-23"),
                UserSelectElement(action_id="who", placeholder="Interviewer"),
            ]
        ),
        ContextBlock(
            elements=[ImageElement(image_url="https://e.com/a.png", alt_text="a"), MarkdownTextObject(text="c")]
        ),
        DividerBlock(),
        RichTextBlock(
            elements=[RichTextSectionElement(elements=[RichTextElementParts.Text(text="bold", style={"bold": True})])]
        ),
    ]
    client.chat_postMessage(channel="C1", text="Candidate: Ada", blocks=blocks)

    view = View(
        type="modal",
        callback_id="scorecard",
        title="Scorecard",
        submit="Submit",
        close="Cancel",
        private_metadata="7",
        blocks=[
            InputBlock(
                label="Notes",
                block_id="notes",
                element=PlainTextInputElement(action_id="notes", multiline=True, max_length=3000),
                hint="Be specific",
            ),
            InputBlock(
                label="Signals",
                block_id="signals",
                element=CheckboxesElement(action_id="signals", options=[yes], initial_options=[yes]),
            ),
            InputBlock(label="Hire?", block_id="hire", element=RadioButtonsElement(action_id="hire", options=[yes])),
            InputBlock(
                label="Score",
                block_id="score",
                element=NumberInputElement(action_id="score", is_decimal_allowed=False, min_value=1, max_value=4),
            ),
        ],
    )
    client.views_open(trigger_id=standin.trigger_id("U1"), view=view)
    standin.assert_no_violations()
    assert len(standin.messages("C1")[0]["blocks"]) == len(blocks)


def test_too_many_blocks_in_a_message(standin: SlackStandIn, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="x", blocks=[{"type": "divider"}] * 51)
    assert error_of(exc) == "invalid_blocks"
    assert exc.value.response["errors"] == ["blocks: 51 blocks, at most 50 allowed"]
    assert standin.messages("C1") == []
    [violation] = standin.violations
    assert violation.method == "chat.postMessage" and "51 blocks" in violation.problem
    assert violation.payload["blocks"] == [{"type": "divider"}] * 51
    client.chat_postMessage(channel="C1", text="x", blocks=[{"type": "divider"}] * 50)
    assert len(standin.violations) == 1


def test_too_many_blocks_in_a_view(standin: SlackStandIn, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.views_publish(user_id="U1", view={"type": "home", "blocks": [{"type": "divider"}] * 101})
    assert error_of(exc) == "invalid_arguments"
    assert "view.blocks: 101 blocks, at most 100 allowed" in exc.value.response["errors"]
    assert standin.home("U1") is None


def test_eleven_checkbox_options(standin: SlackStandIn, client: WebClient) -> None:
    checkboxes = {"type": "checkboxes", "action_id": "c", "options": options(11)}
    block = {"type": "input", "label": {"type": "plain_text", "text": "Signals"}, "element": checkboxes}
    with pytest.raises(SlackApiError) as exc:
        client.views_open(
            trigger_id=standin.trigger_id("U1"), view=modal(block, submit={"type": "plain_text", "text": "Save"})
        )
    assert error_of(exc) == "invalid_arguments"
    assert exc.value.response["errors"] == ["view.blocks[0].element: checkboxes has 11 options, at most 10 allowed"]
    assert standin.open_views("U1") == []
    # Ten are fine.
    checkboxes["options"] = options(10)
    client.views_open(
        trigger_id=standin.trigger_id("U1"), view=modal(block, submit={"type": "plain_text", "text": "S"})
    )
    assert len(standin.violations) == 1


@pytest.mark.parametrize(
    ("element", "expected"),
    [
        (
            {"type": "radio_buttons", "action_id": "r", "options": options(11)},
            "radio_buttons has 11 options, at most 10 allowed",
        ),
        (
            {
                "type": "static_select",
                "action_id": "s",
                "placeholder": {"type": "plain_text", "text": "p"},
                "options": options(101),
            },
            "static_select has 101 options, at most 100 allowed",
        ),
        (
            {"type": "checkboxes", "action_id": "c", "options": [{"text": {"type": "plain_text", "text": "a"}}]},
            "missing 1 required keyword-only argument: 'value'",
        ),
        (
            {
                "type": "static_select",
                "action_id": "s",
                "placeholder": {"type": "plain_text", "text": "p"},
                "options": options(2),
                "initial_option": {"text": {"type": "plain_text", "text": "other"}, "value": "v0"},
            },
            "initial_option: does not exactly match any of the options",
        ),
    ],
)
def test_element_rules_inside_section_accessories(
    standin: SlackStandIn, client: WebClient, element: dict[str, Any], expected: str
) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="x", blocks=[section("pick", accessory=element)])
    assert error_of(exc) == "invalid_blocks"
    assert any(expected in e and e.startswith("blocks[0].accessory") for e in exc.value.response["errors"])
    assert standin.violations


def test_option_limit_inside_actions_block(client: WebClient) -> None:
    radio = {"type": "radio_buttons", "action_id": "r", "options": options(11)}
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="x", blocks=[{"type": "actions", "elements": [radio]}])
    assert exc.value.response["errors"] == ["blocks[0].elements[0]: radio_buttons has 11 options, at most 10 allowed"]


def test_modal_title_over_24_characters(standin: SlackStandIn, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id=standin.trigger_id("U1"), view=modal(section("x"), title="x" * 25))
    assert error_of(exc) == "invalid_arguments"
    assert exc.value.response["errors"] == ["view: title must be between 1 and 24 characters"]
    client.views_open(trigger_id=standin.trigger_id("U1"), view=modal(section("x"), title="x" * 24))


def test_modal_shape_rules(standin: SlackStandIn, client: WebClient) -> None:
    no_submit = modal(text_input())
    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id=standin.trigger_id("U1"), view=no_submit)
    assert exc.value.response["errors"] == ["view.submit: a modal with input blocks needs a submit button"]

    untitled = {"type": "modal", "blocks": [section("x")]}
    with pytest.raises(SlackApiError) as exc:
        client.views_push(trigger_id=standin.trigger_id("U1"), view=untitled)
    assert "view.title: a modal needs a title" in exc.value.response["errors"]

    home_as_modal = {"type": "home", "blocks": [section("x")]}
    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id=standin.trigger_id("U1"), view=home_as_modal)
    assert exc.value.response["errors"] == ["view.type: must be 'modal' here, got 'home'"]

    string_title = {**modal(section("x")), "title": "Scorecard", "callbak_id": "typo"}
    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id=standin.trigger_id("U1"), view=string_title)
    assert exc.value.response["errors"] == [
        "view.title: must be a text object like {'type': 'plain_text', 'text': ...}, got a string",
        "view.callbak_id: unknown key 'callbak_id'",
    ]
    assert [v.method for v in standin.violations] == [
        "views.open",
        "views.push",
        "views.open",
        "views.open",
        "views.open",
    ]


def test_unknown_or_misspelled_block_keys(standin: SlackStandIn, client: WebClient) -> None:
    button = {"type": "button", "text": {"type": "plain_text", "text": "Go"}, "action_id": "go"}
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="x", blocks=[section("x", acessory=button)])
    assert exc.value.response["errors"] == ["blocks[0].acessory: unknown key 'acessory' for a section"]

    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="x", blocks=[{"type": "sektion"}])
    assert exc.value.response["errors"] == ["blocks[0]: unknown block type 'sektion'"]

    wrong_text = {"type": "header", "text": "Hello"}
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="x", blocks=[wrong_text])
    assert "got a string" in exc.value.response["errors"][0]

    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="x", blocks=[section("x", accessory={**button, "colour": "red"})])
    assert exc.value.response["errors"] == ["blocks[0].accessory.colour: unknown key 'colour' for a button"]
    assert len(standin.violations) == 4
    assert standin.messages("C1") == []


def test_duplicate_block_ids(client: WebClient) -> None:
    blocks = [section("a", block_id="same"), section("b", block_id="same")]
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="x", blocks=blocks)
    assert exc.value.response["errors"] == ["blocks[1].block_id: duplicate block_id 'same' (first at blocks[0])"]


def test_blocks_without_text_fallback(standin: SlackStandIn, client: WebClient) -> None:
    with pytest.warns(UserWarning), pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", blocks=[section("only blocks")])
    assert error_of(exc) == "invalid_blocks"
    assert exc.value.response["errors"] == [
        "text: a message with blocks needs a `text` fallback for notifications and screen readers"
    ]
    assert standin.messages("C1") == []
    assert len(standin.violations) == 1


def test_update_with_blocks_but_no_fallback_is_a_violation(standin: SlackStandIn, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C1", text="x")["ts"]
    with pytest.warns(UserWarning), pytest.raises(SlackApiError) as exc:
        client.chat_update(channel="C1", ts=ts, blocks=[section("y")])
    assert "needs a `text` fallback" in exc.value.response["errors"][0]
    assert standin.messages("C1")[0]["text"] == "x"


def test_text_over_40000_characters(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="x" * 40_001)
    assert exc.value.response["errors"] == ["text: 40001 characters, at most 40000 allowed"]
    client.chat_postMessage(channel="C1", text="x" * 40_000)


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"event_type": "candidate"}, ["metadata.event_payload: must be an object, got null"]),
        ({"event_type": "", "event_payload": {}}, ["metadata.event_type: must be a non-empty string"]),
        ({"event_type": "c", "event_payload": "7"}, ["metadata.event_payload: must be an object, got string"]),
        ("not-json", ["metadata: must be an object with event_type and event_payload, got string"]),
    ],
)
def test_bad_metadata(standin: SlackStandIn, client: WebClient, metadata: Any, expected: list[str]) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="x", metadata=metadata)
    assert exc.value.response["errors"] == expected
    assert standin.violations[0].problem == expected[0]
    assert standin.messages("C1") == []


def test_form_encoded_json_fields_are_decoded_and_validated(standin: SlackStandIn) -> None:
    headers = {"Authorization": "Bearer xoxb-test"}
    good = httpx.post(
        standin.url + "chat.postMessage",
        headers=headers,
        data={
            "channel": "C1",
            "text": "form",
            "blocks": '[{"type": "divider"}]',
            "metadata": '{"event_type": "e", "event_payload": {"k": 1}}',
        },
    ).json()
    assert good["ok"] is True
    assert standin.messages("C1")[0]["blocks"] == [{"type": "divider"}]
    assert standin.calls_to("chat.postMessage")[0].args["metadata"] == {"event_type": "e", "event_payload": {"k": 1}}
    bad = httpx.post(
        standin.url + "chat.postMessage",
        headers=headers,
        data={"channel": "C1", "text": "x", "blocks": '[{"type": "divider", "txt": "?"}]'},
    ).json()
    assert bad == {
        "ok": False,
        "error": "invalid_blocks",
        "errors": ["blocks[0].txt: unknown key 'txt' for a divider"],
        "response_metadata": {"messages": ["[ERROR] blocks[0].txt: unknown key 'txt' for a divider"]},
    }


def test_unknown_method_is_a_violation(standin: SlackStandIn, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_scheduleMessage(channel="C1", text="later", post_at=2_000_000_000)
    assert error_of(exc) == "unknown_method"
    [violation] = standin.violations
    assert violation.method == "chat.scheduleMessage"
    with pytest.raises(AssertionError, match=r"chat\.scheduleMessage"):
        standin.assert_no_violations()
    standin.clear_violations()
    standin.assert_no_violations()


# ---------------------------------------------------------------------- recording


def test_wait_for_method_name_and_predicate(standin: SlackStandIn, client: WebClient) -> None:
    timer = threading.Timer(0.1, lambda: client.chat_postMessage(channel="C1", text="async"))
    timer.start()
    calls = standin.wait_for("chat.postMessage", timeout=3)
    assert [c.args["text"] for c in calls] == ["async"]
    assert isinstance(calls[0], Call) and calls[0].time <= time.time()
    standin.wait_for(lambda: len(standin.messages("C1")) == 1, timeout=1)
    timer.join()


def test_wait_for_timeout_describes_recent_calls(standin: SlackStandIn, client: WebClient) -> None:
    client.chat_postMessage(channel="C1", text="hello there")
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C404", text="nope")
    started = time.monotonic()
    with pytest.raises(AssertionError) as exc:
        standin.wait_for("views.open", timeout=0.2)
    assert time.monotonic() - started < 2
    message = str(exc.value)
    assert "views.open" in message
    assert "hello there" in message and "-> channel_not_found" in message


def test_reset_calls_keeps_state(standin: SlackStandIn, client: WebClient) -> None:
    client.chat_postMessage(channel="C1", text="x")
    standin.reset_calls()
    assert standin.calls == [] and standin.calls_to("chat.postMessage") == []
    assert len(standin.messages("C1")) == 1


# ---------------------------------------------------------------------- reactions


def test_reactions_add_marks_a_message_once(standin: SlackStandIn, client: WebClient) -> None:
    event = standin.user_message("U2", "hello")
    client.reactions_add(channel=event["channel"], timestamp=event["ts"], name="white_check_mark")
    [message] = standin.dm_messages("U2")
    assert message["reactions"] == [{"name": "white_check_mark", "users": [standin.bot_user_id], "count": 1}]
    for args, error in (
        ({"channel": event["channel"], "timestamp": event["ts"], "name": "white_check_mark"}, "already_reacted"),
        ({"channel": event["channel"], "timestamp": "1.000001", "name": "tada"}, "message_not_found"),
        ({"channel": "C404", "timestamp": event["ts"], "name": "tada"}, "channel_not_found"),
        ({"channel": event["channel"], "timestamp": event["ts"], "name": ":tada:"}, "invalid_name"),
        ({"channel": event["channel"], "timestamp": "", "name": "tada"}, "no_item_specified"),
    ):
        with pytest.raises(SlackApiError) as exc:
            client.reactions_add(**args)
        assert error_of(exc) == error
    assert standin.dm_messages("U2")[0]["reactions"][0]["count"] == 1


# ---------------------------------------------------------------------- faults


def test_fail_next_can_let_calls_through_first(standin: SlackStandIn, client: WebClient) -> None:
    standin.fail_next("chat.postMessage", error="internal_error", status=500, after=1)
    client.chat_postMessage(channel="C1", text="first")
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="second")
    assert exc.value.response.status_code == 500
    client.chat_postMessage(channel="C1", text="third")
    assert [c.error for c in standin.calls_to("chat.postMessage")] == [None, "internal_error", None]


def test_fail_next_answers_429_with_retry_after(standin: SlackStandIn, client: WebClient) -> None:
    standin.fail_next("chat.postMessage", retry_after=7, times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as exc:
            client.chat_postMessage(channel="C1", text="x")
        assert exc.value.response.status_code == 429
        assert exc.value.response.headers["Retry-After"] == "7"
        assert error_of(exc) == "ratelimited"
    client.chat_postMessage(channel="C1", text="third time lucky")
    assert [c.error for c in standin.calls_to("chat.postMessage")] == ["ratelimited", "ratelimited", None]
    assert [m["text"] for m in standin.messages("C1")] == ["third time lucky"]
    # Other methods are unaffected.
    client.auth_test()


def test_fail_next_is_honoured_by_slack_sdk_retry_handler(standin: SlackStandIn) -> None:
    standin.fail_next("chat.postMessage", retry_after=0)
    client = WebClient(token="xoxb-test", base_url=standin.url, retry_handlers=[RateLimitErrorRetryHandler()])
    standin.fail_next("auth.test", status=200, error="team_not_found", retry_after=None)
    assert client.chat_postMessage(channel="C1", text="retried")["ok"] is True
    assert [c.error for c in standin.calls_to("chat.postMessage")] == ["ratelimited", None]
    with pytest.raises(SlackApiError) as exc:
        client.auth_test()
    assert exc.value.response.status_code == 200 and error_of(exc) == "team_not_found"


def test_rate_limits_enforce_one_message_per_second_per_channel_and_a_workspace_bucket(
    standin: SlackStandIn, client: WebClient
) -> None:
    client.chat_postMessage(channel="C1", text="before: no limits by default")
    client.chat_postMessage(channel="C1", text="so a burst goes through")
    standin.rate_limits(per_channel=1.0, workspace_rate=2.0, workspace_burst=3)
    client.chat_postMessage(channel="C1", text="one")
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="too soon")
    assert exc.value.response.status_code == 429 and error_of(exc) == "ratelimited"
    assert exc.value.response.headers["Retry-After"] == "1"
    # Other channels, and a DM by user id, are not held back by C1; the bucket (3 at once) is.
    client.chat_postMessage(channel="G1", text="two")
    client.chat_postMessage(channel="U1", text="three")
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="U2", text="bucket empty")
    assert exc.value.response.status_code == 429 and exc.value.response.headers["Retry-After"] == "1"
    client.auth_test()  # other methods are not limited
    time.sleep(1.05)  # a second: C1 is free again and two tokens are back
    client.chat_postMessage(channel="C1", text="four")
    client.chat_postMessage(channel="U2", text="five")
    assert [m["text"] for m in standin.messages("C1")][-2:] == ["one", "four"]
    refused = [c for c in standin.calls_to("chat.postMessage") if c.error == "ratelimited"]
    assert [c.args["text"] for c in refused] == ["too soon", "bucket empty"]
    standin.clear_rate_limits()
    for n in range(5):
        client.chat_postMessage(channel="C1", text=f"burst {n}")
    with pytest.raises(ValueError):
        standin.rate_limits(per_channel=0)


def test_failure_rate_is_random_but_seeded(standin: SlackStandIn, client: WebClient) -> None:
    def outcomes() -> list[bool]:
        standin.failure_rate(None, 0.5, seed=42)
        results = []
        for _ in range(40):
            try:
                client.auth_test()
                results.append(True)
            except SlackApiError as e:
                assert e.response.status_code == 500 and e.response["error"] == "internal_error"
                results.append(False)
        return results

    first = outcomes()
    assert 5 < first.count(False) < 35
    assert outcomes() == first  # same seed, same sequence
    standin.failure_rate(None, 0)
    standin.failure_rate("users.info", 1.0, status=503, error="service_unavailable")
    with pytest.raises(SlackApiError) as exc:
        client.users_info(user="U1")
    assert exc.value.response.status_code == 503
    assert client.auth_test()["ok"] is True
    standin.clear_faults()
    assert client.users_info(user="U1")["ok"] is True
