"""Configuration: `mlxguard.toml`, or `[tool.mlxguard]` in `pyproject.toml`, then CLI flags.

Unknown keys are errors, so a typo never silently turns a check off.
"""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal, TypedDict, Unpack

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from mlxguard.defaults import SEED_MAX, TRIAL_TIMEOUT_S, FailOn
from mlxguard.errors import UsageError, first_problem
from mlxguard.fsutil import MAX_CONFIG_BYTES, parse_toml, read_input
from mlxguard.metrics import METRICS, SUMMARY_FIELDS
from mlxguard.redact import MASK, mask_credentials, masked_command

CONFIG_FILES = ("mlxguard.toml", "pyproject.toml")


# The suites, in the order `--suite all` runs them (their registry: mlxguard.suites.SUITES).
SUITE_NAMES = ("ttft", "throughput", "ipc", "compare", "flexible", "load")


def _known(kind: str, name: str, known: Any) -> str:
    """`name` if it is one of `known`; a typo is an error naming what exists, so a check that
    selects by name can never select nothing in silence."""
    if name not in known:
        raise ValueError(f"unknown {kind} {name!r}; known: {', '.join(known)}")
    return name


# A suite to run: a name, or "all".
SuiteChoice = Annotated[str, AfterValidator(lambda v: _known("suite", v, (*SUITE_NAMES, "all")))]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Target(_Strict):
    """An absolute bound on one statistic of one metric, for the benchmarks it matches."""

    suite: str | None = None
    scenario: str = "*"
    engine: str = "*"
    metric: str
    stat: str = "p95"
    max: float | None = None
    min: float | None = None
    description: str | None = None

    @field_validator("suite")
    @classmethod
    def _suite(cls, v: str | None) -> str | None:
        return None if v is None else _known("suite", v, SUITE_NAMES)

    @field_validator("metric")
    @classmethod
    def _metric(cls, v: str) -> str:
        return _known("metric", v, METRICS)

    @model_validator(mode="after")
    def _one_bound(self) -> Target:
        if (self.max is None) == (self.min is None):
            raise ValueError(f"target on {self.metric} needs exactly one of max or min")
        if self.stat not in SUMMARY_FIELDS:
            raise ValueError(f"stat {self.stat!r} is not one of {', '.join(SUMMARY_FIELDS)}")
        return self

    def matches(self, suite: str, scenario: str, engine: str) -> bool:
        return (
            (self.suite is None or self.suite == suite)
            and fnmatch.fnmatchcase(scenario, self.scenario)
            and fnmatch.fnmatchcase(engine, self.engine)
        )


# The product targets: IPC MessagePack decode p95 < 1 ms, warm TTFT p95 < 200 ms, >= 20 tok/s.
DEFAULT_TARGETS = [
    Target(suite=suite, scenario=scenario, metric=metric, stat=stat, description=what, **bound)
    for suite, scenario, metric, stat, bound, what in [
        ("ipc", "msgpack*", "decode_us", "p95", {"max": 1e3}, "IPC MessagePack decode p95 < 1 ms"),
        ("ttft", "warm*", "ttft_ms", "p95", {"max": 200.0}, "warm TTFT p95 < 200 ms"),
        ("throughput", "*-stream", "decode_tps", "median", {"min": 20.0}, "decode >= 20 tok/s"),
    ]
]


class Tolerance(_Strict):
    """A per-metric regression tolerance for the baseline comparison."""

    metric: str
    tolerance: float = Field(gt=0, lt=1)

    @field_validator("metric")
    @classmethod
    def _metric(cls, v: str) -> str:
        return _known("metric", v, METRICS)


