"""The shape of a callback request, checked before Dash dispatches it.

Dash's dispatch raises (``KeyError``, ``IndexError``, ``AttributeError``) on bodies that its own
renderer never sends: that would be a 500. A hand-made request of the wrong shape gets a 400 here.
"""

from __future__ import annotations

UPDATE_PATH = "/_dash-update-component"


def malformed(body, callback_map: dict) -> str | None:
    """Why ``body`` is not a callback request this app could answer, or ``None`` if it has the shape."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or output not in callback_map:
        return "unknown output"
    callback = callback_map[output]
    for key, expected in (("inputs", callback["inputs"]), ("state", callback["state"])):
        given = body.get(key, [])
        if not isinstance(given, list) or len(given) != len(expected):
            return f"{key} must list {len(expected)} dependencies"
        if not all(_dependency(item) for item in given):
            return f"each of {key} must be {{id, property, value}} or a list of them"
    outputs = body.get("outputs", [])
    if not isinstance(outputs, (list, dict)) or not all(_dependency(o) for o in _listed(outputs)):
        return "outputs must be {id, property} or a list of them"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "changedPropIds must be a list of strings"
    return None


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def _dependency(item) -> bool:
    """``{"id": ..., "property": str}`` or (pattern-matching) a list of such."""
    if isinstance(item, list):
        return all(_dependency(i) for i in item if not isinstance(i, list))
    return isinstance(item, dict) and isinstance(item.get("property"), str) and "id" in item
