"""`mcctl stamps list|show` end to end: CLI → ops → adapters → real SDK → simulated ARM."""

from __future__ import annotations

import json

import yaml

from mcctl.config.loader import demo_source

FIELDS = {
    "name", "region", "resource_group", "plan", "sku", "instances", "workers", "max_instances", "web_app",
    "app_state", "origin", "origin_enabled", "origin_weight", "origin_priority", "redis_link", "sql_role", "serving",
    "edge_health", "traffic_share", "health", "lifecycle", "generation", "color",
}  # fmt: skip


def test_list_json_has_six_stamps_with_every_field(mcctl) -> None:
    result = mcctl("--sim", "-o", "json", "stamps", "list")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows] == ["weu-1", "weu-2", "neu-1", "neu-2", "eus2-1", "eus2-2"]
    assert all(set(r) == FIELDS for r in rows)
    weu1 = rows[0]
    assert (weu1["region"], weu1["sku"], weu1["instances"], weu1["workers"]) == ("westeurope", "P1v3", 3, 3)
    assert (weu1["app_state"], weu1["origin_enabled"], weu1["origin_weight"], weu1["origin_priority"]) == (
        "Running", True, 1000, 1,
    )  # fmt: skip
    assert {r["region"]: r["sql_role"] for r in rows} == {
        "westeurope": "Primary", "northeurope": "Secondary", "eastus2": "Secondary",
    }  # fmt: skip
    assert {r["redis_link"] for r in rows} == {"linked"}
    assert all(r["serving"] for r in rows)
    assert "SIMULATED estate 'demo'" in result.stderr


def test_query_selects_names_like_az(mcctl) -> None:
    result = mcctl("--sim", "-o", "json", "stamps", "list", "--query", "[?region=='northeurope'].name")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == ["neu-1", "neu-2"]


def test_query_before_the_command_is_a_global_option(mcctl) -> None:
    result = mcctl("--sim", "-o", "tsv", "--query", "[?region=='eastus2'].[name, instances]", "stamps", "list")
    assert result.exit_code == 0
    assert result.stdout == "eus2-1\t3\neus2-2\t3\n"


def test_region_filter_and_unknown_region(mcctl) -> None:
    result = mcctl("--sim", "-o", "json", "stamps", "list", "--region", "northeurope")
    assert [r["name"] for r in json.loads(result.stdout)] == ["neu-1", "neu-2"]
    bad = mcctl("--sim", "stamps", "list", "--region", "westeruope")
    assert bad.exit_code == 2 and "--region: 'westeruope' has no stamps" in bad.stderr
    assert bad.stdout == ""


def test_table_is_for_people(mcctl) -> None:
    result = mcctl("--sim", "stamps", "list")
    assert result.exit_code == 0
    for text in ("STAMP", "SERVING", "weu-1", "eus2-2", "P1v3", "primary", "linked"):
        assert text in result.stdout


def test_yaml_output_parses(mcctl) -> None:
    result = mcctl("--sim", "-o", "yaml", "stamps", "list")
    assert len(yaml.safe_load(result.stdout)) == 6


def test_show_has_ids_and_health_url(mcctl) -> None:
    result = mcctl("--sim", "-o", "json", "stamps", "show", "neu-2")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["name"] == "neu-2" and data["health_url"] == "https://app-mc-neu-2.azurewebsites.net/health/stamp"
    ids = data["ids"]
    assert ids["app_service_plan"].endswith("/rg-mc-neu-2/providers/Microsoft.Web/serverfarms/asp-mc-neu-2")
    assert ids["origin"].endswith("/originGroups/og-web/origins/origin-neu-2")
    assert ids["sql_server"].endswith("/Microsoft.Sql/servers/sql-mc-neu")
    assert ids["redis"].endswith("/redisEnterprise/amr-mc-neu/databases/default")
    assert data["problems"] == [] and data["sql_role"] == "Secondary"
    table = mcctl("--sim", "stamps", "show", "neu-2")
    assert "ids.web_app" in table.stdout and "app-mc-neu-2" in table.stdout


def test_unknown_stamp_is_a_usage_error(mcctl) -> None:
    result = mcctl("--sim", "stamps", "show", "nope")
    assert result.exit_code == 2
    assert "mcctl: error: STAMP: unknown stamp 'nope'" in result.stderr.splitlines()[-1]
    assert "SIMULATED estate 'demo'" in result.stderr  # every run on the simulator says so
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_bad_query_and_bad_output_are_usage_errors(mcctl) -> None:
    bad_query = mcctl("--sim", "-o", "json", "stamps", "list", "--query", "[?region==")
    assert bad_query.exit_code == 2 and "--query: invalid JMESPath expression" in bad_query.stderr
    bad_output = mcctl("--sim", "-o", "xml", "stamps", "list")
    assert bad_output.exit_code == 2 and "--output" in bad_output.stderr


