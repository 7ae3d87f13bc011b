"""The scorecard modal: a rating and observed indicators per question, then a recommendation
and notes. Rounds too large for one modal (100 blocks, 10 options a checkbox group) are split
into pages pushed one after another; earlier pages' answers ride in `private_metadata`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.blocks.basic_components import MarkdownTextObject
from slack_sdk.models.views import View

from blocks.common import clip, context, escape, section, slack_date
from bot.rules.scorecards import RATING_LABELS, RECOMMENDATION_LABELS, Answer, PendingScorecard
from models.kit import Question

CALLBACK = "scorecard_submit"
SUBMIT = "scorecard_open"  # the "Submit scorecard" button, wherever it appears
SNOOZE = "reminder_snooze"  # "Remind me tomorrow" on a scorecard reminder or digest
MODAL_BLOCKS = 100
OPTIONS_PER_GROUP = 10
CLOSING_BLOCKS = 3  # the page note, recommendation and notes


@dataclass(frozen=True)
class ScorecardPage:
    number: int  # 1-based
    count: int
    questions: list[tuple[int, Question]]  # (index in the round, question)

    @property
    def last(self) -> bool:
        return self.number == self.count


def chunks(items: Sequence[str], size: int = OPTIONS_PER_GROUP) -> list[list[tuple[int, str]]]:
    indexed = list(enumerate(items))
    return [indexed[i : i + size] for i in range(0, len(indexed), size)]


def question_block_count(question: Question) -> int:
    anchors = 1 if question.anchors else 0
    return 2 + anchors + len(chunks(question.positive)) + len(chunks(question.negative))


def paginate(questions: Sequence[Question], budget: int = MODAL_BLOCKS - CLOSING_BLOCKS) -> list[ScorecardPage]:
    pages: list[list[tuple[int, Question]]] = [[]]
    used = 0
    for index, question in enumerate(questions):
        need = question_block_count(question)
        if pages[-1] and used + need > budget:
            pages.append([])
            used = 0
        pages[-1].append((index, question))
        used += need
    return [ScorecardPage(n, len(pages), qs) for n, qs in enumerate(pages, start=1)]


def rating_options() -> list[Option]:
    return [Option(value=key, text=label) for key, label in RATING_LABELS.items()]


def question_blocks(index: int, question: Question, answer: Answer | None) -> list[Block]:
    blocks: list[Block] = [section(f"*{index + 1}. {escape(question.title)}*\n{escape(question.prompt)}")]
    if question.anchors:
        a = question.anchors
        blocks.append(
            context(
                clip(f"*Exceeds:* {escape(a.exceeds)}\n*Meets:* {escape(a.meets)}\n*Below:* {escape(a.below)}", 2900)
            )
        )
    options = rating_options()
    initial = next((o for o in options if answer and o.value == answer.rating), None)
    blocks.append(
        InputBlock(
            block_id=f"rating:{index}",
            label="Rating",
            element=RadioButtonsElement(action_id="value", options=options, initial_option=initial),
        )
    )
    for prefix, label, indicators, chosen in (
        ("pos", "Positive indicators observed", question.positive, answer.positive if answer else []),
        ("neg", "Negative indicators observed", question.negative, answer.negative if answer else []),
    ):
        groups = chunks(indicators)
        for group_number, group in enumerate(groups):
            group_options = [Option(value=f"{prefix}{i}", text=text) for i, text in group]
            picked = [o for o, (_, text) in zip(group_options, group, strict=True) if text in chosen]
            suffix = f" ({group_number + 1}/{len(groups)})" if len(groups) > 1 else ""
            blocks.append(
                InputBlock(
                    block_id=f"{prefix}:{index}:{group_number}",
                    label=label + suffix,
                    optional=True,
                    element=CheckboxesElement(action_id="value", options=group_options, initial_options=picked or None),
                )
            )
    return blocks


def scorecard_view(
    page: ScorecardPage,
    *,
    interview_id: int,
    candidate_name: str,
    stage_name: str,
    answers: dict[str, Answer],
    recommendation: str | None,
    notes: str | None,
    carried: dict[str, Any] | None = None,
) -> View:
    blocks: list[Block] = []
    for index, question in page.questions:
        blocks.extend(question_blocks(index, question, answers.get(question.key)))
    if page.last:
        rec_options = [Option(value=k, text=v) for k, v in RECOMMENDATION_LABELS.items()]
        blocks.append(
            InputBlock(
                block_id="recommendation",
                label="Overall recommendation",
                element=RadioButtonsElement(
                    action_id="value",
                    options=rec_options,
                    initial_option=next((o for o in rec_options if o.value == recommendation), None),
                ),
            )
        )
        blocks.append(
            InputBlock(
                block_id="notes",
                label="Notes",
                hint="What you saw and heard that supports your ratings. "
                "Other interviewers see it only after submitting theirs.",
                element=PlainTextInputElement(
                    action_id="value", multiline=True, max_length=3000, initial_value=notes or None
                ),
            )
        )
    pages = f" · page {page.number} of {page.count}" if page.count > 1 else ""
    blocks.insert(0, context(f"*{escape(candidate_name)}* · {escape(stage_name)}{pages}"))
    # "l": the last page, so its submission loads the round once, inside the transaction that stores it.
    metadata = {"i": interview_id, "p": page.number, "a": carried or {}, **({"l": 1} if page.last else {})}
    return View(
        type="modal",
        callback_id=CALLBACK,
        title="Scorecard",
        submit="Submit" if page.last else "Next",
        close="Cancel",
        private_metadata=json.dumps(metadata, separators=(",", ":")),
        blocks=blocks,
    )


def parse_page(values: dict[str, Any], page: ScorecardPage) -> tuple[dict[str, Answer], str | None, str | None]:
    """Answers on one page, from `form_values`-style {block_id: value}."""
    answers: dict[str, Answer] = {}
    for index, question in page.questions:
        rating = values.get(f"rating:{index}") or ""
        answer = Answer(rating)
        for block_id, picked in values.items():
            parts = block_id.split(":")
            if len(parts) != 3 or parts[1] != str(index) or not isinstance(picked, list):
                continue
            for value in map(str, picked):
                prefix, number = value[:3], value[3:]
                if prefix != parts[0] or prefix not in ("pos", "neg") or not number.isdigit():
                    continue
                indicators = question.positive if prefix == "pos" else question.negative
                chosen = answer.positive if prefix == "pos" else answer.negative
                if int(number) < len(indicators):
                    chosen.append(indicators[int(number)])
        answers[question.key] = answer
    recommendation = values.get("recommendation") if page.last else None
    notes = values.get("notes") if page.last else None
    return answers, recommendation, notes


def encode_answers(answers: dict[str, Answer], questions: Sequence[Question]) -> dict[str, Any]:
    """Compact form for private_metadata (3,000 characters): question index → [rating, pos idx, neg idx]."""
    out: dict[str, Any] = {}
    for index, question in enumerate(questions):
        answer = answers.get(question.key)
        if answer is None:
            continue
        out[str(index)] = [
            answer.rating,
            [question.positive.index(p) for p in answer.positive if p in question.positive],
            [question.negative.index(n) for n in answer.negative if n in question.negative],
        ]
    return out


def decode_answers(encoded: dict[str, Any], questions: Sequence[Question]) -> dict[str, Answer]:
    answers: dict[str, Answer] = {}
    for key, (rating, positive, negative) in encoded.items():
        index = int(key)
        if not 0 <= index < len(questions):
            continue
        question = questions[index]
        answers[question.key] = Answer(
            str(rating),
            [question.positive[i] for i in positive if 0 <= i < len(question.positive)],
            [question.negative[i] for i in negative if 0 <= i < len(question.negative)],
        )
    return answers


def pending_blocks(pending: Sequence[PendingScorecard]) -> list[Block]:
    if not pending:
        return [section("You have no scorecards to submit. :tada:")]
    blocks: list[Block] = [section(f"*Scorecards to submit ({len(pending)})*")]
    for item in pending[:45]:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{escape(item.candidate.name)}* · {escape(item.stage_name)} · {escape(item.role.title)}\n"
                    f"Round ended {slack_date(item.interview.ends_at)}"
                ),
                accessory=ButtonElement(text="Submit scorecard", action_id=SUBMIT, value=str(item.interview.id)),
            )
        )
    return blocks
