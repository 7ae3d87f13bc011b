"""Secrets at rest: calendar passwords encrypted with a Fernet key derived from SECRET_KEY, and
calendar feed tokens derived from it (so a link can be shown again while only its hash is stored)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken

NO_KEY = (
    "SECRET_KEY is not set: calendar passwords are stored encrypted with it. Set SECRET_KEY to a long "
    "random string (python -c 'import secrets; print(secrets.token_urlsafe(32))') and restart the bot."
)


class NoSecretKey(Exception):
    """SECRET_KEY is needed and not set; the message says how to set it."""

    def __init__(self) -> None:
        super().__init__(NO_KEY)


class Vault:
    def __init__(self, secret_key: str | None, feed_key: str | None = None) -> None:
        self._key = (secret_key or "").encode()
        # Feed links are signed with SECRET_KEY, else with `feed_key` (the Slack signing secret), so
        # they work with no setup; rotating that key replaces every link.
        self._feed_key = self._key or (feed_key or "").encode()

    @property
    def ready(self) -> bool:
        return bool(self._key)

    def _fernet(self) -> Fernet:
        if not self._key:
            raise NoSecretKey()
        # Fernet wants 32 url-safe base64 bytes; SECRET_KEY is any string, so it is hashed to that.
        derived = hashlib.sha256(b"calendar-secrets:" + self._key).digest()
        return Fernet(base64.urlsafe_b64encode(derived))

    def encrypt(self, plain: str) -> str:
        return self._fernet().encrypt(plain.encode()).decode()

    def decrypt(self, token: str) -> str | None:
        """The secret, or None when it was encrypted with another SECRET_KEY (the owner must connect again)."""
        try:
            return self._fernet().decrypt(token.encode()).decode()
        except InvalidToken:
            return None

    @property
    def feeds_ready(self) -> bool:
        return bool(self._feed_key)

    def feed_token(self, nonce: str) -> str:
        if not self._feed_key:
            raise NoSecretKey()
        digest = hmac.new(self._feed_key, b"calendar-feed:" + nonce.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
