"""What every modal submission shares: the submitted values, claiming the submission once, and
answering Slack with errors on the form's own fields."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from sqlmodel import Session

from bot.rules.errors import UserError
from bot.rules.idempotency import AlreadyDone, once


def submitted_once(session: Session, view: dict[str, Any], now: datetime) -> None:
    """Claim this submission (Slack's view id) in the transaction that writes it: a modal
    submitted twice (double click, replay) changes state once."""
    once(session, f"view:{view.get('id', '')}", now)


def form_values(view: dict[str, Any]) -> dict[str, Any]:
    """`state.values` as {block_id: value}: a string or None, or for multi-selects and checkboxes
    a list of strings. An element of another type than the view's own input for that block, or of
    another shape than Slack's, counts as no answer, so each form's validation names what is missing."""
    state = view.get("state")
    blocks = state.get("values") if isinstance(state, dict) else None
    if not isinstance(blocks, dict):
        return {}
    expected = input_kinds(view)
    values: dict[str, Any] = {}
    for block_id, actions in blocks.items():
        if not isinstance(actions, dict):
            continue
        for element in actions.values():
            if not isinstance(element, dict):
                continue
            kind = element.get("type")
            if expected.get(block_id, kind) != kind:
                continue
            # A re-keyed block (blocks/rounds.py `revised`) answers for its base id.
            values[block_id.split("~", 1)[0]] = element_value(kind, element)
    return values


def element_value(kind: Any, element: dict[str, Any]) -> str | list[str] | None:
    def text(value: Any) -> str | None:
        # PostgreSQL text cannot hold NUL, and no one means one: drop it.
        return value.replace("\x00", "") if isinstance(value, str) else None

    def texts(items: Any) -> list[str]:
        return [v.replace("\x00", "") for v in items if isinstance(v, str)] if isinstance(items, list) else []

    if kind in ("static_select", "radio_buttons"):
        option = element.get("selected_option")
        return text(option.get("value")) if isinstance(option, dict) else None
    if kind == "users_select":
        return text(element.get("selected_user"))
    if kind == "multi_users_select":
        return texts(element.get("selected_users"))
    if kind == "datepicker":
        return text(element.get("selected_date"))
    if kind == "timepicker":
        return text(element.get("selected_time"))
    if kind in ("checkboxes", "multi_static_select"):
        options = element.get("selected_options")
        return texts([o.get("value") for o in options if isinstance(o, dict)] if isinstance(options, list) else [])
    return text(element.get("value"))


def input_kinds(view: dict[str, Any]) -> dict[str, str]:
    """The view's input blocks (Slack sends the view back as the app built it): block id -> element type."""
    blocks = view.get("blocks")
    kinds: dict[str, str] = {}
    for block in blocks if isinstance(blocks, list) else []:
        if isinstance(block, dict) and block.get("type") == "input" and isinstance(block.get("element"), dict):
            kinds[str(block.get("block_id"))] = str(block["element"].get("type"))
    return kinds


def error_field(view: dict[str, Any], field: str | None, fallback: str) -> str:
    """The block an error belongs to, among the submitted view's inputs (Slack refuses errors
    keyed to a block the view does not have): `field`, else `fallback`, else the last input."""
    inputs = list(input_kinds(view))
    if not inputs:
        return field or fallback
    for candidate in (field, fallback):
        for block_id in inputs:
            if candidate and block_id.split("~", 1)[0] == candidate:
                return block_id
    return inputs[-1]


OUT_OF_DATE = "This form is out of date; close it and start again."


def answer_form(ack: Ack, view: dict[str, Any], fallback: str, work: Callable[[], dict[str, Any] | None]) -> None:
    """Run a form's `work` and answer Slack: accepted (closing the form, or showing the view `work`
    returns), or the problem on the form's own field (a forged or stale form gets "out of date"); a
    replayed submission is accepted and does nothing."""
    try:
        after = work()
    except AlreadyDone:
        ack()
    except UserError as exc:
        ack(response_action="errors", errors={error_field(view, exc.field, fallback): exc.message})
    except (KeyError, ValueError, TypeError, OverflowError):
        ack(response_action="errors", errors={error_field(view, fallback, fallback): OUT_OF_DATE})
    else:
        if after is None:
            ack()
        else:
            ack(response_action="update", view=after)
