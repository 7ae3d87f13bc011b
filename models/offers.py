"""The times offered to a candidate to pick from (bot/rules/offers.py): a table of its own module,
registered on SQLModel.metadata with the rest (models/tables.py imports it)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Text
from sqlmodel import Field, SQLModel

from models.tables import time_field, utcnow


class OfferStatus(StrEnum):
    open = "open"
    booked = "booked"
    # The candidate said none of the times work (their note says what would).
    declined = "declined"
    expired = "expired"


class Offer(SQLModel, table=True):
    """Times offered to a candidate for one stage with one panel: they pick one (the round is booked
    then), say none works, or let it expire. Answered once: a later click changes nothing."""

    __tablename__ = "offer"

    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidate.id", index=True)
    stage_key: str = Field(max_length=64)
    panel: list[str] = Field(sa_type=JSON)
    minutes: int
    # The offered starts, UTC, as ISO text in time order.
    times: list[str] = Field(sa_type=JSON)
    location: str | None = Field(default=None, max_length=500)
    status: str = Field(default=OfferStatus.open, max_length=16, index=True)
    expires_at: datetime = time_field(index=True)
    interview_id: int | None = Field(default=None, foreign_key="interview.id")
    # The candidate's own words when none of the times worked.
    note: str | None = Field(default=None, sa_type=Text)
    created_by: str = Field(max_length=64)
    created_at: datetime = time_field(default_factory=utcnow)
    answered_at: datetime | None = time_field(default=None, nullable=True)
    # A booking page's link (bot/rules/offer_links.py): only its SHA-256 is kept.
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    # The round this offer moves (the candidate's own reschedule), rather than books.
    moves_id: int | None = Field(default=None, foreign_key="interview.id", index=True)
    # Its times are held in the panel's connected calendars while it is open (the kit's `holds`).
    holds: bool = False
    # Once booked on the booking page: the link to move the round (its SHA-256 only).
    move_token_hash: str | None = Field(default=None, max_length=64, unique=True)
    # Offered *From the pool* (bot/rules/pools.py): each time's own panel, and trainee if any, by its
    # ISO text in `times`; `panel` is then everyone on any of them.
    pool_panels: dict[str, list[str]] | None = Field(default=None, sa_type=JSON)
    pool_trainees: dict[str, str] | None = Field(default=None, sa_type=JSON)

    def panel_at(self, time: str) -> list[str]:
        """Who interviews at the offered `time` (as in `times`): its own panel from the pool, else the offer's."""
        return list((self.pool_panels or {}).get(time) or self.panel)

    def trainee_at(self, time: str) -> str | None:
        return (self.pool_trainees or {}).get(time)

    def people(self) -> list[str]:
        """Everyone a pick may book: the panel and, from a pool, the trainees."""
        return sorted({*self.panel, *(self.pool_trainees or {}).values()})
