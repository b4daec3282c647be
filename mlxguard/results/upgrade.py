"""Reading older results files: one step per schema version, chained up to the current one.

Each step takes the JSON object of one version and returns the object of the next, as asv's
`update_to_2` and pyperf's versioned loader do, so a file of any older version reads as the
current one. Steps work on plain JSON and leave anything of an unexpected shape in place for
validation to name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mlxguard.results.sections import Params, sort_engine_info

Json = dict[str, Any]


def _renamed(value: Any, names: dict[str, str], drop: tuple[str, ...] = ()) -> Any:
    """A dict with keys renamed and some dropped; anything else unchanged."""
    if not isinstance(value, dict):
        return value
    return {names.get(k, k): v for k, v in value.items() if k not in drop}


def _winner_1(w: Any) -> Any:
    w = _renamed(w, {"tps": "decode_tps", "margin": "margin_fraction"})
    if isinstance(w, dict):
        for side in ("candidate", "reference"):
            if side in w:
                w[side] = _renamed(w[side], {"tps": "decode_tps"})
    return w


def _questions_1(qs: Any) -> Any:
    names = {"i": "index", "engine": "role", "tokens": "output_tokens", "tps": "decode_tps"}
    return [_renamed(q, names) for q in qs] if isinstance(qs, list) else qs


def _benchmark_1_to_2(b: Any) -> Any:
    """`extra` (an untyped dict in /1) becomes the typed sections of /2."""
    if not isinstance(b, dict) or not isinstance(b.get("extra", {}), dict):
        return b
    out = dict(b)
    extra: Json = out.pop("extra", {})
    if "reference" in extra:  # the pairing only: the ratios are the check's to compute
        out["reference"] = _renamed(extra["reference"], {}, drop=("ratios", "confidence"))
    if "parity" in extra:
        out["parity"] = _renamed(extra["parity"], {}, drop=("share",))
    if "winner" in extra:
        out["winner"] = _winner_1(extra["winner"])
    if "questions" in extra:
        out["questions"] = _questions_1(extra["questions"])
    same_names = (
        "server_usage",
        "timer",
        "short_outputs",
        "adaptive_rounds",
        "environment",
        "workers",
    )
    for same in same_names:
        if same in extra:
            out[same] = extra[same]
    params = out.get("params", {})
    if isinstance(params, dict):  # keys no version of mlxguard wrote are dropped, as in `extra`
        params = {k: v for k, v in params.items() if k in Params.model_fields}
        if "measures" in extra:
            params["measures"] = extra["measures"]
        out["params"] = params
    info = extra.get("engine_info", extra.get("worker"))
    if info is not None or "engine_load_ms" in extra:
        out["engine_environment"] = (
            sort_engine_info(info or {}, extra.get("engine_load_ms"))
            if isinstance(info or {}, dict)
            else info
        )
    return out


def _v1_to_v2(doc: Json) -> Json:
    benchmarks = doc.get("benchmarks")
    if isinstance(benchmarks, list):
        doc = {**doc, "benchmarks": [_benchmark_1_to_2(b) for b in benchmarks]}
    return doc


# Schema -> (the next schema, the step that gets there).
STEPS: dict[str, tuple[str, Callable[[Json], Json]]] = {
    "mlxguard.results/1": ("mlxguard.results/2", _v1_to_v2),
}


def upgrade(doc: Json) -> Json:
    """`doc` (a results object of any known older schema) in the current schema's shape."""
    while doc.get("schema") in STEPS:
        target, step = STEPS[doc["schema"]]
        doc = {**step(doc), "schema": target}
    return doc
