"""The repository's workflows and their documented twins: the same scripts, run for real."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cli_runner import verdict_code
from github_env import ROOT, RUN_HEAD, TOKEN, actions_env, fork_event
from github_server import GitHubServer

WORKFLOWS = ROOT / ".github" / "workflows"


def _yaml_blocks(markdown: Path) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", markdown.read_text(encoding="utf-8"), re.S)


def _publish_step(workflow: dict) -> dict:
    [job] = workflow["jobs"].values()
    return next(s for s in job["steps"] if s.get("name") == "Publish")


def test_baselines_directory_is_committed_with_its_readme():
    tracked = subprocess.run(
        ["git", "ls-files", "baselines"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert "baselines/README.md" in tracked
    text = (ROOT / "baselines" / "README.md").read_text()
    assert "baseline.yml" in text and "baseline update" in text
    for name in ("perf.yml", "baseline.yml", "perf-publish.yml"):
        assert "baselines" in (WORKFLOWS / name).read_text(), name


def test_checking_against_the_committed_directory_works(results_file):
    cmd = [sys.executable, "-m", "mlxguard", "check", str(results_file), "--baseline"]
    proc = subprocess.run([*cmd, "baselines"], cwd=ROOT, capture_output=True, text=True)
    # The directory holds no baseline yet: the verdict is the targets' alone.
    assert proc.returncode == verdict_code(results_file), proc.stderr


def test_documented_publisher_is_the_repositorys():
    [doc] = [b for b in _yaml_blocks(ROOT / "docs" / "github.md") if "perf-publish.yml" in b]
    documented = _publish_step(yaml.safe_load(doc))
    actual = _publish_step(yaml.safe_load((WORKFLOWS / "perf-publish.yml").read_text()))
    assert documented["run"] == actual["run"] and documented["env"] == actual["env"]


def _run_publisher(work: Path, artifact: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    step = _publish_step(yaml.safe_load((WORKFLOWS / "perf-publish.yml").read_text()))
    script = work / "publish.sh"
    script.write_text(step["run"])
    bindir = Path(sys.executable).parent  # `python` there has mlxguard, as after `pip install .`
    env = {**env, "ARTIFACT": str(artifact), "PATH": f"{bindir}:{env['PATH']}"}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_publisher_checks_against_the_baselines_once_they_exist(results_file, tmp_path):
    artifact = tmp_path / "artifact"
    artifact.mkdir()
    shutil.copy(results_file, artifact / "results.json")
    (artifact / "pr-number").write_text("7\n")
    bodies = []
    for first in (True, False):
        work = tmp_path / ("first" if first else "later")
        work.mkdir()
        if not first:  # the default branch has recorded a baseline of this machine
            cmd = [sys.executable, "-m", "mlxguard", "baseline", "update", str(results_file)]
            subprocess.run([*cmd, "--dir", str(work / "baselines")], cwd=ROOT, check=True)
        with GitHubServer(TOKEN, pulls={7: RUN_HEAD}) as server:
            env = actions_env(server, tmp_path, "workflow_run")
            env["GITHUB_EVENT_PATH"] = str(fork_event(tmp_path))
            proc = _run_publisher(work, artifact, env)
            assert server.violations == []
        against = () if first else ("--baseline", str(work / "baselines"))
        assert proc.returncode == verdict_code(results_file, *against), proc.stderr
        assert ("baselines/ does not exist yet" in proc.stdout) == first
        [c] = server.comments[7]
        bodies.append(c["body"])
    first_body, later_body = bodies
    # The later comment judges against the recorded baseline (here: too few samples to decide).
    assert "baseline latest" not in first_body
    assert "| change [CI] · baseline → now |" in later_body and "baseline latest" in later_body


def test_every_documented_checkout_says_what_it_does_with_credentials():
    """`persist-credentials: false` wherever nothing is pushed; `true` said out loud otherwise."""
    sources = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    blocks = [b for src in sources for b in _yaml_blocks(src)]
    blocks += [p.read_text() for p in sorted(WORKFLOWS.glob("*.yml"))]
    seen = 0
    for block in blocks:
        doc = yaml.safe_load(block)
        if not isinstance(doc, dict):
            continue
        for job in (doc.get("jobs") or {}).values():
            steps = job.get("steps") or []
            pushes = any("git push" in str(s.get("run", "")) for s in steps)
            for step in steps:
                if str(step.get("uses", "")).startswith("actions/checkout@"):
                    seen += 1
                    persist = (step.get("with") or {}).get("persist-credentials")
                    assert persist is pushes, block[:200]
    assert seen >= 8
