"""The history the scale benchmark reads: about two years of hiring over eight roles on the shipped
kits, generated from a seed (the same seed, the same history). Candidates walk their kit from the day
they were added (advanced, held, reopened, rejected, hired, a few purged), with rounds, panels and
who submitted a scorecard when."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.rules.candidates import fold
from bot.rules.kits import KitCatalog
from models.kit import TIMED_STAGE_KINDS, Kit, Stage, StageKind

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
HISTORY_DAYS = 730
RECRUITER = "U0REC001"  # the person whose App Home is measured: a recruiter on every role who screens too
INTERVIEWERS = [f"U0INT{i:03d}" for i in range(60)]
# (title, kit, share of candidates, recruiter)
ROLES = [
    ("Backend Developer", "backend-mid", 0.22, "U0REC001"),
    ("Backend Developer (Berlin)", "backend-developer", 0.16, "U0REC002"),
    ("Senior Backend Engineer, Application", "senior-backend-application", 0.12, "U0REC001"),
    ("Senior Backend Engineer, Scalability", "senior-backend-scalability", 0.12, "U0REC003"),
    ("Code Insights Backend Engineer", "code-insights-backend", 0.10, "U0REC002"),
    ("Platform Engineer", "backend-mid", 0.12, "U0REC003"),
    ("Data Engineer", "senior-backend-scalability", 0.08, "U0REC001"),
    ("API Engineer", "backend-developer", 0.08, "U0REC002"),
]
FIRST = str.split(
    "Ana Ben Carla Dmitri Elena Farid Greta Hugo Ines Jonas Kai Lena Malik Nora Oskar Paula Quinn Rosa Samir "
    "Tara Umar Vera Wim Xenia Yusuf Zoë Amélie Björn Chloé Diego Émile Fatima Gökhan Hélène Ivan Jürgen Kenji "
    "Léa Mateo Núria Olga Pål Raphaël Søren Tomás Ulrike Valentín Weronika Yara Zoltan Aisha Bruno Camille "
    "Dario Esther Felix Giulia Hannah Ibrahim Julia Karim Laura Marco Nadia Omar Petra Rafael Sofia Theo Uma "
    "Victor Wanda Ximena Yannick Zara Adrian Beatriz Cyril Daniela Erik Flora George Hira Igor Jana Kofi Lucia"
)
LAST = str.split(
    "Alvarez Becker Costa Dubois Eriksen Fischer García Hansen Ibáñez Jansen Kowalski Lindqvist Martin Novak "
    "Olsen Petrov Quintero Rossi Schmidt Tanaka Ueda Vogel Weber Xu Yilmaz Zimmermann Ångström Bauer Çelik "
    "Dąbrowski Eklund Fernández González Horváth Ivanova Jović Keller Łukasiewicz Müller Nowak Ortega Pereira "
    "Ramos Silva Torres Urbán Varga Wagner Young Zhang Andersen Brown Clarke Davies Evans Fraser Green Hughes "
    "Irwin Jones King Lewis Moore Nash Owens Parker Reid Scott Turner Walker White Wood Wright Abbott Baker "
    "Carter Dixon Ellis Foster Grant Harris Ingram Jordan Kelly Lopez Mason Nguyen Oliver Patel Quinn Russell"
)
SOURCES = ["LinkedIn", "Referral", "Job board", "Careers page", "Conference", "Agency", None]
REJECT_REASONS = [
    "Not enough experience with distributed systems.",
    "Salary expectations far above the band.",
    "Withdrew: accepted another offer.",
    "Could not explain the trade-offs of their own design.",
    "Location does not work for the team.",
]


@dataclass
class Round:
    id: int
    candidate_id: int
    kit: Kit
    stage: Stage
    starts: datetime
    ends: datetime
    cancelled: bool
    outcome: str  # pass | fail | open: what happened to the candidate at this stage
    pool: list[str]
    panel: list[str] = field(default_factory=list)
    submitted: dict[str, datetime] = field(default_factory=dict)

    @property
    def happened(self) -> bool:
        return not self.cancelled and self.starts <= NOW


@dataclass
class Applicant:
    id: int
    role_id: int
    name: str
    email: str
    source: str | None
    created: datetime
    stage_key: str = ""
    status: str = "active"
    entered: datetime = NOW
    events: list[tuple[Any, ...]] = field(default_factory=list)
    purged: bool = False


@dataclass
class Dataset:
    kits: KitCatalog
    roles: list[dict[str, Any]]
    people: list[Applicant]
    rounds: list[Round]
    scorecards: int = 0


def day_time(rng: random.Random, day: datetime) -> datetime:
    """A working-hours slot on that day."""
    return day.replace(hour=rng.randint(8, 16), minute=rng.choice((0, 15, 30, 45)), second=0, microsecond=0)


def generate(candidates: int, scorecards: int, seed: int, kits: KitCatalog) -> Dataset:
    rng = random.Random(seed)
    roles: list[dict[str, Any]] = []
    pools: dict[int, list[str]] = {}
    for index, (title, kit_key, _share, recruiter) in enumerate(ROLES, start=1):
        managers = [f"U0HM{index:02d}A", f"U0HM{index:02d}B"]
        roles.append(
            {
                "id": index, "title": title, "kit_key": kit_key, "level": kits.kits[kit_key].level,
                "channel_id": f"C0ROLE{index:02d}", "hiring_manager_ids": json.dumps(managers),
                "recruiter_ids": json.dumps([recruiter]), "active": True, "created_by": "cli:bench",
                "created_at": NOW - timedelta(days=HISTORY_DAYS + 10),
            }
        )  # fmt: skip
        pools[index] = managers + rng.sample(INTERVIEWERS, 10)
    weights = [share for _, _, share, _ in ROLES]
    created = sorted(NOW - timedelta(seconds=rng.uniform(0, HISTORY_DAYS * 86400)) for _ in range(candidates))
    people: list[Applicant] = []
    rounds: list[Round] = []
    for cid, at in enumerate(created, start=1):
        role_id = rng.choices(range(1, len(ROLES) + 1), weights)[0]
        kit = kits.kits[ROLES[role_id - 1][1]]
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name = f"{first} {last}"
        email = f"{fold(first)}.{fold(last)}{cid}@example.org".replace(" ", "")
        person = Applicant(cid, role_id, name, email, rng.choice(SOURCES), at)
        walk(rng, person, kit, pools[role_id], ROLES[role_id - 1][3], rounds)
        people.append(person)
    settle_scorecards(rng, rounds, scorecards)
    return Dataset(kits, roles, people, rounds, scorecards)


def walk(rng: random.Random, person: Applicant, kit: Kit, pool: list[str], recruiter: str, rounds: list[Round]) -> None:
    """Take a candidate through the kit from the day they were added, until a decision or today."""
    stages = kit.stages
    t = person.created
    stuck = rng.random() < 0.01  # forgotten: nobody decides, they sit in their stage
    events = person.events
    events.append((t, recruiter, "created", None, stages[0].key, None, "active", person.source))
    index = 0
    while True:
        stage = stages[index]
        entered = t
        quick = stage.kind in (StageKind.review, StageKind.offer, StageKind.references)
        dwell = timedelta(days=rng.uniform(0.3, 4) if quick else rng.uniform(2, 12))
        decide = t + dwell
        outcome_roll = rng.random()
        reject_p = 0.5 if index == 0 else 0.3
        outcome = "open" if (decide > NOW or stuck) else ("fail" if outcome_roll < reject_p else "pass")
        if stage.kind in TIMED_STAGE_KINDS:
            starts = day_time(rng, t + dwell * rng.uniform(0.3, 0.7))
            if rng.random() < 0.03:  # moved once: the first slot was cancelled
                rounds.append(round_for(rng, len(rounds) + 1, person, kit, stage, starts, True, outcome, pool))
                starts = starts + timedelta(days=1)
            pool_here = pool + ([recruiter] if stage.kind == StageKind.call else [])
            rounds.append(round_for(rng, len(rounds) + 1, person, kit, stage, starts, False, outcome, pool_here))
        person.stage_key, person.entered = stage.key, entered
        if outcome == "open":
            person.status = "active"
            return
        if rng.random() < 0.03:  # held a while: most come back, some are let go, a few stay on hold
            events.append((decide, recruiter, "hold", stage.key, stage.key, "active", "on_hold", "Waiting on visa."))
            later = decide + timedelta(days=rng.uniform(3, 45))
            fate = rng.random()
            if later > NOW or fate < 0.1:
                person.status = "on_hold"
                return
            if fate < 0.4:
                reason = "Withdrew while on hold."
                events.append((later, recruiter, "reject", stage.key, stage.key, "on_hold", "rejected", reason))
                person.status = "rejected"
                return
            events.append((later, recruiter, "reopen", stage.key, stage.key, "on_hold", "active", None))
            decide = later + timedelta(hours=rng.uniform(1, 48))
            if decide > NOW:
                person.status = "active"
                return
        if outcome == "fail":
            reason = rng.choice(REJECT_REASONS)
            events.append((decide, recruiter, "reject", stage.key, stage.key, "active", "rejected", reason))
            person.status = "rejected"
            person.purged = rng.random() < 0.005
            return
        if index + 1 == len(stages):
            events.append((decide, recruiter, "hire", stage.key, stage.key, "active", "hired", None))
            person.status = "hired"
            return
        events.append((decide, recruiter, "advance", stage.key, stages[index + 1].key, "active", "active", None))
        t = decide
        index += 1


def round_for(
    rng: random.Random,
    round_id: int,
    person: Applicant,
    kit: Kit,
    stage: Stage,
    starts: datetime,
    cancelled: bool,
    outcome: str,
    pool: list[str],
) -> Round:
    ends = starts + timedelta(minutes=stage.duration_minutes or 60)
    found = Round(round_id, person.id, kit, stage, starts, ends, cancelled, outcome, pool)
    size = rng.choices((1, 2, 3, 4), (25, 45, 25, 5))[0]
    found.panel = rng.sample(pool, size)
    return found


def settle_scorecards(rng: random.Random, rounds: list[Round], target: int) -> None:
    """Who submitted, and when: about one in thirty never does, and a scorecard due in the future is
    not in yet. Panels then grow or shrink a seat at a time in rounds long past so that exactly
    `target` scorecards exist."""

    for r in rounds:
        if not r.happened:
            continue
        for person in r.panel:
            if rng.random() < 0.03:
                continue
            at = r.ends + timedelta(hours=rng.lognormvariate(math.log(18), 0.9))
            if at <= NOW:
                r.submitted[person] = at
    total = sum(len(r.submitted) for r in rounds)
    old = [r for r in rounds if r.happened and r.ends < NOW - timedelta(days=30)]
    growable = [r for r in old if len(r.panel) < 6 and len(r.pool) > len(r.panel)]
    if total < target and len(growable) * 2 < target - total:
        raise SystemExit(f"{target:,} scorecards is too many for this many candidates; ask for fewer.")
    while total < target:
        r = rng.choice(growable)
        spare = [p for p in r.pool if p not in r.panel]
        if len(r.panel) >= 6 or not spare:
            continue
        person = rng.choice(spare)
        r.panel.append(person)
        r.submitted[person] = min(NOW, r.ends + timedelta(hours=rng.lognormvariate(math.log(18), 0.9)))
        total += 1
    shrinkable = [r for r in old if len(r.submitted) > 1]
    while total > target:
        r = rng.choice(shrinkable)
        if len(r.panel) < 2 or len(r.submitted) < 2:
            continue
        person = rng.choice(list(r.submitted))
        r.panel.remove(person)
        del r.submitted[person]
        total -= 1


RATINGS_IF = {
    "pass": (("exceeds", 25), ("meets", 55), ("below", 10), ("not_assessed", 10)),
    "fail": (("exceeds", 5), ("meets", 35), ("below", 50), ("not_assessed", 10)),
    "open": (("exceeds", 15), ("meets", 45), ("below", 30), ("not_assessed", 10)),
}
RECOMMENDATIONS_IF = {
    "pass": (("strong_yes", 25), ("yes", 55), ("no", 15), ("strong_no", 5)),
    "fail": (("strong_yes", 3), ("yes", 22), ("no", 50), ("strong_no", 25)),
    "open": (("strong_yes", 10), ("yes", 40), ("no", 35), ("strong_no", 15)),
}


def pick(rng: random.Random, table: Sequence[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in table], [w for _, w in table])[0]
