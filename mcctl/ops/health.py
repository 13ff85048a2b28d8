"""Assess the estate's health: every stamp's health endpoint, probed concurrently, plus the signals
the inventory already reads (web app, plan instances, Front Door origin, Redis link, SQL role), the
reachability of each region's SQL server, and the shared dependencies of `health.dependencies`.

Each signal is a `HealthSignal` of the registry: this module is the plugin that registers the
built-in ones (`register_health_signals`), and `assess` judges every stamp by every registered
signal, in registration order, from what it read once for all of them (`HealthReadings`).

Nothing here can hang the command: each probe has its own timeout (`session.web_get`), and every
task (probe or ARM read) also has a wall-clock limit after which it is abandoned and reported as a
timeout. Tasks run on daemon threads, so an abandoned one never holds the process at exit either.

At scale: the probes run `health.concurrency` at a time (default 64: hundreds of stamps take a few
rounds of the slowest probe, not the sum of all), beside the ARM reads rather than after them, so
`stamps list` costs about max(inventory, slowest probes) instead of their sum.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from mcctl.domain import health as model
from mcctl.domain.edgehealth import edge_signals
from mcctl.domain.health import EstateHealth, HealthReadings, ProbeResult, Signal, SqlServerReach
from mcctl.domain.regions import normalize_region
from mcctl.domain.selection import StampSelection, known_region
from mcctl.errors import WHOLE_RUN_FAILURES, AuthError, EndpointUnreachable, McctlError, UsageError
from mcctl.hookspecs import hookimpl
from mcctl.ops.edgehealth import read_edge_health
from mcctl.ops.parallel import Outcome, start_bounded
from mcctl.ops.parallel import run_bounded as run_bounded  # (its home is mcctl.ops.parallel; was here)
from mcctl.ops.registry import HealthSignal, current_registry

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Estate, HealthDependency, HealthSettings, Stamp
    from mcctl.domain.stampview import StampView
    from mcctl.ops.inventory import Inventory
    from mcctl.ops.journal import OperationRecord
    from mcctl.ops.registry import Registry

GRACE_SECONDS = 2.0  # wall seconds a probe may overrun its own timeout before it is abandoned
ARM_READ_SECONDS = 60.0  # wall-clock limit of the ARM reads (inventory, SQL servers, signals' own reads)
MAX_READ_WORKERS = 16  # the ARM reads beside the probes: a handful (inventory, SQL servers, signals)
DEFAULT_CONCURRENCY = 64  # probes in flight at once, as the estate file's health.concurrency default
MAX_CONCURRENCY = 1024  # (threads: each probe in flight holds one)
MAX_PROBE_SECONDS = 300.0  # as the estate file's health.timeout: a longer probe is no health check

# The built-in signals, in the order a stamp's signals are listed (and `health.weights` names them).
BUILTIN_SIGNALS = (
    HealthSignal("probe", "the health endpoint: HTTP status, report, latency", model.probe_signals),
    HealthSignal("app", "the web app's state and availability", model.app_signals),
    HealthSignal("instances", "instances up against health.min_instances", model.instances_signals),
    HealthSignal("origin", "the Front Door origin (disabled: no traffic)", model.origin_signals),
    HealthSignal("edge", "Front Door's health probes of the origin (out of rotation)", edge_signals, read_edge_health),
    HealthSignal("redis", "the Redis link verdict of the stamp's region", model.redis_signals),
    HealthSignal("sql", "the SQL server of the stamp's region and its role", model.sql_signals),
    HealthSignal("dependencies", "the shared dependencies the stamp needs", model.dependency_signals),
)


@hookimpl
def register_health_signals(register: Callable[[HealthSignal], None]) -> None:
    for signal in BUILTIN_SIGNALS:
        register(signal)


def assess(
    session: AzureSession,
    estate: Estate,
    *,
    region: str | None = None,
    stamp: str | None = None,
    timeout: float | None = None,
    inventory: Inventory | None = None,
    registry: Registry | None = None,
    operations: Iterable[OperationRecord] | None = None,
    concurrency: int | None = None,
) -> EstateHealth:
    """The health of the estate (or of one region, or one stamp), rolled up stamp → region → estate.

    `timeout`: per probe, in seconds (default `health.timeout` of the estate file, 5 s).
    `inventory`: an inventory already read for the same scope, so it is not read twice.
    `registry`: whose health signals judge the stamps (default: the process's).
    `operations`: the journal (oldest first); a stamp whose origin a journaled drain disabled, not
    undone since, is then `drained` (on purpose) rather than degraded. None: the journal is not
    consulted and every stamp is judged as if it were meant to serve (the health gate's view).
    `concurrency`: probes in flight at once (default `health.concurrency` of the estate file, 64).
    Failed reads do not raise: their signals are `unknown` and the failures are listed in `errors`.
    """
    options = _Options(timeout, region, stamp, registry, operations, concurrency)
    return _assess(session, estate, options, inventory)[0]


@dataclass(frozen=True)
class Survey:
    """What `stamps list` shows: the inventory, and the health of its stamps (None: not probed)."""

    inventory: Inventory
    health: EstateHealth | None


def survey(
    session: AzureSession,
    estate: Estate,
    *,
    region: str | None = None,
    stamp: str | None = None,
    operations: Iterable[OperationRecord] | None = None,
    health: bool = True,
    concurrency: int | None = None,
) -> Survey:
    """The inventory of the estate (or of one region, or one stamp) and, with `health`, its health,
    the probes running beside the inventory's reads. The inventory is required: a failure to read it
    raises (as `read_inventory`), where `assess` would only list it."""
    if not health:
        from mcctl.ops.inventory import read_inventory

        if concurrency is not None:
            probe_concurrency(estate, concurrency)  # a bad value is still a mistake
        return Survey(read_inventory(session, estate, region, stamp), None)
    options = _Options(None, region, stamp, None, operations, concurrency)
    assessed, read = _assess(session, estate, options, None)
    if read is None or not read.done:
        raise McctlError(f"reading the inventory: no answer within {model.seconds_text(ARM_READ_SECONDS)}")
    if read.error is not None:
        raise read.error
    return Survey(read.value, assessed)


def probe_concurrency(estate: Estate, concurrency: int | None = None) -> int:
    """Probes in flight at once: `concurrency` (`--concurrency`), else the estate's health.concurrency."""
    if concurrency is None:
        return estate.health.concurrency
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise UsageError(f"--concurrency: must be between 1 and {MAX_CONCURRENCY}, got {concurrency}")
    return concurrency


@dataclass(frozen=True)
class _Options:
    timeout: float | None
    region: str | None
    stamp: str | None
    registry: Registry | None
    operations: Iterable[OperationRecord] | None
    concurrency: int | None


def _assess(
    session: AzureSession, estate: Estate, options: _Options, inventory: Inventory | None
) -> tuple[EstateHealth, Outcome | None]:
    """`assess`, and the outcome of its inventory read (None when `inventory` was given)."""
    region, stamp, operations = options.region, options.stamp, options.operations
    settings = estate.health
    timeout = float(options.timeout if options.timeout is not None else settings.timeout_seconds)
    if not 0 < timeout <= MAX_PROBE_SECONDS:  # (also refuses NaN)
        raise UsageError(f"--timeout: must be greater than 0 and at most {MAX_PROBE_SECONDS:g}s, got {timeout:g}")
    concurrency = probe_concurrency(estate, options.concurrency)
    stamps = _selected(estate, region, stamp)
    names = [s.name for s in stamps]
    dependencies = [d for d in settings.dependencies if any(d.serves(n) for n in names)]

    probes: dict[Hashable, tuple[Callable[[], Any], float]] = {}
    probe_limit = timeout + GRACE_SECONDS
    for s in stamps:
        probes[("probe", s.name)] = (partial(probe, session, s.health_url, timeout), probe_limit)
    for dep in dependencies:
        if dep.health_url:
            probes[("dependency", dep.name)] = (partial(probe, session, dep.health_url, timeout), probe_limit)
    reads: dict[Hashable, tuple[Callable[[], Any], float]] = {}
    if inventory is None:
        reads["inventory"] = (lambda: _read_inventory(session, estate, region, stamp), ARM_READ_SECONDS)
    if estate.sql is not None:
        from mcctl.adapters import sql

        for server in estate.sql.servers:
            reads[("sql", server.region)] = (partial(sql.get_server, session, server), ARM_READ_SECONDS)
    signals = list((options.registry or current_registry()).health_signals.values())
    for signal in signals:
        if signal.read is not None:
            reads[("signal", signal.name)] = (partial(signal.read, session, estate, tuple(stamps)), ARM_READ_SECONDS)

    # The ARM reads (paged lists: the longest chains) start first, the probes beside them on their
    # own bounded pool; one does not wait for the other.
    reading = start_bounded(reads, MAX_READ_WORKERS, "mcctl-read")
    outcomes = start_bounded(probes, concurrency, "mcctl-probe").wait()
    outcomes.update(reading.wait())
    read = outcomes["inventory"] if inventory is None else None
    errors: list[str] = []

    if inventory is None:
        inventory = _outcome_value(outcomes["inventory"], "reading the inventory", ARM_READ_SECONDS, errors)
    if inventory is not None:
        errors.extend(e.message for e in inventory.errors)
    views: dict[str, StampView] = {v.stamp.name: v for v in inventory.views} if inventory is not None else {}

    reach = _sql_reach(estate, inventory, outcomes, errors)
    primary = inventory.sql_primary if inventory is not None else None
    sql_primary = None
    if estate.sql is not None:  # rule 6: the primary unreachable, no region can write
        sql_primary = model.sql_primary_signal(reach.get(primary) if primary else None)
    dep_health = {d.name: _dependency(d, names, outcomes, reach, inventory, timeout, settings) for d in dependencies}

    extra = {
        signal.name: _outcome_value(
            outcomes[("signal", signal.name)], f"health signal {signal.name}", ARM_READ_SECONDS, errors
        )
        for signal in signals
        if signal.read is not None
    }
    readings = HealthReadings(
        estate,
        tuple(stamps),
        probes={s.name: _probe_outcome(outcomes[("probe", s.name)], s.health_url, timeout) for s in stamps},
        views=views,
        inventory_read=inventory is not None,
        sql=reach,
        dependencies=tuple(dep_health.values()),
        extra=extra,
        drained=drained_stamps(inventory, operations, estate),
    )
    stamp_health = [
        model.stamp_health(s.name, s.region, _judged(signals, readings, s), settings, readings.drained.get(s.name))
        for s in stamps
    ]

    assessed = model.estate_health(
        estate.name,
        stamp_health,
        settings,
        list(dep_health.values()),
        sql_primary=sql_primary,
        scope={"region": normalize_region(region) if region is not None else None, "stamp": stamp},
        checked_at=_now_iso(session),
        timeout_seconds=timeout,
        errors=list(dict.fromkeys(errors)),
    )
    return assessed, read


def drained_stamps(
    inventory: Inventory | None, operations: Iterable[OperationRecord] | None, estate: Estate | None = None
) -> dict[str, str]:
    """stamp -> what drained it on purpose: the journaled operation (its origin disabled now by a
    drain not undone since: what `frontdoor restore` would undo), else `DRAINED_IN_ESTATE` for a
    stamp marked `drained: true` in the estate file whose origin is disabled. Empty without a
    journal (the health gate's view: every stamp judged as if meant to serve)."""
    if inventory is None or operations is None:
        return {}
    from mcctl.domain.estate import CANDIDATE_NOT_IN_ROTATION, DRAINED_IN_ESTATE
    from mcctl.ops.scale import journaled_drains

    found = journaled_drains(inventory.views, operations)
    marked = {s.name for s in estate.stamps if s.drained} if estate is not None else set()
    for view in inventory.views:
        if view.stamp.name in marked and view.origin is not None and not view.origin.enabled:
            found.setdefault(view.stamp.name, DRAINED_IN_ESTATE)
        if view.stamp.candidate and (view.origin is None or not view.origin.enabled):
            found.setdefault(view.stamp.name, CANDIDATE_NOT_IN_ROTATION)
    return found


def _selected(estate: Estate, region: str | None, stamp: str | None) -> list[Stamp]:
    if region is not None:  # checked first: with both wrong, the region's error is the one shown
        known_region(estate, region, "--region")
    selection = StampSelection(region, stamp, region_option="--region", stamp_option="--stamp", exactly_one=False)
    stamps = list(selection.stamps(estate))
    if stamp is not None and not stamps:
        raise UsageError(f"--stamp: '{stamp}' is not in region '{region}'")
    return stamps


def _judged(signals: list[HealthSignal], readings: HealthReadings, stamp: Stamp) -> list[Signal]:
    """The stamp's signals: every registered signal's, in registration order."""
    return [found for signal in signals for found in signal.judge(readings, stamp)]


def _read_inventory(session: AzureSession, estate: Estate, region: str | None, stamp: str | None) -> Inventory:
    from mcctl.ops.inventory import read_inventory

    return read_inventory(session, estate, region, stamp)


def _now_iso(session: AzureSession) -> str:
    return datetime.fromtimestamp(session.clock.wall(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- probes ----------------------------------------------------------------------------------------
def probe(session: AzureSession, url: str, timeout: float) -> ProbeResult:
    """One GET of a health endpoint; transport failures become a result, never an exception."""
    from mcctl.adapters.endpoint import get_endpoint

    try:
        response = get_endpoint(session, url, timeout)
    except EndpointUnreachable as exc:
        if exc.timed_out:
            return ProbeResult(url, timed_out_after=timeout)
        detail = f"{exc.detail}; set cloud.ca_bundle" if exc.hint is not None else exc.detail  # CA trust
        return ProbeResult(url, error=_shortened(detail, exc.kind))
    except OSError as exc:
        return ProbeResult(url, error=_one_line(exc))
    return ProbeResult(url, response.status, response.seconds, response.body)


def _one_line(exc: BaseException) -> str:
    return _shortened(str(exc), type(exc).__name__)


def _shortened(text: str, fallback: str) -> str:
    """`text` on one line and at most 200 characters; `fallback` if it is blank."""
    text = " ".join(text.split()) or fallback
    return text if len(text) <= 200 else text[:197] + "..."


def _probe_outcome(outcome: Outcome, url: str, timeout: float) -> ProbeResult:
    if not outcome.done:
        return ProbeResult(url, timed_out_after=timeout)  # abandoned: no answer within the limit
    if outcome.error is not None:
        return ProbeResult(url, error=_one_line(outcome.error))
    return outcome.value


def _outcome_value(outcome: Outcome, what: str, limit: float, errors: list[str]) -> Any:
    if not outcome.done:
        errors.append(f"{what}: no answer within {model.seconds_text(limit)}")
        return None
    if outcome.error is not None:
        if not isinstance(outcome.error, McctlError) or isinstance(outcome.error, WHOLE_RUN_FAILURES):
            raise outcome.error
        errors.append(outcome.error.message)
        return None
    return outcome.value


# -- SQL reachability and the shared dependencies ------------------------------------------------
def _sql_reach(
    estate: Estate, inventory: Inventory | None, outcomes: dict[Hashable, Outcome], errors: list[str]
) -> dict[str, SqlServerReach]:
    """Per region with a SQL server: does it answer, and its role (from the failover group)."""
    if estate.sql is None:
        return {}
    primary = inventory.sql_primary if inventory is not None else None
    roles: dict[str, str] = {}
    if inventory is not None:
        roles.update({v.stamp.region: v.sql_role for v in inventory.views if v.sql_role})
    reach = {}
    for server in estate.sql.servers:
        outcome = outcomes[("sql", server.region)]
        role = roles.get(server.region)
        if role is None and primary is not None:
            role = "Primary" if server.region == primary else "Secondary"
        if not outcome.done:
            reachable, error = None, f"no answer within {model.seconds_text(ARM_READ_SECONDS)}"
        elif isinstance(outcome.error, WHOLE_RUN_FAILURES):
            raise outcome.error  # no verdict can be made of reads that never reached Azure
        elif isinstance(outcome.error, AuthError):
            reachable, error = None, outcome.error.message  # not allowed to look: unknown, not down
            errors.append(outcome.error.message)
        elif outcome.error is not None:
            if not isinstance(outcome.error, McctlError):
                raise outcome.error
            reachable, error = False, _short_sql_error(outcome.error.message)
        else:
            reachable, error = True, None
        reach[server.region] = SqlServerReach(server.region, server.ref.name, role, reachable, error)
    return reach


def _short_sql_error(message: str) -> str:
    """'reading SQL server x (r): HTTP 504 GatewayTimeout: The gateway ...' → 'HTTP 504 GatewayTimeout'."""
    parts = message.split(": ")
    return parts[1] if len(parts) > 2 else message


def _dependency(
    dep: HealthDependency,
    names: list[str],
    outcomes: dict[Hashable, Outcome],
    reach: dict[str, SqlServerReach],
    inventory: Inventory | None,
    timeout: float,
    settings: HealthSettings,
) -> model.DependencyHealth:
    dependents = [n for n in names if dep.serves(n)]
    if dep.health_url:
        result = _probe_outcome(outcomes[("dependency", dep.name)], dep.health_url, timeout)
        signal = model.probe_signal(result, settings)  # the stamps' latency thresholds
    else:  # built-in: sql (rule 6 of the roll-up uses the same signal)
        primary = inventory.sql_primary if inventory is not None else None
        signal = model.sql_primary_signal(reach.get(primary) if primary else None)
    return model.dependency_health(dep, dependents, signal)
