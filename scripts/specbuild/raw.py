"""Responses that are not JSON become typed raw results, never a degraded operation.

openapi-python-client knows JSON, `text/*` and `application/octet-stream`, plus the
content types `scripts/codegen/config.yaml` maps onto them. Every other response body
(zip, images, `*/*`, ndjson streams) is declared here as binary under a content type the
generator knows, so the generated function returns its bytes (`File`); the endpoint
template turns an `application/x-ndjson` body into an iterator of decoded lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from .bundle import operations

CONFIG = Path(__file__).resolve().parents[1] / "codegen" / "config.yaml"
BINARY = {"type": "string", "format": "binary"}


def _is_json(content_type: str) -> bool:
    base = content_type.split(";", 1)[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


def mapped_content_types(config: Path = CONFIG) -> dict[str, str]:
    raw = yaml.safe_load(config.read_text()) or {}
    return dict(raw.get("content_type_overrides") or {})


def raw_responses(document: dict[str, Any], config: Path = CONFIG) -> list[str]:
    """Declare every non-JSON response body as bytes; returns the "METHOD /path code" changed."""
    mapped = mapped_content_types(config)
    changed = []
    for method, path, op in operations(document):
        for code, response in (op.get("responses") or {}).items():
            content = response.get("content") if isinstance(response, dict) else None
            if not isinstance(content, dict):
                continue
            for content_type in list(content):
                kind = str(content_type)
                if _is_json(kind):
                    continue
                media = content[content_type] if isinstance(content[content_type], dict) else {}
                target = mapped.get(kind, kind)
                binary = _is_binary(media.get("schema"))
                if target.startswith("text/") and not binary:
                    continue  # text: the generator returns it as str
                renamed = target != "application/octet-stream"
                if renamed:  # text declared binary, or a type the generator does not know
                    del content[content_type]
                    content["application/octet-stream"] = media
                if not binary:
                    media["schema"] = dict(BINARY)
                if renamed or not binary:
                    changed.append(f"{method.upper()} {path} {code} {kind}")
    return changed


def _is_binary(schema: Any) -> bool:
    return (
        isinstance(schema, dict)
        and schema.get("type") == "string"
        and (schema.get("format") == "binary")
    )
