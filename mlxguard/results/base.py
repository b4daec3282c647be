"""The base of every results model: immutable, strict about keys, finite numbers only."""

from __future__ import annotations

from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field

# No measurement mlxguard takes comes near this (10^15 µs is 31 years, 10^15 B a petabyte);
# beyond it a value is corrupt, and arithmetic on it (spreads, bands, ratios) would overflow.
MAX_VALUE: Final = 1e15

# A measured value: a time, a rate, a count or a size, none of which can be negative.
Measured = Annotated[float, Field(ge=0, le=MAX_VALUE)]


class Frozen(BaseModel):
    """A record of the files mlxguard writes: immutable, no unknown keys, finite numbers."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
