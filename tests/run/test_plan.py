"""The plan with several processes per engine: rounds, processes, seeded order, added rounds."""

from __future__ import annotations

from collections import Counter

from mlxguard.run.plan import Scenario, fit_cold, make_plan

WARM = Scenario("compare", "warm", 8, 4)


def test_each_round_runs_on_one_process_pair_and_processes_share_rounds_evenly() -> None:
    plan = make_plan([WARM], ["a", "b"], samples=12, warmup=1, seed=3, order="interleaved",
                     processes=3)  # fmt: skip
    warm, timed = plan[:6], plan[6:]
    # One warm-up per engine and process, before anything is timed.
    assert {(t.engine, t.process) for t in warm} == {(e, p) for e in "ab" for p in range(3)}
    assert all(t.warmup for t in warm)
    # A round is one block: one sample of each engine, on the same process index.
    blocks = [timed[i : i + 2] for i in range(0, len(timed), 2)]
    for r, (x, y) in enumerate(blocks):
        assert {x.engine, y.engine} == {"a", "b"}
        assert x.round == y.round == x.sample == y.sample == r and x.process == y.process
    # Each cycle of 3 rounds visits every process once: 4 rounds per process.
    procs = [x.process for x, _ in blocks]
    assert all(sorted(procs[i : i + 3]) == [0, 1, 2] for i in range(0, 12, 3))
    assert Counter(procs) == {0: 4, 1: 4, 2: 4}


def test_the_order_is_seeded_and_varies_between_rounds() -> None:
    def order(seed: int) -> list[tuple[str, int]]:
        plan = make_plan([WARM], ["a", "b"], 40, 0, seed, "interleaved", processes=2)
        return [(t.engine, t.process) for t in plan]

    assert order(5) == order(5) and order(5) != order(6)
    firsts = Counter(order(5)[i][0] for i in range(0, 80, 2))
    assert firsts["a"] > 0 and firsts["b"] > 0  # neither engine always goes first
    cycles = {tuple(p for _, p in order(5)[i : i + 4 : 2]) for i in range(0, 80, 4)}
    assert cycles == {(0, 1), (1, 0)}  # the processes' order within a cycle is shuffled too


def test_added_rounds_continue_the_numbering_and_the_order() -> None:
    whole = make_plan([WARM], ["a", "b"], 8, 1, 9, "interleaved", processes=2)
    first = make_plan([WARM], ["a", "b"], 4, 1, 9, "interleaved", processes=2)
    added = make_plan([WARM], ["a", "b"], 4, 0, 9, "interleaved", processes=2, first_sample=4)
    # Adding rounds later gives exactly the trials (and order) of planning them all at once.
    assert first + added == whole
    assert [t.round for t in added] == [4, 4, 5, 5, 6, 6, 7, 7] and not any(t.warmup for t in added)


def test_cold_trials_are_not_spread_over_warm_processes() -> None:
    cold = Scenario("ttft", "cold", 8, 4, cold=True)
    fresh = Scenario("compare", "cold", 8, 4, cold=True, fresh_process=True)
    plan = make_plan([cold, fresh], ["a"], samples=4, warmup=1, seed=0, processes=2)
    assert [t.process for t in plan if t.warmup] == [0, 0]  # one warm-up each, not per process
    by = {(t.scenario.name, t.scenario.fresh_process, t.sample): t for t in plan if not t.warmup}
    assert all(by[("cold", False, j)].process == 0 for j in range(4))  # the runner's own
    assert all(by[("cold", True, j)].process == j for j in range(4))  # a new process each


def test_cold_trials_that_do_not_fit_are_left_out_and_the_rest_kept() -> None:
    cold = Scenario("ttft", "cold", 16, 4, cold=True)
    warm = Scenario("ttft", "warm", 16, 4)
    rest = make_plan([cold, warm], ["e"], 6, 0, seed=3)
    # A cold trial took 2 s, a warm one 0.1 s; 5 s left: the 6 warm trials keep 0.6 s, and
    # 2 of the 6 cold trials fit in the 4.4 s after them.
    kept = fit_cold(rest, 2.0, 0.1, 5.0)
    assert Counter(t.scenario.name for t in kept) == {"warm": 6, "cold": 2}
    assert kept == [t for t in rest if t in kept]  # plan order kept, earliest cold trials first
    assert [t.sample for t in kept if t.scenario.cold] == [
        t.sample for t in rest if t.scenario.cold
    ][:2]
    assert fit_cold(rest, 2.0, 0.1, 60.0) == rest  # all of it fits
    assert [t.scenario.name for t in fit_cold(rest, 2.0, 0.1, -1.0)] == ["warm"] * 6
