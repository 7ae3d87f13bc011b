"""A fresh database for one benchmark run: a SQLite file in the run's temporary folder, or a new
PostgreSQL database on a given server, dropped when the run ends (also when it fails)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.wiring.db import normalize_url


@contextmanager
def scratch_database(server_url: str | None, tmp: Path, name: str) -> Iterator[str]:
    """`server_url` empty: `tmp/<name>.db`. Otherwise a database named after `name`, with a random
    suffix so that two runs on one server never drop each other's."""
    if not server_url:
        yield f"sqlite:///{tmp / f'{name}.db'}"
        return
    admin_url = normalize_url(server_url)
    database = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield make_url(admin_url).set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
