"""Slot search speed: 20 engineers + 3 customer contacts, 31 days, 15-minute step.

Prints the median and 95th percentile time of one full search (free intervals built from the
raw availability every time), and the ratio against a plain per-slot, per-minute check of the
same query (the approach interval arithmetic replaces), timed once.

    python benchmarks/slots.py [--runs 50] [--no-baseline]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta

from engage.domain.availability import DailyRange, Person, free_spans, to_micros
from engage.domain.slots import SlotQuery, find_slots

ZONES = [
    "America/New_York", "America/Chicago", "America/Los_Angeles", "America/Sao_Paulo",
    "Europe/London", "Europe/Berlin", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Sydney",
    "Pacific/Chatham",
]  # fmt: skip
START = datetime(2026, 3, 2, tzinfo=UTC)  # a month that crosses the US, EU and southern DST changes
DAYS = 31


def _person(rng: random.Random, name: str, tz: str) -> Person:
    """Mon-Fri hours with a lunch break, two days off, and about three meetings a working day."""
    morning, afternoon = DailyRange.parse("08:00", "12:00"), DailyRange.parse("13:00", "18:00")
    weekly = {d: (morning, afternoon) for d in range(5)}
    days = [START.date() + timedelta(days=k) for k in range(DAYS)]
    overrides: dict[date, tuple[DailyRange, ...]] = {d: () for d in rng.sample(days, 2)}
    overrides[rng.choice(days)] = (DailyRange.parse("10:00", "14:00"),)
    busy = []
    for _ in range(DAYS * 3):
        at = START + timedelta(minutes=15 * rng.randrange(DAYS * 96))
        busy.append((at, at + timedelta(minutes=rng.choice([30, 30, 60, 90]))))
    return Person(name=name, tz=tz, weekly=weekly, overrides=overrides, busy=tuple(busy))


def scenario(seed: int = 6) -> tuple[dict[str, Person], SlotQuery]:
    """The benchmark's people and query: 3 contacts + the assignee, two skill groups."""
    rng = random.Random(seed)
    people = {f"eng{i:02d}": _person(rng, f"eng{i:02d}", ZONES[i % len(ZONES)]) for i in range(20)}
    for i, tz in enumerate(["Europe/London", "Europe/Berlin", "Asia/Kolkata"]):
        people[f"customer{i}"] = _person(rng, f"customer{i}", tz)
    query = SlotQuery(
        window_start=START,
        window_end=START + timedelta(days=DAYS),
        duration=timedelta(minutes=60),
        step=timedelta(minutes=15),
        now=START - timedelta(days=1),
        min_notice=timedelta(hours=4),
        buffer_before=timedelta(minutes=10),
        buffer_after=timedelta(minutes=10),
        required=("customer0", "customer1", "customer2", "eng04"),
        groups=(
            tuple(f"eng{i:02d}" for i in range(10) if i != 4),  # "one aggregator engineer"
            tuple(f"eng{i:02d}" for i in range(10, 20)),  # "one networking engineer"
        ),
    )
    return people, query


def per_minute_baseline(people: dict[str, Person], query: SlotQuery) -> list[datetime]:
    """Check every grid slot minute by minute against each person's hours and busy blocks."""
    lo, hi = to_micros(START) - 86_400_000_000, to_micros(query.window_end) + 86_400_000_000
    working = {
        n: free_spans(Person(n, p.tz, p.weekly, p.overrides), lo, hi) for n, p in people.items()
    }
    minute = 60_000_000

    def free(name: str, t: int) -> bool:
        m = t - query.buffer_before // timedelta(microseconds=1)
        end = t + (query.duration + query.buffer_after) // timedelta(microseconds=1)
        while m < end:
            if not any(a <= m < b for a, b in working[name]):
                return False
            if any(to_micros(a) <= m < to_micros(b) for a, b in people[name].busy):
                return False
            m += minute
        return True

    slots, t = [], query.window_start
    while t + query.duration <= query.window_end:
        tm = to_micros(t)
        if (
            t >= query.now + query.min_notice
            and all(free(n, tm) for n in query.required)
            and all(any(free(n, tm) for n in g) for g in query.groups)
        ):
            slots.append(t)
        t += query.step
    return slots


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    people, query = scenario()
    find_slots(people, query)  # warm zoneinfo caches
    timings = []
    for _ in range(args.runs):
        began = time.perf_counter()
        slots = find_slots(people, query)
        timings.append(time.perf_counter() - began)
    median = statistics.median(timings)
    p95 = sorted(timings)[max(0, int(len(timings) * 0.95) - 1)]
    print(
        f"slot search: 23 people (20 engineers + 3 contacts), {DAYS} days, 15-minute step, "
        f"{len(slots)} slots found"
    )
    print(
        f"  median {median * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms per search ({args.runs} runs; "
        "target < 50 ms)"
    )
    if not args.no_baseline:
        began = time.perf_counter()
        expected = per_minute_baseline(people, query)
        baseline = time.perf_counter() - began
        assert expected == slots, "baseline and search disagree"
        print(
            f"  per-slot per-minute baseline: {baseline * 1000:.0f} ms "
            f"({baseline / median:.0f}x slower, same {len(expected)} slots)"
        )


if __name__ == "__main__":
    main()
