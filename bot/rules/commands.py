"""The slash commands the app answers: one definition for the listeners, the help and manifest.yml."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Usage:
    text: str
    what: str
    who: str = "anyone"


@dataclass(frozen=True)
class CommandSpec:
    name: str
    description: str
    usage_hint: str
    usages: tuple[Usage, ...]


HIRING = CommandSpec(
    name="/hiring",
    description="Help, open roles, interview kits and hiring reports",
    usage_hint="help | roles | kits | report [role] [--since YYYY-MM-DD]",
    usages=(
        Usage("/hiring help", "what this bot does and every command"),
        Usage("/hiring roles", "open roles with their kit, channel, hiring managers and pipeline counts"),
        Usage("/hiring kits", "the interview kits: stages, durations and question counts"),
        Usage(
            "/hiring report [role] [--since YYYY-MM-DD]",
            "funnel, time in stage, feedback turnaround, interviewer calibration and question signal, "
            "with charts, sent to you in a DM",
            "recruiters and hiring managers",
        ),
    ),
)

CANDIDATE = CommandSpec(
    name="/candidate",
    description="Add candidates, find them, and move them through the stages",
    usage_hint="new | list [role] | advance|hold|reject|reopen|purge <name or id> | <name, email or id>",
    usages=(
        Usage("/candidate new", "add a candidate: opens a form, then posts their card and thread", "recruiters"),
        Usage("/candidate <name, email or #id>", "a short summary of a candidate"),
        Usage("/candidate list [role]", "the pipeline by stage, with days in stage", "recruiters"),
        Usage("/candidate advance <name or #id>", "move to the kit's next stage (after the last: hired)", "recruiters"),
        Usage("/candidate hold|reject <name or #id>", "pause or reject, with a reason", "recruiters"),
        Usage("/candidate reopen <name or #id>", "bring a held or rejected candidate back", "recruiters"),
        Usage(
            "/candidate purge <name, email or #id>",
            "GDPR erasure: their personal data and the bot's messages about them, after a confirmation",
            "recruiters",
        ),
    ),
)

INTERVIEW = CommandSpec(
    name="/interview",
    description="Schedule, move or cancel interview rounds",
    usage_hint="schedule | reschedule | cancel | times | offer <candidate>",
    usages=(
        Usage("/interview schedule <candidate>", "pick the stage, panel, date, time and link", "recruiters"),
        Usage("/interview reschedule <candidate>", "move the next round; reminders move with it", "recruiters"),
        Usage("/interview cancel <candidate>", "cancel the next round; the panel and candidate are told", "recruiters"),
        Usage(
            "/interview times <candidate> [@interviewers]",
            "the next free times for their next round, with its usual panel or the people named",
            "recruiters",
        ),
        Usage(
            "/interview offer <candidate>",
            "offer the candidate times that suit the panel, to pick from in Slack or on a booking page",
            "recruiters",
        ),
    ),
)

SCORECARD = CommandSpec(
    name="/scorecard",
    description="Your pending scorecards, or the scorecard for a candidate",
    usage_hint="[candidate]",
    usages=(
        Usage("/scorecard", "your pending scorecards, each with a Submit button", "interviewers"),
        Usage("/scorecard <candidate>", "open the scorecard for your round with that candidate", "interviewers"),
    ),
)

COMMANDS: tuple[CommandSpec, ...] = (HIRING, CANDIDATE, INTERVIEW, SCORECARD)

# Events API subscriptions (manifest.yml `bot_events`); handlers/events.py answers each.
APP_HOME_OPENED = "app_home_opened"
# Messages in the bot's DMs (event type `message`, channel_type `im`): a candidate writing to the team.
MESSAGE_IM = "message.im"
# Someone's profile changed (their time zone, their e-mail): the person table follows at once.
USER_CHANGE = "user_change"
EVENTS: tuple[str, ...] = (APP_HOME_OPENED, MESSAGE_IM, USER_CHANGE)


@dataclass(frozen=True)
class ShortcutSpec:
    callback_id: str
    name: str
    description: str
    type: str = "message"


# Shortcuts (manifest.yml `shortcuts`); handlers/shortcuts.py answers each.
REPLY_TO_CANDIDATE = ShortcutSpec(
    callback_id="line_reply_shortcut",
    name="Reply to candidate",
    description="Write to the candidate of this thread: they get it as a direct message from the bot",
)
SHORTCUTS: tuple[ShortcutSpec, ...] = (REPLY_TO_CANDIDATE,)


def usage_lines(spec: CommandSpec) -> str:
    return "\n".join(f"• `{u.text}`: {u.what}" + ("" if u.who == "anyone" else f" _({u.who})_") for u in spec.usages)
