"""Shared fixtures for the action tests: the real catalogue (content is what the actions say)."""

from __future__ import annotations

import pytest

from bot.build import CATALOGUE_DIR
from bot.catalogue import load_catalogue


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue(CATALOGUE_DIR)
