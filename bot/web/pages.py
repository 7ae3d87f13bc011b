"""What every page response carries: HTML from the package's Jinja2 templates (autoescaped), and
headers that keep a page with a secret in its URL out of caches, referrers and frames, with a CSP
allowing only the page's own inline script and style (a nonce per response)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader

from blocks.offers import time_label
from bot.rules.offers import ISO

StartResponse = Callable[[str, list[tuple[str, str]]], Any]

BOOK_PREFIX = "/book/"
CSRF_COOKIE = "book_csrf"

SECURITY_HEADERS = (
    ("Cache-Control", "no-store"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
)


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("bot.web"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def csp(nonce: str) -> str:
    return (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


@dataclass
class Page:
    """A rendered page: status, HTML and any extra headers (a cookie)."""

    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)


def render(template: str, status: int = 200, headers: Iterable[tuple[str, str]] = (), **values: Any) -> Page:
    nonce = secrets.token_urlsafe(16)
    html = environment().get_template(template).render(nonce=nonce, **values)
    return Page(status, html.encode("utf-8"), [("Content-Security-Policy", csp(nonce)), *headers])


def send(page: Page, start_response: StartResponse, *, head: bool = False) -> list[bytes]:
    headers = [
        ("Content-Type", "text/html; charset=utf-8"),
        *SECURITY_HEADERS,
        *page.headers,
        ("Content-Length", str(len(page.body))),
    ]
    start_response(f"{page.status} {HTTPStatus(page.status).phrase}", headers)
    return [] if head else [page.body]


def cookies(environ: Mapping[str, Any]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(str(environ.get("HTTP_COOKIE") or ""))
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


@dataclass(frozen=True)
class Shown:
    """A time as the page shows it: ISO UTC (for the form and the browser's script) and its label."""

    iso: str
    label: str


def message(status: int, title: str, detail: str) -> Page:
    return render("closed.html", status, title=title, detail=detail)


def shown(times: Sequence[datetime], minutes: int, tz: ZoneInfo) -> list[Shown]:
    return [Shown(t.astimezone(UTC).strftime(ISO), time_label(t, minutes, tz)) for t in times]


def csrf_value(environ: Mapping[str, Any]) -> str:
    """The browser's CSRF cookie when it has a well-formed one (other tabs' forms stay valid), else new."""
    current = cookies(environ).get(CSRF_COOKIE, "")
    if 32 <= len(current) <= 64 and all(c.isalnum() or c in "-_" for c in current):
        return current
    return secrets.token_urlsafe(32)


def csrf_cookie(value: str, *, secure: bool) -> str:
    return f"{CSRF_COOKIE}={value}; Path={BOOK_PREFIX}; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")
