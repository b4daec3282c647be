"""The baseline store: one small JSON file per (machine fingerprint, model, engine).

A baseline is judged at the run level (DESIGN.md, "How evidence is gathered"): each file keeps,
for every (suite, scenario, metric) it has seen, one summary per run of its last ``keep`` runs
(median, a within-run interval of that median, n), each run tagged with its id, date, git sha
and ref. The check compares the current run's median with the spread of those run medians;
samples are never pooled across runs. A file is as large as ``keep`` runs, never more.

Files are written atomically; a file that cannot be read as a baseline is an error, never
silently replaced (it may be a merge conflict in git worth a look).

History of the schema:
- `mlxguard.baseline/1`: raw samples per run, pooled by the check.
- `mlxguard.baseline/2`: a summary per run (median, within-run interval, n). A `/1` file is
  read and upgraded: it kept its samples per run, so each of its runs becomes that run's
  summary (nothing is invented); the next `baseline update` writes it as `/2`.
"""

from __future__ import annotations

import hashlib
import re
import statistics
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import ConfigDict, Field, ValidationError, model_validator

from mlxguard.defaults import DEFAULT_LOCK_TIMEOUT_S
from mlxguard.errors import UsageError, first_problem
from mlxguard.fsutil import (
    MAX_BASELINE_BYTES,
    NEWER,
    locked,
    newer_schema,
    parse_json,
    read_input,
    remove_stale_temps,
    write_atomic,
)
from mlxguard.metrics import Direction
from mlxguard.results import Benchmark, Environment, Frozen, Metric, Results
from mlxguard.results.base import Measured
from mlxguard.stats import Arm, median_ci

SCHEMA: Final = "mlxguard.baseline/2"
OLD_SCHEMAS = ("mlxguard.baseline/1",)
MAX_KEEP = 100
# The metrics kept of a suite: `CheckSettings.gated_for`, what the check judges.
GatedFor = Callable[[str], Sequence[str]]


class RunTag(Frozen):
    """Which run a pool of samples came from."""

    id: str
    date: str
    git_sha: str | None = None
    git_ref: str | None = None


class RunSummary(Frozen):
    """One run of one metric: its median, a 95% interval of that median within the run, n."""

    run: str
    median: Measured
    ci_low: Measured | None = None
    ci_high: Measured | None = None
    n: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> RunSummary:
        if self.ci_low is not None and self.ci_high is not None and self.ci_low > self.ci_high:
            raise ValueError(f"run {self.run}: ci_low {self.ci_low:g} > ci_high {self.ci_high:g}")
        return self

    @classmethod
    def of(cls, run: str, arm: Metric | list[float]) -> RunSummary:
        """Summarize one run's samples (resampled by process or round, where recorded)."""
        a = Arm.of(arm)
        lo, hi = median_ci(a)
        n = len(a.samples)
        return cls(run=run, median=statistics.median(a.samples), ci_low=lo, ci_high=hi, n=n)


class Series(Frozen):
    """The run summaries of one metric of one scenario (oldest first)."""

    suite: str
    scenario: str
    metric: str
    unit: str
    direction: Direction
    runs: list[RunSummary] = Field(min_length=1)

    def medians(self, excluding: str | None = None) -> list[float]:
        """The run medians, oldest first, without run ``excluding`` (the run being checked)."""
        return [r.median for r in self.runs if r.run != excluding]


