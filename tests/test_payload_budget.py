"""Bytes budgets, measured through the Flask test client as a browser would load the app.

- The first page without Dash's static JS/CSS bundles (those are cached and the same for any Dash
  app): ``GET /``, ``/_dash-layout``, ``/_dash-dependencies``, the callbacks that fire on load, the
  app's own assets and the images the first figures show (the contour PNG) — at most 1.5 MB.
- A runs-only update (a learning-rate change): at most 100 KB.

The app does not compress (Dash's ``compress=False``), so these are the bytes on the wire.
bench/app.py prints the same figures with a breakdown.
"""

from __future__ import annotations

import json
import re

import pytest

from app import ids
from app.components.run_card import RunCard
from app.explore import ids as explore_ids
from app.shell import ids as shell_ids
from bench.dash_client import DashClient, callback_body, image_sources

FIRST_PAGE_BUDGET = 1_500_000
RUNS_UPDATE_BUDGET = 100_000
BUNDLES = "/_dash-component-suites/"


def get(client: DashClient, url: str) -> bytes:
    reply = client.get(url)
    assert reply.status == 200, f"GET {url} answered {reply.status}"
    return reply.data


def test_the_first_page_without_the_js_bundles_fits_the_budget(client):
    html = get(client, "/")
    layout = get(client, "/_dash-layout")
    parts = {
        "GET /": len(html),
        "GET /_dash-layout": len(layout),
        "deps": len(get(client, "/_dash-dependencies")),
    }
    for dep in client.deps:
        if not dep.get("clientside_function") and not dep.get("prevent_initial_call"):
            reply = client.update(callback_body(dep, client.page))
            assert reply.status in (200, 204), reply.text()
            parts[f"on load: {dep['output'][:40]}"] = len(reply.data)
    sources = image_sources(json.loads(layout))
    assert sources, "the first figures show no contour image"
    for url in sources:
        data = get(client, url)
        assert data.startswith(b"\x89PNG")
        parts[url] = len(data)
    for url in re.findall(rb'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html):
        if not url.decode().startswith(BUNDLES):
            parts[url.decode()] = len(get(client, url.decode()))
    total = sum(parts.values())
    assert total <= FIRST_PAGE_BUDGET, (
        f"first page {total / 1e3:.0f} KB > {FIRST_PAGE_BUDGET / 1e3:.0f} KB: {parts}"
    )


@pytest.mark.parametrize("lr", [0.0011, 0.0015, 0.0019])
def test_a_runs_only_update_fits_the_budget(client, lr):
    reply = client.call(f"{explore_ids.SURFACE_3D}.figure", [(RunCard.ids.hp(0, "lr"), "value", lr)])
    assert reply.status == 200, reply.text()
    response = reply.response
    assert "__dash_patch_update" in response[explore_ids.SURFACE_3D]["figure"], "not a runs-only update"
    assert not response[shell_ids.STATUS]["children"], (
        "a run diverged: its path is cut short, the answer smaller"
    )
    steps = client.page.value(ids.STEPS, "value")[1]
    assert response[shell_ids.FRAME]["max"] == steps
    parts = {
        f"{key}.{prop}": len(json.dumps(value))
        for key, props in response.items()
        for prop, value in props.items()
    }
    assert len(reply.data) <= RUNS_UPDATE_BUDGET, (
        f"runs-only update {len(reply.data) / 1e3:.0f} KB > {RUNS_UPDATE_BUDGET / 1e3:.0f} KB: "
        + ", ".join(f"{k} {v / 1e3:.1f} KB" for k, v in sorted(parts.items(), key=lambda kv: -kv[1])[:5])
    )
