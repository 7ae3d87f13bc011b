"""The public :class:`SlackStandIn`: the workspace, its HTTP front and every method handler in one object."""

from __future__ import annotations

from bot.devtools.slack_standin.directory import _DirectoryMethods
from bot.devtools.slack_standin.messages import _MessageMethods
from bot.devtools.slack_standin.server import _HttpFront
from bot.devtools.slack_standin.state import Json
from bot.devtools.slack_standin.uploads import _UploadMethods
from bot.devtools.slack_standin.views import _ViewMethods
from bot.devtools.slack_standin.workspace import _error


class SlackStandIn(_HttpFront, _MessageMethods, _ViewMethods, _DirectoryMethods, _UploadMethods):
    """A fake Slack workspace served over HTTP on 127.0.0.1 (random port).

    Lifecycle: :meth:`start` / :meth:`stop` or ``with SlackStandIn() as slack``.
    Workspace: :meth:`add_user`, :meth:`add_usergroup`, :meth:`add_channel`,
    :meth:`trigger_id` (mints the trigger ids views.open/push need; :meth:`trigger_user` tells for
    whom), :meth:`add_file` (a file a person uploads) and :meth:`user_message` (a person writes,
    maybe sharing files: the event).
    Inspection: :attr:`calls`, :meth:`calls_to`, :meth:`wait_for`, :meth:`reset_calls`,
    :attr:`violations`, :meth:`assert_no_violations`, :meth:`clear_violations`,
    :meth:`messages`, :meth:`thread`, :meth:`dm_messages`, :meth:`ephemerals`,
    :meth:`home`, :meth:`open_views`, :meth:`files`, :meth:`uploads_in`. Reactions the bot adds are
    on the messages, as Slack returns them (``reactions``). File downloads are recorded as
    ``download`` calls.
    Socket Mode: ``apps.connections.open`` (app-level token only) hands out the URLs of a running
    :class:`~bot.devtools.slack_standin.socket_mode.SocketModeStandIn`.
    Faults: :meth:`fail_next`, :meth:`failure_rate`, :meth:`clear_faults`.
    Slack's posting limits (off by default): :meth:`rate_limits`, :meth:`clear_rate_limits`.
    """

    def __init__(
        self,
        *,
        team_id: str = "T0STANDIN",
        team_domain: str = "standin",
        bot_user_id: str = "U0BOT",
        bot_id: str = "B0BOT",
        app_id: str = "A0STANDIN",
    ) -> None:
        super().__init__(
            team_id=team_id, team_domain=team_domain, bot_user_id=bot_user_id, bot_id=bot_id, app_id=app_id
        )
        self._methods = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "usergroups.list": self._usergroups_list,
            "usergroups.users.list": self._usergroups_users_list,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
            "files.info": self._files_info,
            "files.delete": self._files_delete,
            "reactions.add": self._reactions_add,
            "apps.connections.open": self._apps_connections_open,
        }

    def _apps_connections_open(self, _args: Json) -> Json:
        """A Socket Mode URL of the running :class:`~bot.devtools.slack_standin.socket_mode.SocketModeStandIn`
        (the front has checked the app-level token)."""
        if self._socket_links is None:
            return _error("access_denied", "Socket Mode is off: no SocketModeStandIn is running on this stand-in")
        return {"ok": True, "url": self._socket_links()}
