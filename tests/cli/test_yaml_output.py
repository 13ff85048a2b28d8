"""`-o yaml` carries the same document as `-o json` for every kind of result (the statuses and kinds
are enums, which YAML's safe dumper used to refuse: exit 1)."""

from __future__ import annotations

import json

import pytest
import yaml


@pytest.mark.parametrize(
    "args",
    [
        ("journal", "show", "latest"),
        ("journal", "list"),
        ("frontdoor", "restore", "northeurope", "--dry-run"),
        ("frontdoor", "drain", "eastus2", "--steps", "50,100", "--dry-run"),
        ("evacuate", "eastus2", "--dry-run"),
        ("scale", "--region", "westeurope", "--to-carry", "northeurope", "--dry-run"),
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_yaml_is_the_json_document(mcctl, args) -> None:
    assert mcctl("--sim", "frontdoor", "drain", "northeurope", "--yes").exit_code == 0
    as_yaml = mcctl("--sim", "-o", "yaml", *args)
    as_json = mcctl("--sim", "-o", "json", *args)
    assert as_yaml.exit_code == 0, as_yaml.stderr
    assert as_json.exit_code == 0, as_json.stderr
    assert yaml.safe_load(as_yaml.stdout) == json.loads(as_json.stdout)
