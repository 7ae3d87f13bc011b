"""What every page response carries: HTML from the package's Jinja2 templates (autoescaped), and
headers that keep a page with a secret in its URL out of caches, referrers and frames, with a CSP
allowing only the page's own inline script and style (a nonce per response)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from typing import Any

from jinja2 import Environment, PackageLoader

StartResponse = Callable[[str, list[tuple[str, str]]], Any]

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
