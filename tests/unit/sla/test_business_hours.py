"""Business-time arithmetic: windows, holidays, overnight and DST in three hemispheres' zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from engage.domain.business_hours import MIDNIGHT, BusinessHours, BusinessHoursError

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
SYDNEY = ZoneInfo("Australia/Sydney")


def local(zone: ZoneInfo, *args: int) -> datetime:
    """An aware local datetime."""
    return datetime(*args, tzinfo=zone)  # type: ignore[misc]


def all_day(tz: str) -> BusinessHours:
    """Open every minute of every day: business time equals real elapsed time."""
    return BusinessHours(tz=tz, weekly={d: ((time(0), MIDNIGHT),) for d in range(7)})


def night_shift(tz: str) -> BusinessHours:
    """Open 22:00 to 06:00 every night, written as two windows per night."""
    return BusinessHours(
        tz=tz, weekly={d: ((time(0), time(6)), (time(22), MIDNIGHT)) for d in range(7)}
    )


class TestWeekdayWindows:
    def test_add_within_the_same_day(self) -> None:
        bh = BusinessHours.weekdays("America/New_York")
        assert bh.add(local(NY, 2024, 6, 3, 10, 0), 90) == local(NY, 2024, 6, 3, 11, 30)

    def test_add_carries_overnight_to_next_morning(self) -> None:
        bh = BusinessHours.weekdays("America/New_York")
        assert bh.add(local(NY, 2024, 6, 3, 16, 0), 120) == local(NY, 2024, 6, 4, 10, 0)

    def test_add_from_friday_evening_lands_on_monday(self) -> None:
        bh = BusinessHours.weekdays("America/New_York")
        assert bh.add(local(NY, 2024, 6, 7, 19, 0), 30) == local(NY, 2024, 6, 10, 9, 30)

    def test_add_that_ends_exactly_at_close_stays_at_close(self) -> None:
        bh = BusinessHours.weekdays("America/New_York")
        assert bh.add(local(NY, 2024, 6, 3, 9, 0), 480) == local(NY, 2024, 6, 3, 17, 0)

    def test_add_zero_returns_start_even_when_closed(self) -> None:
        bh = BusinessHours.weekdays("America/New_York")
        start = local(NY, 2024, 6, 8, 12, 0)  # Saturday
        assert bh.add(start, 0) == start

    def test_minutes_between_over_a_weekend(self) -> None:
        bh = BusinessHours.weekdays("America/New_York")
        friday, monday = local(NY, 2024, 6, 7, 16, 0), local(NY, 2024, 6, 10, 10, 0)
        assert bh.minutes_between(friday, monday) == 120
        assert bh.minutes_between(monday, friday) == -120

    def test_minutes_between_overnight_counts_nothing_while_closed(self) -> None:
        bh = BusinessHours.weekdays("Europe/Berlin")
        evening, morning = local(BERLIN, 2024, 6, 4, 17, 30), local(BERLIN, 2024, 6, 5, 8, 59)
        assert bh.minutes_between(evening, morning) == 0

    def test_two_windows_a_day_with_lunch_break(self) -> None:
        bh = BusinessHours(
            tz="Europe/Berlin", weekly={0: ((time(13), time(17)), (time(8), time(12)))}
        )
        start = local(BERLIN, 2024, 6, 3, 11, 0)
        assert bh.add(start, 90) == local(BERLIN, 2024, 6, 3, 13, 30)
        assert bh.minutes_between(start, local(BERLIN, 2024, 6, 3, 18, 0)) == 300

    def test_result_is_utc_and_inputs_in_other_zones_are_accepted(self) -> None:
        bh = BusinessHours.weekdays("America/New_York")
        due = bh.add(datetime(2024, 6, 3, 14, 0, tzinfo=UTC), 60)  # 10:00 in New York
        assert due.tzinfo is UTC
        assert due == local(NY, 2024, 6, 3, 11, 0)


class TestIsOpen:
    def test_window_start_is_open_and_end_is_closed(self) -> None:
        bh = BusinessHours.weekdays("America/New_York")
        assert bh.is_open(local(NY, 2024, 6, 3, 9, 0))
        assert bh.is_open(local(NY, 2024, 6, 3, 16, 59))
        assert not bh.is_open(local(NY, 2024, 6, 3, 17, 0))
        assert not bh.is_open(local(NY, 2024, 6, 3, 8, 59))

    def test_weekend_and_holiday_are_closed(self) -> None:
        bh = BusinessHours.weekdays("America/New_York", holidays=frozenset({date(2024, 7, 4)}))
        assert not bh.is_open(local(NY, 2024, 6, 8, 12, 0))
        assert not bh.is_open(local(NY, 2024, 7, 4, 12, 0))
        assert bh.is_open(local(NY, 2024, 7, 5, 12, 0))

    def test_overnight_window_is_open_after_midnight(self) -> None:
        bh = night_shift("Europe/Berlin")
        assert bh.is_open(local(BERLIN, 2024, 6, 4, 23, 30))
        assert bh.is_open(local(BERLIN, 2024, 6, 5, 0, 0))
        assert not bh.is_open(local(BERLIN, 2024, 6, 5, 12, 0))


class TestHolidays:
    def test_add_skips_a_holiday(self) -> None:
        bh = BusinessHours.weekdays("America/New_York", holidays=frozenset({date(2024, 7, 4)}))
        wednesday = local(NY, 2024, 7, 3, 16, 0)
        assert bh.add(wednesday, 120) == local(NY, 2024, 7, 5, 10, 0)

    def test_minutes_between_ignores_holiday(self) -> None:
        xmas = frozenset({date(2024, 12, 25), date(2024, 12, 26)})
        bh = BusinessHours.weekdays("Europe/Berlin", holidays=xmas)
        span = bh.minutes_between(local(BERLIN, 2024, 12, 24, 9), local(BERLIN, 2024, 12, 27, 17))
        assert span == 2 * 480


class TestDaylightSaving:
    @pytest.mark.parametrize(
        ("tz", "saturday", "hours"),
        [
            ("America/New_York", date(2024, 3, 9), 23),  # spring forward Sun 10 March
            ("America/New_York", date(2024, 11, 2), 25),  # fall back Sun 3 November
            ("Europe/Berlin", date(2024, 3, 30), 23),  # spring forward Sun 31 March
            ("Europe/Berlin", date(2024, 10, 26), 25),  # fall back Sun 27 October
            ("Australia/Sydney", date(2024, 10, 5), 23),  # spring forward Sun 6 October
            ("Australia/Sydney", date(2024, 4, 6), 25),  # fall back Sun 7 April
        ],
    )
    def test_a_24h_calendar_counts_real_elapsed_time(
        self, tz: str, saturday: date, hours: int
    ) -> None:
        zone, bh = ZoneInfo(tz), all_day(tz)
        noon_sat = datetime.combine(saturday, time(12), tzinfo=zone)
        noon_sun = datetime.combine(saturday + timedelta(days=1), time(12), tzinfo=zone)
        assert bh.minutes_between(noon_sat, noon_sun) == hours * 60
        assert bh.add(noon_sat, hours * 60) == noon_sun

    @pytest.mark.parametrize(
        ("tz", "saturday", "hours"),
        [
            ("Europe/Berlin", date(2024, 3, 30), 7),  # 22-24 + 00-06 minus the lost hour
            ("Europe/Berlin", date(2024, 10, 26), 9),  # plus the repeated hour
            ("America/New_York", date(2024, 3, 9), 7),
            ("America/New_York", date(2024, 11, 2), 9),
            ("Australia/Sydney", date(2024, 10, 5), 7),
            ("Australia/Sydney", date(2024, 4, 6), 9),
        ],
    )
    def test_overnight_shift_across_a_dst_night(self, tz: str, saturday: date, hours: int) -> None:
        zone, bh = ZoneInfo(tz), night_shift(tz)
        evening = datetime.combine(saturday, time(20), tzinfo=zone)
        morning = datetime.combine(saturday + timedelta(days=1), time(8), tzinfo=zone)
        assert bh.minutes_between(evening, morning) == hours * 60

    def test_weekday_hours_keep_local_nine_to_five_after_spring_forward(self) -> None:
        bh = BusinessHours.weekdays("America/New_York")
        friday = local(NY, 2024, 3, 8, 16, 0)  # EST, UTC-5
        due = bh.add(friday, 120)
        assert due == local(NY, 2024, 3, 11, 10, 0)  # EDT, UTC-4
        assert due == datetime(2024, 3, 11, 14, 0, tzinfo=UTC)

    def test_weekday_hours_keep_local_nine_to_five_after_fall_back_in_berlin(self) -> None:
        bh = BusinessHours.weekdays("Europe/Berlin")
        friday = local(BERLIN, 2024, 10, 25, 16, 0)  # CEST, UTC+2
        assert bh.add(friday, 120) == datetime(2024, 10, 28, 9, 0, tzinfo=UTC)  # 10:00 CET

    def test_southern_hemisphere_weekday_hours_after_dst_ends(self) -> None:
        bh = BusinessHours.weekdays("Australia/Sydney")
        friday = local(SYDNEY, 2024, 4, 5, 16, 0)  # AEDT, UTC+11
        assert bh.add(friday, 120) == datetime(2024, 4, 8, 0, 0, tzinfo=UTC)  # 10:00 AEST

    def test_window_inside_the_spring_forward_gap_holds_no_time(self) -> None:
        bh = BusinessHours(
            tz="America/New_York",
            weekly={6: ((time(2, 0), time(3, 0)),), 0: ((time(9), time(10)),)},
        )
        sunday = local(NY, 2024, 3, 10, 0, 0)
        assert bh.minutes_between(sunday, local(NY, 2024, 3, 11, 0, 0)) == 0
        assert bh.add(sunday, 30) == local(NY, 2024, 3, 11, 9, 30)


class TestBadInput:
    def test_naive_datetimes_are_refused(self) -> None:
        bh = BusinessHours.weekdays("UTC")
        with pytest.raises(BusinessHoursError, match="timezone-aware"):
            bh.add(datetime(2024, 6, 3, 9, 0), 10)
        with pytest.raises(BusinessHoursError, match="timezone-aware"):
            bh.is_open(datetime(2024, 6, 3, 9, 0))

    def test_negative_minutes_are_refused(self) -> None:
        with pytest.raises(BusinessHoursError, match="negative"):
            BusinessHours.weekdays("UTC").add(datetime(2024, 6, 3, tzinfo=UTC), -1)

    @pytest.mark.parametrize(
        ("tz", "weekly", "message"),
        [
            ("Mars/Olympus", {0: ((time(9), time(17)),)}, "unknown time zone"),
            ("UTC", {}, "at least one open window"),
            ("UTC", {0: ()}, "at least one open window"),
            ("UTC", {7: ((time(9), time(17)),)}, "weekday must be"),
            ("UTC", {0: ((time(17), time(9)),)}, "ends before it starts"),
            ("UTC", {0: ((time(9), time(12)), (time(11), time(13)))}, "overlap"),
        ],
    )
    def test_unusable_calendars_are_refused(
        self, tz: str, weekly: dict[int, tuple[tuple[time, time], ...]], message: str
    ) -> None:
        with pytest.raises(BusinessHoursError, match=message):
            BusinessHours(tz=tz, weekly=weekly)
