"""The bad-input catalogue's cases: arguments of every command, global options, environment, estate
files, damaged simulator state, journals and lock files. `test_bad_input.py` runs them.

A case is a command line (`{tmp}` is the test's temporary dir; the state dir is `{tmp}/state`), the
exit code README documents for it, and what the one-line error must name. `files` are written
first, then the `before` commands run (each must exit 0), then `damage` is written (`Append` adds
to a file). The runner checks the estate, the journal and the lease are unchanged.
"""

from __future__ import annotations

import json
import math
import shlex
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mcctl.config.loader import demo_source

HOST = socket.gethostname()  # a lock file naming this machine: its pid is looked up


@dataclass(frozen=True)
class Append:
    data: bytes


Content = str | bytes | Append | Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    code: int = 2
    says: str | None = None  # must appear (any case) in the `mcctl: error:` line: the field it names
    shows: str | None = None  # must appear literally on stderr (user text printed as typed)
    env: dict[str, str] = field(default_factory=dict)
    files: dict[str, Content] = field(default_factory=dict)
    before: tuple[tuple[str, ...], ...] = ()
    damage: dict[str, Content] = field(default_factory=dict)
    warns: bool = False  # exit 0 cases: a `mcctl: warning:` line is expected


def case(id: str, args: str | tuple[str, ...], code: int = 2, says: str | None = None, **kw: object) -> Case:
    argv = tuple(shlex.split(args)) if isinstance(args, str) else args
    return Case(id, argv, code, says, **kw)  # type: ignore[arg-type]


DEMO = demo_source().text
SIM = "{tmp}/state/sim/demo.json"
JOURNAL = "{tmp}/state/journal/sim-demo.jsonl"
HOLD = "{tmp}/state/locks/sim-demo.held.json"
ESTATE = "{tmp}/estate.yaml"
MARKUP_ESTATE = "{tmp}/x[/]y [bold]/estate.yaml"  # the simulator's note names it: never Rich markup
NOLOCK = DEMO.replace("name: demo", "name: nolock").split("\nlock:")[0] + "\n"
NOLOCK_LOCK = "{tmp}/state/locks/sim-nolock.lock"
SCALE_UP = ("--sim", "scale", "weu-1", "--instances", "4", "--yes")
ACQUIRE = ("--sim", "lock", "acquire", "--reason", "mw")
FAULT_503 = tuple("sim fault add error --status 503 --method GET --path serverfarms --count 50".split())
UNLINK_EUS2 = ("--sim", "redis", "unlink", "eastus2", "--allow-data-loss", "--yes")
CARRY = "--sim scale -r westeurope --to-carry northeurope"
RELINK = "--sim redis relink eastus2 --allow-data-loss --yes"
RELEASE = "--sim lock release"


def demo_with(old: str, new: str) -> str:
    assert old in DEMO, old
    return DEMO.replace(old, new, 1)


def estate(id: str, text: str | bytes | Callable[[Path], None], says: str | None = None, **kw: object) -> Case:
    """An estate file with one mistake: `--sim --estate FILE stamps list` must refuse it (exit 2)."""
    return case(id, ("--sim", "--estate", ESTATE, "stamps", "list"), 2, says, files={ESTATE: text}, **kw)


def sim_state(id: str, content: bytes, args: str = "--sim stamps list", **kw: object) -> Case:
    """A damaged simulator state file: a one-line error naming the file, never a crash."""
    return case(id, args, 2, "state", damage={SIM: content}, **kw)


def journal(id: str, line: bytes, args: str = "--sim journal list", code: int = 0, **kw: object) -> Case:
    """A damaged journal after one real operation: the bad record is skipped with a warning."""
    kw.setdefault("warns", code == 0)
    return case(id, args, code, before=(SCALE_UP,), damage={JOURNAL: Append(line)}, **kw)


def edit_json(**changes: object) -> Callable[[Path], None]:
    """Damage a JSON file by setting top-level keys (json writes inf and nan as Infinity and NaN)."""

    def edit(path: Path) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(data, dict)
        data.update(changes)
        path.write_text(json.dumps(data), encoding="utf-8")

    return edit


def _symlink_loop(path: Path) -> None:
    path.symlink_to(path)


