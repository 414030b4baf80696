"""Fixtures for the scheduler tests; the builders live in sched_builders.py (a unique module name)."""
import pytest

import sched_builders


@pytest.fixture
def build():
    return sched_builders
