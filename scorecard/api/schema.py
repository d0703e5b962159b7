"""The API docs grouped by resource: each operation's tag is its path's resource (set by
``SCHEMA_PATH_PREFIX``), and each gets a one-line summary (a postprocessing hook)."""

from __future__ import annotations

import re
from typing import Any

REQUEST_SHAPE = re.compile(r"^[A-Z]+ \{.*?\}: ")  # "POST {...}: a transition."

# operationId endings of the router's standard actions -> the summary's verb
STANDARD = {
    "_list": "List",
    "_create": "Create",
    "_retrieve": "Retrieve",
    "_update": "Replace",
    "_partial_update": "Update",
    "_destroy": "Delete",
}


def _first_sentence(text: str) -> str:
    line = REQUEST_SHAPE.sub("", " ".join(text.split()))
    for stop in (". ", ": ", "; "):
        if stop in line:
            line = line.split(stop, 1)[0]
    return line.rstrip(".")[:1].upper() + line.rstrip(".")[1:]


def summary_of(operation_id: str, tag: str, description: str, detail: bool) -> str:
    """``List contracts``, ``Retrieve one of vendors``; an extra action: its docstring's first
    sentence."""
    resource = tag.replace("-", " ")
    for ending, verb in sorted(STANDARD.items(), key=lambda kv: -len(kv[0])):
        if operation_id == tag.replace("-", "_") + ending:
            if verb == "List":
                return f"List {resource}"
            return f"{verb} one {'of' if detail else 'in'} {resource}"
    return _first_sentence(description) or operation_id.replace("_", " ").capitalize()


def add_summaries(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Give every operation without a summary one line (drf-spectacular postprocessing hook)."""
    for path, operations in result.get("paths", {}).items():
        detail = path.rstrip("/").endswith("}")
        for operation in operations.values():
            if not isinstance(operation, dict) or operation.get("summary"):
                continue
            tag = (operation.get("tags") or [""])[0]
            operation["summary"] = summary_of(
                operation.get("operationId", ""), tag, operation.get("description", ""), detail
            )
    return result
