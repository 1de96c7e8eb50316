"""Fixtures shared by the tests that drive the app over HTTP (tests/browser has its own ``page``)."""

from __future__ import annotations

import copy

import pytest

from app.main import create_app
from bench.dash_client import DashClient, Page


@pytest.fixture(scope="module")
def client() -> DashClient:
    """One app per test module, driven as dash-renderer drives it."""
    return DashClient(create_app())


@pytest.fixture
def page(client) -> Page:
    """The first page's layout, fresh for each test (tests fold answers into it)."""
    return Page(copy.deepcopy(client.page.layout))
