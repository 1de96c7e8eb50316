"""Talk to a Dash app the way the browser's dash-renderer does, without a browser.

A ``DashClient`` wraps either the Flask test client of an app (``DashClient(create_app())``) or a
server at a base URL (``DashClient("http://127.0.0.1:8050")``). It reads the page's layout and
callback map (``/_dash-layout``, ``/_dash-dependencies``), builds the JSON body that dash-renderer
POSTs to ``/_dash-update-component`` when some inputs change, sends it and decodes the answer::

    client = DashClient(create_app())
    reply = client.call("surface-3d.figure", [(RunCard.ids.hp(0, "lr"), "value", 0.01)])
    reply.status            # 200, or 204 when the callback changed nothing
    reply.response          # {component id: {property: new value}}; outputs left alone are absent

Pattern-matching ``ALL`` ids are expanded to every matching component of the layout, in layout
order, as the renderer does. ``Page.apply(response)`` folds an answer back into the layout (e.g. new
run cards), so the next request sees the new components. Used by bench/app.py, bench/load.py and the
HTTP tests. A URL client holds one keep-alive connection: use one client per thread.
"""

from __future__ import annotations

import gzip
import http.client
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

UPDATE_URL = "/_dash-update-component"
#: What a browser sends. The app compresses (brotli or gzip): replies are decoded, ``Reply.wire`` is
#: the size as sent.
HEADERS = {"Accept": "application/json", "Accept-Encoding": "gzip, deflate, br"}
WILDCARDS = ("ALL", "MATCH", "ALLSMALLER")
PATCH_KEY = "__dash_patch_update"

Coding = str | None  # a reply's Content-Encoding

#: ``(component id, property, new value)``: one changed prop of a request.
Change = tuple[Any, str, Any]


# ------------------------------------------------------------------ requests as dash-renderer makes them


def stringify_id(component_id) -> str:
    """dash-renderer's ``stringifyId``: a dict id as JSON with sorted keys and no spaces."""
    if not isinstance(component_id, dict):
        return component_id
    return json.dumps(component_id, sort_keys=True, separators=(",", ":"))


def parse_id(text: str):
    return json.loads(text) if text.startswith("{") else text


def split_outputs(output: str) -> list[tuple[Any, str]]:
    """``[(id, property)]`` from a dependency's output string (``..a.x...b.y..`` when several)."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    out = []
    for part in parts:
        if part.startswith("{"):
            end = part.rindex("}") + 1
            out.append((json.loads(part[:end]), part[end + 1 :]))
        else:
            name, prop = part.split(".", 1)
            out.append((name, prop))
    return out


def components(node) -> Iterator[dict]:
    """Every component in a layout JSON tree, depth first (children, and components in other props)."""
    if isinstance(node, list):
        for item in node:
            yield from components(item)
    elif isinstance(node, dict):
        if "type" in node and "namespace" in node and isinstance(node.get("props"), dict):
            yield node
            node = node["props"]
        for key, value in node.items():
            if key != "figure" and isinstance(value, (list, dict)):
                yield from components(value)


def image_sources(layout: dict) -> set[str]:
    """The images the page's figures point to (the contour map PNG)."""
    sources = set()
    for component in components(layout):
        figure = component["props"].get("figure") or {}
        for image in (figure.get("layout") or {}).get("images", []):
            if isinstance(image.get("source"), str) and image["source"].startswith("/"):
                sources.add(image["source"])
    return sources


class Page:
    """The components of a layout by id, to fill callback inputs the way the renderer does."""

    def __init__(self, layout: dict):
        self.layout = layout
        self._index()

    def _index(self) -> None:
        self.props = {}
        for component in components(self.layout):
            component_id = component["props"].get("id")
            if component_id is not None:
                self.props[stringify_id(component_id)] = (component_id, component["props"])

    def matching(self, pattern) -> list:
        """Concrete ids for a pattern-matching id (ALL only), in layout order; a plain id as itself."""
        if not isinstance(pattern, dict):
            if pattern not in self.props:
                raise KeyError(f"no component {pattern!r} in the layout")
            return [pattern]
        wild = {k for k, v in pattern.items() if isinstance(v, list) and v and v[0] in WILDCARDS}
        if any(pattern[k][0] != "ALL" for k in wild):
            raise ValueError(f"only ALL wildcards can be filled without a trigger: {pattern}")
        return [
            cid
            for cid, _ in self.props.values()
            if isinstance(cid, dict)
            and cid.keys() == pattern.keys()
            and all(k in wild or cid[k] == pattern[k] for k in pattern)
        ]

    def value(self, component_id, prop: str, overrides: dict | None = None):
        """``(present, value)`` of a prop: ``overrides`` (``{(stringified id, prop): value}``) first."""
        key = (stringify_id(component_id), prop)
        if overrides and key in overrides:
            return True, overrides[key]
        props = self.props[stringify_id(component_id)][1]
        return prop in props, props.get(prop)

    def set(self, changes: list[Change]) -> None:
        """Give props new values, as a user typing into controls does."""
        for component_id, prop, value in changes:
            self.props[stringify_id(component_id)][1][prop] = value
        self._index()

    def apply(self, response: dict) -> None:
        """Fold a callback's answer into the layout, as the renderer does. Patches (``Patch()``
        answers) are not replayed: their props keep their old value here."""
        for key, props in response.items():
            if key not in self.props:
                continue
            for prop, value in props.items():
                if not (isinstance(value, dict) and PATCH_KEY in value):
                    self.props[key][1][prop] = value
        self._index()


