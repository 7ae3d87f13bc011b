"""The demo's cast and its hiring loop: every step a person takes, sent to the app over HTTP
as Slack would send it, with simulated time passing between them."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from sqlmodel import col, select

from blocks.candidate import CHECKLIST, OFFER_TIMES
from bot.delivery.dispatcher import Dispatcher
from bot.devtools.demo_time import until_sent, wait_for
from bot.devtools.form_actions import offer_panel, pick_suggestion, pick_time, proposed_times, time_buttons
from bot.devtools.slack_requests import (
    SignedSlackClient,
    answer_scorecard,
    date_value,
    number_value,
    select_value,
    text_value,
    user_value,
    users_value,
)
from bot.devtools.slack_standin import SlackStandIn
from bot.rules.clock import ManualClock
from bot.rules.pools import add_members
from bot.rules.roles import add_role
from bot.wiring.services import Services
from models.kit import TIMED_STAGE_KINDS, Kit, StageKind
from models.tables import Interview

CHANNEL = "C0HIRING"


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    role: str
    tz: str
    offset: int
    guest: bool = False


RECRUITER = Person("U0RITA", "Rita (recruiter)", "recruiter", "Europe/London", 0)
MANAGER = Person("U0HANK", "Hank (hiring manager)", "hiring manager", "America/New_York", -18000)
INES = Person("U0INES", "Ines (interviewer)", "interviewer", "Europe/Paris", 3600)
IVAN = Person("U0IVAN", "Ivan (interviewer)", "interviewer", "Asia/Kolkata", 19800)
CASEY = Person("U0CASEY", "Casey (candidate)", "candidate, a Slack guest", "America/Chicago", -21600, guest=True)
TIA = Person("U0TIA", "Tia (trainee interviewer)", "trainee interviewer", "Europe/Paris", 3600)
CAST = (RECRUITER, MANAGER, INES, IVAN, TIA, CASEY)


class Loop:
    """The hiring loop itself: every step goes through the app over HTTP; `say` reports each one."""

    def __init__(
        self,
        say: Callable[[str], None],
        services: Services,
        slack: SlackStandIn,
        client: SignedSlackClient,
        dispatcher: Dispatcher,
        clock: ManualClock,
        kit: Kit,
    ) -> None:
        self.say, self.services, self.slack, self.client = say, services, slack, client
        self.dispatcher, self.clock, self.kit = dispatcher, clock, kit
        self.thread_ts = ""
        self.summary = ""
        self.shadowed = False
        # Cards, thread notes and DMs go through the outbox: while the demo waits for one, the
        # dispatcher delivers what is due by the demo's clock, as `serve` does every second.
        slack.while_waiting = self.dispatch

    def wait(self, condition: Callable[[], bool], what: str) -> None:
        wait_for(self.slack.wait_for, condition, what, self.services, self.clock, self.dispatch)

    def dispatch(self) -> None:
        self.dispatcher.run_once(self.clock.now())

    def new_view(self, person: Person, action: Callable[[], Any], what: str) -> dict[str, Any]:
        """The modal `action` makes the app open for `person`, as Slack stored it (with its id)."""
        before = len(self.slack.calls_to("views.open"))
        action()
        self.wait(lambda: len(self.slack.calls_to("views.open")) > before, what)
        return self.slack.open_views(person.id)[-1]

    def suggested(self, view: dict[str, Any], panel: list[Person], ahead: timedelta) -> tuple[dict[str, Any], Any]:
        """Rita picks the panel; the form offers the times that suit all of them (their hours in their
        own zones, their rounds); she takes the first at least `ahead` from now."""
        filled, held, option = pick_suggestion(
            self.client, self.slack, RECRUITER.id, [p.id for p in panel], self.clock.now() + ahead
        )
        where = option.get("description", {}).get("text")
        self.say(f"The form suggests times that suit everyone; Rita takes {option['text']['text']}"
                 + (f" ({where})" if where else ""))  # fmt: skip
        return filled, held

    def card_button(self, action_id: str) -> str:
        (card,) = [m for m in self.slack.messages(CHANNEL) if m["ts"] == self.thread_ts]
        for block in card.get("blocks", []):
            for element in block.get("elements", []):
                if element.get("action_id") == action_id:
                    return str(element["value"])
        raise RuntimeError(f"the card has no {action_id} button")

    def replies(self) -> int:
        return len(self.slack.thread(CHANNEL, self.thread_ts))

    def more_replies(self, before: int) -> bool:
        return self.replies() > before

    def click_card(self, user: Person, action_id: str) -> None:
        self.client.block_action(
            user.id, action_id, self.card_button(action_id), block_id="candidate_card", channel_id=CHANNEL,
            message_ts=self.thread_ts,
        )  # fmt: skip

    def play(self) -> None:
        kit = self.kit
        self.say(f"Rita opens the role '{kit.title}' with the kit {kit.key} ({len(kit.stages)} stages)")
        with self.services.db.transaction() as session:
            add_role(
                session, self.services.kits, title=kit.title, kit_key=kit.key, channel_id=CHANNEL,
                hiring_manager_ids=[MANAGER.id], recruiter_ids=[RECRUITER.id],
            )  # fmt: skip
        self.say("Rita adds Casey with /candidate new")
        view = self.new_view(
            RECRUITER, lambda: self.client.command(RECRUITER.id, "/candidate", "new"), "the new-candidate form"
        )
        values = {
            "name": text_value("Casey Candidate"),
            "email": text_value("casey@example.org", "email_text_input"),
            "role_id": select_value("1"),
            "slack_user_id": user_value(CASEY.id),
            "source": text_value("Referral from Ines"),
            "link": text_value("https://example.org/casey-cv.pdf", "url_text_input"),
            "notes": text_value(None),
        }
        self.client.view_submission(RECRUITER.id, view, values)
        self.wait(lambda: bool(self.slack.messages(CHANNEL)), "the candidate card")
        self.thread_ts = self.slack.messages(CHANNEL)[0]["ts"]
        late_done = False
        for index, stage in enumerate(kit.stages):
            if index:
                self.advance(f"to stage {index + 1}: {stage.name}")
            if stage.kind in TIMED_STAGE_KINDS:
                # The first round: Casey picks the time herself; the later ones Rita picks.
                self.round(stage.key, stage.name, late=not late_done, offered=not late_done)
                late_done = True
            elif stage.kind is StageKind.review:
                self.review(stage.name)
            elif stage.kind is StageKind.take_home and stage.take_home is not None:
                if stage.take_home.kickoff_minutes:
                    self.kickoff(stage.key, stage.name)
                self.take_home(stage.name, stage.take_home.due_days, scored=bool(stage.questions))
            else:
                self.clock.advance(timedelta(days=2))
            if stage.checklist:
                self.checklist(stage.name, len(stage.checklist))
        self.advance("past the last stage: hired")
        for person in (RECRUITER, INES):
            self.client.event({"type": "app_home_opened", "user": person.id, "tab": "home"})
        self.wait(lambda: bool(self.slack.home(RECRUITER.id)) and bool(self.slack.home(INES.id)), "the App Homes")
        posted = len(self.slack.calls_to("chat.postMessage"))
        self.summary = (
            f"Casey went through all {len(kit.stages)} stages of '{kit.title}' to hired: "
            f"{posted} messages, {len(self.slack.calls_to('views.open'))} forms, "
            f"{len(self.slack.violations)} Block Kit problems."
        )

    def advance(self, what: str) -> None:
        self.say(f"Rita advances Casey {what}")
        before = self.replies()
        self.click_card(RECRUITER, "candidate_advance")
        self.wait(lambda: self.replies() > before, "the advance reply")
        self.dispatch()

    def review(self, stage_name: str) -> None:
        self.say(f"Rita asks Ines and Ivan to review Casey for '{stage_name}'")
        view = self.new_view(RECRUITER, lambda: self.click_card(RECRUITER, "candidate_review"), "the review form")
        before = self.replies()
        self.client.view_submission(RECRUITER.id, view, {"interviewers": users_value([INES.id, IVAN.id])})
        self.wait(lambda: self.replies() > before, "the review request reply")
        self.dispatch()  # the review requests go out at once
        self.clock.advance(timedelta(hours=3))
        self.score(INES, "exceeds", "yes", "Owned two services end to end; clear write-up.")
        self.score(IVAN, "meets", "yes", "Good fit on the criteria; little on-call experience.")
        self.dispatch()  # the tally
        self.say(f"Review tally for '{stage_name}' posted")

    def kickoff(self, stage_key: str, stage_name: str) -> None:
        self.say(f"Rita schedules the '{stage_name}' kickoff with Ines (briefed, not scored)")
        view = self.new_view(RECRUITER, lambda: self.click_card(RECRUITER, "candidate_schedule"), "the scheduling form")
        duration = next(b for b in view["blocks"] if b.get("block_id") == "duration")["element"]["initial_value"]
        view, held = self.suggested(view, [INES], timedelta(days=1))
        values = {
            "stage": select_value(stage_key),
            "interviewers": users_value([INES.id]),
            **held,
            "duration": number_value(duration),
            "location": text_value("https://meet.example.com/casey-kickoff"),
        }
        before = self.replies()
        self.client.view_submission(RECRUITER.id, view, values)
        self.wait(lambda: self.replies() > before, "the scheduled reply")
        self.dispatch()
        with self.services.db.read() as session:
            interview = session.exec(select(Interview).order_by(col(Interview.id).desc())).first()
        assert interview is not None
        self.say("The kickoff: Casey gets the assignment live and asks questions")
        self.clock.set(interview.ends_at + timedelta(minutes=15))
        self.dispatch()

    def take_home(self, stage_name: str, due_days: int, *, scored: bool) -> None:
        self.say(f"Rita sends Casey the '{stage_name}', due in {due_days} days")
        view = self.new_view(RECRUITER, lambda: self.click_card(RECRUITER, "candidate_take_home"), "the take-home form")
        due = next(b for b in view["blocks"] if b.get("block_id") == "date")["element"]["initial_date"]
        before = self.replies()
        reviewers = [INES.id] if scored else []
        self.client.view_submission(
            RECRUITER.id, view, {"date": date_value(due), "interviewers": users_value(reviewers)}
        )
        self.wait(lambda: self.replies() > before, "the take-home reply")
        self.dispatch()  # the brief goes out at once
        self.say("Casey works on it; a reminder the day before it is due")
        self.clock.advance(timedelta(days=max(due_days - 1, 0), hours=2))
        self.dispatch()
        self.say("The work arrives: Rita marks it received")
        before = self.replies()
        self.click_card(RECRUITER, "candidate_take_home_received")
        self.wait(lambda: self.replies() > before, "the received reply")
        self.dispatch()
        if scored:
            self.score(INES, "exceeds", "yes", "Thoughtful architecture; checked in twice with good questions.")
            self.dispatch()  # the debrief

    def checklist(self, stage_name: str, items: int) -> None:
        self.say(f"Rita works through the {stage_name} checklist ({items} items) on the card")
        for index in range(items):
            before = self.replies()
            self.client.interaction(
                {
                    "type": "block_actions",
                    "user": {"id": RECRUITER.id, "username": "rita", "team_id": self.client.team_id},
                    "trigger_id": self.client.trigger_id(RECRUITER.id),
                    "channel": {"id": CHANNEL},
                    "container": {"type": "message", "channel_id": CHANNEL, "message_ts": self.thread_ts},
                    "message": {"ts": self.thread_ts},
                    "actions": [
                        {
                            "type": "checkboxes",
                            "action_id": CHECKLIST,
                            "block_id": self.checklist_block(),
                            "selected_options": [{"value": str(i)} for i in range(index + 1)],
                            "action_ts": f"{time.time():.6f}",
                        }
                    ],
                }
            )
            self.wait(partial(self.more_replies, before), "the checklist reply")
            self.clock.advance(timedelta(hours=4))

    def checklist_block(self) -> str:
        card = next(m for m in self.slack.messages(CHANNEL) if m["ts"] == self.thread_ts)
        for block in card.get("blocks", []):
            if str(block.get("block_id", "")).startswith(CHECKLIST):
                return str(block["block_id"])
        raise RuntimeError("the card shows no checklist")

    def offered_round(self, stage_key: str, stage_name: str) -> None:
        """Rita lets Casey pick: the offer form proposes times over several days inside Casey's own day,
        Casey picks one in Slack."""
        self.say(f"Rita lets Casey pick the time for '{stage_name}': Offer times to the candidate, with Ines and Hank")
        self.new_view(RECRUITER, lambda: self.click_card(RECRUITER, OFFER_TIMES), "the offer form")
        view = offer_panel(self.client, self.slack, RECRUITER.id, [INES.id, MANAGER.id], stage_key)
        proposed = proposed_times(view)
        self.say(f"The form proposes {len(proposed)} times, spread over days: "
                 + ", ".join(o["text"]["text"] for o in proposed))  # fmt: skip
        times_block = next(b for b in view["blocks"] if str(b.get("block_id", "")).startswith("times"))
        values = {
            "stage": select_value(stage_key),
            "interviewers": users_value([INES.id, MANAGER.id]),
            times_block["block_id"]: {"value": {"type": "multi_static_select", "selected_options": proposed}},
            "how": select_value("slack", "radio_buttons"),
            "location": text_value("https://meet.example.com/casey"),
        }
        self.client.view_submission(RECRUITER.id, view, values)
        self.dispatch()
        self.wait(lambda: any(time_buttons(m) for m in self.slack.dm_messages(CASEY.id)), "the offer to Casey")
        message = next(m for m in reversed(self.slack.dm_messages(CASEY.id)) if time_buttons(m))
        button = time_buttons(message)[-1]
        self.say(f"Casey gets them in her own zone (Chicago), with None of these work, and picks "
                 f"{button['text']['text']}")  # fmt: skip
        before = self.replies()
        pick_time(self.client, self.slack, CASEY.id, message, button)
        self.wait(lambda: self.replies() > before, "the booking")

    def round(self, stage_key: str, stage_name: str, *, late: bool, offered: bool = False) -> None:
        if offered:
            self.offered_round(stage_key, stage_name)
            self.after_round(stage_name, late=late, second=MANAGER)
            return
        # The stage's pool: Ines and Ivan, and Tia training; Tia shadows the first round Rita books.
        shadow = not self.shadowed
        if shadow:
            with self.services.db.transaction() as session:
                now = self.clock.now()
                add_members(session, self.services.kits, 1, stage_key, [INES.id, IVAN.id], trainee=False,
                            actor=RECRUITER.id, now=now)  # fmt: skip
                add_members(session, self.services.kits, 1, stage_key, [TIA.id], trainee=True, actor=RECRUITER.id,
                            now=now)  # fmt: skip
            self.shadowed = True
        self.say(f"Rita schedules '{stage_name}' with Ines and Ivan" + (", Tia shadowing" if shadow else ""))
        view = self.new_view(RECRUITER, lambda: self.click_card(RECRUITER, "candidate_schedule"), "the scheduling form")
        duration = next(b for b in view["blocks"] if b.get("block_id") == "duration")["element"]["initial_value"]
        view, held = self.suggested(view, [INES, IVAN], timedelta(days=2))
        values = {
            "stage": select_value(stage_key),
            "interviewers": users_value([INES.id, IVAN.id]),
            **held,
            "duration": number_value(duration),  # the kit's length for this stage
            "location": text_value("https://meet.example.com/casey"),
            **({"trainee": user_value(TIA.id)} if shadow else {}),
        }
        variant = self.first_variant(view, stage_key)
        if variant:
            self.say(f"Rita picks the exercise variant '{variant[1]}' for this round")
            values["variant"] = select_value(variant[0])
        before = self.replies()
        self.client.view_submission(RECRUITER.id, view, values)
        self.wait(lambda: self.replies() > before, "the scheduled reply")
        self.after_round(stage_name, late=late)

    def after_round(self, stage_name: str, *, late: bool, second: Person = IVAN) -> None:
        self.dispatch()  # the candidate's prep guide goes out at once
        with self.services.db.read() as session:
            interview = session.exec(select(Interview).order_by(col(Interview.id).desc())).first()
        assert interview is not None
        self.say("Time passes: prep reminder, briefings, the round, scorecard requests")
        self.clock.set(interview.ends_at + timedelta(minutes=15))
        self.dispatch()
        self.score(INES, "exceeds" if not late else "meets", "yes", "Clear reasoning; asked good questions.")
        if late:
            self.say(f"{second.name.split()[0]} is late: a reminder after 24 h, an escalation at the deadline")
            # Each goes out at its time in working days, or at the reader's next working-hours start.
            until_sent(self.services, self.clock, self.dispatch, interview, "scorecard_reminder", second.id)
            until_sent(self.services, self.clock, self.dispatch, interview, "escalation")
        self.score(second, "meets", "yes", "Solid fundamentals; would like more depth on trade-offs.")
        self.dispatch()  # the debrief
        self.say(f"Debrief for '{stage_name}' posted")

    @staticmethod
    def first_variant(view: dict[str, Any], stage_key: str) -> tuple[str, str] | None:
        """The form's first exercise variant for this stage, as (value, title), if it offers any."""
        block = next((b for b in view["blocks"] if b.get("block_id") == "variant"), None)
        for group in (block or {}).get("element", {}).get("option_groups", []):
            for option in group["options"]:
                if option["value"].startswith(f"{stage_key}:"):
                    return option["value"], option["text"]["text"]
        return None

    def score(self, person: Person, rating: str, recommendation: str, notes: str) -> None:
        self.say(f"{person.name.split()[0]} submits the scorecard")
        # Their request, once it is out (it waits for their working hours).
        until_sent(self.services, self.clock, self.dispatch, None, "scorecard_request", person.id)
        button = None
        for message in reversed(self.slack.dm_messages(person.id)):
            for block in message.get("blocks", []):
                for element in block.get("elements", []):
                    if element.get("action_id") == "scorecard_open":
                        button = element
            if button:
                break
        if button is None:
            raise RuntimeError(f"{person.name} has no Submit scorecard button")
        view = self.new_view(
            person,
            lambda: self.client.block_action(
                person.id, "scorecard_open", button["value"], block_id="scorecard", channel_id=f"D{person.id}"
            ),
            "the scorecard form",
        )
        before = self.replies()
        while True:
            values = answer_scorecard(view, rating=rating, pick=1, recommendation=recommendation, notes=notes)
            response = self.client.view_submission(person.id, view, values)
            body = response.json() if response.text else {}
            if body.get("response_action") != "push":
                break
            view = body["view"]
        self.wait(lambda: self.replies() > before, "the submitted reply")
