"""How listeners answer when something is wrong: a clear ephemeral message, never a trace."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from slack_bolt import Ack

from blocks.common import section
from bot.errors import UserError

log = logging.getLogger("interview_bot.handlers")


def guarded(listener: Callable[..., None]) -> Callable[..., None]:
    """Answer a UserError with its message and any other error with a reference, not a trace."""

    @wraps(listener)
    def run(ack: Ack, **kwargs: Any) -> None:
        try:
            listener(ack=ack, **kwargs)
        except UserError as exc:
            ack(text=exc.message, blocks=[section(f":warning: {exc.message}")])
        except Exception:
            ref = uuid.uuid4().hex[:8]
            log.exception("listener %s failed (ref %s)", listener.__name__, ref)
            message = f"Something went wrong on our side (reference {ref}). Nothing was changed; please try again."
            ack(text=message, blocks=[section(f":x: {message}")])

    return run
