"""The GitHub client's request slots: never more than ``concurrency`` taken, a freed slot to the most
urgent waiter (then the earliest), a lane holding its slot for every request of a chain, and a PyGithub
requester per slot (PyGithub's requester is not safe to share between requests in flight)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from assay.collectors.base import CollectContext
from assay.collectors.github import GithubConfig
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


def client(monkeypatch: pytest.MonkeyPatch, concurrency: int) -> GithubClient:
    monkeypatch.setenv("ASSAY_TEST_GITHUB_TOKEN", "ghp_test")
    config = GithubConfig(orgs=["a"], token_env="ASSAY_TEST_GITHUB_TOKEN", concurrency=concurrency)
    return GithubClient(config, CollectContext("github", now=datetime.now(UTC)))


def test_a_lane_holds_one_slot_and_one_requester_for_all_its_requests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gh = client(monkeypatch, 1)
    with gh.lane(PAGES):
        assert gh.slots.free == 0
        held = gh._lane.requester
        with gh.lane(ORG_READS):  # a request inside the lane takes no second slot (it would wait forever)
            assert gh.slots.free == 0 and gh._lane.requester is held
    assert gh.slots.free == 1 and gh._lane.requester is None


def test_requests_in_flight_at_once_never_share_a_requester(monkeypatch: pytest.MonkeyPatch) -> None:
    gh = client(monkeypatch, 3)
    inside = threading.Barrier(3)
    seen: list[Any] = []

    def hold() -> None:
        with gh.lane(ORG_READS):
            seen.append(gh._lane.requester)
            inside.wait(timeout=10)  # all three lanes are open at once here

    threads = [threading.Thread(target=hold) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len({id(r) for r in seen}) == 3
    # and the requesters are kept for the next lanes: as many as the slots, not one per thread
    with gh.lane(PAGES):
        assert any(gh._lane.requester is r for r in seen)
    gh.close()
