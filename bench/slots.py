"""The slot finder (bot/rules/slots.py) for a four-person panel over 10 working days, in-process.

Each person is in another zone (Berlin, London, New York, Lisbon), with `--events` busy spans of 15 to
60 minutes at random times, as dense as 500 in 90 days (about 5.5 a day: a busy calendar), so ten
times as many cover ten times as long, and three rounds already booked.
Timed: `find_slots` for a 60-minute round, the best of `--runs`, with 0 busy events (the baseline:
the cost of the hours, caps and grid alone), with `--events`, and with ten times as many.

    .venv/bin/python bench/slots.py [--events 500] [--runs 20]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.rules.slots import Availability, find_slots

NOW = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
ZONES = ("Europe/Berlin", "Europe/London", "America/New_York", "Europe/Lisbon")


def panel(events: int, seed: int = 7) -> list[Availability]:
    rng = random.Random(seed)
    people = []
    for n, zone in enumerate(ZONES):
        busy = []
        days = max(1, 90 * events // 500)
        for _ in range(events):
            start = NOW + timedelta(minutes=rng.randrange(0, days * 24 * 60, 5))
            busy.append((start, start + timedelta(minutes=rng.choice((15, 30, 45, 60)))))
        booked = [(NOW + timedelta(days=d, hours=3), NOW + timedelta(days=d, hours=4)) for d in (1, 2, 3)]
        people.append(Availability(f"U0P{n}", ZoneInfo(zone), busy=busy, booked=booked))
    return people


def best(events: int, runs: int) -> tuple[float, int]:
    people = panel(events)
    times = []
    found = 0
    for _ in range(runs):
        started = time.perf_counter()
        found = len(find_slots(people, 60, NOW))
        times.append(time.perf_counter() - started)
    return min(times) * 1000, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    base, base_found = best(0, args.runs)
    some, some_found = best(args.events, args.runs)
    many, many_found = best(args.events * 10, max(3, args.runs // 4))
    print(f"four people, 10 working days, 60-minute round, best of {args.runs} runs:")
    print(f"  no busy events (baseline)      {base:8.2f} ms  {base_found} slots")
    print(f"  {args.events:>5} busy events each       {some:8.2f} ms  {some_found} slots   {some / base:.2f}x baseline")
    print(
        f"  {args.events * 10:>5} busy events each       {many:8.2f} ms  {many_found} slots   "
        f"{many / some:.2f}x the {args.events} (linear would be 10x)"
    )


if __name__ == "__main__":
    main()
