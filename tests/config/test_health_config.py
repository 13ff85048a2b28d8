"""The estate file's `health:` section: defaults (existing files stay valid), every knob, every mistake."""

from __future__ import annotations

import pytest
import yaml

from mcctl.config.loader import EstateSource, demo_source, load_estate
from mcctl.domain.estate import DEFAULT_HEALTH_WEIGHTS, HealthDependency, HealthSettings
from mcctl.errors import EstateFileError

DEMO = yaml.safe_load(demo_source().text)


def _load(health: object = None, *, drop: tuple[str, ...] = ()):
    data = {k: v for k, v in DEMO.items() if k not in drop}
    if health is not None:
        data["health"] = health
    return load_estate(EstateSource("estate.yaml", yaml.safe_dump(data)))


def _problems(health: object, **kwargs: object) -> list[str]:
    with pytest.raises(EstateFileError) as info:
        _load(health, **kwargs)
    return info.value.problems


def test_without_a_health_section_the_defaults_apply_and_sql_is_a_shared_dependency() -> None:
    estate = load_estate(demo_source())
    assert "health" not in DEMO
    assert estate.health == HealthSettings(dependencies=(HealthDependency("sql"),))
    assert estate.health.timeout_seconds == 5.0
    assert (estate.health.latency_yellow_ms, estate.health.latency_red_ms, estate.health.min_instances) == (
        1000,
        3000,
        2,
    )
    assert estate.health.weight("redis") == 0.5 and estate.health.weight("dependency:sql") == 1.0


def test_without_sql_there_is_no_default_dependency() -> None:
    assert _load(drop=("sql",)).health.dependencies == ()


def test_every_knob() -> None:
    estate = _load(
        {
            "timeout": "2.5s",
            "min_instances": 3,
            "latency": {"yellow_ms": 500, "red_ms": 1500},
            "weights": {"origin": 0.5, "redis": 1},
            "rollup": {"region": "50%", "estate": "worst"},
            "dependencies": {
                "sql": None,
                "app_configuration": {
                    "health_url": "https://appcs-mc-demo.azconfig.io/health",
                    "impact": "unhealthy",
                    "regions": ["West Europe"],
                    "stamps": ["eus2-1"],
                },
            },
        }
    )
    health = estate.health
    assert health.timeout_seconds == 2.5 and health.min_instances == 3
    assert (health.latency_yellow_ms, health.latency_red_ms) == (500, 1500)
    assert health.weight("origin") == 0.5 and health.weight("redis") == 1.0 and health.weight("probe") == 1.0
    assert (health.region_unhealthy_share, health.estate_unhealthy_share) == (0.5, 0.0)
    deps = {d.name: d for d in health.dependencies}
    sql, appcs = deps["sql"], deps["app_configuration"]
    assert sql == HealthDependency("sql")
    assert appcs == HealthDependency(
        "app_configuration", "https://appcs-mc-demo.azconfig.io/health", "unhealthy", ("weu-1", "weu-2", "eus2-1")
    )
    assert appcs.serves("weu-2") and not appcs.serves("neu-1") and sql.serves("neu-1")


def test_an_empty_dependency_map_means_none_and_fractions_work_too() -> None:
    estate = _load({"dependencies": {}, "rollup": {"region": 0.25}, "timeout": 1})
    assert estate.health.dependencies == ()
    assert estate.health.region_unhealthy_share == 0.25 and estate.health.timeout_seconds == 1.0
    assert dict(estate.health.weights) == dict(DEFAULT_HEALTH_WEIGHTS)


@pytest.mark.parametrize(
    ("health", "problem"),
    [
        (
            {"latency": {"yellow_ms": 3000, "red_ms": 1000}},
            "health.latency.yellow_ms: 3000 must be below red_ms (1000)",
        ),
        ({"weights": {"probes": 1}}, "health.weights.probes: unknown field (check the spelling)"),
        ({"weights": {"redis": 2}}, "health.weights.redis: input should be less than or equal to 1"),
        ({"rollup": {"region": "most"}}, "health.rollup.region: input should be a valid number"),
        ({"rollup": {"estate": "150%"}}, "health.rollup.estate: input should be less than or equal to 1"),
        ({"timeout": "soon"}, "health.timeout: input should be a valid number"),
        ({"timeout": 0}, "health.timeout: input should be greater than 0"),
        ({"dependencies": {"cosmos": {}}}, "health.dependencies.cosmos.health_url: required"),
        (
            {"dependencies": {"cosmos": {"health_url": "https://c/h", "impact": "fatal"}}},
            "health.dependencies.cosmos.impact: must be one of 'degraded' or 'unhealthy', got 'fatal'",
        ),
        (
            {"dependencies": {"cosmos": {"health_url": "https://c/h", "stamps": ["weu-9"]}}},
            "health.dependencies.cosmos.stamps: unknown stamp 'weu-9'",
        ),
        (
            {"dependencies": {"cosmos": {"health_url": "https://c/h", "regions": ["japaneast"]}}},
            "health.dependencies.cosmos.regions: 'japaneast' has no stamps",
        ),
        ({"dependencies": {"cosmos": {"health_url": "ftp://c/h"}}}, "health.dependencies.cosmos.health_url: not an"),
        ({"min_instances": -1}, "health.min_instances: input should be greater than or equal to 0"),
    ],
)
def test_mistakes_are_reported_with_their_path(health: dict, problem: str) -> None:
    problems = _problems(health)
    assert any(p.startswith(problem) for p in problems), problems


def test_the_builtin_sql_check_needs_a_failover_group() -> None:
    problems = _problems({"dependencies": {"sql": {}}}, drop=("sql",))
    assert problems == ["health.dependencies.sql: the built-in 'sql' check needs the estate's `sql:` failover group"]
