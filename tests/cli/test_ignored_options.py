"""A `run` option that no suite of the run reads is named in one warning line, before anything
runs (the run goes on: workflows share flags between runs of different suites). Each run here
stops at once on an unknown engine, so no model is loaded."""

from __future__ import annotations

import pytest
from cli_runner import invoke

from mlxguard.run.context import SUITE_OPTIONS
from mlxguard.suites import SUITES, ignored_options, load_suites


def warnings(*args: str) -> list[str]:
    proc = invoke("run", *args, "--engine", "nosuch", "--candidate", "nosuch")
    assert proc.returncode == 2, proc.stderr  # the unknown engine, after the warnings
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("error: ") and "nosuch" in lines[-1], lines
    return lines[:-1]


def test_questions_with_a_suite_that_asks_none() -> None:
    assert warnings("--suite", "ttft", "-q", "50") == [
        "warning: --questions is ignored: the ttft suite does not read it"
    ]


def test_samples_and_rounds_with_the_flexible_suite() -> None:
    assert warnings("--suite", "flexible", "--samples", "3", "--until-decisive") == [
        "warning: --samples is ignored: the flexible suite does not read it (what sets the "
        "count: flexible: -q/--questions)",
        "warning: --until-decisive is ignored: the flexible suite adds no rounds",
    ]


def test_same_process_is_a_setting_given_too() -> None:
    # --fresh-process/--same-process: False is --same-process, given, not the flag's absence.
    assert warnings("--suite", "ttft", "--same-process") == [
        "warning: --same-process is ignored: the ttft suite does not read it"
    ]
    assert warnings("--suite", "compare", "--same-process") == []


def test_options_some_suite_of_the_run_reads_say_nothing() -> None:
    assert warnings("--suite", "ttft,flexible", "--samples", "3", "-q", "4", "--order",
                    "sequential", "--engines", "candidate", "--until-decisive") == []  # fmt: skip
    assert warnings("--suite", "compare", "--fresh-process", "--order", "shuffled") == []


@pytest.mark.parametrize("name", list(SUITES))
def test_every_suite_names_only_options_there_are(name: str) -> None:
    [suite] = load_suites([name])
    assert suite.options <= SUITE_OPTIONS
    all_given = dict.fromkeys(SUITE_OPTIONS, 1)
    ignored = ignored_options([suite], all_given)
    assert len(ignored) == len(SUITE_OPTIONS - suite.options)
