"""The training tests' data bundle, for the CLI cases here."""

from __future__ import annotations

from tests.training.conftest import fixture_home  # noqa: F401 (a fixture)