class Baseline(Frozen):
    """One baseline file."""

    schema_: Literal["mlxguard.baseline/2"] = Field(SCHEMA, alias="schema")
    fingerprint: str
    model: str
    engine: str
    keep: int = Field(ge=1, le=MAX_KEEP)
    environment: Environment
    runs: list[RunTag]
    series: list[Series]

    model_config = ConfigDict(
        frozen=True, extra="forbid", allow_inf_nan=False, populate_by_name=True
    )

    @model_validator(mode="after")
    def _runs_agree(self) -> Baseline:
        # Every run summary belongs to a tagged run, once, and no more runs than `keep`: what
        # `update` writes; anything else was edited (and `latest` needs a run).
        ids = [r.id for r in self.runs]
        if not ids:
            raise ValueError("runs is empty: a baseline holds at least one run")
        if len(ids) > self.keep:
            raise ValueError(f"{len(ids)} runs, more than keep = {self.keep}")
        if len(set(ids)) < len(ids):
            raise ValueError("runs: a run id appears twice")
        for s in self.series:
            runs = [r.run for r in s.runs]
            where = f"series {s.suite} {s.scenario} {s.metric}"
            if unknown := sorted(set(runs) - set(ids)):
                raise ValueError(f"{where}: run {unknown[0]!r} is not in runs")
            if len(set(runs)) < len(runs):
                raise ValueError(f"{where}: a run appears twice")
        return self

    def find(self, suite: str, scenario: str, metric: str) -> Series | None:
        for s in self.series:
            if (s.suite, s.scenario, s.metric) == (suite, scenario, metric):
                return s
        return None

    @property
    def latest(self) -> RunTag:
        return self.runs[-1]

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=1) + "\n"


def slug(text: str, limit: int = 40) -> str:
    """A file-name-safe slug; a short hash keeps distinct names apart ("a/b" vs "a-b")."""
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit] or "x"
    return f"{base}-{hashlib.sha256(text.encode()).hexdigest()[:6]}"


def file_name(fingerprint: str, model: str, engine: str) -> str:
    """The file of one (fingerprint, model, engine): only [a-z0-9-], so no path traversal."""
    return f"{slug(fingerprint, 60)}--{slug(model)}--{slug(engine)}.json"


# What `file_name` gives: the temp files of these are the store's own.
_FILE_NAME: Final = re.compile(r"[a-z0-9-]+--[a-z0-9-]+--[a-z0-9-]+\.json")


def _unreadable(source: str, found: object, fix: str) -> str:
    """Why a document of schema `found` is not a baseline this mlxguard reads."""
    if newer_schema(found, SCHEMA):
        return f"baseline {source} has schema {found!r}, newer than this mlxguard reads; {NEWER}"
    if isinstance(found, str) and found.startswith("mlxguard.results/"):
        return (f"baseline {source} is a results file, not a baseline; record it as one with "
                f"`mlxguard baseline update {source}`")  # fmt: skip
    return f"baseline {source} has schema {found!r}, expected {SCHEMA!r}; {fix}"


def parse_baseline(text: str, source: str) -> Baseline:
    """Parse a baseline document.

    Raises:
        UsageError: invalid JSON, another schema (a newer one: upgrade), or another shape,
            naming the file.
    """
    fix = "fix it or delete it, then run `mlxguard baseline update`"
    if not text.strip():
        raise UsageError(f"baseline {source} is empty, not a baseline; {fix}")
    try:
        data = parse_json(text)
    except ValueError as e:
        raise UsageError(f"baseline {source} is corrupt (not valid JSON: {e}); {fix}") from None
    found = data.get("schema") if isinstance(data, dict) else type(data).__name__
    if found not in (SCHEMA, *OLD_SCHEMAS):
        raise UsageError(_unreadable(source, found, fix))
    try:
        if found != SCHEMA:
            data = _upgrade_v1(data)
        return Baseline.model_validate(data, strict=True)
    except ValidationError as e:
        raise UsageError(f"baseline {source} is corrupt ({first_problem(e)}); {fix}") from None


class _RunSamplesV1(Frozen):
    """One run of a `/1` series: its raw samples."""

    run: str
    samples: list[Measured]


class _SeriesV1(Frozen):
    """A `/1` series: each run's raw samples (its other fields are those of `/2`)."""

    model_config = ConfigDict(frozen=True, extra="allow", allow_inf_nan=False)
    runs: list[_RunSamplesV1]


class _BaselineV1(Frozen):
    """What the upgrade reads of a `/1` document: its series (the rest is as in `/2`)."""

    model_config = ConfigDict(frozen=True, extra="allow", allow_inf_nan=False)
    series: list[_SeriesV1]


