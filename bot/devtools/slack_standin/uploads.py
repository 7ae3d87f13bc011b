"""Files: Slack's two-step external upload (files.getUploadURLExternal and files.completeUploadExternal),
files.info, and the files people share (:meth:`_UploadMethods.add_file`).

The bytes of an upload arrive in between at the server's ``/upload/<file id>`` endpoint; a file's
``url_private_download`` is the server's ``/download/<file id>/<name>``, which wants the bot token.
"""

from __future__ import annotations

import copy
import mimetypes
import time
from typing import TYPE_CHECKING
from urllib.parse import quote

from bot.devtools.slack_standin.state import Json, UploadedFile
from bot.devtools.slack_standin.validation import check_blocks
from bot.devtools.slack_standin.workspace import _error, _Workspace


class _UploadMethods(_Workspace):
    """files.getUploadURLExternal, files.completeUploadExternal, files.info and files.delete."""

    if TYPE_CHECKING:
        # The upload URL points at the running server, which _HttpFront provides.
        @property
        def port(self) -> int: ...

    def add_file(self, user_id: str, filename: str, content: bytes, *, title: str | None = None) -> str:
        """A file ``user_id`` uploads to Slack, to share with :meth:`user_message` (``files=[id]``).

        Its id is returned; files.info describes it and its ``url_private_download`` serves
        ``content`` to a request with a bot token."""
        with self._lock:
            if user_id not in self._users:
                raise KeyError(f"unknown user {user_id!r}")
            file_id = self._new_id("F")
            self._user_files[file_id] = UploadedFile(
                id=file_id,
                filename=filename,
                length=len(content),
                content=bytes(content),
                title=title or filename,
                completed=True,
                user=user_id,
            )
            return file_id

    def _files_info(self, args: Json) -> Json:
        file_id = args.get("file")
        if not isinstance(file_id, str) or not file_id:
            return _error("invalid_arguments", "file is required")
        upload = self._user_files.get(file_id) or self._files.get(file_id)
        if upload is None or not upload.completed:
            return _error("file_not_found")
        return {"ok": True, "file": self._file_json(upload), "comments": [], "response_metadata": {"next_cursor": ""}}

    def _files_delete(self, args: Json) -> Json:
        """Like Slack for a bot token: only files the bot uploaded; gone from files.info after."""
        file_id = args.get("file")
        if not isinstance(file_id, str) or not file_id:
            return _error("invalid_arguments", "file is required")
        with self._lock:
            upload = self._files.get(file_id) or self._user_files.get(file_id)
            if upload is None or not upload.completed:
                return _error("file_not_found")
            if upload.user and upload.user != self.bot_user_id:
                return _error("cant_delete_file")
            del self._files[file_id]
            self.deleted_files.append(file_id)
            # Like Slack: a message that only shared the file goes with it.
            for conv in self._channels.values():
                for message in list(conv.messages):
                    shared = [f.get("id") for f in message.get("files") or []]
                    if shared == [file_id] and not message.get("text") and not message.get("blocks"):
                        conv.messages.remove(message)
            return {"ok": True}

    def _files_get_upload_url_external(self, args: Json) -> Json:
        filename = args.get("filename")
        try:
            length = int(args.get("length", ""))
        except ValueError:
            length = -1
        if not filename or length < 0:
            return _error("invalid_arguments", "filename and length are required")
        file_id = self._new_id("F")
        self._files[file_id] = UploadedFile(id=file_id, filename=str(filename), length=length)
        return {"ok": True, "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload_external(self, args: Json) -> Json:
        entries = args.get("files")
        if not isinstance(entries, list) or not entries:
            return _error("invalid_arguments", "files must be a JSON array of {id, title}")
        uploads: list[tuple[UploadedFile, str | None]] = []
        for entry in entries:
            upload = self._files.get(entry.get("id", "")) if isinstance(entry, dict) else None
            if upload is None or upload.content is None or upload.completed:
                return _error("file_not_found")
            uploads.append((upload, entry.get("title")))
        channel_ids: list[str] = []
        if args.get("channel_id"):
            channel_ids.append(args["channel_id"])
        if args.get("channels"):
            raw = args["channels"]
            channel_ids.extend(raw.split(",") if isinstance(raw, str) else raw)
        # Like Slack: `blocks` describe the share message, unless an initial_comment replaces them.
        blocks = None if args.get("initial_comment") else args.get("blocks")
        if blocks is not None:
            problems = check_blocks(blocks)
            if problems:
                return self._invalid("files.completeUploadExternal", args, problems, "invalid_blocks")
        targets = [self._resolve_channel(c) for c in channel_ids]
        if any(t is None for t in targets):
            return _error("channel_not_found")
        convs = [t for t in targets if t is not None]
        thread_ts = args.get("thread_ts") or None
        roots: dict[str, str | None] = {}
        for conv in convs:
            roots[conv.id] = self._thread_root(conv, thread_ts) if thread_ts else None
            if thread_ts and roots[conv.id] is None:
                return _error("thread_not_found")
        for upload, title in uploads:
            upload.title = title or upload.filename
            upload.channels = [c.id for c in convs]
            upload.initial_comment = args.get("initial_comment")
            upload.thread_ts = thread_ts
            upload.completed = True
        file_objects = [self._file_json(u) for u, _ in uploads]
        for conv in convs:
            shared: Json = {"text": args.get("initial_comment") or ""}
            if blocks:
                shared["blocks"] = copy.deepcopy(blocks)
            message = self._new_message(shared, thread_ts=roots[conv.id])
            message.update({"files": copy.deepcopy(file_objects), "upload": True, "display_as_bot": False})
            self._append(conv, message)
        return {"ok": True, "files": file_objects}

    def _file_json(self, upload: UploadedFile) -> Json:
        mimetype = mimetypes.guess_type(upload.filename)[0] or "text/plain"
        owner = upload.user or self.bot_user_id
        url = f"http://127.0.0.1:{self.port}/download/{upload.id}/{quote(upload.filename)}"
        return {
            "id": upload.id,
            "created": int(time.time()),
            "name": upload.filename,
            "title": upload.title,
            "mimetype": mimetype,
            "filetype": upload.filename.rsplit(".", 1)[-1] if "." in upload.filename else "text",
            "user": owner,
            "size": len(upload.content or b""),
            "mode": "hosted",
            "is_external": False,
            "channels": list(upload.channels),
            "url_private": url,
            "url_private_download": url,
            "permalink": f"https://{self.team_domain}.slack.com/files/{owner}/{upload.id}/{upload.filename}",
        }
