"""openapi.yaml as schemathesis sees it for this run: schemathesis.toml plus the run's settings."""

from __future__ import annotations

import tomllib
from typing import Any

import schemathesis
from schemathesis.specs.openapi.schemas import OpenApiSchema

from dialnexa_contract._settings import Settings
from dialnexa_contract._spec import ROOT, SCHEMATHESIS_CONFIG_PATH, spec_path
from dialnexa_contract._target import Target


def schemathesis_config(settings: Settings) -> schemathesis.Config:
    """schemathesis.toml, with this run's seed and example count laid over it."""
    data: dict[str, Any] = tomllib.loads(SCHEMATHESIS_CONFIG_PATH.read_text(encoding="utf-8"))
    data["seed"] = settings.seed
    data.setdefault("generation", {})["max-examples"] = settings.max_examples
    return schemathesis.Config.from_dict(data, base_dir=str(ROOT))


def load_server_schema(target: Target) -> OpenApiSchema:
    schema = schemathesis.openapi.from_path(
        spec_path(), config=schemathesis_config(target.settings)
    )
    schema.app = target.app
    schema.config.update(
        base_url=target.base_url,
        headers={"Authorization": f"Bearer {target.settings.token}"},
        request_timeout=target.request_timeout,
    )
    return schema
