"""Warnings about the machine's state (check.machine), in the report and the comment's headline."""

from __future__ import annotations

from factories import benchmark, results

from mlxguard.check.evaluate import evaluate
from mlxguard.check.machine import machine_warnings
from mlxguard.config import Config
from mlxguard.reports import render
from mlxguard.results import GpuState, MachineState

QUIET = MachineState(
    power_source="AC Power",
    low_power_mode=False,
    thermal_state="nominal",
    load_average=[0.2, 0.3, 0.3],
    cpu_count=8,
    cpu_governor="performance",
)


def _with(start: MachineState | None, end: MachineState | None = None):
    r = results(benchmark("ttft", "warm", ttft_ms=[10.0, 11.0, 12.0]))
    env = r.environment.model_copy(update={"state_start": start, "state_end": end})
    return r.model_copy(update={"environment": env})


def test_a_quiet_machine_says_nothing() -> None:
    assert machine_warnings(_with(QUIET, QUIET).environment) == []
    assert machine_warnings(_with(None).environment) == []  # nothing recorded: nothing said


def test_battery_throttling_and_load_are_named() -> None:
    start = QUIET.model_copy(update={"power_source": "Battery Power", "low_power_mode": True,
                                     "load_average": [6.5, 3.0, 2.0]})  # fmt: skip
    end = QUIET.model_copy(update={"thermal_state": "serious", "cpu_speed_limit_pct": 28,
                                   "load_average": [9.0, 9.0, 9.0]})  # fmt: skip
    warnings = machine_warnings(_with(start, end).environment)
    assert warnings == [
        "on battery power at the start of the run: macOS may lower clocks; plug the machine in",
        "Low Power Mode on at the start of the run: clocks are held down; turn it off (System "
        "Settings > Battery, or `sudo pmset -a lowpowermode 0`)",
        "machine under load at the start of the run (load average 6.5 on 8 CPUs): other work "
        "competed for it; run on a quiet machine",
        "thermal state serious at the end of the run: the chip is throttled; let it cool, or add "
        "--cooldown",
        "CPU speed limited to 28% at the end of the run (pmset -g therm): throttled",
    ]  # the end's load is the run's own: not judged


def test_linux_governor_and_nvidia_clocks() -> None:
    hot = GpuState(name="NVIDIA H200", temperature_c=86.0, clock_event_reasons="0x0000000000000020")
    warm = GpuState(name="NVIDIA H200", temperature_c=88.0, clock_event_reasons="0x1")
    odd = GpuState(name="x", clock_event_reasons="0xZZ")  # a hand-edited file: no traceback
    start = QUIET.model_copy(update={"cpu_governor": "powersave", "gpus": [hot, warm, odd]})
    warnings = machine_warnings(_with(start).environment)
    assert warnings == [
        "GPU 0 (NVIDIA H200) clocks held down at the start of the run (reasons "
        "0x0000000000000020: power or thermal)",
        "GPU 1 (NVIDIA H200) at 88 °C at the start of the run: it may throttle",
        "CPU frequency governor 'powersave': clocks follow the load, so figures vary; the "
        "'performance' governor gives steadier ones",
    ]


def test_the_comment_says_so_in_its_headline() -> None:
    r = _with(QUIET.model_copy(update={"power_source": "Battery Power"}))
    report = evaluate(r, Config())
    assert report.machine_warnings == [report.warnings[0]]
    from mlxguard.reports.comment import render as comment

    for text in (render("markdown", r, report), comment(r, report, gated=[])):
        lines = text.splitlines()
        assert lines[2] == ("> ⚠️ **Machine**: on battery power at the start of the run: macOS "
                            "may lower clocks; plug the machine in")  # fmt: skip
    assert "warning: on battery power at the start" in render("console", r, report)
