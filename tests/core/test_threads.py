"""Work spread over threads gives the same answers as on one thread, and
the number of threads can be set."""

from __future__ import annotations

import threading

import pytest

from minimalloc.anytime.improve import Runs
from minimalloc.baselines import best as best_module
from minimalloc.baselines.allocators import allocate, available_allocators
from minimalloc.baselines.best import best_baseline
from minimalloc.deadline import Deadline
from minimalloc.generate.problems import perfect_packing, random_problem
from minimalloc.threads import MAX_THREADS, THREADS_VARIABLE, thread_count
from minimalloc.validate import validate


def test_the_variable_sets_the_number_of_threads(monkeypatch):
    monkeypatch.setenv(THREADS_VARIABLE, "3")
    assert thread_count() == 3
    monkeypatch.delenv(THREADS_VARIABLE)
    assert 1 <= thread_count() <= MAX_THREADS


@pytest.mark.parametrize("value", ["0", "two", "-1", "1.5"])
def test_a_bad_number_of_threads_is_named_in_the_error(monkeypatch, value):
    monkeypatch.setenv(THREADS_VARIABLE, value)
    with pytest.raises(ValueError, match=THREADS_VARIABLE):
        thread_count()


@pytest.mark.parametrize("threads", ["1", "2", "4"])
def test_baselines_on_threads_pick_the_same_allocation(monkeypatch, threads):
    monkeypatch.setattr(best_module, "PARALLEL_BASELINES", 0)
    monkeypatch.setenv(THREADS_VARIABLE, threads)
    problem = random_problem(600, seed=4, mean_lifetime=60, alignment=(1, 8),
                             gap_probability=0.2, window_probability=0.5)
    best = best_baseline(problem, None)
    heights = {name: allocate(problem, name).height for name in available_allocators()}
    lowest = min(heights.values())
    assert best.solution.height == lowest
    # ties go to the allocator registered first, as on one thread
    assert best.method == next(n for n, h in heights.items() if h == lowest)
    assert best.solution == allocate(problem, best.method)


def test_threads_entering_one_deadline_keep_its_timer(monkeypatch):
    # The timer must stay armed while any thread is still inside.
    deadline = Deadline(0.3)
    barrier = threading.Barrier(8)

    def enter_and_leave():
        barrier.wait()
        for _ in range(2000):
            with deadline:
                pass

    with deadline:
        workers = [threading.Thread(target=enter_and_leave) for _ in range(8)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert deadline._timer is not None
        threading.Event().wait(0.5)
        assert deadline.flag[0] == 1  # the timer fired
    assert deadline._timer is None


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_runs_on_threads_reach_a_known_optimum(threads):
    # The pieces tile a 40 x 100 rectangle: the optimum is 100.
    problem = perfect_packing(60, seed=2, width=40, height=100).with_capacity(None)
    start = best_baseline(problem, None).solution
    assert start.height > 100
    runs = Runs(problem, start, lower_bound=100, threads=threads, patience=10.0)
    seen: list[int] = []
    solution = runs.run(60, on_best=lambda s: seen.append(s.height))
    assert solution.height == 100
    assert validate(problem, solution).ok
    assert seen == sorted(seen, reverse=True) and seen[-1] == 100
    assert 1 <= runs.runs


def test_runs_never_return_above_the_allocation_to_beat():
    problem = random_problem(300, seed=2, mean_lifetime=40).with_capacity(None)
    start = allocate(problem, "first_fit")  # high
    best = best_baseline(problem, None).solution
    runs = Runs(problem, start, best=best, threads=2, patience=0.2)
    solution = runs.run(1.0)
    assert solution.height <= best.height
    assert validate(problem, solution).ok


def test_cancel_stops_every_thread_with_the_best_so_far():
    problem = random_problem(3000, seed=9, mean_lifetime=150).with_capacity(None)
    start = allocate(problem, "first_fit")
    runs = Runs(problem, start, threads=2, patience=5.0)
    found: list = []
    worker = threading.Thread(target=lambda: found.append(runs.run(120)))
    worker.start()
    threading.Event().wait(1.0)
    runs.cancel()
    worker.join(30)
    assert not worker.is_alive()
    assert validate(problem, found[0]).ok
    assert found[0].height <= start.height
    names = {t.name for t in threading.enumerate()}
    assert not any(name.startswith("minimalloc-improve") for name in names)
