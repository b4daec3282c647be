"""Engine logs go to a file beside the results, not to the console; shown when trials fail."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from cli_runner import mlxguard, verdict_code

from mlxguard.cli.measure import log_report
from mlxguard.run import logs
from mlxguard.run.logs import EngineLog, captured, log_path
from mlxguard.run.logsink import copy_capped


def _run(tmp_path: Path, model: Path, *args: str) -> tuple[int, str, str, str]:
    out = tmp_path / "out" / "results.json"
    proc = mlxguard(
        "run", "--model", str(model), "--prompt-tokens", "16", "--max-tokens", "4",
        "--samples", "2", "--warmup", "1", "-o", str(out), *args,
    )  # fmt: skip
    log = out.with_suffix(".log")
    return proc.returncode, proc.stdout, proc.stderr, log.read_text() if log.exists() else ""


@pytest.mark.slow
def test_engine_logging_goes_to_the_log_file_not_the_console(
    tmp_path: Path, tiny_model: Path
) -> None:
    code, stdout, stderr, log = _run(
        tmp_path, tiny_model, "--suite", "ttft", "--engine", "tests.plugins.chatty:Chatty"
    )
    assert code == 0, stderr
    for console in (stdout, stderr):
        assert "begin:" not in console and "stray print" not in console and "cache:" not in console
    assert f"engine log: {tmp_path / 'out' / 'results.log'} (" in stderr
    # ttft: a cold and a warm scenario, 1 warm-up and 2 samples each (and the warm engine's).
    assert log.count("[chatty][INFO]: begin: total_prompt_tokens=16") == 6
    assert log.count("[chatty_bare][INFO]: cache: using 0/16 tokens") == 6  # a handler-less logger
    assert log.count("chatty: stray print") == 6


@pytest.mark.slow
def test_a_fresh_process_stderr_goes_to_the_log(tmp_path: Path, tiny_model: Path) -> None:
    code, stdout, stderr, log = _run(
        tmp_path, tiny_model, "--suite", "compare", "--fresh-process",
        "--candidate", "tests.plugins.chatty:Chatty", "--reference", "tests.plugins.chatty:Chatty",
    )  # fmt: skip
    assert code == verdict_code(tmp_path / "out" / "results.json"), stderr
    assert "begin:" not in stdout + stderr
    assert log.count("fresh process: [chatty][INFO]: begin: total_prompt_tokens=16") == 6
    assert log.count("fresh process: [chatty_bare][INFO]: cache: using 0/16 tokens") == 6


@pytest.mark.slow
def test_failed_trials_show_the_end_of_the_log(tmp_path: Path, tiny_model: Path) -> None:
    code, _, stderr, log = _run(
        tmp_path, tiny_model, "--suite", "ttft", "--engine", "tests.plugins.chatty:ChattyFails"
    )
    assert code == 1, stderr  # every trial failed: the success check fails
    assert "::error::not a workflow command" in log
    lines = stderr.splitlines()
    first = lines.index(f"last 20 lines of {tmp_path / 'out' / 'results.log'}:")
    shown = lines[first + 1 : first + 21]
    assert len(shown) == 20 and all(line.startswith("  | ") for line in shown)
    assert "  | [chatty][INFO]: ::error::not a workflow command �[31m" in shown
    assert not any(line.lstrip().startswith("::") for line in lines)


def test_capture_restores_the_console_and_keeps_the_log_when_the_run_fails(
    tmp_path: Path,
) -> None:
    log = EngineLog(log_path(tmp_path / "r.json"))
    assert log.path == tmp_path / "r.log"
    level = logging.getLogger().level
    try:
        with captured(log):
            os.write(1, b"stdout\n")  # as C code, or a handler holding the real stdout, writes
            os.write(2, b"stderr\n")
            logging.getLogger("some_engine").info("info")
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    assert log.path.read_text() == "stdout\nstderr\n[some_engine][INFO]: info\n"
    assert log.lines == 3 and logging.getLogger().level == level
    assert log_report(log, failed=False) == [f"engine log: {log.path} (3 lines)"]
    tail = log_report(log, failed=True)[1:]
    assert tail == [f"last 3 lines of {log.path}:", "  | stdout", "  | stderr", tail[-1]]
    assert list(tmp_path.iterdir()) == [log.path]  # no temp file left behind


def test_an_ipc_workers_stderr_goes_to_the_log(ipc_engine, tmp_path: Path, tiny_model: Path):
    log = EngineLog(tmp_path / "r.log")
    with captured(log):
        engine = ipc_engine(engine="tests.plugins.chatty:Chatty")
        engine.load(str(tiny_model))
        assert list(engine.generate_ids([5, 6, 7], 2, 0.0, 0)) == [5, 6]
        engine.close()  # the pump has read the worker's last lines
    text = log.path.read_text()
    assert f"ipc worker {engine.pid}: [chatty][INFO]: begin: total_prompt_tokens=3" in text
    assert f"ipc worker {engine.pid}: [chatty_bare][INFO]: cache: using 0/3 tokens" in text


def test_no_output_leaves_no_log_and_removes_an_older_one(tmp_path: Path) -> None:
    log = EngineLog(tmp_path / "r.log")
    log.path.write_text("an earlier run's log\n")
    with captured(log):
        pass
    assert log.lines == 0 and not log.path.exists()
    assert list(tmp_path.iterdir()) == []  # no temp file either
    assert log_report(log, failed=True) == []


def test_the_log_gets_the_umasks_mode(tmp_path: Path) -> None:
    for mask, mode in ((0o022, 0o644), (0o002, 0o664)):
        old = os.umask(mask)
        try:
            log = EngineLog(tmp_path / f"{mask}.log")
            with captured(log):
                os.write(2, b"engine line\n")
        finally:
            os.umask(old)
        assert log.path.stat().st_mode & 0o777 == mode


def test_the_log_keeps_its_head_and_tail_within_the_cap(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(logs, "HEAD_BYTES", 1000)
    monkeypatch.setattr(logs, "TAIL_BYTES", 2000)
    log = EngineLog(tmp_path / "r.log")
    with captured(log):
        for i in range(20_000):  # 20,000 lines of 11 bytes: 220 kB
            os.write(1, b"line %05d\n" % i)
    text = log.path.read_text()
    assert text.startswith("line 00000\n")
    assert text.endswith("line 19999\n")
    assert len(text) < 1000 + 2000 + 200
    dropped = [line for line in text.splitlines() if line.startswith("[mlxguard:")]
    assert len(dropped) == 1 and "bytes of engine output dropped here" in dropped[0]
    kept = [line for line in text.splitlines() if line.startswith("line ")]
    tail = kept[kept.index("line 00090") + 1 :]  # the head ends inside line 90
    assert all(line.startswith("line ") and len(line) == 10 for line in tail)
    assert [int(line[5:]) for line in tail] == list(range(20_000 - len(tail), 20_000))


def test_the_writer_copies_all_below_the_cap_and_caps_above(tmp_path: Path) -> None:
    for size, head, tail in ((100, 60, 60), (1000, 100, 100)):
        rfd, wfd = os.pipe()
        os.write(wfd, bytes(range(256)) * (size // 256) + b"x" * (size % 256))
        os.close(wfd)
        with open(tmp_path / "out", "wb") as out:
            dropped = copy_capped(rfd, out.fileno(), head, tail)
        os.close(rfd)
        data = (tmp_path / "out").read_bytes()
        if size <= head + tail:
            assert dropped == 0 and len(data) == size
        else:
            assert dropped > 0 and b"dropped here" in data


@pytest.mark.slow
def test_engine_output_stays_off_a_terminal_under_the_progress_bar(
    tmp_path: Path, tiny_model: Path
) -> None:
    # On a terminal the bar shows; the engine's prints and a handler it makes during the run
    # (as mlx_engine does on first use) must still go to the log, not above the bar.
    import pty
    import subprocess
    import sys

    main, tty = pty.openpty()
    out = tmp_path / "r.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlxguard", "run", "--model", str(tiny_model), "--suite", "ttft",
         "--engine", "tests.plugins.chatty:LateChatty", "--samples", "2", "--warmup", "1",
         "--prompt-tokens", "16", "--max-tokens", "4", "-o", str(out)],
        stdout=subprocess.PIPE, stderr=tty, env={**os.environ, "COLUMNS": "100"},
    )  # fmt: skip
    os.close(tty)
    seen = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal's other end closed: the run is over
            break
        if not chunk:
            break
        seen += chunk
    proc.wait(600)
    os.close(main)
    terminal = seen.decode("utf-8", "replace")
    assert proc.returncode == 0, terminal
    assert "stray print" not in terminal and "late handler" not in terminal, terminal
    text = out.with_suffix(".log").read_text()
    assert text.count("chatty: stray print") == 6 and text.count("late handler") == 6