def _nested(depth: int) -> str:
    return "name: demo\nx: " + "[" * depth + "]" * depth + "\n"


def _alias_bomb() -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    return DEMO.replace("name: demo", "name: *a8\n" + "\n".join(lines), 1)


DEEP_QUERY = "[" * 5000 + "]" * 5000
NOT_AN_OP = "0000000000000000-nosuchop"

GLOBAL = [
    case("output-xml", "--sim -o xml stamps list", says="--output"),
    case("output-empty", ("--sim", "-o", "", "stamps", "list"), says="--output"),
    case("output-after-command-xml", "--sim stamps list -o xml", says="--output"),
    case("env-output-xml", "--sim stamps list", says="output", env={"MCCTL_OUTPUT": "xml"}),
    case("env-sim-maybe", "stamps list", says="MCCTL_SIM", env={"MCCTL_SIM": "maybe"}),
    case("env-sim-2", "stamps list", says="MCCTL_SIM", env={"MCCTL_SIM": "2"}),
    case("env-sim-yes-please", "stamps list", says="MCCTL_SIM", env={"MCCTL_SIM": "yes please"}),
    case("env-estate-directory", "stamps list", says="{tmp}", env={"MCCTL_ESTATE": "{tmp}"}),
    case("env-estate-missing", "stamps list", says="not found", env={"MCCTL_ESTATE": "{tmp}/nope.yaml"}),
    case("estate-empty-path", ("--sim", "--estate", "", "stamps", "list"), says="--estate"),
    case("estate-directory", "--estate {tmp} stamps list", says="{tmp}"),
    case("estate-markup-path", "--estate '/tmp/x[/]y.yaml' stamps list", says="x[/]y", shows="/tmp/x[/]y.yaml"),
    case("estate-bold-path", "--estate '/tmp/[bold]b[/bold].yaml' stamps list", shows="/tmp/[bold]b[/bold].yaml"),
    case(
        "estate-markup-dir-note",
        ("--sim", "--estate", MARKUP_ESTATE, "scale", "nosuch", "-n", "4", "--yes"),
        says="nosuch",
        shows=MARKUP_ESTATE,
        files={MARKUP_ESTATE: DEMO.replace("name: demo", "name: markup")},
    ),
    estate("estate-markup-invalid", demo_with("name: demo", 'name: "x[/]y"'), says="name", shows="x[/]y"),
    case("credential-bogus", "--sim --credential bogus stamps list", says="--credential"),
    case("credential-empty", ("--sim", "--credential", "", "stamps", "list"), says="--credential"),
    case("subscription-not-guid", "--sim --subscription not-a-guid stamps list", says="--subscription"),
    case("subscription-markup", "--sim --subscription '[red]x' stamps list", says="--subscription", shows="[red]x"),
    case("query-5000-deep", ("--sim", "-o", "json", "--query", DEEP_QUERY, "stamps", "list"), says="--query"),
    case("query-deep-parens", ("--sim", "--query", "(" * 5000 + "a" + ")" * 5000, "stamps", "list"), says="--query"),
    case("query-1000-deep", ("--sim", "--query", "[" * 1000 + "]" * 1000, "stamps", "list"), says="--query"),
    case("query-2000-pipes", ("--sim", "--query", "|".join(["a"] * 2000), "stamps", "list"), says="--query"),
    case("query-deep-subcommand", ("--sim", "stamps", "list", "--query", "(" * 300 + "a" + ")" * 300), says="--query"),
    case("query-long-pipe", ("--sim", "--query", "|".join(["a"] * 20000), "stamps", "list"), says="--query"),
    case("query-syntax", ("--sim", "--query", "[?region==", "stamps", "list"), says="--query"),
    case("query-unknown-function", ("--sim", "--query", "nosuch(@)", "stamps", "list"), says="--query"),
    case("query-bad-scale-yes", ("--sim", "scale", "weu-1", "-n", "4", "--yes", "--query", "[?"), says="--query"),
    case("query-deep-root-scale-yes", ("--sim", "--query", DEEP_QUERY, "scale", "weu-1", "-n", "4", "--yes")),
    case("query-root-sql-failover-yes", ("--sim", "--query", "[?", "sql", "failover", "--to", "northeurope", "--yes")),
    case("query-root-redis-unlink", ("--sim", "--query", "[?", *UNLINK_EUS2[1:])),
    case("query-bad-root-drain-yes", ("--sim", "--query", "[?", "frontdoor", "drain", "eastus2", "--yes")),
    case("unknown-global-option", "--sim --bogus stamps list", says="--bogus"),
    case("unknown-command", "--sim nosuch", says="nosuch"),
]

