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
            log.append(f"held {gate.is_held}")
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
    assert log[:4] == ["first in", "first out", "held True", "released"]
    assert log[4:] == ["second in", "second out"]  # new work waited for the release
    assert not gate.is_held


def test_a_thread_passing_passes_again():
    gate = Gate()
    with gate.passage(), gate.passage():
        pass


def test_a_holder_waits_for_a_job_while_the_work_it_needs_still_passes():
    """A job (the enclave parent's) invokes functions from other threads: a holder waiting for
    the job must not stop them first, or neither would ever end."""
    gate, log = Gate(), []
    job_started, holder_waiting = threading.Event(), threading.Event()

    def long_job() -> None:
        with gate.job() as admitted:
            log.append(f"job admitted {admitted}")
            job_started.set()
            holder_waiting.wait(5)
            time.sleep(0.1)
            helper = threading.Thread(target=lambda: log.append("passed") if _pass(gate) else 0)
            helper.start()
            helper.join(5)
            log.append(f"job sees is_held {gate.is_held}")

    def hold() -> None:
        holder_waiting.set()
        with gate.held():
            log.append("held")
            with gate.job() as admitted:
                log.append(f"second job admitted {admitted}")

    job = threading.Thread(target=long_job)
    job.start()
    job_started.wait(5)
    holder = threading.Thread(target=hold)
    holder.start()
    job.join(5)
    holder.join(5)
    assert not job.is_alive() and not holder.is_alive()
    assert log == ["job admitted True", "passed", "job sees is_held True", "held",
                   "second job admitted False"]
    with gate.job() as admitted:
        assert admitted  # released: jobs start again


def _pass(gate: Gate) -> bool:
    with gate.passage():
        return True
