"""The `compare` suite: the candidate engine against the reference, apples to apples.

Same model, same exact-token prompts (the prompt key does not depend on the engine), same
parameters. Warm-ups alternate the engines; timed trials are interleaved (for each sample
index, both engines in a seeded random order) so drift hits both alike. With
`fresh_process`, every trial is cold: a new process loads the engine (load timed apart).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from mlxguard.config import Config
from mlxguard.engines import resolve_reference
from mlxguard.engines.definitions import EngineChoice, choose
from mlxguard.results import Benchmark, Parity, ReferenceComparison
from mlxguard.run.context import SuiteContext, Undecided
from mlxguard.run.plan import Scenario, Trial
from mlxguard.run.rounds import extend_benchmark
from mlxguard.run.runner import RunSettings, run_trials
from mlxguard.run.timing import Generation
from mlxguard.suites.parity import Decode, parity

COMPARE_NAME = "compare"
COMPARE_OUTPUT_TOKENS = 64
ROLES = ("candidate", "reference")

# A round with only first-token metrics left to settle (TTFT) asks for FIRST_TOKEN_REQUEST
# tokens and keeps FIRST_TOKEN_KEPT: on the 2-core CPU such a trial takes a quarter of a full
# one, and TTFT is what a noisy runner leaves undecided longest. Two tokens, not one: mlx-lm
# queues the second token before it hands out the first, as in a full trial, so the first
# token is timed on the same path.
FIRST_TOKEN_METRICS = frozenset({"ttft_ms"})
FIRST_TOKEN_KEPT = frozenset({"ttft_ms", "prefill_tps", "prompt_tokens"})
FIRST_TOKEN_REQUEST = 2


def reference_spec(spec: str) -> str:
    """The reference engine's spec; `auto` is mlx-engine when installed, else mlx-lm."""
    return resolve_reference(spec)[0]


def role_choices(config: Config, roles: tuple[str, ...] = ROLES) -> dict[str, EngineChoice]:
    """Engine label -> choice, labelled `candidate:<name or spec>` / `reference:<name or spec>`.

    The role in the label keeps an A/A comparison (one engine twice) two distinct benchmarks.
    Validates the choices (UsageError) before anything runs; each is made for one process
    (the run stage places it in its processes).
    """
    picks = {"candidate": config.candidate, "reference": config.reference}
    out = {}
    for role in roles:
        pick = picks[role].strip()
        if role == "reference" and pick not in config.engines:
            pick = reference_spec(pick)
        choice = choose(pick, config.engines, config.codec)
        out[f"{role}:{choice.label}"] = choice
    return out


def against(config: Config, engines: Mapping[str, EngineChoice]) -> Literal["engine", "base"]:
    """`base` when the candidate and the reference are two names for one engine (two builds of
    it, e.g. the definitions head and base): one spec, or two servers started by one command but
    for its interpreter (each from its checkout; their URLs differ by port); else `engine`."""
    names = config.candidate.strip(), config.reference.strip()
    if names[0] == names[1]:
        return "engine"
    commands = [d.command if (d := config.engines.get(n)) else None for n in names]
    if commands[0] and commands[1]:
        return "base" if commands[0][1:] == commands[1][1:] else "engine"
    cand, ref = (c.spec for c in engines.values())
    return "base" if cand == ref else "engine"


def compare_scenario(config: Config) -> Scenario:
    """`warm` (engines loaded once) or, with fresh_process, `cold` (a new process per trial)."""
    fresh = config.fresh_process
    return Scenario(
        "compare",
        "cold" if fresh else "warm",
        config.prompt_tokens,
        config.max_tokens or COMPARE_OUTPUT_TOKENS,
        cold=fresh,
        fresh_process=fresh,
    )


def _decoder(model_dir: str) -> Decode:
    """Token ids -> text with the model's tokenizer, loaded only if a text engine needs it."""
    loaded: list[Any] = []

    def decode(ids: list[int]) -> str:
        if not loaded:
            from mlx_lm.tokenizer_utils import load

            loaded.append(load(Path(model_dir)))
        return loaded[0].decode(ids)

    return decode


