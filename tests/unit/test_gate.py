"""The local stack's gate: work passes while it is open; holding it waits for the work under
way and stops new work until released; a thread already passing passes again."""

from __future__ import annotations

import threading
import time

from local_stack.background import Gate


def test_holding_waits_for_work_under_way_and_stops_new_work():
    gate, log = Gate(), []
    started, finish = threading.Event(), threading.Event()

    def work(name: str) -> None:
        with gate.passage():
            log.append(f"{name} in")
            started.set()
            finish.wait(5)
            log.append(f"{name} out")

    first = threading.Thread(target=work, args=("first",))
    first.start()
    started.wait(5)
    holder_done = threading.Event()

    def hold() -> None:
        with gate.held():
            log.append("held")
            assert gate.is_held
            second = threading.Thread(target=work, args=("second",))
            second.start()
            time.sleep(0.2)
            log.append("released")
        holder_done.set()
        second.join(5)

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.2)
    assert log == ["first in"]  # the holder waits for the work under way
    finish.set()
    holder.join(5)
    assert log[:4] == ["first in", "first out", "held", "released"]
    assert log[4:] == ["second in", "second out"]  # new work waited for the release
    assert not gate.is_held


def test_a_thread_passing_passes_again():
    gate = Gate()
    with gate.passage(), gate.passage():
        pass
