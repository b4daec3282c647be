"""Run a composite action's `run:` steps as the Actions runner would, for tests.

It reads action.yml, evaluates the small part of the expression language the action uses
(`inputs.*`, `steps.*.outputs.*`, `github.*`, `runner.*`, `env.*`, `==`, `!=`, `&&`, `||`,
`!`, `always()`, `success()`, `failure()`), runs each step with `bash --noprofile --norc -eo
pipefail` and a fresh `$GITHUB_OUTPUT`, and skips steps that `uses:` another action (listing
those whose condition holds, i.e. that the runner would run). An expression it cannot read
fails the test instead of being guessed. `until` stops before the step with that id.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_TOKEN = re.compile(r"\s*(\|\||&&|==|!=|!|\(|\)|'(?:[^']|'')*'|[A-Za-z_][\w.-]*(?:\(\))?)")


@dataclass
class StepResult:
    id: str | None
    name: str
    outcome: str  # success | failure | skipped
    code: int | None = None
    stdout: str = ""
    stderr: str = ""
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class ActionResult:
    steps: list[StepResult]
    outputs: dict[str, str]
    skipped_uses: list[str]

    @property
    def failed(self) -> bool:
        return any(s.outcome == "failure" for s in self.steps)

    def step(self, step_id: str) -> StepResult:
        return next(s for s in self.steps if s.id == step_id)


def parse_output_file(text: str) -> dict[str, str]:
    """`name=value` lines and `name<<DELIM` blocks, as the runner reads them."""
    out: dict[str, str] = {}
    lines = text.splitlines()
    while lines:
        line = lines.pop(0)
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            value = []
            while (nxt := lines.pop(0)) != delim:
                value.append(nxt)
            out[name] = "\n".join(value)
        elif "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
    return out


class Evaluator:
    def __init__(self, contexts: dict[str, Any], steps: list[StepResult]):
        self.contexts = contexts
        self.steps = steps

    def substitute(self, text: str) -> str:
        return _EXPR.sub(lambda m: _str(self.evaluate(m.group(1))), str(text))

    def evaluate(self, expr: str) -> Any:
        tokens = [t for t in _TOKEN.findall(expr)]
        if "".join(tokens).replace(" ", "") != expr.replace(" ", ""):
            raise ValueError(f"expression not understood: {expr!r}")
        self._tokens = tokens
        value = self._or()
        if self._tokens:
            raise ValueError(f"trailing tokens in {expr!r}: {self._tokens}")
        return value

    def _or(self) -> Any:
        left = self._and()
        while self._tokens[:1] == ["||"]:
            self._tokens.pop(0)
            right = self._and()
            left = left if _truthy(left) else right
        return left

    def _and(self) -> Any:
        left = self._cmp()
        while self._tokens[:1] == ["&&"]:
            self._tokens.pop(0)
            right = self._cmp()
            left = right if _truthy(left) else left
        return left

    def _cmp(self) -> Any:
        left = self._unary()
        if self._tokens[:1] in (["=="], ["!="]):
            op = self._tokens.pop(0)
            right = self._unary()
            equal = _str(left).lower() == _str(right).lower()
            return equal if op == "==" else not equal
        return left

    def _unary(self) -> Any:
        token = self._tokens.pop(0)
        if token == "!":
            return not _truthy(self._unary())
        if token == "(":
            value = self._or()
            assert self._tokens.pop(0) == ")"
            return value
        if token.startswith("'"):
            return token[1:-1].replace("''", "'")
        if token.endswith("()"):
            failed = any(s.outcome == "failure" for s in self.steps)
            return {"always()": True, "success()": not failed, "failure()": failed}[token]
        value: Any = self.contexts
        for part in token.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value


def _truthy(value: Any) -> bool:
    return value not in (None, "", False, 0)


def _str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def run_action(
    action_dir: Path,
    inputs: dict[str, str],
    env: dict[str, str],
    workdir: Path,
    timeout_s: float = 600,
    until: str | None = None,
) -> ActionResult:
    """Run the composite action in `action_dir` with `inputs`, in `workdir`, under `env`."""
    action = yaml.safe_load((action_dir / "action.yml").read_text(encoding="utf-8"))
    values = {k: str(v.get("default", "")) for k, v in action.get("inputs", {}).items()}
    event_path = env.get("GITHUB_EVENT_PATH")
    event = json.loads(Path(event_path).read_text()) if event_path else {}
    github = {
        "action_path": str(action_dir),
        "token": env.get("GITHUB_TOKEN", ""),
        "event": event,
        "event_name": env.get("GITHUB_EVENT_NAME", ""),
        "repository": env.get("GITHUB_REPOSITORY", ""),
    }
    runner = {"temp": env["RUNNER_TEMP"], "os": env["RUNNER_OS"], "arch": env["RUNNER_ARCH"]}
    steps_ctx: dict[str, Any] = {}
    contexts = {"inputs": values, "github": github, "runner": runner, "steps": steps_ctx}
    contexts["env"] = dict(env)
    results: list[StepResult] = []
    ev = Evaluator(contexts, results)
    # Defaults are expressions too (github-token: ${{ github.token }}).
    values.update({k: ev.substitute(v) for k, v in values.items()})
    values.update(inputs)
    skipped: list[str] = []
    for i, step in enumerate(action["runs"]["steps"]):
        if until is not None and step.get("id") == until:
            break
        name = step.get("name") or step.get("id") or f"step {i}"
        result = StepResult(step.get("id"), name, "skipped")
        condition = str(step.get("if", "success()"))
        if not re.search(r"\b(always|success|failure|cancelled)\(\)", condition):
            condition = f"success() && ({condition})"
        holds = _truthy(ev.evaluate(condition.removeprefix("${{").removesuffix("}}")))
        if "uses" in step:
            if holds:
                skipped.append(step["uses"].split("@")[0])
        elif holds:
            result = _run_step(step, ev, env, workdir, i, timeout_s)
            result.id, result.name = step.get("id"), name
        results.append(result)
        if result.id:
            steps_ctx[result.id] = {"outputs": result.outputs, "outcome": result.outcome}
    outputs = {k: ev.substitute(v["value"]) for k, v in action.get("outputs", {}).items()}
    return ActionResult(results, outputs, skipped)


def _run_step(
    step: dict[str, Any],
    ev: Evaluator,
    env: dict[str, str],
    workdir: Path,
    i: int,
    timeout_s: float,
) -> StepResult:
    assert step.get("shell") == "bash", "every run step must say shell: bash"
    temp = Path(env["RUNNER_TEMP"]) / f"_step{i}"
    temp.mkdir(parents=True, exist_ok=True)
    script, output = temp / "script.sh", temp / "output"
    # The script is used verbatim: inputs must reach it through env:, never through ${{ }}.
    assert "${{" not in step["run"], f"expression inside a run: script in step {i}"
    script.write_text(step["run"], encoding="utf-8")
    output.write_text("")
    step_env = {**env, "GITHUB_OUTPUT": str(output)}
    step_env.update({k: ev.substitute(v) for k, v in (step.get("env") or {}).items()})
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=workdir,
        env=step_env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    return StepResult(
        None,
        "",
        "success" if proc.returncode == 0 else "failure",
        proc.returncode,
        proc.stdout,
        proc.stderr,
        parse_output_file(output.read_text()),
    )
