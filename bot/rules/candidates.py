"""Candidates: the record, the new-candidate form, and finding people by name, email or id.

Plain Python over the database; no Slack.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any
from urllib.parse import urlparse
from weakref import WeakKeyDictionary

from pydantic import BaseModel, ValidationError, field_validator
from sqlalchemy import bindparam, column, func, literal_column, or_, table, text
from sqlmodel import Session, col, select

from bot.rules.errors import NotFound, UserError
from bot.rules.ids import by_id, is_row_id, prepared
from bot.rules.kits import KitCatalog
from bot.rules.roles import USER_ID, get_role, kit_for
from bot.rules.thread_notes import stage_note
from models.tables import Candidate, CandidateStatus, StageEvent

EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
OPEN_STATUSES = (CandidateStatus.active.value, CandidateStatus.on_hold.value)


class FormErrors(UserError):
    """Problems with several fields of a form, keyed by field name."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()), field=next(iter(errors)))
        self.errors = errors


def fold(text: str) -> str:
    """Lower-case without accents, for search: 'Zoë' and 'zoe' match."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


REQUIRED = {
    "role_id": "Pick the role.",
    "name": "Enter the candidate's name.",
    "email": "Enter the candidate's email address.",
}


class CandidateForm(BaseModel):
    """What a recruiter types in the new-candidate modal, validated."""

    name: str
    email: str
    role_id: int
    slack_user_id: str | None = None
    source: str | None = None
    link: str | None = None
    notes: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("Enter the candidate's name.")
        if len(value) > 200:
            raise ValueError(f"The name is {len(value)} characters; keep it to 200.")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.strip()
        if not EMAIL.match(value) or len(value) > 254:
            raise ValueError(f"'{value}' is not an email address; enter one like name@example.com.")
        return value

    @field_validator("slack_user_id")
    @classmethod
    def _user(cls, value: str | None) -> str | None:
        if value and not USER_ID.match(value):
            raise ValueError("Pick the candidate's Slack user from the list, or leave it empty.")
        return value or None

    @field_validator("source", "notes")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        return value or None

    @field_validator("source")
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        if value and len(value) > 200:
            raise ValueError(f"The source is {len(value)} characters; keep it to 200.")
        return value

    @field_validator("link")
    @classmethod
    def _link(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if not value:
            return None
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or " " in value:
            raise ValueError(f"'{value}' is not a web link; enter a full URL starting with https://.")
        if len(value) > 500:
            raise ValueError("The link is longer than 500 characters; shorten it.")
        return value

    @classmethod
    def parse(cls, raw: dict[str, object]) -> CandidateForm:
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            errors: dict[str, str] = {}
            for error in exc.errors():
                name = str(error["loc"][0]) if error["loc"] else "name"
                message = str(error.get("ctx", {}).get("error") or error["msg"])
                # Our validators' messages name the problem; pydantic's own ("Input should be a valid
                # string") mean the field came empty or was not a value at all.
                if error["type"] != "value_error" or name == "role_id":
                    message = REQUIRED.get(name, "This field is required.")
                errors.setdefault(name, message)
            raise FormErrors(errors) from None


def thread_link(channel_id: str | None, ts: str | None) -> str | None:
    if not channel_id or not ts:
        return None
    return f"https://slack.com/archives/{channel_id}/p{ts.replace('.', '')}"


def get_candidate(session: Session, candidate_id: int, *, lock: bool = False) -> Candidate:
    # `lock` takes the row (FOR UPDATE on PostgreSQL) so concurrent changes queue, not interleave.
    candidate = by_id(session, Candidate, candidate_id, lock=lock) if is_row_id(candidate_id) else None
    if candidate is None or candidate.purged_at is not None:
        raise NotFound(f"There is no candidate #{candidate_id}.")
    return candidate


def create_candidate(session: Session, kits: KitCatalog, form: CandidateForm, actor: str, now: datetime) -> Candidate:
    role = get_role(session, form.role_id)
    kit = kit_for(kits, role)
    existing = session.exec(
        select(Candidate).where(
            Candidate.role_id == role.id,
            func.lower(Candidate.email) == form.email.lower(),
            col(Candidate.status).in_(OPEN_STATUSES),
            col(Candidate.purged_at).is_(None),
        )
    ).first()
    if existing is not None:
        link = thread_link(existing.channel_id, existing.thread_ts)
        where = f": {link}" if link else ""
        raise UserError(
            f"{form.email} is already in the {role.title} pipeline as {existing.name} (#{existing.id}){where}",
            field="email",
        )
    candidate = Candidate(
        role_id=role.id,  # type: ignore[arg-type]
        name=form.name,
        name_key=fold(form.name),
        email=form.email,
        slack_user_id=form.slack_user_id,
        source=form.source,
        link=form.link,
        notes=form.notes,
        stage_key=kit.stages[0].key,
        status=CandidateStatus.active,
        stage_entered_at=now,
        channel_id=role.channel_id,
        created_by=actor,
        created_at=now,
    )
    session.add(candidate)
    session.flush()
    event = StageEvent(
        candidate_id=candidate.id,  # type: ignore[arg-type]
        at=now,
        actor_id=actor,
        action="created",
        to_stage=candidate.stage_key,
        to_status=candidate.status,
        reason=form.source,
    )
    session.add(event)
    session.flush()
    # The card opens the candidate's thread, with this as its first reply.
    stage_note(session, candidate, event, now)
    return candidate


# Built once: constructing SQLAlchemy statements costs more than running this query.
_SEARCH = (
    select(Candidate)
    .where(
        col(Candidate.purged_at).is_(None),
        or_(
            col(Candidate.name_key).like(bindparam("pattern"), escape="\\"),
            func.lower(Candidate.email).like(bindparam("pattern"), escape="\\"),
        ),
    )
    .order_by(
        (col(Candidate.name_key) == bindparam("needle")).desc(),
        col(Candidate.status) != CandidateStatus.active,
        col(Candidate.name_key),
    )
    .limit(bindparam("limit"))
)
_SEARCH_PREPARED = prepared(_SEARCH)
# SQLite's trigram index of name_key and email (migration 0017): the same search, among the rows
# whose name_key or email holds the needle, case-insensitively (a phrase of trigrams, in which LIKE's
# wildcards are plain characters). On PostgreSQL the pg_trgm indexes serve `_SEARCH` itself.
_TRIGRAMS = table("candidate_search", column("rowid"))
_INDEXED = _SEARCH.where(
    col(Candidate.id).in_(
        select(_TRIGRAMS.c.rowid).where(literal_column("candidate_search").op("MATCH")(bindparam("phrase")))
    )
)


def find_candidates(session: Session, query: str, *, limit: int = 10) -> list[Candidate]:
    """By id (`12`, `#12`), email or name; case- and accent-insensitive, partial. An exact name
    match wins over partial ones."""
    query = query.replace("\x00", "").strip()  # PostgreSQL text cannot hold NUL
    digits = query.lstrip("#")
    if digits.isascii() and digits.isdigit():
        # int() refuses over 4,300 digits, and an id has ten at most.
        significant = digits.lstrip("0")
        number = int(significant or "0") if len(significant) <= 10 else 0
        found = by_id(session, Candidate, number) if is_row_id(number) else None
        return [found] if found is not None and found.purged_at is None else []
    if not query:
        return []
    needle = fold(query)
    if len(needle) > 254:
        # Longer than any stored name or email, so it matches nothing; and SQLite refuses LIKE
        # patterns over 50,000 bytes.
        return []
    params = {"pattern": f"%{_escape_like(needle)}%", "needle": needle, "limit": limit}
    search = _SEARCH
    # Trigrams need three characters; a shorter needle is looked for in every row.
    if len(needle) >= 3:
        if _has_trigrams(session):
            search, params["phrase"] = _INDEXED, '"' + needle.replace('"', '""') + '"'
        else:
            # PostgreSQL: one plan for every needle of three or more, through the trigram indexes. A
            # shorter one is planned each time: as a scan of every row, twice as fast as the indexes.
            search = _SEARCH_PREPARED
    rows = list(session.exec(search, params=params).all())
    exact = [c for c in rows if c.name_key == needle]
    return exact or rows


# Per engine: whether its SQLite database has the trigram table (an SQLite without FTS5's trigram
# tokenizer, before 3.34, gets none from the migration). Looked up once: migrations run at start.
_TRIGRAMS_IN: WeakKeyDictionary[Any, bool] = WeakKeyDictionary()
_TRIGRAM_TABLE = text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'candidate_search'")


def _has_trigrams(session: Session) -> bool:
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return False
    known = _TRIGRAMS_IN.get(bind)
    if known is None:
        known = _TRIGRAMS_IN[bind] = session.exec(_TRIGRAM_TABLE).first() is not None  # type: ignore[call-overload]
    return known


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_one(session: Session, query: str) -> Candidate | list[Candidate]:
    """The candidate the query names, or the list to choose from when it is ambiguous."""
    matches = find_candidates(session, query)
    if not matches:
        raise NotFound(f"No candidate matches '{query}'. Try part of the name, the email, or the id (#12).")
    return matches[0] if len(matches) == 1 else matches


def is_candidate(session: Session, user_id: str) -> bool:
    found = session.exec(
        select(Candidate.id).where(Candidate.slack_user_id == user_id, col(Candidate.purged_at).is_(None)).limit(1)
    ).first()
    return found is not None
