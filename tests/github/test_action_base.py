"""The action's base-vs-head flow: a base worktree outside the workspace, set up, measured
against the head in one compare run, and removed, also when something fails."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from action_runner import run_action
from github_env import EVENTS, HEAD, ROOT, TOKEN, runner_env
from github_server import GitHubServer

pytestmark = pytest.mark.slow  # the composite action, step by step: not in the inner loop

# A plugin engine (it must not import mlxguard) that leaves a mark per load: which build, which pid.
ENGINE = """\
import os
from mlx_lm import load, stream_generate

BUILD = "{build}"


class Engine:
    name = "demo"

    def load(self, model):
        self.model, self.tokenizer = load(model)
        mark = os.path.join(os.environ["DEMO_MARKS"], f"{{BUILD}}-{{os.getpid()}}")
        open(mark, "w").close()

    def generate(self, prompt, max_tokens, temperature, seed):
        for r in stream_generate(self.model, self.tokenizer, prompt, max_tokens=max_tokens):
            yield r.token
"""


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def _repo(path: Path) -> str:
    """A repository whose HEAD is the head build; returns the base commit's sha. Each build has
    an engine and a server (`python -m demo_server --model M --port P`, synthetic tokens)."""
    path.mkdir()
    _git(path, "init", "-q")
    _git(path, "config", "user.email", "dev@example.com")
    _git(path, "config", "user.name", "dev")
    for build in ("base", "head"):
        (path / "demo_engine.py").write_text(ENGINE.format(build=build))
        (path / "demo_server.py").write_text((ROOT / "scripts" / "sse_server.py").read_text())
        _git(path, "add", "-A")
        _git(path, "commit", "-qm", build)
        if build == "base":
            sha = _git(path, "rev-parse", "HEAD")
    return sha


def _event(tmp: Path, base_sha: str) -> Path:
    event = json.loads((EVENTS / "pull_request.synchronize.json").read_text())
    event["pull_request"]["base"]["sha"] = base_sha
    path = tmp / "event.json"
    path.write_text(json.dumps(event))
    return path


def _env(server: GitHubServer, tmp: Path, base_sha: str) -> dict[str, str]:
    temp = tmp / "runner-temp"
    temp.mkdir()
    (tmp / "marks").mkdir()
    return {
        **runner_env(server, temp),
        "GITHUB_EVENT_PATH": str(_event(tmp, base_sha)),
        "DEMO_MARKS": str(tmp / "marks"),
    }


def _inputs(model: Path, **extra: str) -> dict[str, str]:
    """The action's inputs for a base-vs-head run of the demo engine (underscores for dashes)."""
    inputs = {
        "model": str(model),
        "suites": "ttft",
        "github-token": TOKEN,
        "compare-base": "true",
        "engine": "demo_engine:Engine",
    }
    return inputs | {k.replace("_", "-"): v for k, v in extra.items()}


def test_base_and_head_are_measured_in_one_compare_and_the_worktree_removed(
    tiny_model: Path, tmp_path: Path
) -> None:
    work = tmp_path / "workspace"
    base_sha = _repo(work)
    inputs = _inputs(
        tiny_model,
        samples="2",
        run_args="--warmup 0 --max-tokens 4 --max-samples 4",
        max_seconds="300",
        setup_command="touch setup-ran",
        comment="false",
        status="false",
    )
    with GitHubServer(TOKEN, pulls={2: HEAD}) as server:
        env = _env(server, tmp_path, base_sha)
        result = run_action(ROOT, inputs, env, work)
    base = result.step("base")
    assert base.outcome == "success", base.stderr
    assert result.step("compare").outcome == "success", result.step("compare").stderr
    worktree = Path(base.outputs["worktree"])
    assert worktree.parent == Path(env["RUNNER_TEMP"]) and base.outputs["sha"] == base_sha
    assert f"setup in the base checkout ({base_sha})" in base.stdout
    assert (work / "setup-ran").is_file()
    # Removed afterwards, and git forgot it.
    assert not worktree.exists()
    assert _git(work, "worktree", "list", "--porcelain").count("worktree ") == 1
    # Both builds ran, each in its own worker processes, in one results file with the rest.
    marks = [p.name.split("-")[0] for p in (tmp_path / "marks").iterdir()]
    assert {"base", "head"} == set(marks)
    data = json.loads(Path(result.outputs["results-path"]).read_text())
    engines = {(b["suite"], b["engine"]) for b in data["benchmarks"]}
    assert {("compare", "candidate:head"), ("compare", "reference:base")} <= engines
    assert ("ttft", "mlx-lm") in engines
    by = {b["engine"]: b for b in data["benchmarks"] if b["suite"] == "compare"}
    assert by["candidate:head"]["reference"]["against"] == "base"  # how the check finds it
    # The comparison's budget is the max-seconds input.
    [pair] = Path(result.outputs["results-path"]).parent.glob("base-compare/results.json")
    command = json.loads(pair.read_text())["run"]["command"]
    assert command[command.index("--max-seconds") + 1] == "300"
    main = data["run"]["command"]  # and the suites' run's
    assert main[main.index("--max-seconds") + 1] == "300"
    # One load per worker process: as many marks per build as processes that served it.
    for role, build in (("candidate", "head"), ("reference", "base")):
        served = [w for w in by[f"{role}:{build}"]["workers"] if w["loads"]]
        assert marks.count(build) == len(served) >= 2


