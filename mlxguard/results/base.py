"""The base of every results model: immutable, strict about keys, finite numbers only."""

from __future__ import annotations

from typing import Annotated, Any, Final, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

# No measurement mlxguard takes comes near this (10^15 µs is 31 years, 10^15 B a petabyte);
# beyond it a value is corrupt, and arithmetic on it (spreads, bands, ratios) would overflow.
MAX_VALUE: Final = 1e15

# A measured value: a time, a rate, a count or a size, none of which can be negative.
Measured = Annotated[float, Field(ge=0, le=MAX_VALUE)]
# A worker process or round label: an index from 0.
Index = Annotated[int, Field(ge=0)]


# Free-form JSON (the recorded config, an engine's settings) nests no deeper than this: a file
# may parse deeper, but writing it back (merge) or rendering it would fail.
MAX_NESTING: Final = 32

_T = TypeVar("_T")


def within_nesting(value: _T) -> _T:
    """``value`` when its lists and objects nest at most `MAX_NESTING` deep.

    Raises:
        ValueError: naming the limit.
    """
    level: list[tuple[Any, int]] = [(value, 0)] if isinstance(value, dict | list) else []
    while level:
        item, depth = level.pop()
        for child in item.values() if isinstance(item, dict) else item:
            if isinstance(child, dict | list):
                if depth + 1 >= MAX_NESTING:
                    raise ValueError(f"nested more than {MAX_NESTING} deep")
                level.append((child, depth + 1))
    return value


# Free-form JSON objects: any keys and values, shallow (see `MAX_NESTING`).
AnyJson = Annotated[dict[str, Any], AfterValidator(within_nesting)]


class Frozen(BaseModel):
    """A record of the files mlxguard writes: immutable, no unknown keys, finite numbers."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
