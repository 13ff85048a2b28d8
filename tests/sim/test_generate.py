"""Generated estates (mcctl/sim/generate.py, `mcctl sim generate`): valid, deterministic, any size."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mcctl.cli.main import create_app
from mcctl.config.loader import EstateSource, demo_source, load_estate
from mcctl.sim.generate import MAX_REGIONS, GenerateError, estate_data, estate_yaml


@pytest.fixture
def mcctl():
    runner = CliRunner()
    return lambda *args: runner.invoke(create_app(), list(args))


def _load(text: str, tmp_path: Path):
    path = tmp_path / "generated.yaml"
    path.write_text(text, encoding="utf-8")
    return load_estate(EstateSource(str(path), text))


def test_a_generated_estate_is_a_valid_estate_file_of_the_asked_size(tmp_path: Path) -> None:
    estate = _load(estate_yaml("prod", 12, 20), tmp_path)
    assert len(estate.stamps) == 240
    assert len({s.name for s in estate.stamps}) == 240
    assert len({s.web_app for s in estate.stamps}) == 240  # web app names are global in Azure
    assert len(estate.regions) == 12
    assert {sum(1 for s in estate.stamps if s.region == r) for r in estate.regions} == {20}
    assert estate.sql is not None and len(estate.sql.servers) == 3  # a primary and two secondaries
    assert estate.redis is not None and len(estate.redis.members) == 5  # Managed Redis geo-replication: at most 5
    assert estate.lock is not None


def test_the_same_arguments_give_the_same_file_and_other_names_other_resources() -> None:
    assert estate_yaml("prod", 3, 4) == estate_yaml("prod", 3, 4)
    prod, test = estate_data("prod", 3, 4), estate_data("test", 3, 4)
    assert prod["subscription"] != test["subscription"]
    assert prod["frontdoor"]["endpoint_host"] != test["frontdoor"]["endpoint_host"]
    assert prod["stamps"][0]["web_app"] != test["stamps"][0]["web_app"]


def test_three_regions_of_two_stamps_have_the_demo_s_regions_and_stamp_names() -> None:
    demo = load_estate(demo_source())
    data = estate_data("demo-like", 3, 2)
    assert [(s["name"], s["region"]) for s in data["stamps"]] == [(s.name, s.region) for s in demo.stamps]


def test_one_region_has_no_failover_group_and_still_loads(tmp_path: Path) -> None:
    estate = _load(estate_yaml("solo", 1, 2), tmp_path)
    assert estate.sql is None and len(estate.stamps) == 2


@pytest.mark.parametrize(
    ("args", "argument"),
    [
        (("x", 0, 1), "regions"),
        (("x", MAX_REGIONS + 1, 1), "regions"),
        (("x", 2, 0), "stamps_per_region"),
        (("x", 2, 501), "stamps_per_region"),
        (("bad name", 2, 2), "name"),
        (("", 2, 2), "name"),
    ],
)
def test_bad_arguments_are_refused_naming_the_argument(args: tuple, argument: str) -> None:
    with pytest.raises(GenerateError) as info:
        estate_data(*args)
    assert str(info.value).startswith(f"{argument}: ")


def test_sim_generate_writes_the_file_that_stamps_list_then_reads(mcctl, tmp_path: Path) -> None:
    target = tmp_path / "big.yaml"
    result = mcctl(
        "-o", "json", "sim", "generate", "--regions", "2", "--stamps-per-region", "3", "--output", str(target)
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"estate_file": str(target), "name": "generated", "regions": 2, "stamps": 6}
    assert target.read_text(encoding="utf-8") == estate_yaml("generated", 2, 3)

    listed = mcctl("--sim", "--estate", str(target), "-o", "json", "stamps", "list")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [r["name"] for r in rows] == ["weu-1", "weu-2", "weu-3", "neu-1", "neu-2", "neu-3"]
    assert {r["health"] for r in rows} == {"healthy"}


def test_sim_generate_without_output_writes_the_file_to_stdout(mcctl) -> None:
    result = mcctl("sim", "generate", "--regions", "1", "--stamps-per-region", "1", "--name", "tiny")
    assert result.exit_code == 0, result.output
    assert result.stdout == estate_yaml("tiny", 1, 1)


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (["--regions", "0", "--stamps-per-region", "2"], "--regions"),
        (["--regions", "41", "--stamps-per-region", "2"], "--regions"),
        (["--regions", "2", "--stamps-per-region", "0"], "--stamps-per-region"),
        (["--regions", "2", "--stamps-per-region", "2", "--name", "no spaces"], "--name"),
        (["--regions", "two", "--stamps-per-region", "2"], "--regions"),
    ],
)
def test_bad_options_exit_2_with_one_line_naming_the_option_and_write_nothing(
    mcctl, tmp_path: Path, options: list[str], named: str
) -> None:
    target = tmp_path / "out.yaml"
    result = mcctl("sim", "generate", *options, "--output", str(target))
    assert result.exit_code == 2, result.output
    [line] = [line for line in result.stderr.splitlines() if "error" in line]
    assert named in line
    assert not target.exists()


def test_an_existing_file_is_replaced_only_with_force(mcctl, tmp_path: Path) -> None:
    target = tmp_path / "estate.yaml"
    target.write_text("mine\n", encoding="utf-8")
    args = ("sim", "generate", "--regions", "1", "--stamps-per-region", "1", "--output", str(target))
    refused = mcctl(*args)
    assert refused.exit_code == 2 and "--output" in refused.stderr
    assert target.read_text(encoding="utf-8") == "mine\n"
    assert mcctl(*args, "--force").exit_code == 0
    assert target.read_text(encoding="utf-8") == estate_yaml("generated", 1, 1)


def test_the_largest_estate_generate_writes_is_one_mcctl_loads() -> None:
    from mcctl.config.loader import EstateSource, load_estate
    from mcctl.sim.generate import MAX_STAMPS, GenerateError, estate_yaml

    largest = load_estate(EstateSource("largest.yaml", estate_yaml("largest", 40, MAX_STAMPS // 40)))
    assert len(largest.stamps) == MAX_STAMPS
    with pytest.raises(GenerateError, match=r"^stamps_per_region: 40 regions × 251 is 10040 stamps"):
        estate_yaml("too-big", 40, 251)
