"""The drill plan file: every step kind read into normalised params, parallel groups, defaults,
durations, and one field-path line per problem for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcctl.config.drillfile import load_drill_plan, parse_drill_plan
from mcctl.domain.drill.spec import DrillPlanError, DrillSpec, DrillStepKind, OnFailure, ProbeSpec
from mcctl.errors import ExitCode

HEAD = "drill: 1\nname: d\nsteps:\n"

GRADUAL = {"steps": None, "interval": None, "verify": True}  # as the commands: their defaults


def _steps(body: str) -> DrillSpec:
    return parse_drill_plan(HEAD + body, "drill.yaml")


def _problems(text: str) -> list[str]:
    with pytest.raises(DrillPlanError) as info:
        parse_drill_plan(text, "drill.yaml")
    assert info.value.exit_code == ExitCode.USAGE
    return info.value.problems


def _step_problems(body: str) -> list[str]:
    return _problems(HEAD + body)


# --- good files ----------------------------------------------------------------------------------


def test_the_design_example_parses_to_normalised_params() -> None:
    spec = parse_drill_plan(
        """\
drill: 1
name: westeurope-to-northeurope
description: free text
from: West Europe
to: northeurope
probes:
  interval: 2s
  timeout: 1.5
  read: {path: /health, method: HEAD}
  write: {path: /mcctl-probe/writes, method: POST}
  endpoint: mcctl-demo.azurefd.net
defaults: {timeout: 10m, on_failure: stop}
steps:
  - name: pre-check
    check:
      health: {region: northeurope, status: healthy}
    timeout: 2m
    on_failure: rollback
  - approval: {message: "Start the drill?"}
  - fault: {outage: westeurope}
  - evacuate: {region: westeurope, sql: forced, unlink_redis: true}
  - wait: {for: health, region: northeurope, status: degraded}
  - hold: {duration: 5m}
  - sql-failover: {to: westeurope, mode: planned}
  - scale: {stamp: neu-1, capacity: 4}
  - drain: {region: westeurope}
  - restore: {stamp: weu-1}
  - reinstate: {region: westeurope, sql: planned}
  - parallel:
      - drain: {stamp: weu-1}
      - drain: {stamp: weu-2}
