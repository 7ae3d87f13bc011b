"""Handlers for Slack's two-step external upload: files.getUploadURLExternal and files.completeUploadExternal.

The bytes themselves arrive in between at the server's ``/upload/<file id>`` endpoint.
"""

from __future__ import annotations

import copy
import mimetypes
import time
from typing import TYPE_CHECKING

from bot.slack_standin.state import Json, UploadedFile
from bot.slack_standin.validation import check_blocks
from bot.slack_standin.workspace import _error, _Workspace


class _UploadMethods(_Workspace):
    """files.getUploadURLExternal and files.completeUploadExternal."""

    if TYPE_CHECKING:
        # The upload URL points at the running server, which _HttpFront provides.
        @property
        def port(self) -> int: ...

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
        return {
            "id": upload.id,
            "created": int(time.time()),
            "name": upload.filename,
            "title": upload.title,
            "mimetype": mimetype,
            "filetype": upload.filename.rsplit(".", 1)[-1] if "." in upload.filename else "text",
            "user": self.bot_user_id,
            "size": len(upload.content or b""),
            "mode": "hosted",
            "is_external": False,
            "channels": list(upload.channels),
            "permalink": f"https://{self.team_domain}.slack.com/files/{self.bot_user_id}/{upload.id}/{upload.filename}",
        }