def callback_body(
    dep: dict, page: Page, changed: list[Change] | tuple = (), values: list[Change] | tuple = ()
) -> dict:
    """The JSON dash-renderer POSTs for ``dep`` when the props in ``changed`` got new values.

    ``changed``: ``(id, property, new value)`` triples, all of them triggers of this request.
    ``values``: more ``(id, property, value)`` for inputs or state, sent without being triggers (as
    after an earlier change). Every other input and state takes its value from ``page``.
    """
    overrides = {(stringify_id(i), p): v for i, p, v in [*values, *changed]}

    def fill(spec: dict, with_value: bool):
        pattern = parse_id(spec["id"])
        items = []
        for cid in page.matching(pattern):
            item = {"id": cid, "property": spec["property"]}
            if with_value:
                present, value = page.value(cid, spec["property"], overrides)
                if present:  # the renderer sends `undefined` (no key) for a prop never set
                    item["value"] = value
            items.append(item)
        return items if isinstance(pattern, dict) else items[0]

    outputs = [fill({"id": stringify_id(i), "property": p}, False) for i, p in split_outputs(dep["output"])]
    changed_ids = [f"{stringify_id(i)}.{p}" for i, p, _ in changed]
    body = {
        "output": dep["output"],
        "outputs": outputs if dep["output"].startswith("..") else outputs[0],
        "inputs": [fill(spec, True) for spec in dep["inputs"]],
        "changedPropIds": changed_ids,
        "parsedChangedPropsIds": [
            json.loads(c[: c.rindex("}") + 1]) if c.startswith("{") else c for c in changed_ids
        ],
    }
    if dep["state"]:
        body["state"] = [fill(spec, True) for spec in dep["state"]]
    return body


def output_parts(output: str) -> set[str]:
    """The ``"id.prop"`` outputs of a callback's output string (``split_outputs``), without the
    ``"@hash"`` suffix an ``allow_duplicate`` output carries there."""
    return {f"{stringify_id(i)}.{prop.split('@', 1)[0]}" for i, prop in split_outputs(output)}


def find_callback(deps: list[dict], output_part: str, triggers: tuple = ()) -> dict:
    """The one server-side callback with every output of ``output_part`` among its own.

    ``output_part`` is one ``"id.prop"`` or several joined by ``"..."`` (a trailing ``"..."`` says
    "and more"); each must equal one of the callback's outputs exactly, so ``inspect-data.data`` does
    not find ``net-inspect-data.data``. When several callbacks have them, ``triggers`` (``(id, prop)``
    pairs that changed) picks the one those fire, as the browser would.
    """
    wanted = {part for part in output_part.split("...") if part}
    found = [d for d in deps if wanted <= output_parts(d["output"]) and not d.get("clientside_function")]
    fired = {(stringify_id(component_id), prop) for component_id, prop in triggers}
    if len(found) > 1 and fired:  # (a wildcard input, ALL or MATCH, is not matched here)
        inputs = [{(stringify_id(i["id"]), i["property"]) for i in d["inputs"]} for d in found]
        found = [d for d, own in zip(found, inputs, strict=True) if fired & own] or found
    if len(found) != 1:
        raise LookupError(f"expected one server callback with output {output_part!r}, found {len(found)}")
    return found[0]


def answer(data: bytes) -> dict:
    """The ``response`` of a callback's answer: ``{component id: {property: value}}``."""
    return json.loads(data)["response"]


# ------------------------------------------------------------------------------------------ sending


@dataclass(frozen=True)
class Reply:
    """One answer: HTTP status, body bytes as received, and the wall time of the request."""

    status: int
    data: bytes
    seconds: float
    wire: int = -1  # bytes as sent (compressed), -1 if unknown

    @property
    def response(self) -> dict:
        """The callback's ``response`` (``{}`` for a 204: the callback changed nothing)."""
        return answer(self.data) if self.status == 200 and self.data else {}

    def text(self, limit: int = 4000) -> str:
        return self.data[:limit].decode(errors="replace")


def decoded(data: bytes, encoding: str | None) -> bytes:
    """A body as the browser reads it: brotli or gzip undone."""
    if encoding == "gzip":
        return gzip.decompress(data)
    if encoding == "br":
        import brotli

        return brotli.decompress(data)
    if encoding in (None, "", "identity"):
        return data
    raise ValueError(f"unexpected Content-Encoding {encoding!r}")


