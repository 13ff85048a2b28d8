"""`discover:` in the estate file through the CLI: stamps tagged on the simulated Azure join
`stamps list` next to the file's (found with Resource Graph, over several pages), and a bad
`discover:` value is one line naming the field, exit 2, before anything is read or changed."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from mcctl.config.loader import demo_source
from mcctl.sim.providers.web import plan_body, plan_id, site_body, site_id


def _estate_file(tmp_path: Path, discover: Any) -> str:
    data = yaml.safe_load(demo_source().text)
    data["discover"] = discover
    path = tmp_path / "estate.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return str(path)


def _add_tagged_apps(state_file: Path, subscription: str, tags_by_name: dict[str, dict[str, str]]) -> None:
    """What a pipeline leaves in the (persisted) simulated Azure: a plan and a tagged web app per name."""
    state = json.loads(state_file.read_text(encoding="utf-8"))
    for name, tags in tags_by_name.items():
        pid = plan_id(subscription, f"rg-{name}", f"asp-{name}")
        sid = site_id(subscription, f"rg-{name}", f"app-{name}")
        state["resources"][pid.lower()] = plan_body(pid, "northeurope", "P1v3", 2, 30)
        state["resources"][sid.lower()] = site_body(sid, "northeurope", pid, tags)
    state_file.write_text(json.dumps(state), encoding="utf-8")


def test_stamps_list_shows_the_files_stamps_and_those_found_by_tag(mcctl, tmp_path: Path) -> None:
    estate = _estate_file(tmp_path, {"tag": "mcctl-estate=demo", "page_size": 2})
    first = mcctl("--sim", "--estate", estate, "-o", "json", "stamps", "list", "--no-health")
    assert first.exit_code == 0, first.stderr
    assert [s["name"] for s in json.loads(first.stdout)] == ["weu-1", "weu-2", "neu-1", "neu-2", "eus2-1", "eus2-2"]
    state_file = Path(os.environ["MCCTL_STATE_DIR"]) / "sim" / "demo.json"
    subscription = yaml.safe_load(demo_source().text)["subscription"]
    _add_tagged_apps(
        state_file,
        subscription,
        {
            "neu-3": {"mcctl-estate": "demo", "mcctl-stamp": "neu-3"},
            "neu-4": {"mcctl-estate": "demo", "mcctl-stamp": "neu-4", "mcctl-generation": "g7"},
            "other": {"mcctl-estate": "staging", "mcctl-stamp": "neu-9"},
            "dupe": {"mcctl-estate": "demo", "mcctl-stamp": "weu-1"},
        },
    )
    result = mcctl("--sim", "--estate", estate, "-o", "json", "stamps", "list", "--no-health")
    assert result.exit_code == 0, result.stderr
    stamps = {s["name"]: s for s in json.loads(result.stdout)}
    assert list(stamps) == ["weu-1", "weu-2", "neu-1", "neu-2", "eus2-1", "eus2-2", "neu-3", "neu-4"]
    assert stamps["weu-1"]["web_app"] == "app-mc-weu-1"  # the file's stamp wins over a tag claiming its name
    assert (stamps["neu-3"]["web_app"], stamps["neu-3"]["region"]) == ("app-neu-3", "northeurope")
    assert (stamps["neu-3"]["lifecycle"], stamps["neu-4"]["generation"]) == ("candidate", "g7")
    assert stamps["neu-4"]["instances"] == 2  # read like any stamp once found


@pytest.mark.parametrize(
    ("discover", "field"),
    [
        ({"tag": "mcctl-estate"}, "discover.tag: not a tag as NAME=VALUE"),
        ({"tag": "mcctl-estate=it's"}, "discover.tag: not a tag as NAME=VALUE"),
        ({"tag": "a=b", "page_size": 5000}, "discover.page_size: input should be less than or equal to 1000"),
        ({"tag": "a=b", "stamp_tag": "x=y"}, "discover.stamp_tag: not a tag name"),
        ({"tag": "a=b", "subscriptions": ["sub-1"]}, "discover.subscriptions[0]: not a subscription id"),
        ({"tag": "a=b", "subscriptions": []}, "discover.subscriptions: needs at least 1 entries"),
        ({"tag": "a=b", "tags": "x"}, "discover.tags: unknown field"),
        (["a=b"], "discover: expected a mapping"),
    ],
)
def test_a_bad_discover_value_is_one_line_naming_the_field(mcctl, tmp_path: Path, discover: Any, field: str) -> None:
    result = mcctl("--sim", "--estate", _estate_file(tmp_path, discover), "stamps", "list", "--no-health")
    assert result.exit_code == 2
    assert "is invalid (1 problem)" in result.stderr
    problems = [line.strip() for line in result.stderr.splitlines() if line.strip().startswith("discover")]
    assert len(problems) == 1 and problems[0].startswith(field), result.stderr
    assert not (Path(os.environ["MCCTL_STATE_DIR"]) / "sim" / "demo.json").exists()  # nothing was read or seeded
