"""Fixtures of the reliability tests: one Great Expectations validator per test process."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def validator():
    """The intake's validator, built once (as one is built per ingest run)."""
    from kaoping.sources.suites import Validator

    return Validator()
