"""`interview-bot export`: everything the bot stores about hiring, as JSON or CSV, for audits and migrations."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from models.tables import AuditLog, Candidate, Interview, PanelMember, QuestionRating, Role, Scorecard, StageEvent

# Each table by the name it has in the export; rows in primary-key order.
TABLES: dict[str, type[SQLModel]] = {
    "roles": Role,
    "candidates": Candidate,
    "stage_events": StageEvent,
    "rounds": Interview,
    "panels": PanelMember,
    "scorecards": Scorecard,
    "ratings": QuestionRating,
    "audit_log": AuditLog,
}


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def rows(session: Session, model: type[SQLModel]) -> list[dict[str, Any]]:
    columns = list(model.__table__.columns)  # type: ignore[attr-defined]
    primary = [c for c in columns if c.primary_key]
    result = session.exec(select(model).order_by(*[col(c) for c in primary]))
    return [{c.name: _value(getattr(item, c.name)) for c in columns} for item in result]


def export_all(session: Session) -> dict[str, list[dict[str, Any]]]:
    return {name: rows(session, model) for name, model in TABLES.items()}


def write_json(data: dict[str, list[dict[str, Any]]], out: Any) -> None:
    json.dump(data, out, indent=2, ensure_ascii=False)
    out.write("\n")


def write_csv(data: dict[str, list[dict[str, Any]]], folder: Path) -> list[Path]:
    """One CSV per table; lists (e.g. hiring managers) are joined with ';'."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in TABLES.items():
        path = folder / f"{name}.csv"
        fields = [c.name for c in model.__table__.columns]  # type: ignore[attr-defined]
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            for row in data[name]:
                writer.writerow({k: _cell(v) for k, v in row.items()})
        written.append(path)
    return written


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ";".join(map(str, value))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value
