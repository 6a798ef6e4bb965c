"""The GitHub client's request slots: never more than ``concurrency`` taken, a freed slot to the most
urgent waiter (then the earliest), and a lane holding its slot for every request of a chain."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any

from assay.collectors.github.client import ORG_READS, PAGES, WORKFLOWS, GithubClient, Slots


def wait_until(condition: Any) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_a_freed_slot_goes_to_the_most_urgent_waiter_then_the_earliest() -> None:
    slots = Slots(1)
    slots.acquire(ORG_READS)
    order: list[str] = []

    def take(name: str, priority: int) -> None:
        slots.acquire(priority)
        order.append(name)
        slots.release()

    threads = []
    for name, priority in [
        ("workflows", WORKFLOWS),
        ("org 1", ORG_READS),
        ("pages", PAGES),
        ("org 2", ORG_READS),
    ]:
        threads.append(threading.Thread(target=take, args=(name, priority)))
        threads[-1].start()
        queued = len(threads)
        wait_until(lambda: len(slots.waiting) == queued)  # noqa: B023 (called before the next round)
    slots.release()
    for thread in threads:
        thread.join(timeout=10)
    assert order == ["pages", "org 1", "org 2", "workflows"]


def test_never_more_than_the_slots_at_once() -> None:
    slots = Slots(3)
    lock = threading.Lock()
    now = most = 0

    def work(priority: int) -> None:
        nonlocal now, most
        slots.acquire(priority)
        with lock:
            now += 1
            most = max(most, now)
        time.sleep(0.005)
        with lock:
            now -= 1
        slots.release()

    threads = [threading.Thread(target=work, args=(i % 3,)) for i in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert most == 3 and slots.free == 3


def test_a_lane_holds_one_slot_for_all_its_requests() -> None:
    client: Any = SimpleNamespace(slots=Slots(1), _lane=threading.local())
    lane = GithubClient.lane.__get__(client)
    with lane(PAGES):
        assert client.slots.free == 0
        with lane(ORG_READS):  # a request inside the lane takes no second slot (it would wait forever)
            assert client.slots.free == 0
        assert client.slots.free == 0
    assert client.slots.free == 1
