"""A real Radicale CalDAV server on loopback, for the calendar tests and benchmarks (Radicale is a
dev dependency: this runs `python -m radicale`).

Radicale 3.5+ denies everyone unless told how to authenticate: `none` accepts any user (each
owns the collections under their name), `htpasswd` checks a password file (wrong and revoked
passwords are tested against it).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from caldav.davclient import DAVClient


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Radicale:
    def __init__(self, folder: Path, *, passwords: dict[str, str] | None = None) -> None:
        self.folder = folder
        self.passwords = dict(passwords or {})
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> Radicale:
        args = [
            sys.executable, "-m", "radicale",
            "--server-hosts", f"127.0.0.1:{self.port}",
            "--storage-filesystem-folder", str(self.folder / "storage"),
            "--logging-level", "error",
        ]  # fmt: skip
        if self.passwords:
            self.write_passwords()
            args += [
                "--auth-type", "htpasswd",
                "--auth-htpasswd-filename", str(self.folder / "users"),
                "--auth-htpasswd-encryption", "plain",
                # Radicale waits this long after a wrong password; the tests need not.
                "--auth-delay", "0",
            ]  # fmt: skip
        else:
            args += ["--auth-type", "none"]
        self._process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"Radicale exited: {(self._process.stderr or b'').read().decode()}")  # type: ignore[union-attr]
            try:
                httpx.get(self.url, timeout=0.5)
                return self
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("Radicale did not start within 15 s")

    def write_passwords(self) -> None:
        # Radicale reads the file again when it changes: a revoked password takes effect at once.
        (self.folder / "users").write_text("".join(f"{u}:{p}\n" for u, p in self.passwords.items()))

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None

    def make_calendar(self, user: str, password: str = "app-password", name: str | None = None) -> str:
        """A new calendar owned by `user`; its URL."""
        client: Any = DAVClient(url=self.url, username=user, password=password, require_tls=False, timeout=10)
        calendar = client.principal().make_calendar(name=name or "Interviews", cal_id=uuid.uuid4().hex[:12])
        return str(calendar.url)

    def calendar(self, url: str, user: str, password: str = "app-password") -> Any:
        """The calendar at `url` through the caldav client (a `caldav.Calendar`), to read back."""
        client: Any = DAVClient(url=url, username=user, password=password, require_tls=False, timeout=10)
        return client.calendar(url=url)
