"""`fingerprint_fields` names machine fields: a typo is an error, never a field left out."""

from __future__ import annotations

import pytest

from mlxguard.errors import UsageError
from mlxguard.run.environment import DEFAULT_FINGERPRINT_FIELDS, collect


def test_unknown_field_is_an_error() -> None:
    with pytest.raises(UsageError, match=r"fingerprint_fields: unknown field 'chp'; known: .*chip"):
        collect(["platform", "chp"])


def test_known_fields() -> None:
    env = collect(DEFAULT_FINGERPRINT_FIELDS)
    assert env.fingerprint_fields == list(DEFAULT_FINGERPRINT_FIELDS)
