"""The hiring report behind `/hiring report` and `interview-bot report`: funnel, time in stage,
feedback turnaround, interviewer calibration and question signal, for the roles a person may see.
Plain Python over the database; no Slack. The whole history's figures come from aggregates
(`bot.reporting.aggregates`), kept current by every write transaction (`bot.reporting.upkeep`,
counting each candidate as `bot.reporting.tally` does); a `since` cohort is counted from its rows
(read in `bot.reporting.data`, computed in `bot.reporting.figures`: the reference the aggregates are
tested against), unless it starts before the scope's history, which makes it the whole history.
Their types are in `bot.reporting.types`, and the App Home's headline, by the same definitions, is
counted in `bot.reporting.home`.

Definitions (the README's "Reports" section states them for users):

- Scope: the roles asked for; `since` keeps candidates added on or after that day for the funnel
  and time figures (a cohort, so pass rates do not mix cohorts), and rounds that ended on or after
  it for turnaround, calibration and question signal.
- Funnel: a candidate *entered* a stage if any stage event took them there (adding a candidate
  enters the first stage). *Passed* is entering the next stage, or being hired from the last.
  *Rejected here* and *in stage* are where candidates are now.
- Time in stage: from entering a stage to leaving it (advanced, rejected or hired); holds count as
  time in the stage; stints still open are left out. *To decision* is from being added to the
  latest hire or rejection, for candidates hired or rejected now.
- Turnaround: hours from a round's end to the first submission of each scorecard. *Due* counts
  submitted scorecards plus missing ones past the kit's feedback deadline (*overdue now*), so
  someone who never submits does not look punctual.
- Calibration: per candidate, the interviewer's recommendation (strong no = 1 … strong yes = 4)
  and average rating (below = 1, meets = 2, exceeds = 3) minus the other interviewers' for that
  candidate; averaged over every candidate someone else also scored. Flagged only with at least
  `MIN_SAMPLE` candidates behind it and an average gap of `OUTLIER_GAP` or more.
- Interviewer load: per pool (a role's stage), each qualified member's rounds for it per ISO week
  over the last four weeks, this one included (cancelled rounds aside), and the spread: the most
  loaded member's total minus the least loaded's.
- Question signal: how often a question is rated (not "not assessed") and an indicator observed,
  and how often that agrees with the decision for candidates hired or rejected now: meets or
  exceeds with a hire, below with a rejection; a positive indicator with a hire, a negative one
  with a rejection.

Medians and the 90th percentile interpolate between ranks (numpy's default). Purged candidates
stay in every count; no figure names a candidate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, time

from sqlmodel import Session, col, select

from bot.reporting.aggregates import Builder, read_counts
from bot.reporting.data import by_role, keeps_every_row, load_data
from bot.reporting.figures import build_section
from bot.reporting.load import pool_loads
from bot.reporting.types import Report, kits_by_role
from bot.rules.errors import Forbidden, UserError
from bot.rules.kits import KitCatalog
from bot.rules.permissions import Permissions
from models.tables import Role

# -------------------------------------------------------------------------------- who sees what


def reportable_roles(session: Session, permissions: Permissions, user_id: str) -> list[Role]:
    """Recruiters see every role; hiring managers the roles they manage; nobody else any."""
    roles = list(session.exec(select(Role).order_by(col(Role.id))))
    if permissions.is_recruiter(user_id):
        return roles
    managed = [
        r for r in roles if user_id in r.hiring_manager_ids or permissions.is_recruiter(user_id, r.recruiter_ids)
    ]
    if not managed:
        raise Forbidden(
            "Reports are for recruiters and hiring managers. "
            f"Recruiters here: {permissions.who()}; a role's hiring managers see that role's report."
        )
    return managed


def pick_role(roles: Sequence[Role], query: str) -> Role:
    """The role `query` names among `roles`: `#id`, the exact title, or a unique part of it."""
    query = query.strip()
    digits = query.lstrip("#")
    if digits.isascii() and digits.isdigit():
        for role in roles:
            if str(role.id) == digits.lstrip("0"):
                return role
    needle = query.casefold()
    exact = [r for r in roles if r.title.casefold() == needle]
    partial = [r for r in roles if needle in r.title.casefold()]
    found = exact or partial
    if len(found) == 1:
        return found[0]
    titles = ", ".join(f"{r.title} (#{r.id})" for r in roles) or "none"
    if not found:
        raise UserError(f"No role you can report on matches '{query}'. Yours: {titles}.")
    raise UserError(f"'{query}' matches several roles: {', '.join(r.title for r in found)}. Name one of them.")


def parse_since(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"'{text}' is not a date; write it as YYYY-MM-DD, e.g. `--since 2026-01-31`.") from None


def parse_report_args(text: str) -> tuple[str | None, date | None]:
    """`[role] [--since DATE]` from a command's words: the role (may be several words) and the date."""
    words = text.split()
    role_words: list[str] = []
    since: date | None = None
    index = 0
    while index < len(words):
        word = words[index]
        if word.startswith("--since"):
            value = word.partition("=")[2] if "=" in word else (words[index + 1] if index + 1 < len(words) else "")
            if not value:
                raise UserError("`--since` needs a date: `--since 2026-01-31`.")
            since = parse_since(value)
            index += 1 if "=" in word else 2
            continue
        if word.startswith("--"):
            raise UserError(f"`{word}` is not an option; the only one is `--since YYYY-MM-DD`.")
        role_words.append(word)
        index += 1
    return (" ".join(role_words) or None), since


# ------------------------------------------------------------------------------------ the report


def build_report(
    session: Session,
    kits: KitCatalog,
    roles: Sequence[Role],
    now: datetime,
    *,
    since: date | None = None,
    detail: bool = True,
) -> Report:
    """The overall section for `roles` and, with `detail`, a section per role."""
    role_ids = [r.id for r in roles if r.id is not None]
    kit_of = kits_by_role(kits, roles)
    loads = pool_loads(session, kits, role_ids, now)
    sections = [(r.title, r, kit_of[r.id], [r.id]) for r in roles if r.id is not None] if detail else []
    start = datetime.combine(since, time(), tzinfo=now.tzinfo) if since is not None else None
    if start is None or keeps_every_row(session, role_ids, start):
        # From the aggregates: what the history adds up to, kept current by every write. A cohort
        # from before the scope's first candidate and first round is the whole history.
        builder = Builder(session, read_counts(session, kit_of, role_ids, now), kit_of)
        for _title, _role, _kit, ids in [("", None, None, role_ids), *sections]:
            builder.plan(ids)
        builder.fetch(role_ids)
        overall = builder.section("All roles", None, None, role_ids)
        built = [builder.section(title, role, kit, ids) for title, role, kit, ids in sections]
    else:
        # A cohort is counted from its rows (bot.reporting.data and figures: the reference).
        data = load_data(session, role_ids, start)
        overall = build_section("All roles", None, None, data, kit_of, now)
        part = by_role(data, role_ids)
        built = [build_section(t, r, k, part[ids[0]], kit_of, now) for t, r, k, ids in sections]
    return Report(
        generated_at=now,
        since=since,
        overall=replace(overall, pools=tuple(loads)),
        roles=[replace(s, pools=tuple(p for p in loads if p.role_id == s.role.id)) for s in built if s.role],
    )