def _run(ctx: SuiteContext) -> list[Benchmark]:
    """One benchmark per engine; the candidate's names its reference and the output parity.

    The candidate/reference ratios are not computed here: the check computes them, once.
    """
    cfg = ctx.config
    engines = {label: c.factory for label, c in ctx.engines.items()}
    cand_label, ref_label = engines
    outputs: dict[int, dict[str, list[int | str]]] = {}
    received: dict[int, dict[str, int | None]] = {}

    def keep(trial: Trial, rec: Generation) -> None:
        if not trial.warmup and rec.ok:
            outputs.setdefault(trial.sample, {})[trial.engine] = list(rec.tokens)
            received.setdefault(trial.sample, {})[trial.engine] = rec.prompt_tokens

    cand, ref = run_trials(
        [compare_scenario(cfg)],
        engines,
        RunSettings.of(ctx, order=cfg.order),
        ctx.progress,
        on_trial=keep,
        workers=ctx.workers,
    )
    pairs: list[tuple[int, Sequence[int | str], Sequence[int | str]]] = [
        (i, out[cand_label], out[ref_label])
        for i, out in sorted(outputs.items())
        if cand_label in out and ref_label in out
    ]
    reference = ReferenceComparison(
        engine=ref.engine,
        chosen=resolve_reference(cfg.reference)[1],
        against=against(cfg, ctx.engines),
    )
    lengths = {i: (r.get(cand_label), r.get(ref_label)) for i, r in received.items()}
    same = parity(
        pairs, _decoder(ctx.model_dir), greedy=cfg.temperature == 0, prompt_tokens=lengths
    )
    return [cand.model_copy(update={"reference": reference, "parity": same}), ref]


def merge_parity(old: Parity | None, new: Parity | None) -> Parity | None:
    """Parity over both rounds' prompts (a round numbers its samples after the earlier ones)."""
    if old is None or new is None:
        return old or new
    return old.model_copy(
        update={
            "identical": old.identical + new.identical,
            "total": old.total + new.total,
            "first_divergence": old.first_divergence + new.first_divergence,
            "prompt_mismatches": old.prompt_mismatches + new.prompt_mismatches,
        }
    )


class CompareSuite:
    """The candidate against the reference, interleaved; rounds extend both, parity included."""

    name = COMPARE_NAME
    description = (
        "candidate vs reference engine: same model, prompts and parameters; ratios and parity"
    )
    rounds = True
    options = frozenset({"samples", "order", "fresh_process"})

    def engines(self, config: Config) -> dict[str, EngineChoice]:
        return role_choices(config)

    def scenarios(self, config: Config) -> list[Scenario]:
        return [compare_scenario(config)]

    def run(self, ctx: SuiteContext) -> list[Benchmark]:
        return _run(ctx)

    def extend(
        self, ctx: SuiteContext, measured: list[Benchmark], todo: Undecided
    ) -> list[Benchmark]:
        # A round runs both engines, interleaved, whichever of them is undecided.
        first_token = first_token_round(ctx.config, todo)
        if first_token:
            ctx = replace(ctx, config=ctx.config.with_overrides(max_tokens=FIRST_TOKEN_REQUEST))
        fresh = {b.key: _first_token_only(b) if first_token else b for b in _run(ctx)}
        out = []
        for b in measured:
            new = fresh.get(b.key)
            if new is None:
                out.append(b)
                continue
            grown = extend_benchmark(b, new)
            if b.reference is not None and not first_token:
                grown = grown.model_copy(update={"parity": merge_parity(b.parity, new.parity)})
            out.append(grown)
        return out


def first_token_round(config: Config, todo: Undecided) -> bool:
    """Is every metric the round must settle a first-token one (and a full trial longer)?"""
    full = config.max_tokens or COMPARE_OUTPUT_TOKENS
    mine = [metrics for (suite, _, _), metrics in todo.items() if suite == COMPARE_NAME]
    return full > FIRST_TOKEN_REQUEST and bool(mine) and all(m <= FIRST_TOKEN_METRICS for m in mine)


def _first_token_only(b: Benchmark) -> Benchmark:
    """A first-token round's benchmark: its two-token requests say nothing of decode."""
    kept = {name: m for name, m in b.metrics.items() if name in FIRST_TOKEN_KEPT}
    return b.model_copy(update={"metrics": kept})


COMPARE = CompareSuite()
