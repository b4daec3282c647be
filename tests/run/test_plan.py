"""The plan with several processes per engine: rounds, processes, seeded order, added rounds."""

from __future__ import annotations

from collections import Counter

from mlxguard.run.plan import Scenario, make_plan

WARM = Scenario("compare", "warm", 8, 4)


def test_rounds_spread_samples_evenly_across_processes() -> None:
    plan = make_plan([WARM], ["a", "b"], samples=6, warmup=1, seed=3, order="interleaved",
                     processes=3)  # fmt: skip
    warm, timed = plan[:6], plan[6:]
    # One warm-up per engine and process, before anything is timed.
    assert {(t.engine, t.process) for t in warm} == {(e, p) for e in "ab" for p in range(3)}
    assert all(t.warmup for t in warm)
    assert [(t.sample % 3, t.sample // 3) for t in timed] == [(t.process, t.round) for t in timed]
    assert Counter((t.engine, t.process) for t in timed) == {
        (e, p): 2 for e in "ab" for p in range(3)
    }
    # A round is one block: every engine on every process, before the next round starts.
    first, second = timed[:6], timed[6:]
    assert {t.round for t in first} == {0} and {t.round for t in second} == {1}
    assert {(t.engine, t.process) for t in first} == {(e, p) for e in "ab" for p in range(3)}


def test_the_order_is_seeded_and_varies_between_rounds() -> None:
    def order(seed: int) -> list[tuple[str, int]]:
        plan = make_plan([WARM], ["a", "b"], 40, 0, seed, "interleaved", processes=2)
        return [(t.engine, t.process) for t in plan]

    assert order(5) == order(5) and order(5) != order(6)
    blocks = [tuple(order(5)[i : i + 4]) for i in range(0, 80, 4)]
    assert len(set(blocks)) > 1  # not one fixed order repeated
    assert Counter(b[0] for b in blocks)[("a", 0)] < len(blocks)  # nobody always goes first


def test_added_rounds_continue_the_numbering_and_the_order() -> None:
    whole = make_plan([WARM], ["a", "b"], 8, 1, 9, "interleaved", processes=2)
    first = make_plan([WARM], ["a", "b"], 4, 1, 9, "interleaved", processes=2)
    added = make_plan([WARM], ["a", "b"], 4, 0, 9, "interleaved", processes=2, first_sample=4)
    # Adding rounds later gives exactly the trials (and order) of planning them all at once.
    assert first + added == whole
    assert sorted(t.sample for t in added if t.engine == "a") == [4, 5, 6, 7]
    assert {t.round for t in added} == {2, 3} and not any(t.warmup for t in added)


def test_cold_trials_are_not_spread_over_warm_processes() -> None:
    cold = Scenario("ttft", "cold", 8, 4, cold=True)
    fresh = Scenario("compare", "cold", 8, 4, cold=True, fresh_process=True)
    plan = make_plan([cold, fresh], ["a"], samples=4, warmup=1, seed=0, processes=2)
    assert [t.process for t in plan if t.warmup] == [0, 0]  # one warm-up each, not per process
    by = {(t.scenario.name, t.scenario.fresh_process, t.sample): t for t in plan if not t.warmup}
    assert all(by[("cold", False, j)].process == 0 for j in range(4))  # the runner's own
    assert all(by[("cold", True, j)].process == j for j in range(4))  # a new process each
    assert all(t.round == t.sample // 2 for t in by.values())
