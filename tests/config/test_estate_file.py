"""Estate files: discovery order, the schema, and one clear line per mistake (exit 2, no traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mcctl.config.loader import DEMO, EstateSource, demo_source, load_estate, locate_estate
from mcctl.errors import EstateFileError, ExitCode

DEMO_TEXT = demo_source().text


def _demo() -> dict:
    return yaml.safe_load(DEMO_TEXT)


def _problems(data: dict | str) -> list[str]:
    text = data if isinstance(data, str) else yaml.safe_dump(data)
    with pytest.raises(EstateFileError) as info:
        load_estate(EstateSource("bad.yaml", text))
    assert info.value.exit_code == ExitCode.USAGE
    assert all("\n" not in p for p in info.value.problems)
    return info.value.problems


def test_demo_estate_loads_into_the_domain() -> None:
    estate = load_estate(demo_source())
    assert estate.name == "demo"
    assert estate.regions == ("westeurope", "northeurope", "eastus2")
    assert [s.name for s in estate.stamps_in("northeurope")] == ["neu-1", "neu-2"]
    assert estate.sql is not None and estate.sql.servers[0].region == "westeurope"
    assert estate.redis is not None and estate.redis.kind == "managed"
    assert estate.stamps[0].plan_ref.id.endswith("/providers/Microsoft.Web/serverfarms/asp-mc-weu-1")


def _mutate(path: str, value: object) -> dict:
    data = _demo()
    node = data
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if key.isdigit() else node[key]
    last = keys[-1]
    if value is _DELETE:
        del node[int(last) if last.isdigit() else last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return data


_DELETE = object()

MISTAKES = [
    ("stamps.2.region", "westeruope", "stamps[2].region: unknown region 'westeruope' (did you mean 'westeurope'?)"),
    ("subscription", "not-a-guid", "subscription: not a subscription id"),
    ("stamps.0.resource_group", _DELETE, "stamps[0].resource_group: required field missing"),
    ("stamps.1.web_ap", "x", "stamps[1].web_ap: unknown field (check the spelling)"),
    ("redis.kind", "enterprise", "redis.kind: must be one of 'managed' or 'cache', got 'enterprise'"),
    ("credential", "browser", "credential: must be one of"),
    ("stamps.3.health_url", "ftp://x/health", "stamps[3].health_url: not an http(s) URL"),
    ("stamps.4.name", "weu-1", "stamps[4].name: duplicate 'weu-1'"),
    ("stamps.5.origin", "origin-weu-1", "stamps[5].origin: duplicate 'origin-weu-1'"),
    ("cloud", "AzureMoonCloud", "cloud.name: must be one of"),
    ("cloud", {"arm_endpoint": "http://localhost:8443"}, "cloud.arm_endpoint: not an https URL"),
    ("sql.servers", {"westeurope": "sql-a"}, "sql.servers: needs at least 2 entries"),
    ("sql.servers.northeurope", "bad/name", "sql.servers.northeurope.name: not a valid name"),
    ("redis.group_nickname", _DELETE, "redis.group_nickname: required when kind is 'managed'"),
    ("stamps", [], "stamps: needs at least 1 entries"),
    ("frontdoor", "afd", "frontdoor: expected a mapping"),
    ("simulation.instances", 40, "simulation.instances: 40 is above simulation.max_instances (30)"),
    ("simulation.instances", "three", "simulation.instances: expected a whole number"),
    ("redis.members.northeruope", "amr-x", "redis.members.northeruope: unknown region 'northeruope'"),
    ("lock.storage_account", "My_Account", "lock.storage_account: invalid value"),
    ("safety.min_serving_capacity", 1.5, "safety.min_serving_capacity: input should be less than or equal to 1"),
    ("safety.min_serving_regions", -1, "safety.min_serving_regions: input should be greater than or equal to 0"),
]


@pytest.mark.parametrize(("path", "value", "expected"), MISTAKES, ids=[m[0] + ":" + str(m[1])[:12] for m in MISTAKES])
def test_each_mistake_gives_one_line_naming_the_field(path: str, value: object, expected: str) -> None:
    problems = _problems(_mutate(path, value))
    assert any(p.startswith(expected) for p in problems), problems


def test_every_problem_is_reported_at_once() -> None:
    data = _mutate("stamps.0.region", "nowhere")
    data["stamps"][1]["origin"] = data["stamps"][0]["origin"]
    data["subscription"] = "x"
    problems = _problems(data)
    assert len(problems) >= 2  # schema errors first; semantic checks run once the schema holds
    assert any(p.startswith("subscription:") for p in problems)


def test_yaml_syntax_error_names_the_line() -> None:
    problems = _problems("name: demo\nstamps: [\n  {name: a,\n")
    assert len(problems) == 1 and problems[0].startswith("line ")


def test_top_level_must_be_a_mapping() -> None:
    assert _problems("- just\n- a list\n") == ["(top level): expected a mapping of estate settings"]


def test_custom_cloud_ca_bundle_must_exist(tmp_path: Path) -> None:
    data = _mutate("cloud", {"arm_endpoint": "https://127.0.0.1:8443", "ca_bundle": "missing.pem"})
    data["lock"]["endpoint"] = "https://127.0.0.1:8444"
    path = tmp_path / "e.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(EstateFileError) as info:
        load_estate(EstateSource(str(path), path.read_text()))
    assert info.value.problems == ["cloud.ca_bundle: file not found 'missing.pem'"]


def test_custom_cloud_resolves_ca_bundle_next_to_the_estate_file(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("x")
    data = _mutate("cloud", {"arm_endpoint": "https://127.0.0.1:8443", "ca_bundle": "ca.pem"})
    del data["lock"]
    path = tmp_path / "e.yaml"
    path.write_text(yaml.safe_dump(data))
    estate = load_estate(EstateSource(str(path), path.read_text()))
    assert estate.cloud.name == "custom"
    assert estate.cloud.ca_bundle == str(tmp_path / "ca.pem")


def test_custom_cloud_needs_a_lock_endpoint() -> None:
    problems = _problems(_mutate("cloud", {"arm_endpoint": "https://127.0.0.1:8443"}))
    assert problems == ["lock.endpoint: required with a custom cloud (the blob service URL)"]


def test_safety_thresholds_accept_percentages_and_default_the_lock_blob() -> None:
    data = _demo()
    data["safety"] = {"min_serving_capacity": "75%", "min_serving_stamps": 3}
    estate = load_estate(EstateSource("x.yaml", yaml.safe_dump(data)))
    assert (estate.safety.min_serving_capacity, estate.safety.min_serving_stamps) == (0.75, 3)
    assert estate.safety.min_serving_regions == 1
    assert estate.lock is not None and estate.lock.blob == "demo.lock" and estate.lock.lease_seconds == 60


def test_per_stamp_subscription_and_server_overrides() -> None:
    data = _demo()
    data["stamps"][0]["subscription"] = "11111111-1111-4111-8111-111111111111"
    data["sql"]["servers"]["eastus2"] = {"name": "sql-x", "resource_group": "rg-other"}
    estate = load_estate(EstateSource("x.yaml", yaml.safe_dump(data)))
    assert estate.stamps[0].subscription == "11111111-1111-4111-8111-111111111111"
    assert estate.subscriptions == (estate.subscription, "11111111-1111-4111-8111-111111111111")
    server = estate.sql.server_in("eastus2")
    assert server is not None and server.ref.resource_group == "rg-other" and server.ref.name == "sql-x"


class TestDiscovery:
    def test_explicit_path_wins(self, tmp_path: Path) -> None:
        path = tmp_path / "mine.yaml"
        path.write_text(DEMO_TEXT)
        (tmp_path / "mcctl.yaml").write_text("other")
        assert locate_estate(str(path), sim=False, cwd=tmp_path).location == str(path)

    def test_cwd_file_then_user_config(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        config = tmp_path / "config"
        config.mkdir(exist_ok=True)
        (config / "estate.yaml").write_text(DEMO_TEXT)
        monkeypatch.setenv("MCCTL_CONFIG_DIR", str(config))
        work = tmp_path / "work"
        work.mkdir()
        assert locate_estate(None, sim=False, cwd=work).location == str(config / "estate.yaml")
        (work / "mcctl.yaml").write_text(DEMO_TEXT)
        assert locate_estate(None, sim=False, cwd=work).location == str(work / "mcctl.yaml")

    def test_sim_without_explicit_file_is_the_demo_even_with_a_local_file(self, tmp_path: Path) -> None:
        (tmp_path / "mcctl.yaml").write_text("real estate")
        assert locate_estate(None, sim=True, cwd=tmp_path).location == DEMO

    def test_nothing_found_is_a_usage_error_with_a_hint(self, tmp_path: Path) -> None:
        with pytest.raises(EstateFileError) as info:
            locate_estate(None, sim=False, cwd=tmp_path)
        assert info.value.exit_code == ExitCode.USAGE
        assert "--sim" in (info.value.hint or "")

    def test_missing_explicit_file(self, tmp_path: Path) -> None:
        with pytest.raises(EstateFileError, match="estate file not found"):
            locate_estate(str(tmp_path / "nope.yaml"), sim=False)
