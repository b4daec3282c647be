"""The results file, schema `mlxguard.results/2`: typed models, loading (older schemas
upgraded), atomic writing and the JSON Schema.

Modules: `models` (the file and its benchmarks), `sections` (what a suite or engine records
besides metrics), `upgrade` (one step per older schema), `io` (read, write, schema), `earlier`
(the results as an earlier look of `--until-decisive` saw them).

History of the schema (each older version is read and upgraded by `upgrade`):
- `mlxguard.results/1`: first version. Suites and engines recorded what they had besides
  metrics in `Benchmark.extra`, an untyped dict.
- `mlxguard.results/2`: `extra` is replaced by typed, documented sections: `reference` (the
  benchmark a compare candidate is paired with), `parity`, `winner`, `questions`,
  `server_usage`, `timer`, `engine_environment` (versions, worker, settings and warm load time
  an engine reports), `workers` (the engine instance behind each process index), `environment`
  (a merged shard's own machine), `short_outputs` and `adaptive_rounds`. The compare suite no
  longer stores the candidate/reference ratios: the check computes them once, so every report
  shows the same interval (/1 ratios are dropped on reading). Flexible records and the winner
  name units (`decode_tps`, `output_tokens`, `margin_fraction`). New: `Benchmark.engine_spec`,
  `Metric.processes` and `Metric.rounds` (where each sample came from) and
  `RunInfo.incomplete_suites`. Later, with defaults so older /2 files still read:
  `Results.models` (each measured model's shape and quantization), `RunInfo.adaptive` (the
  rounds `--until-decisive` added, and why they stopped).
"""

from mlxguard.results.base import Frozen
from mlxguard.results.io import json_schema, load_results, parse_results, write_results
from mlxguard.results.models import (
    SCHEMA,
    Adaptive,
    Benchmark,
    BudgetSpent,
    Environment,
    GpuState,
    MachineState,
    Metric,
    ModelInfo,
    ProcessChoice,
    Results,
    RunInfo,
    Summary,
    Tool,
    benchmark_label,
)
from mlxguard.results.sections import (
    Divergence,
    EngineEnvironment,
    Params,
    Parity,
    PromptMismatch,
    QuestionRecord,
    ReferenceComparison,
    ServerUsage,
    SideMedians,
    Timer,
    Winner,
    WorkerProcess,
    WorkerRecord,
)

__all__ = [
    "SCHEMA",
    "Adaptive",
    "Benchmark",
    "BudgetSpent",
    "Divergence",
    "EngineEnvironment",
    "Environment",
    "Frozen",
    "GpuState",
    "MachineState",
    "Metric",
    "ModelInfo",
    "Params",
    "Parity",
    "ProcessChoice",
    "PromptMismatch",
    "QuestionRecord",
    "ReferenceComparison",
    "Results",
    "RunInfo",
    "ServerUsage",
    "SideMedians",
    "Summary",
    "Timer",
    "Tool",
    "Winner",
    "WorkerProcess",
    "WorkerRecord",
    "benchmark_label",
    "json_schema",
    "load_results",
    "parse_results",
    "write_results",
]