class _TestTransport:
    def __init__(self, flask_app):
        self.client = flask_app.test_client()

    def request(self, method: str, url: str, body: bytes | None, headers: dict) -> tuple[int, bytes, Coding]:
        response = self.client.open(url, method=method, data=body, headers=headers)
        return response.status_code, response.get_data(), response.headers.get("Content-Encoding")

    def close(self) -> None:
        pass


class _HTTPTransport:
    """One keep-alive connection (reopened by ``http.client`` when the server closes it)."""

    def __init__(self, base_url: str, timeout: float):
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"expected a base URL such as http://127.0.0.1:8050, got {base_url!r}")
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
        self.prefix = parts.path.rstrip("/")

    def request(self, method: str, url: str, body: bytes | None, headers: dict) -> tuple[int, bytes, Coding]:
        reused = self.connection.sock is not None
        try:
            response, data = self._exchange(method, url, body, headers)
        except (ConnectionError, http.client.RemoteDisconnected):
            self.connection.close()
            if not reused:
                raise
            # The server closed the idle keep-alive connection as the request went out: a browser
            # sends it again on a new connection, and so does this client (once).
            response, data = self._exchange(method, url, body, headers)
        return response.status, data, response.getheader("Content-Encoding")

    def _exchange(self, method, url, body, headers):
        try:
            self.connection.request(method, self.prefix + url, body=body, headers=headers)
            response = self.connection.getresponse()
            return response, response.read()
        except (ConnectionError, http.client.HTTPException, TimeoutError):
            self.connection.close()  # never read a late answer as the next request's
            raise

    def close(self) -> None:
        self.connection.close()


class DashClient:
    """A Dash app as the browser sees it: ``target`` is a ``Dash`` or Flask app (served through
    Flask's test client, in this process) or a base URL (``http://host:port``, over HTTP)."""

    def __init__(self, target, *, headers: dict | None = None, timeout: float = 30.0, prefix: str = ""):
        """``prefix``: the Dash app's ``url_base_pathname`` without its last slash (``"/class"`` for
        the classroom's pages), before ``/_dash-dependencies`` and the other Dash routes."""
        self.headers = dict(HEADERS if headers is None else headers)
        self.prefix = prefix.rstrip("/")
        if isinstance(target, str):
            self.transport = _HTTPTransport(target, timeout)
        else:
            self.transport = _TestTransport(getattr(target, "server", target))

    def get(self, url: str) -> Reply:
        return self._send("GET", url, None, {})

    def post(self, url: str, body) -> Reply:
        """POST ``body`` as JSON (a ``str`` or ``bytes`` body is sent as it is: hand-made requests)."""
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        data = data.encode() if isinstance(data, str) else data
        return self._send("POST", url, data, {"Content-Type": "application/json"})

    def _send(self, method: str, url: str, body: bytes | None, headers: dict) -> Reply:
        start = time.perf_counter()
        status, data, encoding = self.transport.request(method, url, body, {**self.headers, **headers})
        return Reply(status, decoded(data, encoding), time.perf_counter() - start, len(data))

    def close(self) -> None:
        self.transport.close()

    # The page, read once.

    @cached_property
    def deps(self) -> list[dict]:
        """``/_dash-dependencies``: every callback's outputs, inputs and state."""
        return json.loads(self._ok(self.get(self.prefix + "/_dash-dependencies")).data)

    @cached_property
    def page(self) -> Page:
        """The components of ``/_dash-layout`` (update it with ``page.set`` / ``page.apply``)."""
        return Page(json.loads(self._ok(self.get(self.prefix + "/_dash-layout")).data))

    @staticmethod
    def _ok(reply: Reply) -> Reply:
        if reply.status != 200:
            raise RuntimeError(f"the app answered {reply.status}: {reply.text(500)}")
        return reply

    # Callbacks.

    def callback(self, output_part: str, triggers: tuple = ()) -> dict:
        """The server callback with ``output_part`` (``"id.prop"``) among its outputs (and one of
        ``triggers`` among its inputs, if several have it)."""
        return find_callback(self.deps, output_part, triggers)

    def body(
        self, output_part: str, changed: list[Change] | tuple = (), page: Page | None = None, values=()
    ) -> dict:
        """The request body of that callback after the ``changed`` props got their new values
        (``values``: other props' values, not triggers; see ``callback_body``)."""
        triggers = tuple((change[0], change[1]) for change in changed)
        return callback_body(self.callback(output_part, triggers), page or self.page, changed, values)

    def update(self, body) -> Reply:
        """POST a callback request (a body from ``body()``, possibly edited, or raw text)."""
        return self.post(self.prefix + UPDATE_URL, body)

    def call(
        self, output_part: str, changed: list[Change] | tuple = (), page: Page | None = None, values=()
    ) -> Reply:
        """Fire the callback with output ``output_part`` as the renderer does after ``changed``."""
        return self.update(self.body(output_part, changed, page, values))
