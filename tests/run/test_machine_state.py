"""Machine-state parsers on real outputs of pmset and nvidia-smi (tests/data/machine_state/),
and the probe that never fails a run."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlxguard.run.machine_state import (
    parse_nvidia_smi,
    parse_pmset_batt,
    parse_pmset_settings,
    parse_pmset_therm,
    parse_thermal_state,
    read_state,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "machine_state"


def _text(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "source", "charge"),
    [
        ("pmset_batt__ac_attached_not_charging_2015.txt", "AC Power", 2),
        ("pmset_batt__ac_charged_id__macos10.13.txt", "AC Power", 100),
        ("pmset_batt__ac_charging_2016.txt", "AC Power", 84),
        ("pmset_batt__battery_discharging_id.txt", "Battery Power", 95),
        ("pmset_batt__desktop_no_battery.txt", "AC Power", None),
        ("pmset_batt__elcapitan_ac_attached_not_charging.txt", "AC Power", 88),
        ("pmset_batt__elcapitan_ac_charging.txt", "AC Power", 91),
        ("pmset_batt__elcapitan_ac_charging_no_estimate.txt", "AC Power", 90),
        ("pmset_batt__elcapitan_battery_discharging.txt", "Battery Power", 89),
        ("pmset_batt__elcapitan_battery_no_estimate.txt", "Battery Power", 90),
    ],
)
def test_pmset_batt(name: str, source: str, charge: int | None) -> None:
    assert parse_pmset_batt(_text(name)) == (source, charge)


def test_pmset_settings_low_power_mode() -> None:
    assert parse_pmset_settings(_text("pmset_g__arm64_2022_lowpowermode.txt")) is False
    off = _text("pmset_g__arm64_2022_lowpowermode.txt")
    on = off.replace("lowpowermode         0", "lowpowermode         1")
    assert parse_pmset_settings(on) is True
    assert parse_pmset_settings(" powermode            1\n") is True  # Macs with High Power Mode
    assert parse_pmset_settings(" powermode            2\n") is False
    # Intel Macs without Low Power Mode: not known, not "off".
    assert parse_pmset_settings(_text("pmset_g__intel_currently_in_use_partial.txt")) is None
    assert parse_pmset_settings(_text("pmset_g__macos12_intel_real_world_systems.txt")) is None
    assert parse_pmset_settings(None) is None


def test_pmset_therm() -> None:
    assert parse_pmset_therm(_text("pmset_therm__apple_silicon_m1pro_macos12_no_data.txt")) is None
    assert parse_pmset_therm(_text("pmset_therm__intel_cpu_power_notify.txt")) == 100
    assert parse_pmset_therm(_text("pmset_therm__intel_speed_limit_35_newbetuts.txt")) == 35
    assert parse_pmset_therm(_text("pmset_thermlog__intel_throttled.txt")) == 28


def test_thermal_state() -> None:
    assert [parse_thermal_state(f"{i}\n") for i in range(4)] == [
        "nominal", "fair", "serious", "critical"
    ]  # fmt: skip
    assert parse_thermal_state("") is None and parse_thermal_state("7") is None


def test_nvidia_smi_csv() -> None:
    two = parse_nvidia_smi(_text("nvidia_smi_query_gpu__csv_header_units_2gpu.txt"))
    assert [(g.name, g.temperature_c, g.sm_clock_mhz, g.mem_clock_mhz, g.power_w) for g in two] == [
        ("GeForce GTX 1080 Ti", 60.0, 1936.0, 5508.0, 106.56),
        ("GeForce GTX 1060 6GB", 49.0, 139.0, 405.0, 5.68),
    ]
    # A query without the name column is not one of ours.
    assert parse_nvidia_smi(_text("nvidia_smi_query_gpu__csv_clocks_loop_head.txt")) == []
    ours = (
        "name, temperature.gpu, clocks.current.sm [MHz], clocks.max.sm [MHz], "
        "clocks.current.memory [MHz], power.draw [W], pstate, clocks_event_reasons.active\n"
        "NVIDIA H200, 41, 1980, 1980, 2619, 121.52, P0, 0x0000000000000000\n"
        "NVIDIA H200, 86, 1410, 1980, 2619, [N/A], P0, 0x0000000000000020\n"
    )
    cool, hot = parse_nvidia_smi(ours)
    assert (cool.sm_clock_mhz, cool.max_sm_clock_mhz, cool.pstate) == (1980.0, 1980.0, "P0")
    assert (hot.power_w, hot.clock_event_reasons) == (None, "0x0000000000000020")
    assert parse_nvidia_smi(None) == []


def test_read_state_never_fails() -> None:
    state = read_state()  # on this machine: Linux, no pmset, maybe no nvidia-smi
    assert state.load_average is not None and len(state.load_average) == 3  # os.getloadavg()
    assert state.power_source is None  # pmset is macOS only