def test_the_worktree_is_removed_when_the_setup_fails_and_refs_stay_data(
    tiny_model: Path, tmp_path: Path
) -> None:
    work = tmp_path / "workspace"
    base_sha = _repo(work)
    # The setup fails in the base only: the head checkout has the file.
    inputs = _inputs(
        tiny_model, samples="1", run_args="--warmup 0 --max-tokens 2",
        setup_command="test -f only-in-head",
    )  # fmt: skip
    (work / "only-in-head").touch()
    with GitHubServer(TOKEN, pulls={2: HEAD}) as server:
        env = _env(server, tmp_path, base_sha)
        failed = run_action(ROOT, inputs, env, work)
        hostile = run_action(
            ROOT,
            {**inputs, "base-ref": "$(touch pwned)"},
            {**env, "RUNNER_TEMP": env["RUNNER_TEMP"]},
            work,
        )
    base = failed.step("base")
    assert base.outcome == "failure" and "setup in the base checkout" in base.stdout
    cleanup = next(s for s in failed.steps if s.name == "Remove the base checkout")
    assert cleanup.outcome == "success"
    assert not Path(base.outputs["worktree"]).exists()
    assert _git(work, "worktree", "list", "--porcelain").count("worktree ") == 1
    # A ref is a value, never code: nothing ran, the step failed cleanly.
    assert hostile.step("base").outcome == "failure"
    assert not (work / "pwned").exists() and not Path("pwned").exists()


def test_with_load_the_base_server_is_measured_against_the_heads_at_each_point(
    tiny_model: Path, tmp_path: Path
) -> None:
    work = tmp_path / "workspace"
    base_sha = _repo(work)
    config = tmp_path / "mlxguard.toml"
    config.write_text(
        "[load]\nconcurrency = [2]\nrequests = 2\nrounds = 1\noutput_tokens = 4\n"
        "warmup_waves = 0\nprompt_tokens = 16\n"
    )
    inputs = _inputs(
        tiny_model, samples="1", run_args="--warmup 0 --max-tokens 2 --max-samples 4",
        max_seconds="120", load="true", load_server="demo_server", config=str(config),
        comment="false", status="false",
    )  # fmt: skip
    with GitHubServer(TOKEN, pulls={2: HEAD}) as server:
        result = run_action(ROOT, inputs, _env(server, tmp_path, base_sha), work)
    pair = result.step("load-pair")
    assert pair.outcome == "success", pair.stderr
    results = Path(result.outputs["results-path"])
    data = json.loads(results.read_text())
    load = {b["engine"]: b for b in data["benchmarks"] if b["suite"] == "load"}
    assert set(load) == {"mlx-lm", "candidate:head", "reference:base"}
    assert load["candidate:head"]["reference"]["against"] == "base"
    assert load["candidate:head"]["scenario"] == "concurrency-2"
    # Each server ran from its own checkout: the worktree of the base commit, the workspace.
    written = (results.parent / "base-load" / "mlxguard.toml").read_text()
    assert f"cwd = {json.dumps(str(work.resolve()))}" in written
    assert "pair = true" in written and "demo_server" in written
    # The check judged head against base at the point, and the curve has both lines.
    check = json.loads((results.parent / "check.json").read_text())
    assert any(
        v["suite"] == "load" and v["kind"] == "reference" and v["engine"] == "candidate:head"
        for v in check["verdicts"]
    )
    curve = (results.parent / "load-curve.svg").read_text()
    assert "candidate:head" in curve and "reference:base" in curve
