"""The Directory over Slack's Web API, with a short cache (users.info, usergroups.list)."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.rules.permissions import Person

log = logging.getLogger("interview_bot.directory")


class SlackDirectory:
    def __init__(self, client: WebClient, ttl: float = 300) -> None:
        self.client = client
        self.ttl = ttl
        self._lock = threading.Lock()
        self._people: dict[str, tuple[float, Person | None]] = {}
        self._groups: tuple[float, dict[str, frozenset[str]]] | None = None

    def person(self, user_id: str) -> Person | None:
        with self._lock:
            hit = self._people.get(user_id)
            if hit and time.monotonic() - hit[0] < self.ttl:
                return hit[1]
        try:
            user: dict[str, Any] = self.client.users_info(user=user_id)["user"]
        except SlackApiError as exc:
            if exc.response.get("error") != "user_not_found":
                raise
            person = None
        else:
            person = Person(
                id=user_id,
                name=user.get("real_name") or user.get("name") or user_id,
                tz=user.get("tz") or "UTC",
                tz_offset=int(user.get("tz_offset") or 0),
                is_guest=bool(user.get("is_restricted") or user.get("is_ultra_restricted") or user.get("is_stranger")),
                is_bot=bool(user.get("is_bot")),
                email=(user.get("profile") or {}).get("email") or None,
            )
        with self._lock:
            self._people[user_id] = (time.monotonic(), person)
        return person

    def usergroup_members(self, handle: str) -> frozenset[str]:
        with self._lock:
            if self._groups and time.monotonic() - self._groups[0] < self.ttl:
                return self._groups[1].get(handle, frozenset())
        groups: dict[str, frozenset[str]] = {}
        try:
            listed = self.client.usergroups_list(include_users=True)
            group: dict[str, Any]
            for group in listed.get("usergroups", []):
                users: list[str] | None = group.get("users")
                if users is None:
                    users = self.client.usergroups_users_list(usergroup=group["id"]).get("users", [])
                groups[group["handle"]] = frozenset(users)
        except SlackApiError as exc:
            # Recruiters listed by ID keep working; the log says why the group did not resolve.
            log.warning("could not read user groups (%s); RECRUITERS groups are ignored", exc.response.get("error"))
        with self._lock:
            self._groups = (time.monotonic(), groups)
        if handle not in groups:
            log.warning("RECRUITERS names @%s but no such user group exists", handle)
        return groups.get(handle, frozenset())
