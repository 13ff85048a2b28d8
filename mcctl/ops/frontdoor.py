"""Front Door traffic, the I/O side: what the planners of `mcctl.domain.frontdoor` are given (the
inventory and the journal's drains as plain values), the health gate between the groups of a
gradual drain or restore, and probing the public endpoint until a change has reached the edge.

The `set_origin` step kind itself lives in `mcctl.ops.steps`; this plugin registers the `health` gate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcctl.domain.frontdoor import (  # DRAIN, RESTORE: re-exported, the plan kinds of this plugin
    DRAIN,  # noqa: F401
    RESTORE,  # noqa: F401
    STEP_KIND,
    FrontDoorObserved,
    OriginChange,
    PastOperation,
    Prior,
    RevertRequest,
    leaving_stamps,
    prior_from_history,
)
from mcctl.domain.frontdoor_status import status_document
from mcctl.domain.frontdoor_verify import Probe, Verification, endpoint_url
from mcctl.domain.plan import Plan, project_step
from mcctl.errors import EndpointUnreachable, McctlError, UsageError
from mcctl.hookspecs import hookimpl
from mcctl.ops.mutation import GateFailed
from mcctl.ops.registry import Registry, current_registry

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Estate
    from mcctl.domain.observed import OriginGroupState
    from mcctl.domain.snapshot import EstateSnapshot
    from mcctl.ops.inventory import Inventory
    from mcctl.ops.journal import OperationRecord


# -- what the planners are given -------------------------------------------------------------------
def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _origin_changes(record: OperationRecord) -> tuple[OriginChange, ...]:
    """The record's `set_origin` steps as plain values (read from the header: a hand-built or old
    plan need not be a complete `Plan`)."""
    changes = []
    for step in record.header.get("plan", {}).get("steps", []):
        params = _mapping(step.get("params"))
        if step.get("kind") != STEP_KIND or params.get("origin") is None:
            continue
        prior = params.get("prior")
        changes.append(
            OriginChange(
                origin=params["origin"],
                before=_mapping(step.get("before")),
                after=_mapping(step.get("after")),
                prior=prior if isinstance(prior, dict) else None,
            )
        )
    return tuple(changes)


def history(operations: Iterable[OperationRecord]) -> tuple[PastOperation, ...]:
    """The journaled operations (oldest first) that set origins, as plain values."""
    found = []
    for record in operations:
        changes = _origin_changes(record)
        if changes:
            found.append(PastOperation(record.id, record.kind, str(record.status), changes))
    return tuple(found)


def journaled_prior(operations: Sequence[OperationRecord], origin: str) -> Prior | None:
    """The prior of the newest drain of `origin` in the journal not undone since, or None."""
    return prior_from_history(history(operations), origin)


def observe(
    inventory: Inventory, operations: Iterable[OperationRecord] = (), healthy: Mapping[str, bool] | None = None
) -> FrontDoorObserved:
    """What a drain, restore or revert is planned from: the live stamps and, per origin, the prior
    of its newest drain in `operations` (the journal, oldest first) not undone since. `healthy`:
    stamp -> in Front Door's rotation (from a health assessment), for the traffic preview."""
    past = history(operations)
    priors = {}
    for view in inventory.views:
        prior = prior_from_history(past, view.stamp.origin)
        if prior is not None:
            priors[view.stamp.origin] = prior
    return FrontDoorObserved(tuple(inventory.views), priors, inventory.sql_primary, healthy=dict(healthy or {}))


def revert_request(record: OperationRecord) -> RevertRequest:
    """Revert `record` (a stopped drain or restore): its origins as they were before it."""
    summary = record.header.get("plan", {}).get("summary", "")
    return RevertRequest.of(record.id, record.kind, summary, _origin_changes(record))


def frontdoor_status(
    estate: Estate, inventory: Inventory, group: OriginGroupState | None, session: AzureSession | None = None
) -> dict[str, Any]:
    """The `frontdoor status` document (a JSON contract): origins per stamp with Front Door's probes'
    view of each (read with `session`; when it cannot be read the document says why, and shares
    are by configuration alone), regions, probe settings."""
    from mcctl.adapters import frontdoor
    from mcctl.domain.edgehealth import edge_health
    from mcctl.errors import McctlError

    edge, error = None, None
    if session is not None:
        try:
            edge = edge_health(group, frontdoor.origin_health(session, estate.frontdoor))
        except McctlError as exc:
            error = exc.message
    return status_document(estate, observe(inventory), group, edge, error)


