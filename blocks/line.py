"""The line between a candidate and the hiring team: relayed DMs, replies, the reply modal."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, InputBlock, PlainTextInputElement
from slack_sdk.models.views import View

from blocks.common import SECTION_TEXT_MAX, clip, context, escape, section, user
from bot.rules.line import SharedFile
from models.tables import Candidate

# The "Reply to candidate" button under a relayed message or a sent note, and the modal it opens.
LINE_REPLY = "line_reply"
LINE_REPLY_VIEW = "line_reply_send"
# A message has at most 50 blocks; a relayed DM (Slack allows 40,000 characters) needs 14 at most.
MAX_CHUNKS = 40
FALLBACK_MAX = 2000

# Slack's special mentions (<!here>, <!channel>, <!subteam^S1|@team>, …) as the Events API sends them.
SPECIAL_MENTION = re.compile(r"<!([^>|]*)(?:\|([^>]*))?>")


def defang(text: str) -> str:
    """A candidate's text, as Slack sent it (already escaped), with broadcast mentions made plain
    words: their DM must not notify the whole hiring channel."""

    def plain(match: re.Match[str]) -> str:
        label = match.group(2)
        return label if label else "@" + match.group(1).split("^")[0]

    return SPECIAL_MENTION.sub(plain, text)


def chunks(text: str, limit: int = SECTION_TEXT_MAX) -> list[str]:
    """Split mrkdwn into section-sized parts, at a line break or space where it can, and never
    inside a <…> link or mention or an &…; entity."""
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        opened = text.rfind("<", 0, cut)
        if opened > text.rfind(">", 0, cut) and opened > 0:
            cut = opened
        amp = text.rfind("&", max(0, cut - 8), cut)
        if amp > 0 and ";" not in text[amp:cut]:
            cut = amp
        parts.append(text[:cut])
        text = text[cut:].lstrip(" \n")
    if text:
        parts.append(text)
    if len(parts) > MAX_CHUNKS:
        parts = [*parts[: MAX_CHUNKS - 1], "_(the rest of this message was too long to show)_"]
    return parts


def reply_button(candidate: Candidate) -> ActionsBlock:
    return ActionsBlock(
        block_id="line",
        elements=[ButtonElement(text="Reply to candidate", action_id=LINE_REPLY, value=str(candidate.id))],
    )


def relay_text(candidate: Candidate, text: str, files: int = 0) -> str:
    attached = f"[{files} file{'s' if files != 1 else ''}]" if files else ""
    body = " ".join(part for part in (defang(text), attached) if part)
    return clip(f"Message from {escape(candidate.name)} (candidate): {body}", FALLBACK_MAX)


def file_size(size: int | None) -> str:
    if size is None:
        return "size unknown"
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"


def file_names(files: Sequence[SharedFile]) -> str:
    # A name is the candidate's text: escaped, so it cannot ping or break the message.
    return ", ".join(f"*{escape(clip(f.name, 120))}* ({file_size(f.size)})" for f in files)


def too_large_text(files: Sequence[SharedFile], limit: int) -> str:
    many = len(files) > 1
    return (
        f":warning: {file_names(files)} {'are' if many else 'is'} too large to relay here "
        f"(over {file_size(limit)}): ask the candidate to send {'them' if many else 'it'} to you by email."
    )


def unavailable_text(file: SharedFile) -> str:
    return (
        f":warning: {file_names([file])}, sent with the candidate's message above, could not be relayed: "
        "Slack no longer has it (or it is a link to a file outside Slack). Ask the candidate to send it by email."
    )


def file_note_blocks(text: str) -> list[Block]:
    """A note in the thread about one of the candidate's files that did not follow their message."""
    return [section(text)]


def relay_blocks(
    candidate: Candidate,
    text: str,
    others: Sequence[str],
    following: Sequence[SharedFile] = (),
    too_large: Sequence[SharedFile] = (),
    limit: int = 0,
) -> list[Block]:
    """A candidate's DM, in their thread, with who wrote it, the files that follow it, and a way to answer."""
    blocks: list[Block] = [section(f":speech_balloon: Message from *{escape(candidate.name)}* (candidate):")]
    blocks.extend(section(part) for part in chunks(defang(text)))
    if following:
        count = "1 file follows" if len(following) == 1 else f"{len(following)} files follow"
        blocks.append(section(f":paperclip: {count} in this thread: {file_names(following)}"))
    if too_large:
        blocks.append(section(too_large_text(too_large, limit)))
    if others:
        titles = ", ".join(escape(t) for t in others)
        blocks.append(
            context(
                f"{escape(candidate.name)} is also a candidate for {titles}. Their message came here, "
                "the most recently active of their applications."
            )
        )
    blocks.append(context("Only what a recruiter sends with *Reply to candidate* reaches them; this thread does not."))
    blocks.append(reply_button(candidate))
    return blocks


def reply_text(text: str) -> str:
    return clip(f"Message from the hiring team: {escape(text)}", FALLBACK_MAX)


def reply_blocks(text: str, by: str, role_title: str, company: str | None) -> list[Block]:
    """What the candidate reads: the recruiter's words and who sent them, nothing internal."""
    at = f" at {escape(company)}" if company else ""
    sender = f" from {user(by)}" if by else ""
    blocks: list[Block] = [
        section(f":envelope_with_arrow: A message about your application for *{escape(role_title)}*{at}{sender}:")
    ]
    blocks.extend(section(part) for part in chunks(escape(text)))
    blocks.append(context("You can reply here: your answer goes to the hiring team."))
    return blocks


def reply_note_text(candidate: Candidate, text: str, by: str) -> str:
    return clip(f"Sent to {escape(candidate.name)} by {user(by)}: {escape(text)}", FALLBACK_MAX)


def reply_note_blocks(candidate: Candidate, text: str, by: str) -> list[Block]:
    """The thread's record of what a recruiter sent the candidate."""
    blocks: list[Block] = [section(f":outbox_tray: Sent to *{escape(candidate.name)}* by {user(by)}:")]
    blocks.extend(section(part) for part in chunks(escape(text)))
    blocks.append(reply_button(candidate))
    return blocks


def reply_modal(candidate: Candidate, role_title: str) -> View:
    return View(
        type="modal",
        callback_id=LINE_REPLY_VIEW,
        title="Reply to candidate",
        submit="Send",
        close="Cancel",
        private_metadata=json.dumps({"candidate_id": candidate.id}),
        blocks=[
            section(
                f"To *{escape(candidate.name)}* ({escape(role_title)}), as a direct message from the bot. "
                "The thread keeps a copy, and their answers come back to it."
            ),
            InputBlock(
                block_id="text",
                label="Message",
                hint="Only what you send here reaches the candidate; nothing else said in the thread does.",
                element=PlainTextInputElement(action_id="value", multiline=True, max_length=3000),
            ),
        ],
    )


# Says nothing about who is or was a candidate, or for what.
NOT_A_CANDIDATE = (
    "Hi! This conversation is for candidates in a hiring process to write to their hiring team, "
    "and there is no open application linked to it, so your message was not passed on. "
    "If you are in touch with a recruiter, please write to them directly."
)
