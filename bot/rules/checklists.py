"""Stage checklists (references, offer): items a recruiter ticks in Slack, each tick a stage event.

A tick is a StageEvent with action `check:<n>` or `uncheck:<n>` (n: the item's place in the kit's
list) and the item's text as its reason, so the stage-event log stays the one history of a
candidate and the export shows every tick. The stage and status do not change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from bot.rules.candidates import get_candidate
from bot.rules.errors import UserError
from bot.rules.kits import KitCatalog
from bot.rules.roles import kit_for
from bot.rules.thread_notes import tick_notes
from models.kit import Stage
from models.tables import CandidateStatus, Role, StageEvent

CHECK, UNCHECK = "check", "uncheck"


@dataclass(frozen=True)
class ChecklistItem:
    index: int
    text: str
    done: bool
    by: str | None = None
    at: datetime | None = None


def tick_action(event: StageEvent) -> tuple[str, int] | None:
    """(`check` or `uncheck`, item index) for a tick event, None for any other event."""
    verb, _, number = event.action.partition(":")
    if verb in (CHECK, UNCHECK) and number.isdigit():
        return verb, int(number)
    return None


def checklist_state(session: Session, candidate_id: int, stage: Stage) -> list[ChecklistItem]:
    """Each item of `stage`'s checklist and whether it is ticked now (the latest tick wins)."""
    if not stage.checklist:
        return []
    latest: dict[int, StageEvent] = {}
    events = session.exec(
        select(StageEvent)
        .where(
            col(StageEvent.candidate_id) == candidate_id,
            col(StageEvent.to_stage) == stage.key,
            col(StageEvent.action).like("%check:%"),
        )
        .order_by(col(StageEvent.id))
    )
    for event in events:
        tick = tick_action(event)
        if tick is not None:
            latest[tick[1]] = event
    items = []
    for index, text in enumerate(stage.checklist):
        ticked = latest.get(index)
        if ticked is not None and ticked.action.startswith(f"{CHECK}:"):
            items.append(ChecklistItem(index, text, True, ticked.actor_id, ticked.at))
        else:
            items.append(ChecklistItem(index, text, False, None, None))
    return items


def set_checklist(
    session: Session,
    kits: KitCatalog,
    candidate_id: int,
    stage_key: str,
    ticked: Iterable[int],
    shown: Callable[[int], Sequence[int]],
    actor: str,
    now: datetime,
) -> list[StageEvent]:
    """Make the items `shown(len(checklist))` names (one checkbox group on the card) ticked
    exactly when in `ticked`.

    One transaction (the caller's): a locked candidate, one event per item that changed. An item
    clicked twice, or a click replayed, changes nothing the second time.
    """
    candidate = get_candidate(session, candidate_id, lock=True)
    role = session.get(Role, candidate.role_id)
    assert role is not None
    kit = kit_for(kits, role)
    if candidate.stage_key != stage_key:
        raise UserError(f"{candidate.name} has moved on; this checklist is closed. Nothing was changed.")
    if candidate.status != CandidateStatus.active:
        status = candidate.status.replace("_", " ")
        raise UserError(f"{candidate.name} is {status}; reopen them to work on the checklist. Nothing was changed.")
    try:
        stage = kit.stage(stage_key)
    except KeyError:
        raise UserError(f"The kit no longer has the stage `{stage_key}`. Nothing was changed.") from None
    if not stage.checklist:
        raise UserError(f"{stage.name} has no checklist. Nothing was changed.")
    wanted = set(ticked)
    state = {item.index: item for item in checklist_state(session, candidate_id, stage)}
    events = []
    for index in shown(len(stage.checklist)):
        item = state.get(index)
        if item is None or item.done == (index in wanted):
            continue
        verb = CHECK if index in wanted else UNCHECK
        event = StageEvent(
            candidate_id=candidate_id,
            at=now,
            actor_id=actor,
            action=f"{verb}:{index}",
            from_stage=stage.key,
            to_stage=stage.key,
            from_status=candidate.status,
            to_status=candidate.status,
            reason=item.text,
        )
        session.add(event)
        events.append(event)
    session.flush()
    tick_notes(session, candidate, events, now)
    return events
