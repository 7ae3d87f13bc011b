"""The modals that add a candidate and that ask for the reason of a hold, rejection or reopening."""

from __future__ import annotations

import json
from collections.abc import Sequence

from slack_sdk.models.blocks import (
    Block,
    EmailInputElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    StaticSelectElement,
    UrlInputElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from blocks.candidate import NEW_CANDIDATE, STAGE_REASON
from blocks.common import clip, context, escape, section
from models.tables import Candidate, Role


def new_candidate_modal(roles: Sequence[Role], *, origin_channel: str | None) -> View:
    options = [Option(value=str(r.id), text=clip(r.title, 75)) for r in roles[:100]]
    role_select = StaticSelectElement(
        action_id="value",
        placeholder="Pick the role",
        options=options,
        initial_option=options[0] if len(options) == 1 else None,
    )
    return View(
        type="modal",
        callback_id=NEW_CANDIDATE,
        title="New candidate",
        submit="Add candidate",
        close="Cancel",
        private_metadata=json.dumps({"channel": origin_channel}),
        blocks=[
            InputBlock(
                block_id="name",
                label="Name",
                element=PlainTextInputElement(action_id="value", max_length=200, placeholder="Full name"),
            ),
            InputBlock(
                block_id="email",
                label="Email",
                element=EmailInputElement(action_id="value", placeholder="name@example.com"),
            ),
            InputBlock(block_id="role_id", label="Role", element=role_select),
            InputBlock(
                block_id="slack_user_id",
                label="Candidate's Slack user",
                optional=True,
                hint="A guest or Slack Connect user, if they have one: they get their prep messages here.",
                element=UserSelectElement(action_id="value", placeholder="Pick a user"),
            ),
            InputBlock(
                block_id="source",
                label="Source",
                optional=True,
                element=PlainTextInputElement(action_id="value", max_length=200, placeholder="Referral, job board…"),
            ),
            InputBlock(
                block_id="link",
                label="Resume or profile link",
                optional=True,
                element=UrlInputElement(action_id="value"),
            ),
            InputBlock(
                block_id="notes",
                label="Notes",
                optional=True,
                element=PlainTextInputElement(action_id="value", multiline=True, max_length=2000),
            ),
        ],
    )


# The hold form's choice for the candidate's upcoming rounds.
KEEP_ROUNDS, CANCEL_ROUNDS = "keep", "cancel"


def reason_modal(
    candidate: Candidate, action: str, expected: tuple[str, str], origin: dict[str, str | None], upcoming: int = 0
) -> View:
    """`upcoming`: how many rounds the candidate has still to come. A hold asks whether to keep
    them (the default) or cancel them; a rejection says they will be cancelled."""
    verb = {"hold": "Put on hold", "reject": "Reject", "reopen": "Reopen"}[action]
    required = action in ("hold", "reject")
    rounds = f"{upcoming} upcoming round{'s' if upcoming != 1 else ''}"
    extra: list[Block] = []
    if upcoming and action == "reject":
        extra.append(context(f"Their {rounds} will be cancelled; the panel and the candidate are told."))
    if upcoming and action == "hold":
        keep = Option(text=PlainTextObject(text=f"Keep the {rounds}"), value=KEEP_ROUNDS)
        cancel = Option(
            text=PlainTextObject(text=f"Cancel the {rounds} (the panel and the candidate are told)"),
            value=CANCEL_ROUNDS,
        )
        extra.append(
            InputBlock(
                block_id="rounds",
                label="Upcoming rounds",
                element=RadioButtonsElement(action_id="value", options=[keep, cancel], initial_option=keep),
            )
        )
    return View(
        type="modal",
        callback_id=STAGE_REASON,
        title=clip(f"{verb}", 24),
        submit=clip(verb, 24),
        close="Cancel",
        private_metadata=json.dumps(
            {"candidate_id": candidate.id, "action": action, "expected": list(expected), **origin}
        ),
        blocks=[
            section(f"{verb} *{escape(candidate.name)}*? The reason is posted in the candidate's thread."),
            InputBlock(
                block_id="reason",
                label="Reason",
                optional=not required,
                element=PlainTextInputElement(action_id="value", multiline=True, max_length=1000),
            ),
            *extra,
        ],
    )