""",
        "drill.yaml",
    )
    assert (spec.version, spec.name, spec.description) == (1, "westeurope-to-northeurope", "free text")
    assert (spec.from_region, spec.to_region) == ("westeurope", "northeurope")
    assert spec.probes == ProbeSpec(
        2.0, 1.5, "/health", "/mcctl-probe/writes", "mcctl-demo.azurefd.net", "HEAD", "POST"
    )
    rows = [(s.kind, s.name, dict(s.params), s.timeout, s.on_failure, s.group, s.path) for s in spec.steps]
    stop, rollback = OnFailure.STOP, OnFailure.ROLLBACK
    K = DrillStepKind
    assert rows == [
        (K.CHECK, "pre-check", {"check": "health", "region": "northeurope", "stamp": None, "status": "healthy"},
         120.0, rollback, 0, "steps[0]"),
        (K.APPROVAL, "approval", {"message": "Start the drill?"}, 600.0, stop, 1, "steps[1]"),
        (K.FAULT, "fault outage westeurope", {"fault": "outage", "region": "westeurope"}, 600.0, stop, 2, "steps[2]"),
        (K.EVACUATE, "evacuate westeurope",
         {**GRADUAL, "region": "westeurope", "sql": "forced", "to": None, "unlink_redis": True},
         600.0, stop, 3, "steps[3]"),
        (K.WAIT, "wait health northeurope",
         {"for": "health", "region": "northeurope", "stamp": None, "status": "degraded"}, 600.0, stop, 4, "steps[4]"),
        (K.HOLD, "hold 5m", {"seconds": 300.0}, 600.0, stop, 5, "steps[5]"),
        (K.SQL_FAILOVER, "sql-failover westeurope", {"to": "westeurope", "mode": "planned"},
         600.0, stop, 6, "steps[6]"),
        (K.SCALE, "scale neu-1", {"region": None, "stamp": "neu-1", "capacity": 4}, 600.0, stop, 7, "steps[7]"),
        (K.DRAIN, "drain westeurope", {**GRADUAL, "region": "westeurope", "stamp": None}, 600.0, stop, 8, "steps[8]"),
        (K.RESTORE, "restore weu-1", {**GRADUAL, "region": None, "stamp": "weu-1"}, 600.0, stop, 9, "steps[9]"),
        (K.REINSTATE, "reinstate westeurope", {**GRADUAL, "region": "westeurope", "sql": "planned"},
         600.0, stop, 10, "steps[10]"),
        (K.DRAIN, "drain weu-1", {**GRADUAL, "region": None, "stamp": "weu-1"},
         600.0, stop, 11, "steps[11].parallel[0]"),
        (K.DRAIN, "drain weu-2", {**GRADUAL, "region": None, "stamp": "weu-2"},
         600.0, stop, 11, "steps[11].parallel[1]"),
    ]  # fmt: skip


def test_defaults_when_left_out() -> None:
    spec = _steps("  - evacuate: westeurope\n")
    assert (spec.description, spec.from_region, spec.to_region) == ("", None, None)
    assert spec.probes == ProbeSpec()  # read + write every second, 2s timeout
    (step,) = spec.steps
    assert (step.timeout, step.on_failure, step.group) == (900.0, OnFailure.ROLLBACK, 0)
    assert step.params == {**GRADUAL, "region": "westeurope", "sql": "auto", "to": None, "unlink_redis": False}


@pytest.mark.parametrize(
    ("body", "params"),
    [
        ("reinstate: westeurope", {**GRADUAL, "region": "westeurope", "sql": "skip"}),
        ("sql-failover: {}", {"to": None, "mode": "planned"}),
        ("sql-failover: North Europe", {"to": "northeurope", "mode": "planned"}),
        ("sql-failover: {mode: try-planned}", {"to": None, "mode": "try-planned"}),
        ("scale: {region: westeurope, capacity: 6}", {"region": "westeurope", "stamp": None, "capacity": 6}),
        ("hold: 90", {"seconds": 90.0}),
        ("approval:", {"message": "Continue the drill?"}),
        ("approval: Ready?", {"message": "Ready?"}),
        ("wait: {seconds: 1h30m}", {"for": "time", "seconds": 5400.0}),
        ("wait: {for: health}", {"for": "health", "region": None, "stamp": None, "status": "healthy"}),
        ("wait: {for: health, stamp: weu-1}", {"for": "health", "region": None, "stamp": "weu-1", "status": "healthy"}),
        ("check: {health: }", {"check": "health", "region": None, "stamp": None, "status": "healthy"}),
        ("check: {sql: }", {"check": "sql", "ready": True, "primary_region": None}),
        (
            "check: {sql: {primary_region: northeurope}}",
            {"check": "sql", "ready": False, "primary_region": "northeurope"},
        ),
        (
            "check: {sql: {ready: true, primary_region: northeurope}}",
            {"check": "sql", "ready": True, "primary_region": "northeurope"},
        ),
        ("check: {redis: {linked: false}}", {"check": "redis", "linked": False}),
        (
            "check: {frontdoor: {region: westeurope, max_share: 0}}",
            {"check": "frontdoor", "region": "westeurope", "min_share": None, "max_share": 0.0},
        ),
        (
            "check: {frontdoor: {region: northeurope, min_share: 0.3, max_share: 1}}",
            {"check": "frontdoor", "region": "northeurope", "min_share": 0.3, "max_share": 1.0},
        ),
        ("fault: {end_outage: westeurope}", {"fault": "end_outage", "region": "westeurope"}),
        ("fault: {stamp: weu-1, mode: slow}", {"fault": "stamp", "stamp": "weu-1", "mode": "slow"}),
        ("fault: {stamp: weu-1, mode: hang}", {"fault": "stamp", "stamp": "weu-1", "mode": "down"}),
        ("fault: {stamp: weu-1, mode: unhealthy}", {"fault": "stamp", "stamp": "weu-1", "mode": "fail"}),
        ("fault: {stamp: weu-1, mode: healthy}", {"fault": "stamp", "stamp": "weu-1", "mode": "ok"}),
        ("fault: {dependency: sql, mode: down}", {"fault": "dependency", "dependency": "sql", "mode": "down"}),
    ],
)
def test_each_form_normalised(body: str, params: dict[str, object]) -> None:
    (step,) = _steps(f"  - {body}\n").steps
    assert step.params == params


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ("check: {health: {stamp: weu-1}}", "check health weu-1"),
        ("check: {sql: {primary_region: northeurope}}", "check sql primary northeurope"),
        ("check: {frontdoor: {region: westeurope, max_share: 0}}", "check frontdoor westeurope"),
        ("check: {redis: }", "check redis"),
        ("wait: {seconds: 30}", "wait 30s"),
        ("wait: {for: health}", "wait health"),
        ("hold: 1h", "hold 1h"),
        ("fault: {dependency: sql, mode: down}", "fault dependency sql down"),
        ("scale: {stamp: neu-1, capacity: 3}", "scale neu-1"),
        ("sql-failover: {}", "sql-failover"),
    ],
)
def test_default_names(body: str, name: str) -> None:
    assert _steps(f"  - {body}\n").steps[0].name == name


def test_default_names_are_made_unique() -> None:
    spec = _steps(
        "  - hold: 5m\n"
        "  - name: hold 5m (2)\n    approval:\n"
        "  - hold: 300s\n"
        "  - parallel: [{drain: {stamp: weu-1}}, {hold: 5m}]\n"
        "  - approval:\n"
        "  - approval:\n"
    )
    assert [s.name for s in spec.steps] == [
        "hold 5m",
        "hold 5m (2)",
        "hold 5m (3)",
        "drain weu-1",
        "hold 5m (4)",
        "approval",
        "approval (2)",
    ]


def test_parallel_blocks_share_one_group_and_groups_stay_consecutive() -> None:
    spec = _steps(
        "  - approval:\n"
        "  - parallel:\n      - drain: {stamp: weu-1}\n      - scale: {stamp: neu-1, capacity: 4}\n"
        "        on_failure: stop\n        timeout: 3m\n"
        "  - parallel:\n      - restore: {stamp: weu-1}\n"
        "  - hold: 1m\n"
    )
    assert [(s.name, s.group) for s in spec.steps] == [
        ("approval", 0),
        ("drain weu-1", 1),
        ("scale neu-1", 1),
        ("restore weu-1", 2),
        ("hold 1m", 3),
    ]
    assert (spec.steps[2].on_failure, spec.steps[2].timeout) == (OnFailure.STOP, 180.0)


@pytest.mark.parametrize(
    ("text", "seconds"), [("45s", 45.0), ("5m", 300.0), ("1h", 3600.0), ("2m30s", 150.0), ("12", 12.0), ("7.5", 7.5)]
)
def test_durations(text: str, seconds: float) -> None:
    assert _steps(f"  - hold: {{duration: 1s}}\n    timeout: {text}\n").steps[0].timeout == seconds


def test_a_hold_outlasting_the_default_timeout_gets_a_longer_one() -> None:
    spec = parse_drill_plan(
        "drill: 1\nname: d\ndefaults: {timeout: 2m}\nsteps: [{hold: 5m}, {wait: {seconds: 30}}]", "x"
    )
    assert [s.timeout for s in spec.steps] == [360.0, 120.0]  # the hold and a minute; the default


def test_write_probes_can_be_switched_off() -> None:
    for value in ("null", "false"):
        spec = parse_drill_plan(f"drill: 1\nname: d\nprobes: {{write: {value}}}\nsteps: [{{hold: 1s}}]", "x")
        assert spec.probes.write_path is None and spec.probes.read_path == "/"


def test_round_trip_of_a_parsed_plan() -> None:
    spec = _steps("  - parallel: [{drain: {stamp: a}}, {drain: {stamp: b}}]\n  - check: {sql: }\n")
    assert DrillSpec.from_dict(spec.to_dict()) == spec


# --- bad files: one exact line per problem -------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("  - evacuate: {sql: forced}\n", "steps[0].evacuate.region: required field missing"),
        ("  - evacuate: {region: westeurope, sql: maybe}\n",
         "steps[0].evacuate.sql: must be one of 'auto', 'planned', 'forced' or 'skip', got 'maybe'"),
        ("  - evacuate: {region: West/Europe}\n",
         "steps[0].evacuate.region: not a region name (e.g. westeurope): 'West/Europe'"),
        ("  - evacuate: {region: westeurope, unlink_redis: 'no'}\n",
         "steps[0].evacuate.unlink_redis: expected true or false, got str 'no'"),
        ("  - evacuate: {region: westeurope, too: northeurope}\n",
         "steps[0].evacuate.too: unknown field (check the spelling)"),
        ("  - evacuate: {region: westeurope, steps: [50, 40]}\n",
         "steps[0].evacuate.steps: percentages must increase, got '50,40'"),
        ("  - evacuate:\n", "steps[0].evacuate: expected a mapping, got nothing"),
        ("  - evacaute: {region: westeurope}\n", "steps[0].evacaute: unknown field (did you mean 'evacuate'?)"),
        ("  - {evacuate: westeurope, drain: {region: westeurope}}\n",
         "steps[0]: more than one step kind (evacuate, drain): give one per step"),
        ("  - name: lonely\n", "steps[0]: no step kind (give one of check, evacuate, reinstate, scale, drain, "
         "restore, sql-failover, wait, hold, approval, fault, parallel)"),
        ("  - 5\n", "steps[0]: expected a mapping with one step kind (check, evacuate, reinstate, scale, drain, "
         "restore, sql-failover, wait, hold, approval, fault, parallel), got 5"),
        ("  - reinstate: {region: westeurope, sql: forced}\n",
         "steps[0].reinstate.sql: must be one of 'planned' or 'skip', got 'forced'"),
        ("  - sql-failover: {to: northeurope, mode: fast}\n",
         "steps[0].sql-failover.mode: must be one of 'planned', 'forced' or 'try-planned', got 'fast'"),
        ("  - scale: {stamp: weu-1, capacity: 0}\n", "steps[0].scale.capacity: must be at least 1, got 0"),
        ("  - scale: {stamp: weu-1, capacity: 5000}\n", "steps[0].scale.capacity: must be at most 1000, got 5000"),
        ("  - scale: {stamp: weu-1, capacity: '4'}\n", "steps[0].scale.capacity: expected a whole number, got str '4'"),
        ("  - scale: {stamp: weu-1, capacity: 2.5}\n",
         "steps[0].scale.capacity: expected a whole number, got float 2.5"),
        ("  - scale: {capacity: 2}\n", "steps[0].scale: give exactly one of region, stamp"),
        ("  - drain: {region: westeurope, stamp: weu-1}\n", "steps[0].drain: give exactly one of region, stamp"),
        ("  - restore: {stamp: 'weu 1'}\n", "steps[0].restore.stamp: not a valid name (no spaces or /): 'weu 1'"),
        ("  - check: {}\n", "steps[0].check: give exactly one of health, sql, redis, frontdoor"),
        ("  - check: {sql: , redis: }\n", "steps[0].check: give exactly one of health, sql, redis, frontdoor "
         "(got sql, redis)"),
        ("  - check: {health: {status: ok}}\n",
         "steps[0].check.health.status: must be one of 'healthy' or 'degraded', got 'ok'"),
        ("  - check: {health: {region: westeurope, stamp: weu-1}}\n",
         "steps[0].check.health: give region or stamp, not both (neither: the whole estate)"),
        ("  - check: {sql: {ready: false}}\n",
         "steps[0].check.sql: nothing to check: give ready: true or primary_region"),
        ("  - check: {redis: {linked: 1}}\n", "steps[0].check.redis.linked: expected true or false, got int 1"),
        ("  - check: {frontdoor: {region: westeurope}}\n",
         "steps[0].check.frontdoor: give min_share or max_share (a share of traffic between 0 and 1)"),
        ("  - check: {frontdoor: {region: westeurope, min_share: 0.5, max_share: 0.2}}\n",
         "steps[0].check.frontdoor: min_share (0.5) is above max_share (0.2)"),
        ("  - check: {frontdoor: {region: westeurope, max_share: 30}}\n",
         "steps[0].check.frontdoor.max_share: must be at most 1.0, got 30"),
        ("  - check: {frontdoor: {max_share: 0}}\n", "steps[0].check.frontdoor.region: required field missing"),
        ("  - fault: {}\n",
         "steps[0].fault: give exactly one of outage, end_outage, stamp (with mode), dependency (with mode)"),
        ("  - fault: {outage: westeurope, stamp: weu-1, mode: down}\n",
         "steps[0].fault: give exactly one of outage, end_outage, stamp (with mode), dependency (with mode) "
         "(got outage, stamp)"),
        ("  - fault: {stamp: weu-1}\n", "steps[0].fault: stamp needs a mode (ok, slow, degraded, fail, down)"),
        ("  - fault: {outage: westeurope, mode: down}\n",
         "steps[0].fault: mode applies to stamp and dependency faults, not outage"),
        ("  - fault: {dependency: sql, mode: broken}\n",
         "steps[0].fault.mode: must be one of 'ok', 'slow', 'degraded', 'fail', 'down', 'healthy', 'unhealthy', "
         "'error' or 'hang', got 'broken'"),
        ("  - wait: {}\n", "steps[0].wait: give `for: health` (with region, stamp, status) or `seconds`"),
        ("  - wait: {for: sql}\n", "steps[0].wait.for: must be one of 'health', got 'sql'"),
        ("  - wait: {seconds: 30, region: westeurope}\n",
         "steps[0].wait: give `seconds` alone, or `for: health` with region/stamp/status (got region)"),
        ("  - hold: {}\n", "steps[0].hold.duration: required field missing"),
        ("  - hold: 5 min\n",
         "steps[0].hold.duration: not a duration (e.g. 30s, 5m, 1h, or a number of seconds): '5 min'"),
        ("  - hold: 0\n", "steps[0].hold.duration: must be greater than 0, got 0"),
        ("  - hold: 25h\n", "steps[0].hold.duration: must be at most 24h, got '25h'"),
        ("  - hold: 5m\n    timeout: 5m\n", "steps[0].timeout: 5m must be longer than the hold (5m)"),
        ("  - wait: {seconds: 2m}\n    timeout: 1m\n", "steps[0].timeout: 1m must be longer than the wait (2m)"),
        ("  - hold: 1s\n    timeout: soon\n",
         "steps[0].timeout: not a duration (e.g. 30s, 5m, 1h, or a number of seconds): 'soon'"),
        ("  - hold: 1s\n    on_failure: continue\n",
         "steps[0].on_failure: must be one of 'stop' or 'rollback', got 'continue'"),
        ("  - approval: ''\n", "steps[0].approval.message: must not be empty"),
        ("  - hold: 1s\n    name: ''\n", "steps[0].name: must not be empty"),
        ("  - hold: 1s\n    name: all\n", "steps[0].name: 'all' is reserved (--approve all)"),
        ("  - hold: 1s\n    name: '7'\n",
         "steps[0].name: cannot be a number (--approve takes a step's name or number)"),
        ("  - parallel: []\n", "steps[0].parallel: expected a list of at least one step"),
        ("  - parallel: {drain: {stamp: weu-1}}\n", "steps[0].parallel: expected a list of at least one step"),
        ("  - parallel: [{parallel: [{hold: 1s}]}]\n",
         "steps[0].parallel[0].parallel: parallel blocks cannot be nested"),
        ("  - parallel: [{hold: 1s}, {approval: }]\n",
         "steps[0].parallel[1].approval: an approval cannot run in parallel with other steps"),
        ("  - parallel: [{hold: 1s}]\n    timeout: 1m\n",
         "steps[0].timeout: a parallel block takes only `parallel:` (give its steps their own name, timeout, "
         "on_failure)"),
        ("  - parallel: [{hold: 1s}, {drain: {}}]\n", "steps[0].parallel[1].drain: give exactly one of region, stamp"),
    ],
)  # fmt: skip
def test_bad_step_is_one_exact_line(body: str, line: str) -> None:
    assert _step_problems(body) == [line]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("drill: 2\nname: d\nsteps: [{hold: 1s}]", "drill: must be 1 (the drill plan format version), got 2"),
        ("drill: true\nname: d\nsteps: [{hold: 1s}]", "drill: must be 1 (the drill plan format version), got True"),
        ("name: d\nsteps: [{hold: 1s}]", "drill: required field missing"),
        ("drill: 1\nsteps: [{hold: 1s}]", "name: required field missing"),
        ("drill: 1\nname: my drill\nsteps: [{hold: 1s}]",
         "name: not a valid name (letters, digits, '.', '-', '_'; starting with a letter or digit; at most 80): "
         "'my drill'"),
        ("drill: 1\nname: d", "steps: required field missing"),
        ("drill: 1\nname: d\nsteps: []", "steps: needs at least 1 entry"),
        ("drill: 1\nname: d\nsteps: [" + ", ".join(["{hold: 1s}"] * 501) + "]",
         "steps: at most 500 entries"),
        ('drill: 1\nname: d\ndescription: "\\x1b[31mred"\nsteps: [{hold: 1s}]',
         "description: must not contain control characters (escape sequences, line breaks)"),
        ('drill: 1\nname: d\nsteps: [{approval: "go\\a"}]',
         "steps[0].approval.message: must not contain control characters (escape sequences, line breaks)"),
        ("drill: 1\nname: d\nsteps: {hold: 1s}", "steps: expected a list, got dict {'hold': '1s'}"),
        ("drill: 1\nname: d\nstep: []\nsteps: [{hold: 1s}]", "step: unknown field (check the spelling)"),
        ("drill: 1\nname: d\nfrom: westeurope\nto: West Europe\nsteps: [{hold: 1s}]",
         "to: the same region as from (westeurope)"),
        ("drill: 1\nname: d\nto: 3\nsteps: [{hold: 1s}]", "to: expected a string, got int 3"),
        ("drill: 1\nname: d\nprobes: {interval: 0}\nsteps: [{hold: 1s}]",
         "probes.interval: must be greater than 0, got 0"),
        ("drill: 1\nname: d\nprobes: {read: {path: health}}\nsteps: [{hold: 1s}]",
         "probes.read.path: not a URL path (starting with '/', no spaces): 'health'"),
        ("drill: 1\nname: d\nprobes: {read: {method: POST}}\nsteps: [{hold: 1s}]",
         "probes.read.method: must be one of 'GET' or 'HEAD', got 'POST'"),
        ("drill: 1\nname: d\nprobes: {read: false}\nsteps: [{hold: 1s}]",
         "probes.read: expected a mapping, got bool False"),
        ("drill: 1\nname: d\nprobes: {endpoint: 'https://x'}\nsteps: [{hold: 1s}]",
         "probes.endpoint: not a host name (e.g. mcctl-demo.azurefd.net): 'https://x'"),
        ("drill: 1\nname: d\nprobes: {every: 1s}\nsteps: [{hold: 1s}]",
         "probes.every: unknown field (check the spelling)"),
        ("drill: 1\nname: d\ndefaults: {on_failure: ignore}\nsteps: [{hold: 1s}]",
         "defaults.on_failure: must be one of 'stop' or 'rollback', got 'ignore'"),
        ("drill: 1\nname: d\ndefaults: {retries: 3}\nsteps: [{hold: 1s}]",
         "defaults.retries: unknown field (check the spelling)"),
        ("drill: 1\nname: d\nname: e\nsteps: [{hold: 1s}]", "not valid YAML: line 3, column 1: duplicate key 'name'"),
        ("steps: [", "not valid YAML: line 1, column 9: expected the node content, but found '<stream end>'"),
        ("", "(top level): expected a mapping (drill: 1, name:, steps:)"),
        ("- hold: 1s", "(top level): expected a mapping (drill: 1, name:, steps:)"),
        ("drill: 1\nname: d\nsteps: [{hold: 1s}]\nx: !!python/object:os.system ls",
         "not valid YAML: line 4, column 4: could not determine a constructor for the tag "
         "'tag:yaml.org,2002:python/object:os.system'"),
    ],
)  # fmt: skip
def test_bad_file_is_one_exact_line(text: str, line: str) -> None:
    assert _problems(text) == [line]


def test_every_problem_is_listed_once_each() -> None:
    text = (
        "drill: 1\nname: d\ndefaults: {timeout: never}\nsteps:\n"
        "  - evacuate: {region: westeurope, sql: maybe}\n"
        "  - {name: a, hold: 1s}\n"
        "  - {name: A, hold: 1s}\n"
        "  - parallel: [{drain: {}}, {bogus: 1}]\n"
    )
    with pytest.raises(DrillPlanError) as info:
        parse_drill_plan(text, "plans/drill.yaml")
    assert info.value.message == "plans/drill.yaml is invalid (5 problems)"
    assert info.value.problems == [
        "defaults.timeout: not a duration (e.g. 30s, 5m, 1h, or a number of seconds): 'never'",
        "steps[0].evacuate.sql: must be one of 'auto', 'planned', 'forced' or 'skip', got 'maybe'",
        "steps[3].parallel[0].drain: give exactly one of region, stamp",
        "steps[3].parallel[1].bogus: unknown field (a step is one of check, evacuate, reinstate, scale, drain, "
        "restore, sql-failover, wait, hold, approval, fault, parallel)",
        "steps[2].name: duplicate 'A' (also steps[1])",
    ]


def test_one_problem_is_the_message_itself() -> None:
    with pytest.raises(DrillPlanError) as info:
        parse_drill_plan(HEAD + "  - evacuate: {}\n", "drill.yaml")
    assert info.value.message == "drill.yaml: steps[0].evacuate.region: required field missing"


def test_an_alias_bomb_is_refused_not_expanded() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 7):
        bomb += f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 10) + "]\n"
    assert _problems(bomb + "drill: 1\nname: d\nsteps: [{hold: 1s}]") == [
        "(top level): more than 100000 values (a YAML alias expanding too far?)"
    ]


# --- the file ------------------------------------------------------------------------------------


def test_load_reads_the_file(tmp_path: Path) -> None:
    path = tmp_path / "drill.yaml"
    path.write_text(HEAD + "  - hold: 1s\n", encoding="utf-8")
    assert load_drill_plan(path).steps[0].name == "hold 1s"


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(DrillPlanError) as info:
        load_drill_plan(path)
    assert info.value.message == f"{path}: file not found"
    assert info.value.hint and "mcctl drill plan" in info.value.hint


def test_a_directory_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(DrillPlanError, match=r": is a directory, not a drill plan file$"):
        load_drill_plan(tmp_path)


def test_binary_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "drill.yaml"
    path.write_bytes(b"drill: 1\n\xff\xfe")
    with pytest.raises(DrillPlanError, match=r"drill.yaml: not UTF-8 text \(invalid start byte at byte 9\)$"):
        load_drill_plan(path)


def test_a_huge_file_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "drill.yaml"
    path.write_text("# " + "x" * (1024 * 1024), encoding="utf-8")
    with pytest.raises(DrillPlanError, match="larger than 1024 KiB"):
        load_drill_plan(path)


# --- the documentation ---------------------------------------------------------------------------

DOC = Path(__file__).resolve().parents[2] / "docs" / "drill-plan.md"


def test_the_documented_examples_parse() -> None:
    text = DOC.read_text(encoding="utf-8")
    example = text.split("## A complete example")[1].split("```yaml\n")[1].split("```")[0]
    spec = parse_drill_plan(example, "docs/drill-plan.md")
    assert spec.name == "westeurope-to-northeurope" and spec.steps[-1].group == spec.steps[-2].group
    snippets = [line for line in text.splitlines() if line.startswith("- check: ")]
    assert len(snippets) == 6
    for snippet in snippets:
        parse_drill_plan(f"drill: 1\nname: d\nsteps:\n  {snippet}\n", "docs/drill-plan.md")
