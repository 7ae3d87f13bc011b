"""Who may do what: recruiters change the pipeline; guests and candidates see nothing internal."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from bot.rules.errors import Forbidden


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    tz: str = "UTC"
    tz_offset: int = 0
    # Guests (single- and multi-channel) and Slack Connect users from other workspaces.
    is_guest: bool = False
    is_bot: bool = False
    # From their Slack profile (the users:read.email scope): how calendars invite them.
    email: str | None = None


class Directory(Protocol):
    """The workspace's people and user groups (Slack's Web API in production)."""

    def person(self, user_id: str) -> Person | None: ...

    def usergroup_members(self, handle: str) -> frozenset[str]: ...


class Permissions:
    def __init__(
        self, recruiter_ids: Iterable[str], recruiter_groups: Iterable[str], directory: Directory, ttl: float = 300
    ) -> None:
        self.recruiter_ids = frozenset(recruiter_ids)
        self.recruiter_groups = tuple(sorted(recruiter_groups))
        self.directory = directory
        self.ttl = ttl
        self._lock = threading.Lock()
        self._cached: tuple[float, frozenset[str]] | None = None

    def recruiters(self) -> frozenset[str]:
        """Configured recruiter IDs plus the members of the configured user groups (cached)."""
        with self._lock:
            if self._cached and time.monotonic() - self._cached[0] < self.ttl:
                return self._cached[1]
        members = set(self.recruiter_ids)
        for handle in self.recruiter_groups:
            members |= self.directory.usergroup_members(handle)
        resolved = frozenset(members)
        with self._lock:
            self._cached = (time.monotonic(), resolved)
        return resolved

    def is_recruiter(self, user_id: str, role_recruiters: Iterable[str] = ()) -> bool:
        return user_id in self.recruiters() or user_id in set(role_recruiters)

    def who(self) -> str:
        people = [f"<@{u}>" for u in sorted(self.recruiter_ids)] + [f"@{g}" for g in self.recruiter_groups]
        return ", ".join(people) if people else "nobody yet (set RECRUITERS)"

    def require_recruiter(self, user_id: str, action: str, role_recruiters: Iterable[str] = ()) -> None:
        if not self.is_recruiter(user_id, role_recruiters):
            raise Forbidden(
                f"Only recruiters can {action}. Recruiters here: {self.who()}. "
                "Ask one of them, or ask whoever runs the bot to add you to RECRUITERS."
            )

    def require_member(self, user_id: str, candidate_user_ids: Iterable[str] = ()) -> Person | None:
        """Refuse guests and candidates: they never see internal hiring data."""
        if user_id in self.recruiters():
            return self.directory.person(user_id)
        person = self.directory.person(user_id)
        if person is None or person.is_guest or person.is_bot or user_id in set(candidate_user_ids):
            raise Forbidden("Hiring information is only available to members of the hiring team.")
        return person
