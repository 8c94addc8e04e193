"""The OpenAPI 3 document, built from the registered routes (a new route documents itself)."""

from __future__ import annotations

import re

from flask import jsonify

from ..registry import KERNEL_VERSION

ERROR_SCHEMA = {"type": "object", "properties": {"error": {"type": "object", "properties": {
    "code": {"type": "integer"}, "name": {"type": "string"}, "message": {"type": "string"}}}}}


def _path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def _path_params(rule: str) -> list[dict]:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "integer" if kind == "int" else "string"}}
            for kind, name in re.findall(r"<(?:([a-z]+):)?([a-z_]+)>", rule)]


def build(api) -> dict:
    paths: dict[str, dict] = {}
    for op in api.operations:
        responses = {"200": {"description": "OK", "content": {"application/json": {"schema": op.response or {}}}}}
        if not op.public:
            responses["401"] = {"description": "Missing or invalid token",
                                "content": {"application/json": {"schema": ERROR_SCHEMA}}}
        entry = {"summary": op.summary, "tags": [op.tag], "parameters": _path_params(op.path) + op.params,
                 "responses": responses}
        if op.public:
            entry["security"] = []
        paths.setdefault("/api/v1" + _path(op.path), {})[op.method] = entry
    return {
        "openapi": "3.0.3",
        "info": {"title": "Distretto API", "version": KERNEL_VERSION},
        "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
                       "schemas": {"Error": ERROR_SCHEMA}},
        "security": [{"token": []}],
        "paths": paths,
    }


def register(api) -> None:
    @api.route("/openapi.json", summary="This document", public=True)
    def openapi_document():
        return jsonify(build(api))
