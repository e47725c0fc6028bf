"""Fixtures: the real catalogue, the portal contract (docs/demo-portal.md), a catalogue to break."""

from __future__ import annotations

import copy

import pytest
from catalogue_support import (
    CONTRACT_DOC,
    MINI_SITE,
    SERVICES_DIR,
    MiniCatalogue,
    parse_contract,
    site_from_contract,
)

from bot.catalogue import load_catalogue


@pytest.fixture(scope="session")
def contract() -> dict[str, list[dict]]:
    return parse_contract(CONTRACT_DOC.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def contract_site(contract) -> dict:
    return site_from_contract(contract)


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue(SERVICES_DIR)


@pytest.fixture
def mini(tmp_path) -> MiniCatalogue:
    folder = tmp_path / "services"
    folder.mkdir()
    return MiniCatalogue(folder)


@pytest.fixture
def mini_site() -> dict:
    return copy.deepcopy(MINI_SITE)
