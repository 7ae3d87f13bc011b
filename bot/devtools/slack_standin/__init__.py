"""An in-process stand-in for the Slack Web API.

Used by the end-to-end tests and by the offline demo: point slack_sdk (or Bolt)
at :attr:`SlackStandIn.url` and the bot talks HTTP to a tiny fake workspace
instead of slack.com.

The point is not only to answer calls but to refuse what Slack would refuse:
every ``blocks`` and ``view`` argument is parsed with ``slack_sdk.models``,
round-tripped through ``to_dict()`` and compared with what was sent, and the
limits slack_sdk does not check are enforced here. Each refusal is recorded as
a :class:`Violation` so a test can end with :meth:`SlackStandIn.assert_no_violations`.

Example::

    with SlackStandIn() as slack:
        slack.add_user("U1", "alice")
        slack.add_channel("C1", "hiring")
        client = WebClient(token="xoxb-test", base_url=slack.url)
        client.chat_postMessage(channel="C1", text="hi")
        assert slack.messages("C1")[0]["text"] == "hi"
        slack.assert_no_violations()

Only the standard library and slack_sdk are used, because this package ships in
the package for the demo.
"""

from bot.devtools.slack_standin.standin import SlackStandIn
from bot.devtools.slack_standin.state import Call, Json, UploadedFile, Violation
from bot.devtools.slack_standin.validation import (
    MESSAGE_BLOCK_LIMIT,
    MESSAGE_TEXT_LIMIT,
    OPTION_LIMITS,
    VIEW_BLOCK_LIMIT,
    check_blocks,
    check_metadata,
    check_view,
)

__all__ = [
    "MESSAGE_BLOCK_LIMIT",
    "MESSAGE_TEXT_LIMIT",
    "OPTION_LIMITS",
    "VIEW_BLOCK_LIMIT",
    "Call",
    "Json",
    "SlackStandIn",
    "UploadedFile",
    "Violation",
    "check_blocks",
    "check_metadata",
    "check_view",
]