def test_invalid_estate_file_lists_each_problem_and_exits_2(mcctl, tmp_path) -> None:
    data = yaml.safe_load(demo_source().text)
    data["stamps"][2]["region"] = "westeruope"
    data["subscription"] = "nope"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    result = mcctl("--estate", str(path), "stamps", "list")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0] == f"mcctl: error: {path} is invalid (2 problems)"
    assert "  stamps[2].region: unknown region 'westeruope' (did you mean 'westeurope'?)" in lines
    assert any(line.startswith("  subscription: not a subscription id") for line in lines)
    assert "Traceback" not in result.stderr


def test_no_estate_file_without_sim_says_how_to_proceed(mcctl, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = mcctl("stamps", "list")
    assert result.exit_code == 2 and "no estate file found" in result.stderr and "--sim" in result.stderr


def test_simulated_twin_of_an_operators_own_estate(mcctl, tmp_path) -> None:
    data = yaml.safe_load(demo_source().text)
    data["name"] = "contoso"
    data["stamps"] = data["stamps"][:4]
    path = tmp_path / "contoso.yaml"
    path.write_text(yaml.safe_dump(data))
    result = mcctl("--sim", "--estate", str(path), "-o", "json", "stamps", "list")
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)) == 4
    assert "SIMULATED estate 'contoso'" in result.stderr and str(path) in result.stderr


def test_throttling_during_list_is_retried(mcctl) -> None:
    armed = mcctl("sim", "fault", "add", "throttle", "--method", "GET", "--path", "/serverfarms", "--count", "2")
    assert armed.exit_code == 0
    result = mcctl("--sim", "-o", "json", "stamps", "list")
    assert result.exit_code == 0 and len(json.loads(result.stdout)) == 6
    status = json.loads(mcctl("-o", "json", "sim", "status").stdout)
    assert status["faults"] == []


def test_a_failing_service_still_shows_the_rest_and_exits_4(mcctl) -> None:
    mcctl("sim", "fault", "add", "error", "--method", "GET", "--path", "/originGroups/og-web/origins", "--count", "20")
    result = mcctl("--sim", "-o", "json", "stamps", "list")
    assert result.exit_code == 4
    rows = json.loads(result.stdout)
    assert len(rows) == 6 and all(r["origin_enabled"] is None for r in rows)
    assert all(r["instances"] == 3 for r in rows)
    assert "HTTP 503" in result.stderr and "origin" in result.stderr


def test_missing_configured_resource_exits_4_naming_it(mcctl, demo_estate) -> None:
    from mcctl.sim.runtime import open_simulator, sim_state_path

    assert mcctl("sim", "status").exit_code == 0  # seeds the persisted demo simulator
    sim, _ = open_simulator(demo_estate, demo_source().fingerprint, path=sim_state_path("demo"))
    with sim.store.transaction():
        sim.store.delete(demo_estate.stamps[1].plan_ref.id)
    result = mcctl("--sim", "-o", "json", "stamps", "list")
    assert result.exit_code == 4
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert rows["weu-2"]["instances"] is None and rows["weu-1"]["instances"] == 3
    assert "stamp weu-2: App Service plan 'asp-mc-weu-2' not found in rg-mc-weu-2" in result.stderr


def test_debug_logs_http_with_authorization_redacted(mcctl) -> None:
    result = mcctl("--sim", "--debug", "-o", "json", "stamps", "list", "--region", "eastus2")
    assert result.exit_code == 0
    assert "Authorization" in result.stderr and "REDACTED" in result.stderr
    assert "eyJ" not in result.stderr


def test_stamps_list_shows_the_health_verdict(mcctl) -> None:
    rows = json.loads(mcctl("--sim", "-o", "json", "stamps", "list").stdout)
    assert {r["health"] for r in rows} == {"healthy"}
    mcctl("sim", "outage", "start", "eastus2")
    rows = json.loads(mcctl("--sim", "-o", "json", "stamps", "list").stdout)
    assert {r["name"] for r in rows if r["health"] == "unhealthy"} == {"eus2-1", "eus2-2"}


def test_parser_usage_errors_are_one_line_naming_the_option(mcctl) -> None:
    for args, expected in (
        (("-o", "xml", "stamps", "list"), "mcctl: error: Invalid value for '--output': must be one of"),
        (("--sim", "scale", "weu-1", "--timeout", "5parsecs"), "mcctl: error: Invalid value for '--timeout'"),
        (("--bogus",), "mcctl: error: No such option: --bogus"),
    ):
        result = mcctl(*args)
        assert result.exit_code == 2
        lines = result.stderr.splitlines()
        assert lines[0].startswith(expected) and lines[1].startswith("  hint: mcctl") and len(lines) == 2
