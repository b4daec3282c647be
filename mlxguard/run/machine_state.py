"""The machine's state at the start and end of a run: power, thermal pressure, load, clocks.

What changes a measurement without changing the code: a laptop on battery or in Low Power
Mode, a thermally throttled chip, a busy machine, a CPU governor that holds clocks down, a GPU
that is hot or clocked down. Each probe is a command or file readable without sudo, with a
short timeout; a probe that fails, hangs or is missing leaves its field null and never fails
the run. The parsers are pure functions of the tools' text, tested on captured real outputs
(tests/data/machine_state/).
"""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path

from mlxguard.results import GpuState, MachineState
from mlxguard.run.probe import probe

TIMEOUT_S = 2.0
THERMAL_STATES = ("nominal", "fair", "serious", "critical")  # NSProcessInfoThermalState 0..3
# NSProcessInfo.thermalState through JavaScript for Automation: no sudo, no compiled helper.
JXA_THERMAL = 'ObjC.import("Foundation"); $.NSProcessInfo.processInfo.thermalState'
NVIDIA_FIELDS = (
    "name", "temperature.gpu", "clocks.sm", "clocks.max.sm", "clocks.mem", "power.draw",
    "pstate", "clocks_event_reasons.active",
)  # fmt: skip


def run_probe(*cmd: str) -> str | None:
    """A command's stdout, or None when it is missing, fails or exceeds ``TIMEOUT_S``."""
    return probe(*cmd, timeout_s=TIMEOUT_S)


def parse_pmset_batt(text: str | None) -> tuple[str | None, int | None]:
    """`pmset -g batt`: the power source ("AC Power", "Battery Power", "UPS Power") and the
    battery charge in %, None where absent (a desktop has no battery line)."""
    if not text:
        return None, None
    source = re.search(r"Now drawing from '([^']+)'", text)
    charge = re.search(r"InternalBattery-\d+[^\n]*?\s(\d{1,3})%", text)
    return (source.group(1) if source else None, int(charge.group(1)) if charge else None)


def parse_pmset_settings(text: str | None) -> bool | None:
    """`pmset -g`: Low Power Mode on? From `lowpowermode 0|1`, or `powermode 0|1|2` (Macs
    with a High Power Mode: 1 is low power); None when neither line is there."""
    if not text:
        return None
    low = re.search(r"^\s*lowpowermode\s+(\d)", text, re.M)
    if low:
        return low.group(1) == "1"
    mode = re.search(r"^\s*powermode\s+(\d)", text, re.M)
    return mode.group(1) == "1" if mode else None


def parse_pmset_therm(text: str | None) -> int | None:
    """`pmset -g therm`: CPU_Speed_Limit in % (100 = not throttled), None when not recorded
    (Apple Silicon usually prints only "No ... has been recorded" notes)."""
    found = re.findall(r"CPU_Speed_Limit\s*=\s*(\d+)", text or "")
    return int(found[-1]) if found else None


def parse_thermal_state(text: str | None) -> str | None:
    """The JXA thermalState number (0-3) as nominal, fair, serious or critical."""
    value = (text or "").strip()
    return THERMAL_STATES[int(value)] if value in ("0", "1", "2", "3") else None


def _number(cell: str) -> float | None:
    found = re.match(r"\s*(-?\d+(?:\.\d+)?)", cell)
    return float(found.group(1)) if found else None  # "[N/A]", "[Not Supported]": None


# Header names of `--format=csv` (units in brackets dropped) -> GpuState fields; the header
# spells a query's aliases out (clocks.sm -> clocks.current.sm).
_NVIDIA_COLUMNS = {
    "temperature.gpu": "temperature_c",
    "clocks.current.sm": "sm_clock_mhz",
    "clocks.current.graphics": "sm_clock_mhz",  # older queries; the SM clock follows it
    "clocks.max.sm": "max_sm_clock_mhz",
    "clocks.current.memory": "mem_clock_mhz",
    "power.draw": "power_w",
}


def parse_nvidia_smi(text: str | None) -> list[GpuState]:
    """`nvidia-smi --query-gpu=... --format=csv[,nounits]`: one GPU a line under a header;
    columns are found by their header, so older drivers' missing fields are just null."""
    lines = [line for line in (text or "").splitlines() if line.strip()]
    if len(lines) < 2:
        return []
    header = [re.sub(r"\s*\[.*\]$", "", h.strip()) for h in lines[0].split(",")]
    if "name" not in header:
        return []
    gpus = []
    for line in lines[1:]:
        row = dict(zip(header, (c.strip() for c in line.split(",")), strict=False))
        values: dict[str, object] = {"name": row["name"]}
        for column, field in _NVIDIA_COLUMNS.items():
            if column in row and field not in values:
                values[field] = _number(row[column])
        pstate = row.get("pstate", "")
        values["pstate"] = pstate if pstate.startswith("P") else None
        reasons = row.get("clocks_event_reasons.active") or row.get(
            "clocks_throttle_reasons.active", ""
        )
        values["clock_event_reasons"] = reasons if reasons.startswith("0x") else None
        gpus.append(GpuState.model_validate(values))
    return gpus


def _governors() -> str | None:
    """The cpufreq governors of the CPUs; None where cpufreq is absent (VMs, containers)."""
    try:
        found = {
            p.read_text(encoding="utf-8").strip()
            for p in Path("/sys/devices/system/cpu").glob("cpu[0-9]*/cpufreq/scaling_governor")
        }
    except OSError:
        return None
    return ",".join(sorted(found)) or None


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (OSError, AttributeError):
        return None


def _nvidia() -> list[GpuState]:
    query = f"--query-gpu={','.join(NVIDIA_FIELDS)}"
    text = run_probe("nvidia-smi", query, "--format=csv,nounits")
    if text is None:  # drivers before R520 call it clocks_throttle_reasons
        old = query.replace("clocks_event_reasons", "clocks_throttle_reasons")
        text = run_probe("nvidia-smi", old, "--format=csv,nounits")
    return parse_nvidia_smi(text)


def read_state() -> MachineState:
    """The machine's state now; every field the machine does not give stays null."""
    try:
        state: dict[str, object] = {"load_average": _load(), "cpu_count": os.cpu_count()}
        if platform.system() == "Darwin":
            source, charge = parse_pmset_batt(run_probe("pmset", "-g", "batt"))
            thermal = run_probe("osascript", "-l", "JavaScript", "-e", JXA_THERMAL)
            state |= {
                "power_source": source,
                "battery_percent": charge,
                "low_power_mode": parse_pmset_settings(run_probe("pmset", "-g")),
                "thermal_state": parse_thermal_state(thermal),
                "cpu_speed_limit_pct": parse_pmset_therm(run_probe("pmset", "-g", "therm")),
            }
        else:
            state["cpu_governor"] = _governors()
        state["gpus"] = _nvidia()
        return MachineState.model_validate(state)
    except Exception:  # a state probe must never fail a run
        return MachineState()
