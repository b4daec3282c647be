"""Warnings about the machine's state during the run: battery, Low Power Mode, throttling, load.

Judged on the state recorded at the start and the end of the run (`environment.state_start`,
`state_end`). Load is judged at the start only: at the end the run's own workers are part of
it. Each warning names the condition, when it was seen, and what helps.
"""

from __future__ import annotations

from mlxguard.results import Environment, MachineState, Results

# A 1-minute load above this share of the CPUs means other work competed with the run.
BUSY_LOAD_PER_CPU = 0.5
# Governors that hold clocks low or raise them slowly; their figures vary with the load.
SLOW_GOVERNORS = ("powersave", "conservative")
HOT_GPU_C = 85.0
# NVIDIA clock event reasons that mean a slowdown (thermal or power), not idling:
# SW power cap 0x4, HW slowdown 0x8, SW thermal 0x20, HW thermal 0x40, HW power brake 0x80.
SLOWDOWN_MASK = 0x4 | 0x8 | 0x20 | 0x40 | 0x80


def _bitmask(text: str | None) -> int:
    """A hex bitmask as nvidia-smi prints it; 0 when absent or not hex (a hand-edited file)."""
    try:
        return int(text or "0", 16)
    except ValueError:
        return 0


def _state_warnings(s: MachineState, when: str) -> list[str]:
    out = []
    if s.power_source and s.power_source != "AC Power":
        out.append(
            f"on {s.power_source.lower()} at the {when} of the run: macOS may lower "
            "clocks; plug the machine in"
        )
    if s.low_power_mode:
        out.append(
            f"Low Power Mode on at the {when} of the run: clocks are held down; turn it "
            "off (System Settings > Battery, or `sudo pmset -a lowpowermode 0`)"
        )
    if s.thermal_state in ("serious", "critical"):
        out.append(
            f"thermal state {s.thermal_state} at the {when} of the run: the chip is "
            "throttled; let it cool, or add --cooldown"
        )
    if s.cpu_speed_limit_pct is not None and s.cpu_speed_limit_pct < 100:
        out.append(
            f"CPU speed limited to {s.cpu_speed_limit_pct}% at the {when} of the run "
            "(pmset -g therm): throttled"
        )
    for i, g in enumerate(s.gpus):
        reasons = _bitmask(g.clock_event_reasons)
        if reasons & SLOWDOWN_MASK:
            out.append(
                f"GPU {i} ({g.name}) clocks held down at the {when} of the run "
                f"(reasons {g.clock_event_reasons}: power or thermal)"
            )
        elif g.temperature_c is not None and g.temperature_c >= HOT_GPU_C:
            out.append(
                f"GPU {i} ({g.name}) at {g.temperature_c:g} °C at the {when} of the "
                "run: it may throttle"
            )
    return out


def _load_warning(s: MachineState) -> list[str]:
    if not s.load_average or not s.cpu_count:
        return []
    load = s.load_average[0]
    if load <= BUSY_LOAD_PER_CPU * s.cpu_count:
        return []
    return [
        f"machine under load at the start of the run (load average {load:g} on "
        f"{s.cpu_count} CPUs): other work competed for it; run on a quiet machine"
    ]


def _governor_warning(s: MachineState) -> list[str]:
    slow = [g for g in (s.cpu_governor or "").split(",") if g in SLOW_GOVERNORS]
    if not slow:
        return []
    return [
        f"CPU frequency governor '{slow[0]}': clocks follow the load, so figures vary; "
        "the 'performance' governor gives steadier ones"
    ]


def machine_warnings(env: Environment) -> list[str]:
    """What the recorded machine state says about the run; each condition once."""
    out: list[str] = []
    if env.state_start:
        out += _state_warnings(env.state_start, "start")
        out += _load_warning(env.state_start) + _governor_warning(env.state_start)
    if env.state_end:
        out += [w for w in _state_warnings(env.state_end, "end") if w not in out]
    return out


def results_machine_warnings(results: Results) -> list[str]:
    """The warnings of the run's machine, and of any merged shard's own machine."""
    envs = {results.environment.fingerprint: results.environment}
    for b in results.benchmarks:
        if b.environment is not None:
            envs.setdefault(b.environment.fingerprint, b.environment)
    many = len(envs) > 1
    return [
        f"{env.fingerprint}: {w}" if many else w
        for env in envs.values()
        for w in machine_warnings(env)
    ]