def _upgrade_v1(data: dict[str, Any]) -> dict[str, Any]:
    """A `/1` document as `/2`: each run's kept samples become that run's summary.

    Raises:
        ValidationError: a series or a run of the wrong shape (samples that are not numbers).
    """
    old = _BaselineV1.model_validate(data, strict=True)
    series = [
        {**raw, "runs": [RunSummary.of(r.run, r.samples).model_dump() for r in s.runs if r.samples]}
        for raw, s in zip(data["series"], old.series, strict=True)
    ]
    return {**data, "schema": SCHEMA, "series": series}


def load_baseline(path: Path) -> Baseline:
    """Load one baseline file, with one-line errors."""
    return parse_baseline(read_input(path, "baseline", MAX_BASELINE_BYTES), f"'{path}'")


def load_baselines(source: Path) -> list[Baseline]:
    """Every baseline of a directory (``*.json``), or the one file given.

    Raises:
        UsageError: a missing path or any corrupt file.
    """
    if source.is_dir():
        return [load_baseline(_inside(p, source)) for p in sorted(source.glob("*.json"))]
    if not source.exists():
        raise UsageError(f"baseline '{source}' does not exist; record one with "
                         "`mlxguard baseline update RESULTS`")  # fmt: skip
    return [load_baseline(source)]


def _inside(path: Path, directory: Path) -> Path:
    """``path`` when it is in ``directory`` once links are followed: a store is committed by
    pull requests, and a link in it to any other file of the runner is not a baseline.

    Raises:
        UsageError: a link that leads out of the directory.
    """
    try:
        target = path.resolve()
        # A link to a device or a FIFO is refused by the reader, which says what it is.
        outside = target.is_file() and not target.is_relative_to(directory.resolve())
    except (OSError, RuntimeError):  # a loop of links: reading it says so
        return path
    if outside:
        raise UsageError(f"baseline '{path}' is a link to '{target}', outside the "
                         f"baseline directory '{directory}'; refusing to read it")  # fmt: skip
    return path


def _series_of(b: Benchmark, gated_for: GatedFor) -> list[tuple[str, str, str, Metric]]:
    """The series a benchmark adds: its suite's gated metrics only (what the check judges)."""
    gated = gated_for(b.suite)
    return [
        (b.suite, b.scenario, name, m)
        for name, m in b.metrics.items()
        if name in gated and m.samples and m.direction != "none"
    ]


def _when(tag: RunTag) -> tuple[int, float]:
    """When a run started, for keeping the last runs by time (an unreadable date sorts first)."""
    try:
        return 1, datetime.fromisoformat(tag.date).timestamp()
    except (ValueError, OverflowError):
        return 0, 0.0


def _updated(
    old: Baseline | None, results: Results, env: Environment, group: list[Benchmark],
    gated_for: GatedFor, keep: int,
) -> Baseline:  # fmt: skip
    run = results.run
    tag = RunTag(id=run.id, date=run.started_at, git_sha=run.git_sha, git_ref=run.git_ref)
    # Re-recording the same run replaces it, so `update` is idempotent. The last `keep` runs by
    # start time are kept, whatever order the updates came in (concurrent jobs finish in any).
    runs = [r for r in (old.runs if old else []) if r.id != run.id] + [tag]
    runs = sorted(runs, key=_when)[-keep:]
    order = {r.id: i for i, r in enumerate(runs)}
    pools: dict[tuple[str, str, str], list[RunSummary]] = {}
    kinds: dict[tuple[str, str, str], tuple[str, Direction]] = {}  # unit and direction
    for s in old.series if old else []:
        left = [r for r in s.runs if r.run in order and r.run != run.id]
        # A series its suite no longer gates (or an older version stored) is dropped.
        if left and s.metric in gated_for(s.suite):
            key = (s.suite, s.scenario, s.metric)
            pools[key], kinds[key] = left, (s.unit, s.direction)
    if run.id in order:
        for b in group:
            for suite, scenario, name, m in _series_of(b, gated_for):
                pools.setdefault((suite, scenario, name), []).append(RunSummary.of(run.id, m))
                kinds[(suite, scenario, name)] = (m.unit, m.direction)
    series = [
        Series(suite=key[0], scenario=key[1], metric=key[2], unit=kinds[key][0],
               direction=kinds[key][1], runs=sorted(pools[key], key=lambda r: order[r.run]))
        for key in sorted(pools)
    ]  # fmt: skip
    first = group[0]
    return Baseline(
        fingerprint=env.fingerprint,
        model=first.model,
        engine=first.engine,
        keep=keep,
        environment=env if old is None or runs[-1].id == run.id else old.environment,
        runs=runs,
        series=series,
    )