# -- the health gate between the groups of a gradual plan ------------------------------------------
def stamp_health(session: AzureSession, estate: Estate) -> dict[str, tuple[str, list[str]]]:
    """Each stamp's health verdict and reasons (`mcctl health`: the process's health signals), for the gate."""
    from mcctl.ops import health

    assessed = health.assess(session, estate)
    return {name: (s.status, list(s.reasons)) for name, s in assessed.stamps.items()}


@dataclass
class HealthGate:
    """`between_groups` of a gradual plan (the executor first waits the interval): every stamp that
    will still serve once the next group is applied must not be unhealthy — except the stamps this plan is draining
    (their trouble can only argue for finishing the drain; stopping would keep traffic on them)."""

    session: AzureSession
    estate: Estate
    plan: Plan
    before: EstateSnapshot
    leaving: frozenset[str] = frozenset()
    on_event: Callable[[str], None] = lambda message: None
    checks: list[dict[str, Any]] = field(default_factory=list)
    registry: Registry | None = None  # the run's step kinds, to project its groups; None: the process's

    def __call__(self, done: int) -> None:
        groups = self.plan.groups
        watched = self.watched(done)
        where = f"before step group {done + 2} of {len(groups)}"
        try:
            verdicts = stamp_health(self.session, self.estate)
        except McctlError as exc:
            raise GateFailed(f"health gate {where}: the stamps' health could not be assessed: {exc.message}") from None
        bad = [(name, verdicts[name]) for name in watched if name in verdicts and verdicts[name][0] == "unhealthy"]
        self.checks.append({"after_group": done, "watched": watched, "unhealthy": [name for name, _ in bad]})
        if bad:
            detail = "; ".join(f"{name}: {', '.join(reasons) or 'unhealthy'}" for name, (_, reasons) in bad)
            raise GateFailed(f"health gate {where}: {len(bad)} serving stamp(s) unhealthy ({detail})")
        self.on_event(f"health gate {where}: passed ({', '.join(watched) or 'no stamp'} not unhealthy)")

    def watched(self, done: int) -> list[str]:
        """The stamps that will serve once group `done + 1` is applied, minus those leaving."""
        snapshot = self.before
        for group in self.plan.groups[: done + 2]:
            for _, step in group:
                snapshot = project_step(step, snapshot, (self.registry or current_registry()).project_step)
        return [s.name for s in snapshot.serving_stamps if s.name not in self.leaving]


def _health_gate(
    session: AzureSession,
    estate: Estate,
    plan: Plan,
    before: EstateSnapshot,
    note: Callable[[str], None],
    registry: Registry | None = None,
) -> HealthGate:
    return HealthGate(session, estate, plan, before, leaving_stamps(plan), on_event=note, registry=registry)


@hookimpl
def register_gates(register: Callable[[str, Callable[..., Any]], None]) -> None:
    register("health", _health_gate)


# -- propagation check -----------------------------------------------------------------------------
def verify_traffic(
    session: AzureSession,
    estate: Estate,
    stamps: Iterable[str],
    *,
    mode: str = "away",
    count: int = 10,
    timeout: float = 600.0,
    interval: float = 5.0,
    probe_timeout: float = 10.0,
    on_probe: Callable[[Verification], None] | None = None,
) -> Verification:
    """Probe the Front Door endpoint until the change shows: `away` — `count` consecutive answers from
    other stamps than `stamps`; `back` — every one of `stamps` has answered. Time advances on the
    session clock between probes; returns (passed or not) at `timeout`. `on_probe` is shown the
    verification after each probe (the CLI's live line: a check can take minutes)."""
    if count < 1:
        raise UsageError("--verify-count: must be at least 1")
    if timeout <= 0:
        raise UsageError("--verify-timeout: must be greater than 0")
    result = Verification(mode, endpoint_url(estate), tuple(stamps), count, timeout)
    started = session.now()
    while True:
        elapsed = session.now() - started
        result.add(_probe(session, result.url, min(probe_timeout, max(1.0, timeout - elapsed)), elapsed))
        result.require_served_by()
        result.seconds = session.now() - started
        if on_probe is not None:
            on_probe(result)
        if result.passed or result.seconds + interval > timeout:
            return result
        session.sleep(interval)


def _probe(session: AzureSession, url: str, timeout: float, elapsed: float) -> Probe:
    from mcctl.adapters.endpoint import get_endpoint

    try:
        response = get_endpoint(session, url, timeout)
    except EndpointUnreachable as exc:
        if exc.hint is not None:
            raise  # an untrusted certificate does not clear by waiting: say so now, with its hint
        message = exc.detail.splitlines()[0] if exc.detail else exc.kind
        return Probe(elapsed, None, None, None, f"{exc.kind}: {message}")
    return Probe.answer(elapsed, response.status, response.headers)
