"""The `compare` suite: the candidate engine against the reference, apples to apples.

Same model, same exact-token prompts (the prompt key does not depend on the engine), same
parameters. Warm-ups alternate the engines; timed trials are interleaved (for each sample
index, both engines in a seeded random order) so drift hits both alike. With
`fresh_process`, every trial is cold: a new process loads the engine (load timed apart).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from mlxguard.config import Config
from mlxguard.engines import EngineFactory, resolve_reference
from mlxguard.engines.definitions import EngineChoice, choose
from mlxguard.results import Benchmark, ReferenceComparison
from mlxguard.run.context import SuiteContext
from mlxguard.run.plan import Scenario, Trial
from mlxguard.run.runner import RunSettings, engine_settings, run_trials
from mlxguard.run.timing import Generation
from mlxguard.suites.parity import Decode, parity

COMPARE_OUTPUT_TOKENS = 64
ROLES = ("candidate", "reference")


def reference_spec(spec: str) -> str:
    """The reference engine's spec; `auto` is mlx-engine when installed, else mlx-lm."""
    return resolve_reference(spec)[0]


def role_choices(config: Config, roles: tuple[str, ...] = ROLES) -> dict[str, EngineChoice]:
    """Engine label -> choice, labelled `candidate:<name or spec>` / `reference:<name or spec>`.

    The role in the label keeps an A/A comparison (one engine twice) two distinct benchmarks.
    Validates the choices (UsageError) before anything runs.
    """
    picks = {"candidate": config.candidate, "reference": config.reference}
    out = {}
    for role in roles:
        pick = picks[role].strip()
        if role == "reference" and pick not in config.engines:
            pick = reference_spec(pick)
        choice = choose(pick, config.engines, config.codec, config.processes or 1)
        out[f"{role}:{choice.label}"] = choice
    return out


def against(config: Config) -> Literal["engine", "base"]:
    """`base` when the candidate and the reference are two names for one engine spec (two
    builds of it, e.g. the definitions head and base), else `engine` (two engines)."""
    cand, ref = (c.spec for c in role_choices(config).values())
    two_names = config.candidate.strip() != config.reference.strip()
    return "base" if two_names and cand == ref else "engine"


def resolve_roles(config: Config, roles: tuple[str, ...] = ROLES) -> dict[str, EngineFactory]:
    """Engine label -> factory (see `role_choices`)."""
    return {label: c.factory for label, c in role_choices(config, roles).items()}


def pair_settings(ctx: SuiteContext, samples: int, roles: tuple[str, ...]) -> RunSettings:
    cfg = ctx.config
    return RunSettings.of(
        cfg,
        ctx.model_dir,
        ctx.model_label,
        samples=samples,
        order=cfg.order,
        codec=cfg.codec,
        first_sample=ctx.first_sample,
        **engine_settings(role_choices(cfg, roles)),
    )


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


def run(ctx: SuiteContext) -> list[Benchmark]:
    """One benchmark per engine; the candidate's names its reference and the output parity.

    The candidate/reference ratios are not computed here: the check computes them, once.
    """
    cfg = ctx.config
    engines = resolve_roles(cfg)
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
        pair_settings(ctx, cfg.samples, ROLES),
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
        engine=ref.engine, chosen=resolve_reference(cfg.reference)[1], against=against(cfg)
    )
    lengths = {i: (r.get(cand_label), r.get(ref_label)) for i, r in received.items()}
    same = parity(
        pairs, _decoder(ctx.model_dir), greedy=cfg.temperature == 0, prompt_tokens=lengths
    )
    return [cand.model_copy(update={"reference": reference, "parity": same}), ref]