def _groups(results: Results) -> dict[tuple[str, str, str], tuple[Environment, list[Benchmark]]]:
    """The successful benchmarks of ``results`` by (fingerprint, model, engine)."""
    groups: dict[tuple[str, str, str], tuple[Environment, list[Benchmark]]] = {}
    for b in results.benchmarks:
        if b.successes == 0:
            continue  # a benchmark that never succeeded has nothing to compare against
        env = results.environment_of(b)
        groups.setdefault((env.fingerprint, b.model, b.engine), (env, []))[1].append(b)
    return groups


def with_results(
    baselines: list[Baseline], results: Results, gated_for: GatedFor, keep: int
) -> list[Baseline]:
    """``baselines`` with the run of ``results`` added in memory (new files where none exist),
    every run still shown: each keeps its store's `keep` (a new one ``keep``), which is what
    `update` would trim it to."""
    by_key = {(b.fingerprint, b.model, b.engine): b for b in baselines}
    for key, (env, group) in _groups(results).items():
        old = by_key.get(key)
        new = _updated(old, results, env, group, gated_for, MAX_KEEP)
        if new.series:
            by_key[key] = new.model_copy(update={"keep": old.keep if old else keep})
    return list(by_key.values())


def update(
    results: Results, directory: Path, gated_for: GatedFor, keep: int,
    *, lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
) -> list[Path]:  # fmt: skip
    """Add ``results`` to the baselines in ``directory``; return the files written.

    Each file keeps the suite's gated metrics (``gated_for(suite)``) of its last ``keep`` runs
    by start time. Writers of one directory take turns (an OS lock on it, waited for up to
    ``lock_timeout_s``), so concurrent updates lose no run.

    Raises:
        UsageError: ``keep`` out of range, an existing file that is corrupt or belongs to
            another (fingerprint, model, engine), or another writer holding the directory
            longer than ``lock_timeout_s``.
    """
    if not 1 <= keep <= MAX_KEEP:
        raise UsageError(f"--keep {keep} is outside 1..{MAX_KEEP}")
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"baseline directory '{directory}' is a file")
    with locked(directory, lock_timeout_s, "baseline directory"):
        return _update(results, directory, gated_for, keep)


def _update(results: Results, directory: Path, gated_for: GatedFor, keep: int) -> list[Path]:
    # Everything is read and checked before anything is written.
    planned = []
    for (fp, model, engine), (env, group) in _groups(results).items():
        path = directory / file_name(fp, model, engine)
        old = load_baseline(_inside(path, directory)) if path.exists() else None
        if old and (old.fingerprint, old.model, old.engine) != (fp, model, engine):
            raise UsageError(f"baseline '{path}' holds {old.model} · {old.engine} on "
                             f"{old.fingerprint}, not {model} · {engine} on {fp}")  # fmt: skip
        new = _updated(old, results, env, group, gated_for, keep)
        if new.series:  # a group with no gated metric (e.g. IPC round trips) has nothing to keep
            planned.append((path, new))
    # A write killed half-way (kill -9) left its temp file: gone once its writer is.
    remove_stale_temps(directory, _FILE_NAME)
    for path, new in planned:
        write_atomic(path, new.to_json())
    return [p for p, _ in planned]