ESTATES = [
    estate("estate-empty", ""),
    estate("estate-comment-only", "# nothing here\n"),
    estate("estate-yaml-syntax", "name: demo\nstamps: [\n", says="YAML"),
    estate("estate-tab-indent", "name: demo\nfrontdoor:\n\tprofile: x\n", says="YAML"),
    estate("estate-top-list", "[]\n"),
    estate("estate-top-scalar", "hello\n"),
    estate("estate-python-tag", "name: !!python/object/apply:os.system ['true']\n"),
    estate("estate-binary", bytes(range(256)) * 4),
    estate("estate-png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64),
    estate("estate-latin1", demo_with("name: demo", "name: d\xe9mo").encode("latin-1")),
    estate("estate-utf16", DEMO.encode("utf-16")),
    estate("estate-nul-byte", DEMO.replace("name: demo", "name: de\x00mo")),
    estate("estate-symlink-loop", _symlink_loop),
    estate("estate-deeply-nested", _nested(5000)),
    estate("estate-alias-bomb", _alias_bomb()),
    estate("estate-huge-name", demo_with("name: demo", "name: " + "a" * 2_000_000), says="name"),
    estate("estate-long-name", demo_with("name: demo", "name: " + "a" * 300), says="name"),
    estate("estate-missing-name", demo_with("name: demo\n", ""), says="name"),
    estate("estate-name-traversal", demo_with("name: demo", "name: ../../etc"), says="name"),
    estate("estate-duplicate-key", demo_with("name: demo", "name: demo\nname: prod"), says="name"),
    estate("estate-unknown-key", DEMO + "stampz: []\n", says="stampz"),
    estate("estate-subscription-not-guid", demo_with("6a1d2b3c-5e4f-4a1b-9c8d-0d3e5f7a9b1c", "x"), says="subscr"),
    estate("estate-cloud-mars", demo_with("cloud: AzureCloud", "cloud: Mars"), says="cloud"),
    estate("estate-credential-bogus", demo_with("credential: default", "credential: bogus"), says="credential"),
    estate("estate-unknown-region", demo_with("region: westeurope,", "region: westeruope,"), says="region"),
    estate("estate-region-list", demo_with("region: westeurope,", "region: [a, b],"), says="region"),
    estate("estate-duplicate-stamp", demo_with("name: weu-2,", "name: weu-1,"), says="stamp"),
    estate("estate-duplicate-origin", demo_with("origin: origin-weu-2", "origin: origin-weu-1"), says="origin"),
    estate("estate-no-stamps", DEMO.split("\nstamps:")[0] + "\nstamps: []\n", says="stamps"),
    estate("estate-stamps-mapping", DEMO.split("\nstamps:")[0] + "\nstamps: {a: 1}\n", says="stamps"),
    estate("estate-health-url", demo_with('"https://app-mc-weu-1', '"ftp://app-mc-weu-1'), says="health_url"),
    estate("estate-one-sql-server", demo_with("    northeurope: sql-mc-neu\n    eastus2: sql-mc-eus2\n", "")),
    estate("estate-redis-kind", demo_with("kind: managed", "kind: memcached"), says="kind"),
    estate("estate-lease-seconds", demo_with("container: mcctl-locks", "container: x\n  lease_seconds: 5")),
    estate("estate-capacity-150", demo_with("min_serving_capacity: 50%", "min_serving_capacity: 150%")),
    estate("estate-min-stamps-negative", demo_with("min_serving_stamps: 2", "min_serving_stamps: -1")),
    estate("estate-health-timeout-huge", DEMO + "health: {timeout: 99999999999}\n", says="timeout"),
    estate("estate-health-timeout-nan", DEMO + "health: {timeout: .nan}\n", says="timeout"),
    estate("estate-health-weight-2", DEMO + "health: {weights: {probe: 2}}\n", says="probe"),
    estate("estate-sim-instances-huge", demo_with("instances: 3", "instances: 1000000000"), says="instances"),
    estate("estate-sim-instances-inf", demo_with("instances: 3", "instances: .inf"), says="instances"),
]

SCALE = [
    case("scale-nothing", "--sim scale --yes", says="STAMP"),
    case("scale-stamp-and-region", "--sim scale weu-1 --region westeurope -n 4 --yes", says="STAMP"),
    case("scale-unknown-stamp", "--sim scale nosuch -n 4 --yes", says="nosuch"),
    case("scale-empty-stamp", ("--sim", "scale", "", "-n", "4", "--yes"), says="STAMP"),
    case("scale-markup-stamp", ("--sim", "scale", "x[/]y", "-n", "4", "--yes"), shows="x[/]y"),
    case("scale-newline-stamp", ("--sim", "scale", "weu-1\nmcctl: error: forged", "-n", "4", "--yes")),
    case("scale-ansi-stamp", ("--sim", "scale", "\x1b[31mred", "-n", "4", "--yes"), says="STAMP"),
    case("scale-surrogate-stamp", ("--sim", "scale", "x\udcffy", "-n", "4", "--yes"), says="STAMP"),
    case("scale-bidi-stamp", ("--sim", "scale", "weu-1\u202e", "-n", "4", "--yes"), says="STAMP", shows="\\u202e"),
    case("scale-instances-0", "--sim scale weu-1 -n 0 --yes", says="--instances"),
    case("scale-instances-negative", "--sim scale weu-1 -n -3 --yes", says="--instances"),
    case("scale-instances-huge", "--sim scale weu-1 -n 1000000000000000000000 --yes", says="--instances"),
    case("scale-instances-1001", "--sim scale weu-1 -n 1001 --yes", says="--instances"),
    case("scale-instances-text", "--sim scale weu-1 -n four --yes", says="--instances"),
    case("scale-instances-and-by", "--sim scale weu-1 -n 4 --by +1 --yes", says="--instances"),
    case("scale-by-0", "--sim scale weu-1 --by 0 --yes", says="--by"),
    case("scale-by-text", "--sim scale weu-1 --by two --yes", says="--by"),
    case("scale-by-sign-only", "--sim scale weu-1 --by + --yes", says="--by"),
    case("scale-by-underscore", "--sim scale weu-1 --by +1_0 --yes", says="--by"),
    case("scale-by-arabic-digit", "--sim scale weu-1 --by +\u0663 --yes", says="--by"),
    case("scale-by-huge", "--sim scale weu-1 --by +99999999999999999999 --yes", says="--by"),
    case("scale-by-below-1", "--sim scale weu-1 --by -3 --yes", says="--by"),
    case("scale-above-maximum", "--sim scale weu-1 -n 31 --yes", says="maximum"),
    case("scale-factor-nan", f"{CARRY} --factor nan --yes", says="--factor"),
    case("scale-factor-inf", f"{CARRY} --factor inf --yes", says="--factor"),
    case("scale-factor-neg-inf", "--sim scale -r westeurope --to-carry eastus2 --factor -inf --yes", says="--factor"),
    case("scale-factor-1e9", f"{CARRY} --factor 1e9 --yes", says="--factor"),
    case("scale-factor-101", f"{CARRY} --factor 101 --yes", says="--factor"),
    case("scale-factor-0", f"{CARRY} --factor 0 --yes", says="--factor"),
    case("scale-factor-negative", f"{CARRY} --factor -2 --yes", says="--factor"),
    case("scale-factor-without-carry", "--sim scale -r westeurope --by +1 --factor 2 --yes", says="--factor"),
    case("scale-carry-itself", "--sim scale -r westeurope --to-carry westeurope --yes", says="--to-carry"),
    case("scale-carry-unknown", "--sim scale -r westeurope --to-carry mars --yes", says="--to-carry"),
    case("scale-carry-no-region", "--sim scale weu-1 --to-carry northeurope --yes", says="--to-carry"),
    case("scale-region-unknown", "--sim scale -r mars -n 4 --yes", says="--region"),
    case("scale-region-empty", ("--sim", "scale", "-r", "", "-n", "4", "--yes"), says="--region"),
    case("scale-no-yes", "--sim scale weu-1 -n 4", says="--yes"),
    case("scale-override-no-reason", "--sim scale weu-1 -n 1 --override min_serving_capacity --yes", says="--reason"),
    case("scale-reason-no-override", "--sim scale weu-1 -n 4 --reason because --yes", says="--reason"),
    case("scale-reason-blank", ("--sim", "scale", "weu-1", "-n", "4", "--override", "x", "--reason", "  ", "--yes")),
    case("scale-override-unknown-rule", "--sim scale weu-1 -n 1 --override no_such_rule --reason x --yes"),
    case("scale-output-xml", "--sim scale weu-1 -n 4 --yes -o xml", says="--output"),
    case("scale-azure-503", "--sim scale weu-1 -n 4 --yes", 4, "503", before=(FAULT_503,)),
]

_TIMEOUT_VALUES = dict(
    pair.split("=") for pair in "0=0 0s=0s negative=-5 nan=nan inf=inf huge=99999999999 25h=25h".split()
)
_TIMEOUT_VALUES.update({"unit": "10x", "empty": "", "digits-5000": "9" * 5000 + "s", "arabic": "\u0663\u0660s"})
TIMEOUTS = [
    case(f"timeout-{name}", ("--sim", "scale", "weu-1", "-n", "4", "--yes", "--timeout", value), says="--timeout")
    for name, value in _TIMEOUT_VALUES.items()
]

HEALTH = [
    case("health-timeout-huge", "--sim health --timeout 99999999999", says="--timeout"),
    case("health-timeout-above-300", "--sim health --timeout 301", says="--timeout"),
    case("health-timeout-0", "--sim health --timeout 0", says="--timeout"),
    case("health-timeout-nan", "--sim health --timeout nan", says="--timeout"),
    case("health-interval-0", "--sim health --interval 0", says="--interval"),
    case("health-interval-huge", "--sim health --watch --interval 99999999999", says="--interval"),
    case("health-region-unknown", "--sim health --region mars", says="--region"),
    case("health-stamp-unknown", "--sim health --stamp nosuch", says="--stamp"),
    case("health-region-empty", ("--sim", "health", "--check", "--region", ""), says="--region"),
    case("health-stamp-empty", ("--sim", "health", "--check", "--stamp", ""), says="--stamp"),
    case("health-interval-without-watch", "--sim health --interval 10s", says="--interval"),
    case("health-stamp-markup", ("--sim", "health", "--stamp", "[bold]x"), says="--stamp", shows="[bold]x"),
    case("health-stamp-other-region", "--sim health --stamp weu-1 --region eastus2", says="--stamp"),
    case("health-watch-json", "--sim -o json health --watch", says="--watch"),
    case("health-check-yaml-bad-query", ("--sim", "-o", "yaml", "health", "--check", "--query", "{"), says="--query"),
]

READS = [
    case("stamps-show-unknown", "--sim stamps show nosuch", says="nosuch"),
    case("stamps-show-empty", ("--sim", "stamps", "show", ""), says="STAMP"),
    case("stamps-show-missing-arg", "--sim stamps show", says="STAMP"),
    case("stamps-list-region-unknown", "--sim stamps list --region mars", says="--region"),
    case("stamps-list-region-markup", ("--sim", "stamps", "list", "--region", "[/]"), says="--region", shows="'[/]'"),
    case("sql-status-output-xml", "--sim sql status -o xml", says="--output"),
    case("redis-status-region-unknown", "--sim redis status --region mars", says="--region"),
    case("redis-status-region-empty", ("--sim", "redis", "status", "--check", "--region", ""), says="--region"),
    case("stamps-list-region-empty", ("--sim", "stamps", "list", "--region", ""), says="--region"),
    case("journal-show-unknown", f"--sim journal show {NOT_AN_OP}", says=NOT_AN_OP),
    case("journal-show-latest-empty", "--sim journal show latest"),
    case("journal-show-empty-id", ("--sim", "journal", "show", "")),
    case("journal-list-limit-0", "--sim journal list --limit 0", says="--limit"),
    case("journal-list-limit-negative", "--sim journal list --limit -1", says="--limit"),
    case("journal-list-limit-text", "--sim journal list --limit many", says="--limit"),
    case("lock-status-output-xml", "--sim lock status -o xml", says="--output"),
]

FRONTDOOR = [
    case("drain-nothing", "--sim frontdoor drain --yes"),
    case("drain-unknown-region", "--sim frontdoor drain mars --yes", says="mars"),
    case("drain-region-and-stamp", "--sim frontdoor drain westeurope --stamp weu-1 --yes"),
    case("drain-unknown-stamp", "--sim frontdoor drain --stamp nosuch --yes", says="nosuch"),
    case("drain-steps-decreasing", "--sim frontdoor drain westeurope --steps 50,40,100 --yes", says="--steps"),
    case("drain-steps-zero", "--sim frontdoor drain westeurope --steps 0,100 --yes", says="--steps"),
    case("drain-steps-not-100", "--sim frontdoor drain westeurope --steps 50 --yes", says="--steps"),
    case("drain-steps-text", "--sim frontdoor drain westeurope --steps half,all --yes", says="--steps"),
    case("drain-steps-empty", ("--sim", "frontdoor", "drain", "westeurope", "--steps", "", "--yes"), says="--steps"),
    case("drain-steps-underscore", "--sim frontdoor drain westeurope --steps 5_0,100 --yes", says="--steps"),
    case("drain-steps-no-wait", "--sim frontdoor drain westeurope --steps 50,100 --no-wait --yes", says="--steps"),
    case("drain-interval-without-steps", "--sim frontdoor drain westeurope --interval 30s --yes", says="--interval"),
    case("drain-interval-0", "--sim frontdoor drain westeurope --steps 50,100 --interval 0 --yes", says="--interval"),
    case("drain-interval-huge", "--sim frontdoor drain westeurope --steps 50,100 --interval 9999999999 --yes"),
    case("drain-verify-count-0", "--sim frontdoor drain westeurope --verify --verify-count 0 --yes", says="count"),
    case("drain-verify-timeout-0", "--sim frontdoor drain westeurope --verify --verify-timeout 0 --yes"),
    case("drain-no-yes", "--sim frontdoor drain eastus2", says="--yes"),
    case("restore-unknown-region", "--sim frontdoor restore mars --yes", says="mars"),
    case("verify-unknown-region", "--sim frontdoor verify mars", says="mars"),
    case("verify-count-0", "--sim frontdoor verify westeurope --count 0", says="--count"),
    case("verify-count-negative", "--sim frontdoor verify westeurope --count -1", says="--count"),
    case("verify-timeout-inf", "--sim frontdoor verify westeurope --timeout inf", says="--timeout"),
]

SQL_REDIS = [
    case("sql-failover-unknown-region", "--sim sql failover --to mars --yes", says="mars"),
    case("sql-failover-empty-region", ("--sim", "sql", "failover", "--to", "", "--yes"), says="--to"),
    case("sql-failover-bad-mode", "--sim sql failover --to northeurope --mode sideways --yes", says="--mode"),
    case("sql-failover-forced-no-ack", "--sim sql failover --to northeurope --mode forced --yes", says="data"),
    case("sql-failover-try-planned-no-ack", "--sim sql failover --to northeurope --mode try-planned --yes"),
    case("sql-failover-no-yes", "--sim sql failover --to northeurope", says="--yes"),
    case("sql-failover-timeout-0", "--sim sql failover --to northeurope --timeout 0 --yes", says="--timeout"),
    case("redis-unlink-unknown-region", "--sim redis unlink mars --allow-data-loss --yes", says="mars"),
    case("redis-unlink-no-ack", "--sim redis unlink eastus2 --yes", says="data"),
    case("redis-unlink-missing-region", "--sim redis unlink --allow-data-loss --yes", says="REGION"),
    case("redis-unlink-empty-region", ("--sim", "redis", "unlink", "", "--allow-data-loss", "--yes")),
    case("redis-relink-in-group", RELINK, says="still in group", before=(("sim", "outage", "start", "eastus2"),)),
    case(
        "redis-relink-with-unknown",
        f"{RELINK} --with mars",
        says="mars",
        before=(UNLINK_EUS2, ("sim", "advance", "600")),
    ),
    case("redis-unlink-no-yes", "--sim redis unlink eastus2 --allow-data-loss"),
]

RECOVERY = [
    case("resume-unknown", f"--sim resume {NOT_AN_OP} --yes", says=NOT_AN_OP),
    case("rollback-unknown", f"--sim rollback {NOT_AN_OP} --yes", says=NOT_AN_OP),
    case("rollback-latest-empty-journal", "--sim rollback latest --yes"),
    case("resume-latest-empty-journal", "--sim resume latest --yes"),
    case("rollback-markup-id", ("--sim", "rollback", "x[/]y", "--yes"), shows="x[/]y"),
    case("resume-empty-id", ("--sim", "resume", "", "--yes")),
    case("rollback-timeout-0", "--sim rollback latest --timeout 0 --yes", says="--timeout", before=(SCALE_UP,)),
    case("rollback-no-yes", "--sim rollback latest", says="--yes", before=(SCALE_UP,)),
    case("rollback-override-no-reason", "--sim rollback latest --override x -y", says="--reason", before=(SCALE_UP,)),
]

LOCKS = [
    case("lock-acquire-no-reason", "--sim lock acquire", says="--reason"),
    case("lock-acquire-empty-reason", ("--sim", "lock", "acquire", "--reason", ""), says="--reason"),
    case("lock-acquire-blank-reason", ("--sim", "lock", "acquire", "--reason", " \t "), says="--reason"),
    case("lock-acquire-huge-reason", ("--sim", "lock", "acquire", "--reason", "x" * 100_000), says="--reason"),
    case("lock-break-no-reason", "--sim lock break --yes", says="--reason"),
    case("lock-break-no-yes", "--sim lock break --reason stale", says="--yes", before=(ACQUIRE,)),
    case("lock-release-not-held", "--sim lock release", says="lock acquire"),
    case("hold-file-garbage", "--sim lock release", damage={HOLD: b"\x00garbage{"}),
    case("hold-file-list", "--sim lock release", damage={HOLD: "[]"}),
    case("hold-file-truncated", "--sim lock release", before=(ACQUIRE,), damage={HOLD: '{"kind": "blob", "loca'}),
    case(
        "hold-file-wrong-lease-id",
        RELEASE,
        0,
        before=(ACQUIRE,),
        damage={HOLD: edit_json(lease_id="0" * 36)},
        warns=True,
    ),
    case("hold-file-lease-id-null", RELEASE, 0, before=(ACQUIRE,), damage={HOLD: edit_json(lease_id=None)}, warns=True),
]

_NOLOCK_SEED = (("--sim", "--estate", ESTATE, "sim", "status"),)
NOLOCK_STATUS = f"--sim --estate {ESTATE} lock status"
for _id, _content in [
    ("lock-file-garbage", b"\xff\xfe garbage"),
    ("lock-file-list", "[1, 2]"),
    ("lock-file-holder-list", '{"lease_id": "x", "expires": null, "holder": [1, 2]}'),
    ("lock-file-pid-huge", json.dumps({"lease_id": "x", "expires": 1e12, "holder": {"host": HOST, "pid": 10**30}})),
    ("lock-file-expires-text", '{"lease_id": "x", "expires": "soon", "holder": {}}'),
    ("lock-file-expires-inf", '{"lease_id": "x", "expires": 1e999, "holder": {"host": "elsewhere", "pid": 1}}'),
]:
    LOCKS.append(
        case(_id, NOLOCK_STATUS, 0, files={ESTATE: NOLOCK}, before=_NOLOCK_SEED, damage={NOLOCK_LOCK: _content})
    )

SIMULATOR = [
    case("sim-advance-0", "sim advance 0", says="SECONDS"),
    case("sim-advance-negative", "sim advance -- -5", says="SECONDS"),
    case("sim-advance-nan", "sim advance nan", says="SECONDS"),
    case("sim-advance-inf", "sim advance inf", says="SECONDS"),
    case("sim-advance-1e300", "sim advance 1e300", says="SECONDS"),
    case("sim-advance-text", "sim advance soon", says="SECONDS"),
    case("sim-fault-unknown-kind", "sim fault add meteor", says="KIND"),
    case("sim-fault-count-0", "sim fault add error --count 0", says="--count"),
    case("sim-fault-count-huge", "sim fault add error --count 99999999999999999999999", says="--count"),
    case("sim-fault-status-200", "sim fault add error --status 200", says="--status"),
    case("sim-fault-retry-after-negative", "sim fault add throttle --retry-after -5", says="--retry-after"),
    case("sim-fault-bad-method", "sim fault add error --method 'GET /x'", says="--method"),
    case("sim-stamp-unknown", "sim stamp slow nosuch", says="nosuch"),
    case("sim-stamp-bad-mode", "sim stamp sideways weu-1", says="sideways"),
    case("sim-stamp-latency-nan", "sim stamp slow weu-1 --latency nan", says="--latency"),
    case("sim-stamp-latency-inf", "sim stamp slow weu-1 --latency inf", says="--latency"),
    case("sim-stamp-latency-negative", "sim stamp slow weu-1 --latency -1", says="--latency"),
    case("sim-dependency-unknown", "sim dependency down nosuch", says="nosuch"),
    case("sim-dependency-builtin-sql", "sim dependency down sql", says="sql"),
    case("sim-outage-unknown-region", "sim outage start mars", says="mars"),
    case("sim-outage-markup-region", ("sim", "outage", "start", "[/]"), shows="'[/]'"),
    case("sim-serve-port-huge", "sim serve --port 70000", says="--port"),
    case("sim-serve-port-negative", "sim serve --port -1", says="--port"),
]

SIM_STATES = [
    sim_state("sim-state-truncated", b'{"version": 1, "estate": "demo", "resour'),
    sim_state("sim-state-garbage", b"\x00\x01garbage\xff"),
    sim_state("sim-state-empty", b""),
    sim_state("sim-state-list", b"[]"),
    sim_state("sim-state-null", b"null"),
    sim_state("sim-state-missing-keys", b'{"version": 1, "estate": "demo"}'),
    sim_state("sim-state-resources-list", b'{"version": 1, "estate": "demo", "resources": []}'),
    sim_state("sim-state-scale", b"[]", "--sim scale weu-1 -n 4 --yes"),
    sim_state("sim-state-status", b"{not json", "sim status"),
    sim_state("sim-state-latin1", '{"estate": "d\xe9mo"}'.encode("latin-1")),
    case("sim-state-clock-inf", "--sim stamps list", says="state", damage={SIM: edit_json(clock_offset=math.inf)}),
    case("sim-state-clock-nan", "--sim health", says="state", damage={SIM: edit_json(clock_offset=math.nan)}),
    case("sim-state-clock-text", "--sim stamps list", says="state", damage={SIM: edit_json(clock_offset="x")}),
    case("sim-state-resources-null", "--sim sim status", says="state", damage={SIM: edit_json(resources=None)}),
    case("sim-state-faults-garbage", "--sim stamps list", says="state", damage={SIM: edit_json(faults=[1, "x"])}),
]

JOURNALS = [
    journal("journal-torn-line", b'{"type": "operation", "id": "torn', warns=False),  # expected after a kill
    journal("journal-garbage-line", b"garbage\n"),
    journal("journal-incomplete-record", b'{"type": "operation"}\n'),
    journal("journal-unknown-type", b'{"type": "meteor", "ts": "2024-01-01T00:00:00Z"}\n'),
    journal("journal-json-list", b"[1, 2, 3]\n"),
    journal("journal-json-null", b"null\n"),
    journal("journal-non-utf8", b'{"type": "event", "event": "\xff\xfe"}\n'),
    journal("journal-nul-bytes", b"\x00\x00\x00\n"),
    journal("journal-garbage-show-latest", b"garbage\n", "--sim journal show latest"),
    journal("journal-incomplete-rollback-dry-run", b'{"type": "intent"}\n', "--sim rollback latest --dry-run"),
    journal("journal-torn-resume-dry-run", b'{"type": "outcome", "op', "--sim resume latest --dry-run", warns=False),
    case("journal-is-directory-scale", SCALE_UP, says="journal", files={JOURNAL + "/x": ""}),
    case("journal-is-directory-list", "--sim journal list", says="journal", files={JOURNAL + "/x": ""}),
]

CASES: list[Case] = [
    *GLOBAL,
    *ESTATES,
    *SCALE,
    *TIMEOUTS,
    *HEALTH,
    *READS,
    *FRONTDOOR,
    *SQL_REDIS,
    *RECOVERY,
    *LOCKS,
    *SIMULATOR,
    *SIM_STATES,
    *JOURNALS,
]