class CheckSettings(_Strict):
    """How verdicts are decided against baselines and the reference engine."""

    tolerance: float = Field(0.05, gt=0, lt=1, description="relative change tolerated")
    tolerances: list[Tolerance] = Field(default_factory=list)
    alpha: float = Field(0.01, gt=0, lt=0.5)
    confidence: float = Field(0.95, gt=0.5, lt=1)
    min_samples: int = Field(3, ge=1, le=100_000)
    # A prior run-to-run coefficient of variation of run medians (0.1 = 10%), used by stored
    # baselines with fewer runs than the band needs; None: such verdicts are inconclusive.
    between_run_cv: float | None = Field(None, gt=0, lt=1)
    min_success_rate: float = Field(1.0, ge=0, le=1)
    reference_ttft_max_ratio: float = Field(1.2, gt=0, le=100)
    reference_throughput_min_ratio: float = Field(0.9, gt=0, le=100)
    # None: output parity is reported, not gated.
    min_parity: float | None = Field(None, ge=0, le=1)
    # Suite -> the metrics judged against baselines; "*" for every other suite. Each suite is
    # judged on what it exists to measure: every extra comparison is one more chance of a
    # false alarm (a ttft scenario's 8-token decode rate says little).
    gated_metrics: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "ttft": ["ttft_ms"],
            "throughput": ["decode_tps", "throughput_tps"],
            "ipc": ["decode_us"],
            "load": ["ttft_ms", "output_tps"],
            "*": ["ttft_ms", "decode_tps", "throughput_tps"],
        }
    )
    fail_on: FailOn = "fail"

    @field_validator("gated_metrics")
    @classmethod
    def _gated_names(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for suite, metrics in v.items():
            if suite != "*":
                _known("suite", suite, SUITE_NAMES)
            for m in metrics:
                if METRICS[_known("metric", m, METRICS)].pooled:
                    raise ValueError(
                        f"{m!r} cannot be gated: its samples (one per token gap, pooled over "
                        "requests) are not independent, so it is descriptive only"
                    )
        return v

    @model_validator(mode="after")
    def _tolerances_apply(self) -> CheckSettings:
        gated = self.all_gated()
        for t in self.tolerances:
            if t.metric not in gated:
                raise ValueError(
                    f"tolerance on {t.metric!r} would apply to nothing: {t.metric!r} is not "
                    f"gated in any suite (check.gated_metrics); known: {', '.join(gated)}"
                )
        return self

    def gated_for(self, suite: str) -> list[str]:
        """The metrics of `suite` judged against baselines."""
        return self.gated_metrics.get(suite, self.gated_metrics.get("*", []))

    def all_gated(self) -> list[str]:
        """Every metric gated in some suite (what a baseline stores), in a stable order."""
        return list(dict.fromkeys(m for ms in self.gated_metrics.values() for m in ms))

    def tolerance_for(self, metric: str) -> float:
        for t in self.tolerances:
            if t.metric == metric:
                return t.tolerance
        return self.tolerance


class LoadSLO(_Strict):
    """Service-level objectives of the load suite: a request is good when it meets every one
    that is set (goodput counts good requests per second)."""

    ttft_ms: float | None = Field(None, gt=0, description="time to first token, at most")
    tpot_ms: float | None = Field(None, gt=0, description="time per output token, at most")
    e2e_ms: float | None = Field(None, gt=0, description="request sent -> last token, at most")

    def bounds(self) -> dict[str, float]:
        """The SLOs that are set, name -> bound."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class LoadSettings(_Strict):
    """The load suite: load points, windows and SLOs (docs/load.md)."""

    concurrency: list[Annotated[int, Field(ge=1, le=1024)]] = Field(
        default_factory=lambda: [1, 2, 4, 8], description="closed-loop levels"
    )
    rates: list[Annotated[float, Field(gt=0, le=10_000)]] = Field(
        default_factory=list, description="open-loop request rates, req/s"
    )
    burstiness: float = Field(1.0, gt=0, le=100, description="gamma shape of gaps (1: Poisson)")
    max_concurrency: int | None = Field(None, ge=1, le=1024, description="open-loop slots")
    sweep: bool = Field(False, description="synchronous, max throughput, then rates between")
    sweep_rates: int = Field(3, ge=1, le=20, description="rates a sweep measures in between")
    sweep_concurrency: int = Field(16, ge=1, le=1024, description="the throughput point's level")
    knee_factor: float = Field(2.0, gt=1, le=100, description="knee: TTFT p90 at most this x")
    requests: int = Field(16, ge=2, le=100_000, description="timed requests per window")
    warmup_waves: int = Field(1, ge=0, le=100, description="warm-up batches before a window")
    rounds: int = Field(3, ge=1, le=1000, description="windows per load point and engine")
    prompt_tokens: int | None = Field(None, ge=1, le=1_000_000, description="None: prompt_tokens")
    output_tokens: int = Field(64, ge=1, le=100_000)
    lengths: Literal["fixed", "uniform", "normal"] = "fixed"
    spread: float = Field(0.0, ge=0, lt=1, description="relative spread of uniform/normal")
    slo: LoadSLO = Field(default_factory=LoadSLO)
    stall_factor: float = Field(3.0, gt=1, le=1000, description="stall: e2e over this x median")
    pair: bool = Field(False, description="measure candidate and reference, not engine")


# The longest pause after a trial: an hour is already far beyond what lets clocks settle.
MAX_COOLDOWN_S = 3600.0

ENGINE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
PLACEHOLDERS = ("{port}", "{model}")


class EngineDefinition(_Strict):
    """A named engine: its spec, and where it runs (docs/engines.md, "Named engine definitions").

    With `cwd`, `python` or `env` the engine runs in an ipc worker process started that way.
    With `command` it is a server mlxguard starts on a free port, waits for, and stops.
    """

    spec: str = Field(min_length=1, description="any engine spec")
    cwd: str | None = Field(None, description="working directory of the worker or server")
    python: str | None = Field(None, description="interpreter of the worker (default: mlxguard's)")
    env: dict[str, str] = Field(default_factory=dict, description="added to the environment")
    command: list[str] | None = Field(
        None, min_length=1, description="a server to start; {port} and {model} are filled in"
    )
    ready_timeout_s: float | None = Field(
        None, gt=0, le=3600, description="a server's longest wait for GET /v1/models (120)"
    )

    @field_validator("env")
    @classmethod
    def _env_names(cls, v: dict[str, str]) -> dict[str, str]:
        for name in v:
            if not name or "=" in name:
                raise ValueError(
                    f"env name {name!r} is not an environment variable name: it must be "
                    "non-empty, without '='"
                )
        return v

    @model_validator(mode="after")
    def _coherent(self) -> EngineDefinition:
        if self.command is None:
            if self.ready_timeout_s is not None:
                raise ValueError("ready_timeout_s is for servers: add a command")
            if any(p in self.spec for p in PLACEHOLDERS):
                raise ValueError("{port} and {model} in spec are for servers: add a command")
            return self
        if self.python is not None:
            raise ValueError("python is for workers; a server's interpreter is part of its command")
        if not self.spec.startswith("openai:"):
            raise ValueError(f"a server's spec must be openai:URL, got '{self.spec}'")
        return self

    @property
    def server(self) -> bool:
        """mlxguard starts, waits for and stops a server for this engine."""
        return self.command is not None

    @property
    def isolated(self) -> bool:
        """The engine runs in an ipc worker process of its own interpreter, directory or env."""
        return not self.server and bool(self.cwd or self.python or self.env)

    def relative_to(self, base: Path) -> EngineDefinition:
        """Relative `cwd` and `python` paths made absolute from `base` (the config's directory).

        A `python` without a path separator (`python3.12`) is a command found on PATH.
        """
        update: dict[str, str] = {}
        if self.cwd is not None:
            update["cwd"] = str(base / self.cwd)
        if self.python is not None and os.sep in self.python:
            update["python"] = str(base / self.python)
        return self.model_copy(update=update)


class Config(_Strict):
    """Everything needed to re-run a suite, and to judge it."""

    suites: list[SuiteChoice] = Field(default_factory=lambda: ["ttft", "throughput"])
    model: str | None = None
    engine: str = "mlx-lm"
    codec: Literal["msgpack", "json"] = Field("msgpack", description="ipc engine wire format")
    candidate: str = "ipc"
    reference: str = "mlx-lm"
    # compare and flexible: engine order of the timed trials, and a new process per trial.
    order: Literal["interleaved", "sequential", "shuffled"] = "interleaved"
    fresh_process: bool = False
    # Worker processes per engine (each loads the model once); rounds spread across them.
    # None: DEFAULT_PROCESSES when every engine runs in a worker process, else 1.
    processes: int | None = Field(None, ge=1, le=64)
    # flexible: how many generated questions, and on which engines.
    questions: int = Field(20, ge=1, le=100_000)
    flexible_engines: Literal["candidate", "reference", "both"] = "both"
    # Named engine definitions: `engine`, `candidate` and `reference` take a name or a spec.
    engines: dict[str, EngineDefinition] = Field(default_factory=dict)
    samples: int = Field(5, ge=1, le=100_000)
    warmup: int = Field(1, ge=0, le=1000)
    max_tokens: int | None = Field(None, ge=1, le=100_000)
    prompt_tokens: int = Field(128, ge=1, le=1_000_000)
    # Far above any useful setting (OpenAI's API takes 0 to 2).
    temperature: float = Field(0.0, ge=0, le=10)
    seed: int = Field(0, ge=0, le=SEED_MAX)  # what MLX accepts: unsigned 64-bit
    cooldown_s: float = Field(0.0, ge=0, le=MAX_COOLDOWN_S)
    # The deadline of one trial (a cold trial's load included, and a warm engine's load), s.
    trial_timeout_s: float = Field(TRIAL_TIMEOUT_S, gt=0, le=86_400)
    fingerprint_fields: list[str] | None = None
    load: LoadSettings = Field(default_factory=LoadSettings)
    targets: list[Target] = Field(default_factory=lambda: list(DEFAULT_TARGETS))
    check: CheckSettings = Field(default_factory=CheckSettings)

    @model_validator(mode="after")
    def _no_nul(self) -> Config:
        # A NUL cannot reach a path, an argument or an environment variable: the OS ends the
        # string there. Refused wherever it is (a name, a value, a key).
        if where := _nul_at(self.model_dump(), ()):
            raise ValueError(f"{where} holds a NUL character (\\0), which no path, argument "
                             "or environment variable can carry")  # fmt: skip
        return self

    @model_validator(mode="after")
    def _engine_names(self) -> Config:
        for name in self.engines:
            if not ENGINE_NAME.fullmatch(name):
                raise ValueError(
                    f"engine name '{name:.80}' must be letters, digits, '_', '.' or '-' "
                    "(at most 64, starting with a letter or digit)"
                )
        return self

    @model_validator(mode="after")
    def _ipc_names_its_codec(self) -> Config:
        # The ipc engine's wire format is part of its name (the benchmark key, the baseline
        # key, the reports): `ipc` is MessagePack, `ipc:json` is JSON, whichever way it was said.
        for role in ("engine", "candidate", "reference"):
            spec = getattr(self, role).strip()
            if spec in ("ipc", "ipc:msgpack", "ipc:json"):
                codec = spec.partition(":")[2] or self.codec
                object.__setattr__(self, role, "ipc" if codec == "msgpack" else f"ipc:{codec}")
        return self

    def recorded(self) -> dict[str, Any]:
        """The config as a results file keeps it: the values of engine definitions' `env` are
        masked (the names stay), and so are a server command's credentials and those of any URL
        (`https://user:***@host`), since results files get published."""
        data = self.model_dump(mode="json")
        for definition in data["engines"].values():
            definition["env"] = dict.fromkeys(definition["env"], MASK)
            if definition.get("command"):
                definition["command"] = masked_command(definition["command"])
        return _without_url_credentials(data)

    def with_overrides(self, **overrides: Unpack[Overrides]) -> Config:
        """A copy with the CLI flags that were given (None means not given).

        Raises:
            UsageError: a bad flag value, naming the flag (`--cooldown -1: ...`).
        """
        given = {k: v for k, v in overrides.items() if v is not None}
        try:
            return Config.model_validate({**self.model_dump(), **given})
        except ValidationError as e:
            err = e.errors()[0]
            key = str(err["loc"][0]) if err["loc"] else ""
            if key in given:
                raise UsageError(f"{flag_name(key)} {given[key]}: {err['msg']}") from None
            raise UsageError(f"command-line flags: {first_problem(e)}") from None


class Overrides(TypedDict, total=False):
    """What the command line (or the run stage, once settled) may set on a `Config`; None: not
    given. The values are validated as the config file's are (a choice given as text, such as
    `--order`, is checked there, and a bad one named with its flag)."""

    model: str | None
    engine: str | None
    candidate: str | None
    reference: str | None
    codec: str | None
    order: str | None
    fresh_process: bool | None
    processes: int | None
    questions: int | None
    flexible_engines: str | None
    samples: int | None
    warmup: int | None
    max_tokens: int | None
    prompt_tokens: int | None
    seed: int | None
    cooldown_s: float | None


def _without_url_credentials(value: Any) -> Any:
    """`value` (plain JSON) with every URL's user information masked, in every string."""
    if isinstance(value, str):
        return mask_credentials(value)
    if isinstance(value, dict):
        return {k: _without_url_credentials(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_url_credentials(v) for v in value]
    return value


def _nul_at(value: Any, where: tuple[str, ...]) -> str | None:
    """The dotted key of the first string (or key) in ``value`` holding a NUL, or None."""
    if isinstance(value, str):
        return ".".join(where) or "(top level)" if "\0" in value else None
    items: list[tuple[Any, Any]] = []
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list | tuple):
        items = list(enumerate(value))
    for key, item in items:
        path = (*where, str(key).replace("\0", "\\0"))
        if isinstance(key, str) and "\0" in key:
            return ".".join(path)
        if found := _nul_at(item, path):
            return found
    return None


# Config keys whose flag is not simply the key with dashes.
_FLAGS = {
    "cooldown_s": "--cooldown",
    "fresh_process": "--fresh-process/--same-process",
    "flexible_engines": "--engines",
}


def flag_name(key: str) -> str:
    """The `mlxguard run` flag that sets config key `key` (`cooldown_s` -> `--cooldown`)."""
    return _FLAGS.get(key, "--" + key.replace("_", "-"))


# What takes more samples of a suite's benchmarks where `--samples` does not: the flexible suite
# asks questions, the load suite measures windows (advice in warnings and verdicts names these).
_MORE_SAMPLES = {"flexible": "-q/--questions", "load": "[load] rounds"}


def samples_flag(suite: str) -> str:
    """What adds samples to `suite`'s benchmarks: `--samples`, or the suite's own setting."""
    return _MORE_SAMPLES.get(suite, "--samples")


def _validate(data: dict[str, Any], source: str, base: Path | None = None) -> Config:
    """Validate `data`; relative paths of engine definitions are taken from `base`."""
    if isinstance(data.get("engines"), str):  # the flexible suite's setting before definitions
        raise UsageError(f"{source}: engines = '{data['engines']:.20}' is now flexible_engines")
    try:
        config = Config.model_validate(data)
    except ValidationError as e:
        raise UsageError(f"{source}: {first_problem(e)}") from None
    if base is None or not config.engines:
        return config
    engines = {name: d.relative_to(base) for name, d in config.engines.items()}
    return config.model_copy(update={"engines": engines})


def find_config(search_dir: Path | None = None) -> Path | None:
    """The config file `load_config` would read in `search_dir` (default: the current directory):
    `mlxguard.toml`, else a `pyproject.toml` with a `[tool.mlxguard]` table, else None."""
    base = search_dir or Path.cwd()
    for name in CONFIG_FILES:
        candidate = base / name
        if candidate.is_file() and (name != "pyproject.toml" or _section(candidate) is not None):
            return candidate
    return None


def _section(path: Path) -> dict[str, Any] | None:
    """The mlxguard settings of a config file: all of it, or `[tool.mlxguard]` of a pyproject
    (None when it has none).

    Raises:
        UsageError: the file is not valid TOML, or its `tool.mlxguard` is not a table.
    """
    data = _read_toml(path)
    return mlxguard_table(data, path) if path.name == "pyproject.toml" else data


def mlxguard_table(pyproject: dict[str, Any], path: Path) -> dict[str, Any] | None:
    """`[tool.mlxguard]` of a parsed pyproject.toml, or None when there is none.

    Raises:
        UsageError: `tool` or `tool.mlxguard` is there but is not a table.
    """
    tool = pyproject.get("tool", {})
    section = tool.get("mlxguard") if isinstance(tool, dict) else None
    if not isinstance(tool, dict) or not isinstance(section, dict | None):
        raise UsageError(f"config '{path}': tool.mlxguard must be a table ([tool.mlxguard])")
    return section


def load_config(path: Path | str | None = None, search_dir: Path | None = None) -> Config:
    """Load the config from `path`, or find one in `search_dir` (default: the current directory).

    Raises:
        UsageError: a missing or unreadable file, invalid TOML, an unknown key, a bad value.
    """
    path = Path(path) if path is not None else find_config(search_dir)
    if path is None:
        return Config()
    return _validate(_section(path) or {}, str(path), path.resolve().parent)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return parse_toml(read_input(path, "config file", MAX_CONFIG_BYTES))
    except ValueError as e:
        raise UsageError(f"config '{path}' is not valid TOML: {e}") from None
