"""Fixtures; the helpers themselves live in tests/helpers.py."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

from tests.helpers import make_project

settings.register_profile("ci", max_examples=60, deadline=None)
settings.register_profile("deep", max_examples=2000, deadline=None)
settings.load_profile(__import__("os").environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "proj")
