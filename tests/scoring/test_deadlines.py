"""报送时限 rules: deadlines, timeliness states and the reminder schedule (pure date arithmetic)."""
from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, strategies as st

from kaoping.scoring.deadlines import (deadline_date, deadline_passed, reminder_dates, reminder_due,
                                       timeliness)


def test_the_deadline_counts_days_after_the_last_day_of_the_period() -> None:
    assert deadline_date("2025Q3", 10) == date(2025, 10, 10)
    assert deadline_date("2025-02", 5) == date(2025, 3, 5)
    assert deadline_date("2025", 15) == date(2026, 1, 15)


def test_the_deadline_day_itself_has_not_passed() -> None:
    assert not deadline_passed("2025Q3", 10, date(2025, 10, 10))
    assert deadline_passed("2025Q3", 10, date(2025, 10, 11))
    assert not deadline_passed("2025Q3", None, date(2030, 1, 1))


def test_states_come_from_the_first_accepted_file() -> None:
    due = date(2025, 10, 10)
    assert timeliness(due, date(2025, 10, 10), date(2025, 12, 1)).state == "on_time"
    late = timeliness(due, date(2025, 10, 13), date(2025, 12, 1))
    assert (late.state, late.days_late) == ("late", 3)
    assert timeliness(due, None, date(2025, 10, 10)).state == "not_due"
    missing = timeliness(due, None, date(2025, 10, 12))
    assert (missing.state, missing.days_late) == ("missing", 2)
    assert timeliness(None, None, date(2025, 10, 12)) is None


@given(st.integers(0, 10), st.integers(1, 10), st.integers(-20, 60))
def test_following_the_schedule_day_by_day_sends_each_reminder_once(before: int, every: int, offset: int) -> None:
    due = date(2025, 10, 10)
    sent: list[tuple[str, date]] = []
    for k in range(-15, offset + 1):
        day = due + timedelta(days=k)
        slot = reminder_due(due, day, before, every, {key for key, _ in sent})
        if slot:
            assert slot[1] == day  # followed daily, a reminder goes out on its own day
            sent.append(slot)
    today = due + timedelta(days=max(offset, -15))
    assert sent == reminder_dates(due, today, before, every)
    assert len({key for key, _ in sent}) == len(sent)


def test_after_a_missed_night_only_the_latest_reminder_goes_out() -> None:
    due = date(2025, 10, 10)
    assert reminder_due(due, date(2025, 10, 15), 3, 3, set()) == ("after-1", date(2025, 10, 14))
    assert reminder_due(due, date(2025, 10, 15), 3, 3, {"after-1"}) is None
