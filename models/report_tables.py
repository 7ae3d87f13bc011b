"""The hiring report's aggregates (bot/reporting/tally.py keeps them current in every write
transaction; the report reads them instead of the history)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel


class ReportCount(SQLModel, table=True):
    """A count (and a sum, for averages) of one figure for one role: e.g. candidates who entered a
    stage, a question's ratings that agree with the decision, or, for a duration figure, the values
    in one histogram bucket (`bucket`; 0 for plain counts)."""

    __tablename__ = "report_count"

    role_id: int = Field(primary_key=True)
    name: str = Field(primary_key=True, max_length=32)
    key: str = Field(primary_key=True, max_length=400)
    bucket: int = Field(primary_key=True)
    n: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    total: float = Field(default=0.0, sa_column_kwargs={"server_default": "0"})


class ReportValue(SQLModel, table=True):
    """One duration behind a median or 90th percentile (a stay in a stage, a time to decision, a
    scorecard's turnaround), in microseconds: the exact values of the one histogram bucket a rank
    falls in are read from here."""

    __tablename__ = "report_value"
    __table_args__ = (Index("ix_report_value_bucket", "name", "key", "bucket", "role_id", "value"),)

    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(index=True)
    role_id: int
    name: str = Field(max_length=32)
    key: str = Field(max_length=400)
    bucket: int
    value: int = Field(sa_column=Column(BigInteger, nullable=False))
