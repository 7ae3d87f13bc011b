"""Google's OAuth token endpoint, for service accounts with domain-wide delegation (RFC 7523 JWT
bearer grants), and the service-account key files it trusts.

:func:`write_service_account` makes a fresh RSA key, writes the JSON key file Google would hand out,
and registers the public half under the file's ``token_uri``: the stand-in serving that URI trusts
it, and no other stand-in does.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import exceptions as auth_exceptions
from google.auth import jwt

CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# google-auth puts Google's own endpoint in `aud` whatever the key file's token_uri; Google accepts it.
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
TOKEN_LIFETIME = 3600
# Google refuses assertions that live longer than an hour.
MAX_ASSERTION_LIFETIME = 3600


@dataclass(frozen=True)
class ServiceAccountKey:
    client_email: str
    client_id: str
    key_id: str
    public_pem: bytes


_lock = threading.Lock()
# token_uri -> key id -> the key a stand-in at that URI trusts.
_trusted: dict[str, dict[str, ServiceAccountKey]] = {}


def write_service_account(
    path: Path, token_uri: str, *, client_email: str = "interview-bot@standin-project.iam.gserviceaccount.com"
) -> None:
    """Write a service-account key file (as the Cloud console downloads it) that the stand-in
    answering at `token_uri` trusts."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key_id = secrets.token_hex(20)
    client_id = str(100000000000000000000 + secrets.randbelow(10**20))
    info = {
        "type": "service_account",
        "project_id": client_email.split("@")[1].split(".")[0],
        "private_key_id": key_id,
        "private_key": private_pem.decode(),
        "client_email": client_email,
        "client_id": client_id,
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
    }
    path.write_text(json.dumps(info, indent=2), encoding="utf-8")
    with _lock:
        _trusted.setdefault(token_uri, {})[key_id] = ServiceAccountKey(client_email, client_id, key_id, public_pem)


def trusted_keys(token_uri: str) -> dict[str, ServiceAccountKey]:
    with _lock:
        return dict(_trusted.get(token_uri, {}))


@dataclass(frozen=True)
class Grant:
    """An access token the endpoint issued: who it acts as, and until when."""

    token: str
    subject: str
    scopes: frozenset[str]
    client_email: str
    expires_at: float


class TokenError(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


def grant(form: dict[str, str], token_uri: str, *, revoked: bool) -> Grant:
    """Check a JWT bearer grant as Google does and issue a token, or raise :class:`TokenError`."""
    if form.get("grant_type") != JWT_BEARER:
        raise TokenError("unsupported_grant_type", f"Invalid grant_type: {form.get('grant_type', '')}")
    assertion = form.get("assertion")
    if not assertion:
        raise TokenError("invalid_request", "Missing required parameter: assertion")
    try:
        header = jwt.decode_header(assertion)
    except (ValueError, auth_exceptions.GoogleAuthError):
        raise TokenError("invalid_grant", "Invalid JWT: the assertion is not a JWT.") from None
    if header.get("alg") != "RS256":
        raise TokenError("invalid_grant", "Invalid JWT: the assertion must be signed with RS256.")
    key = trusted_keys(token_uri).get(str(header.get("kid")))
    if key is None:
        raise TokenError("invalid_grant", "Invalid JWT Signature.")
    try:
        claims = jwt.decode(assertion, certs={key.key_id: key.public_pem}, audience=[token_uri, GOOGLE_TOKEN_URI])
    except (ValueError, auth_exceptions.GoogleAuthError) as exc:
        raise TokenError("invalid_grant", f"Invalid JWT: {exc}") from None
    if claims.get("iss") != key.client_email:
        raise TokenError("invalid_grant", "Invalid JWT: the issuer is not the key's service account.")
    if int(claims["exp"]) - int(claims["iat"]) > MAX_ASSERTION_LIFETIME:
        raise TokenError("invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes).")
    scopes = frozenset(str(claims.get("scope", "")).split())
    if not scopes:
        raise TokenError("invalid_scope", "Empty or missing scope not allowed.")
    subject = claims.get("sub")
    # The stand-in models domain-wide delegation only: a token always acts as a person.
    if not isinstance(subject, str) or "@" not in subject:
        raise TokenError("invalid_grant", "Invalid JWT: the assertion names no user (sub) to act as.")
    if revoked or CALENDAR_SCOPE not in scopes:
        raise TokenError(
            "unauthorized_client" if not revoked else "invalid_grant",
            "Client is unauthorized to retrieve access tokens using this method, "
            "or client not authorized for any of the scopes requested.",
        )
    return Grant(
        token="ya29.standin-" + secrets.token_urlsafe(32),
        subject=subject.lower(),
        scopes=scopes,
        client_email=key.client_email,
        expires_at=time.time() + TOKEN_LIFETIME,
    )
