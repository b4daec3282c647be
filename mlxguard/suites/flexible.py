"""The `flexible` suite: real questions, any model, 1 to 100,000 of them, one or both engines.

Questions come from `mlxguard.run.questions` (seeded); answers stop at the model's end of sequence
or at `max_tokens` (default 64), as a user would see them. Each engine's benchmark keeps a
compact record per question; with both engines, the candidate's names the winner.
"""

from __future__ import annotations

from mlxguard.config import Config
from mlxguard.engines import Engine, EngineFactory
from mlxguard.engines.definitions import EngineChoice
from mlxguard.results import Benchmark, QuestionRecord, SideMedians, Winner
from mlxguard.results.sections import Criterion
from mlxguard.run.context import OneLook, SuiteContext
from mlxguard.run.plan import Scenario, Trial
from mlxguard.run.prompts import Prompt
from mlxguard.run.questions import make_questions
from mlxguard.run.runner import RunSettings, run_trials
from mlxguard.run.timing import Generation, metrics_of
from mlxguard.suites.compare import ROLES, role_choices

FLEXIBLE_OUTPUT_TOKENS = 64
QUESTION_CHARS = 60  # records keep the start of each question: enough to recognise it
# Metrics kept: one sample per request (itl_ms, one per token, would swell the file).
KEPT_METRICS = ("ttft_ms", "e2e_ms", "decode_tps", "throughput_tps", "output_tokens")
# A side wins a criterion when it is better by more than this fraction of the other's median.
WIN_MARGIN = 0.05


def _honour_eos(factory: EngineFactory) -> EngineFactory:
    """Answers end where the model ends them, when the engine lets us say so."""

    def make() -> Engine:
        engine = factory()
        set_ignore_eos = getattr(engine, "set_ignore_eos", None)
        if callable(set_ignore_eos):
            set_ignore_eos(False)
        return engine

    return make


def _side(better: float, worse: float, higher: bool) -> bool:
    """Is `better` ahead of `worse` by more than WIN_MARGIN?"""
    return better > worse * (1 + WIN_MARGIN) if higher else better < worse * (1 - WIN_MARGIN)


def _criterion(cand: float | None, ref: float | None, higher: bool) -> Criterion:
    if cand is None or ref is None:
        return "undecided"
    if _side(cand, ref, higher):
        return "candidate"
    return "reference" if _side(ref, cand, higher) else "tie"


def winner(cand: Benchmark, ref: Benchmark) -> Winner:
    """Median latency (e2e_ms, lower wins) and median tok/s (decode_tps, higher wins).

    A criterion is won by more than WIN_MARGIN; the overall winner wins at least one criterion
    and loses none, else it is a tie.
    """

    def median(b: Benchmark, metric: str) -> float | None:
        m = b.metrics.get(metric)
        return m.summary.median if m else None

    c, r = (SideMedians(e2e_ms=median(b, "e2e_ms"), decode_tps=median(b, "decode_tps"))
            for b in (cand, ref))  # fmt: skip
    latency = _criterion(c.e2e_ms, r.e2e_ms, False)
    speed = _criterion(c.decode_tps, r.decode_tps, True)
    wins = {latency, speed} - {"tie", "undecided"}
    return Winner(
        overall=wins.pop() if len(wins) == 1 else "tie",
        latency=latency,
        decode_tps=speed,
        margin_fraction=WIN_MARGIN,
        candidate=c,
        reference=r,
    )


def _record(i: int, question: str, role: str, rec: Generation) -> QuestionRecord:
    m = {name: values[0] for name, values in metrics_of(rec).items() if name in KEPT_METRICS}

    def r(name: str, digits: int) -> float | None:
        return round(m[name], digits) if name in m else None

    return QuestionRecord(
        index=i,
        question=question[:QUESTION_CHARS],
        role=role,
        ttft_ms=r("ttft_ms", 2),
        e2e_ms=r("e2e_ms", 2),
        output_tokens=len(rec.tokens),
        decode_tps=r("decode_tps", 1),
        ok=rec.ok,
    )


def flexible_roles(config: Config) -> tuple[str, ...]:
    """The roles `--engines` asks for: candidate, reference, or both."""
    return ROLES if config.flexible_engines == "both" else (config.flexible_engines,)


def flexible_scenario(config: Config) -> Scenario:
    """The questions (prompt lengths vary, so none is fixed), each answered with max_tokens."""
    return Scenario("flexible", "questions", 0, config.max_tokens or FLEXIBLE_OUTPUT_TOKENS)


def _run(ctx: SuiteContext) -> list[Benchmark]:
    cfg = ctx.config
    roles = flexible_roles(cfg)
    engines = {label: _honour_eos(c.factory) for label, c in ctx.engines.items()}
    n = cfg.questions
    # Warm-ups take the questions after the timed ones, so no timed question is seen twice.
    questions = make_questions(n + cfg.warmup, cfg.seed)
    scenario = flexible_scenario(cfg)
    records: dict[str, list[QuestionRecord]] = {label: [] for label in engines}
    role_of = dict(zip(engines, roles, strict=True))

    def prompt_for(trial: Trial) -> Prompt:
        return Prompt(questions[trial.sample + (n if trial.warmup else 0)], None)

    def keep(trial: Trial, rec: Generation) -> None:
        if not trial.warmup:
            q = questions[trial.sample]
            records[trial.engine].append(_record(trial.sample, q, role_of[trial.engine], rec))

    benchmarks = run_trials(
        [scenario],
        engines,
        RunSettings.of(ctx, samples=n, order=cfg.order),
        ctx.progress,
        keep,
        prompt_for,
        workers=ctx.workers,
        kind="flexible",  # answers end at EOS here: not the compare suite's engines
    )
    out = []
    # One benchmark per engine, in the engines' order (its `engine` may show a plugin's name).
    for label, b in zip(engines, benchmarks, strict=True):
        metrics = {k: v for k, v in b.metrics.items() if k in KEPT_METRICS}
        # Questions have prompts of their own lengths: no one prompt length applies.
        params = b.params.model_copy(update={"questions": n, "prompt_tokens": None})
        answered = sorted(records[label], key=lambda q: q.index)
        # prompt_sources describe prompt_tokens samples, which this suite does not keep.
        update = {"metrics": metrics, "params": params, "questions": answered}
        out.append(b.model_copy(update={**update, "prompt_sources": None}))
    if len(out) == 2:
        out[0] = out[0].model_copy(update={"winner": winner(out[0], out[1])})
    return out


class FlexibleSuite(OneLook):
    """Generated questions on one or both engines (`--engines`); no rounds."""

    name = "flexible"
    description = (
        "1 to 100,000 generated questions on one or both engines; percentiles and a winner"
    )
    options = frozenset({"questions", "flexible_engines", "order"})  # -q, not --samples

    def engines(self, config: Config) -> dict[str, EngineChoice]:
        return role_choices(config, flexible_roles(config))

    def scenarios(self, config: Config) -> list[Scenario]:
        return [flexible_scenario(config)]

    def run(self, ctx: SuiteContext) -> list[Benchmark]:
        return _run(ctx)


FLEXIBLE = FlexibleSuite()
