"""Failed sign-ins: counted per name and per address, with a lockout that grows."""

from __future__ import annotations

import datetime as dt
import threading

from landmap.access import SignInThrottle
from landmap.access.throttle import FORGET_AFTER_S
from landmap.clock import SHANGHAI


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def throttle(clock: Clock) -> SignInThrottle:
    return SignInThrottle(account_limit=5, address_limit=20, first_lockout_s=60, clock=clock)


def fail(t: SignInThrottle, name: str, times: int, address: str | None = None) -> None:
    for _ in range(times):
        t.failed(name, address)


def test_five_failures_lock_the_name_for_a_minute():
    clock = Clock()
    t = throttle(clock)
    fail(t, "zhang", 4)
    assert t.seconds_locked("zhang", None) == 0
    fail(t, "zhang", 1)
    assert t.seconds_locked("zhang", None) == 60
    assert t.seconds_locked("li", None) == 0  # another account is not affected
    clock.now += 61
    assert t.seconds_locked("zhang", None) == 0


def test_each_further_lockout_of_a_name_is_twice_as_long_up_to_an_hour():
    clock = Clock()
    t = throttle(clock)
    lengths = []
    for _ in range(9):
        fail(t, "zhang", 5)
        lengths.append(t.seconds_locked("zhang", None))
        clock.now += lengths[-1] + 1
    assert lengths == [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]


def test_a_success_starts_the_name_again_from_zero():
    clock = Clock()
    t = throttle(clock)
    fail(t, "zhang", 5)
    clock.now += 61
    t.succeeded("zhang", None)
    fail(t, "zhang", 5)
    assert t.seconds_locked("zhang", None) == 60  # not 120: the success reset the doubling


def test_unknown_names_are_locked_exactly_like_real_ones():
    # The throttle never sees whether an account exists, so its answers cannot tell.
    clock = Clock()
    t = throttle(clock)
    fail(t, "zhang", 5)
    fail(t, "no-such-user", 5)
    assert t.seconds_locked("zhang", None) == t.seconds_locked("no-such-user", None) == 60


def test_an_address_trying_many_names_is_locked_after_twenty():
    clock = Clock()
    t = throttle(clock)
    for i in range(19):
        t.failed(f"user{i}", "10.0.0.7")
    assert t.seconds_locked("fresh-name", "10.0.0.7") == 0
    t.failed("user19", "10.0.0.7")
    assert t.seconds_locked("fresh-name", "10.0.0.7") == 60
    assert t.seconds_locked("fresh-name", "10.0.0.8") == 0  # another computer may still try


def test_counts_are_forgotten_after_a_quiet_day():
    clock = Clock()
    t = throttle(clock)
    fail(t, "zhang", 4)
    clock.now += FORGET_AFTER_S + 1
    fail(t, "zhang", 1)
    assert t.seconds_locked("zhang", None) == 0


def test_threads_failing_at_once_lose_no_count():
    t = SignInThrottle(account_limit=400, address_limit=10_000)
    workers = [threading.Thread(target=fail, args=(t, "zhang", 50)) for _ in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert t.seconds_locked("zhang", None) > 0  # 8 × 50 = 400 failures reached the limit


def test_the_locked_message_says_when_in_beijing_time():
    from landmap.ui.auth import locked_message

    now = dt.datetime(2026, 12, 4, 9, 58, 30, tzinfo=SHANGHAI)
    zh = locked_message(120, "zh", now=now)
    assert "10:00:30" in zh and "2 分钟" in zh
    en = locked_message(30, "en", now=now)
    assert "09:59:00" in en and "1 min" in en
    assert "zhang" not in zh  # the same words for every name
