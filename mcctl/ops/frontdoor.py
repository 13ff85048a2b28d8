"""Front Door traffic: which origins serve, draining and restoring a region or a stamp, and checking
that a change has reached the edge.

A drain disables origins (weight 0 is not a drain: ARM refuses it, and a low weight still serves).
Plans are ordinary `set_origin` steps, so the safety rules, the journal, resume and rollback apply
as for any mutation. A gradual drain or restore is one plan whose groups change weights step by
step; between groups a `HealthGate` waits the interval and stops the run (GateFailed) when a stamp
that will still serve is unhealthy.

Restore puts back the weight and priority an origin had before it was drained: the `prior` each
drain step records, from the newest drain of that origin in the journal (a later successful
restore or rollback means there is no drain to undo). Without one, the estate defaults apply
(weight 1000, priority 1, what AFD itself uses when none is set).

Verification probes the public Front Door endpoint: the edge applies an accepted change some
minutes later, and only the answers tell when. Each answer must name the stamp that served it
(`x-mcctl-served-by: STAMP/REGION`; the simulator sends it, a real app adds it in middleware).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from mcctl.domain.plan import Plan, Step, project_step
from mcctl.domain.regions import normalize_region
from mcctl.errors import EndpointUnreachable, McctlError, SafetyRefusal, UsageError
from mcctl.hookspecs import hookimpl
from mcctl.ops.mutation import GateFailed
from mcctl.ops.registry import current_registry

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Estate, Stamp
    from mcctl.domain.observed import OriginGroupState, OriginState
    from mcctl.domain.snapshot import EstateSnapshot
    from mcctl.domain.stampview import StampView
    from mcctl.ops.inventory import Inventory
    from mcctl.ops.journal import OperationRecord

DRAIN = "frontdoor-drain"
RESTORE = "frontdoor-restore"
DEFAULT_WEIGHT = 1000  # AFD's default; the estate's fallback when the journal knows no prior weight
DEFAULT_PRIORITY = 1
MIN_WEIGHT, MAX_WEIGHT = 1, 1000
ORIGIN_UPDATE_SECONDS = 30.0  # Front Door accepts an origin change in tens of seconds (plan estimate)
SERVED_BY_HEADER = "x-mcctl-served-by"
# Operation statuses after which a drain may have changed its origins (refused/failed changed nothing).
MAY_HAVE_CHANGED = ("succeeded", "partial", "stopped", "interrupted", "timeout", "submitted", "incomplete")


# -- what to act on --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """A region or one stamp."""

    region: str | None = None
    stamp: str | None = None

    def validate(self, estate: Estate) -> None:
        if (self.region is None) == (self.stamp is None):
            raise UsageError("REGION or --stamp: give exactly one")
        if self.stamp is not None and estate.stamp(self.stamp) is None:
            raise UsageError(
                f"--stamp: unknown stamp '{self.stamp}' (stamps: {', '.join(s.name for s in estate.stamps)})"
            )
        if self.region is not None and normalize_region(self.region) not in estate.regions:
            raise UsageError(f"REGION: '{self.region}' has no stamps (regions: {', '.join(estate.regions)})")

    def stamps(self, estate: Estate) -> tuple[Stamp, ...]:
        if self.stamp is not None:
            found = estate.stamp(self.stamp)
            assert found is not None
            return (found,)
        assert self.region is not None
        return estate.stamps_in(normalize_region(self.region))

    def describe(self) -> str:
        return f"stamp {self.stamp}" if self.stamp is not None else f"region {normalize_region(self.region or '')}"


def parse_steps(text: str) -> tuple[int, ...]:
    """`--steps 50,90,100`: percentages, strictly increasing, ending at 100."""
    parts = text.replace(" ", "").split(",")
    if not all(re.fullmatch(r"[0-9]{1,3}", part) for part in parts):  # int() also takes 5_0 and ٥٠
        raise UsageError(f"--steps: expected percentages like 50,90,100, got '{text}'")
    values = tuple(int(part) for part in parts)
    if any(not 1 <= v <= 100 for v in values):
        raise UsageError(f"--steps: each step is a percentage from 1 to 100, got '{text}'")
    if any(b <= a for a, b in zip(values, values[1:], strict=False)):
        raise UsageError(f"--steps: percentages must increase, got '{text}'")
    if values[-1] != 100:
        raise UsageError(f"--steps: the last step must be 100 (the origin is fully drained or restored), got '{text}'")
    return values


# -- weights and priorities before a drain ---------------------------------------------------------
@dataclass(frozen=True)
class Prior:
    """The weight and priority an origin had before it was drained, and where that is recorded."""

    weight: int | None
    priority: int | None
    operation: str | None = None  # the journaled drain it comes from; None: live values or defaults

    def as_params(self) -> dict[str, int | None]:
        return {"weight": self.weight, "priority": self.priority}


def _origin_steps(record: OperationRecord, origin: str) -> list[dict[str, Any]]:
    steps = record.header.get("plan", {}).get("steps", [])
    return [s for s in steps if s.get("kind") == "set_origin" and s.get("params", {}).get("origin") == origin]


def _is_drain(record: OperationRecord, steps: list[dict[str, Any]]) -> bool:
    if record.header.get("kind") == DRAIN:
        return True
    return any(s.get("after", {}).get("enabled") is False for s in steps)


def _prior_of(record: OperationRecord, steps: list[dict[str, Any]]) -> Prior:
    recorded = next((s["params"]["prior"] for s in steps if isinstance(s["params"].get("prior"), dict)), None)
    if recorded is not None:
        return Prior(recorded.get("weight"), recorded.get("priority"), record.id)
    # A drain by another tool or kind: the first value each field had before any step changed it.
    weight = next((s["before"]["weight"] for s in steps if "weight" in s.get("before", {})), None)
    priority = next((s["before"]["priority"] for s in steps if "priority" in s.get("before", {})), None)
    return Prior(weight, priority, record.id)


def journaled_prior(operations: Sequence[OperationRecord], origin: str) -> Prior | None:
    """The prior of the newest drain of `origin` that has not been undone since, or None.

    A drain counts once it may have changed something (succeeded, stopped by a gate, interrupted,
    ...); a later restore or rollback that succeeded means the origin is back and there is nothing
    to undo.
    """
    for record in reversed(operations):
        steps = _origin_steps(record, origin)
        if not steps or record.status in ("refused", "failed"):
            continue
        if _is_drain(record, steps):
            if record.status in MAY_HAVE_CHANGED:
                return _prior_of(record, steps)
            continue
        if record.status == "succeeded":
            return None  # restored (or a drain rolled back) since
    return None


# -- planning --------------------------------------------------------------------------------------
def _views(inventory: Inventory, stamps: Iterable[Stamp]) -> list[tuple[Stamp, OriginState]]:
    by_name = {v.stamp.name: v for v in inventory.views}
    found = []
    for stamp in stamps:
        view: StampView | None = by_name.get(stamp.name)
        if view is None or view.origin is None:
            raise UsageError(f"stamp {stamp.name}: its Front Door origin '{stamp.origin}' could not be read")
        found.append((stamp, view.origin))
    return found


def _origin_step(
    stamp: Stamp, estate: Estate, before: dict, after: dict, group: int, step: str = "", **params: Any
) -> Step:
    return Step(
        kind="set_origin",
        target=f"stamp {stamp.name} origin {stamp.origin}" + (f" ({step})" if step else ""),
        resource_id=estate.frontdoor.origin_id(stamp.origin),
        before=before,
        after=after,
        params={"stamp": stamp.name, "origin": stamp.origin, **params},
        expected_seconds=ORIGIN_UPDATE_SECONDS,
        group=group,
    )


def _live(origin: OriginState) -> dict[str, Any]:
    """The origin as steps read it back (null weight/priority as Front Door applies them)."""
    return {"enabled": origin.enabled, "weight": origin.effective_weight, "priority": origin.effective_priority}


def _share_weight(weight: int, percent: int) -> int:
    return max(MIN_WEIGHT, min(MAX_WEIGHT, round(weight * percent / 100)))


def _gradual_note(percentages: Sequence[int], interval: float, verb: str) -> str:
    return (
        f"{verb} in {len(percentages)} steps ({', '.join(f'{p}%' for p in percentages)}); before each next step: "
        f"wait {interval:g}s, then stop if a stamp that will still serve is unhealthy"
    )


def _in_steps(percentages: Sequence[int]) -> str:
    return f" in steps of {'/'.join(map(str, percentages))}%" if percentages else ""


def _sql_note(estate: Estate, inventory: Inventory, regions: set[str]) -> str | None:
    primary = inventory.sql_primary
    if estate.sql is None or primary is None or primary not in regions:
        return None
    return (
        f"{primary} holds the SQL primary of failover group {estate.sql.name}: once it is drained every "
        f"write crosses regions; consider `mcctl sql failover` to a region that keeps serving first"
    )


def plan_drain(
    estate: Estate,
    inventory: Inventory,
    target: Target,
    percentages: Sequence[int] = (),
    interval: float = 60.0,
    operations: Sequence[OperationRecord] = (),
) -> Plan:
    """Disable the target's enabled origins: at once (one parallel group), or with `percentages`
    lowering the weights group by group (never below 1) before the last group disables them."""
    target.validate(estate)
    stamps = _views(inventory, target.stamps(estate))
    gradual = len(percentages) > 1
    notes: list[str] = []
    steps: list[Step] = []
    for stamp, origin in stamps:
        if not origin.enabled:
            notes.append(f"{stamp.origin} ({stamp.name}) is already disabled")
            continue
        prior = journaled_prior(operations, stamp.origin) or Prior(origin.weight, origin.priority)
        if origin.weight is None:
            notes.append(f"{stamp.origin} ({stamp.name}) has no weight in the API (null): AFD uses {DEFAULT_WEIGHT}")
        current = origin.effective_weight
        for group, percent in enumerate(percentages[:-1] if gradual else ()):
            weight = _share_weight(prior.weight or DEFAULT_WEIGHT, 100 - percent)
            if weight >= current:
                continue
            # each step starts where the previous one leaves the origin (the executor checks only
            # the first step of a resource against live state; rollback walks the chain back)
            before, after = {"weight": current}, {"weight": weight}
            steps.append(_origin_step(stamp, estate, before, after, group, f"{percent}%", prior=prior.as_params()))
            current = weight
        last = len(percentages) - 1 if gradual else 0
        steps.append(
            _origin_step(
                stamp,
                estate,
                {"enabled": True},
                {"enabled": False},
                last,
                "100%" if gradual else "",
                prior=prior.as_params(),
            )
        )
    sql = _sql_note(estate, inventory, {s.region for s, _ in stamps})
    if sql and steps:
        notes.insert(0, sql)
    if steps:
        if gradual:
            notes.append(_gradual_note(percentages, interval, "weights lowered"))
        notes.append("Front Door applies an accepted change at the edge minutes later: --verify waits for it")
    disabled = sorted({s.params["origin"] for s in steps if s.after.get("enabled") is False})
    what = f"disable {', '.join(disabled)}" if disabled else "already drained"
    summary = f"drain {target.describe()}: {what}" + _in_steps(percentages if gradual and steps else ())
    return _plan(DRAIN, summary, steps, notes, interval)


def plan_restore(
    estate: Estate,
    inventory: Inventory,
    target: Target,
    percentages: Sequence[int] = (),
    interval: float = 60.0,
    operations: Sequence[OperationRecord] = (),
) -> Plan:
    """Enable the target's origins with the weight and priority they had before their drain.

    A disabled origin is enabled (at the first step's share of its weight when gradual); an enabled
    one is only changed when the journal holds an unfinished drain of it (weights left lowered by a
    stopped gradual drain). Origins already as they were are left alone.
    """
    target.validate(estate)
    stamps = _views(inventory, target.stamps(estate))
    gradual = len(percentages) > 1
    notes: list[str] = []
    steps: list[Step] = []
    for stamp, origin in stamps:
        journaled = journaled_prior(operations, stamp.origin)
        if origin.enabled and journaled is None:
            continue  # serving as configured: nothing of ours to undo
        prior = journaled or Prior(None, None)
        weight = prior.weight if prior.weight is not None else DEFAULT_WEIGHT
        priority = prior.priority if prior.priority is not None else DEFAULT_PRIORITY
        source = f"operation {prior.operation}" if prior.operation else "the estate defaults (no drain journaled)"
        planned = _restore_steps(stamp, origin, estate, weight, priority, percentages if gradual else ())
        if planned:
            notes.append(f"{stamp.origin} ({stamp.name}): weight {weight}, priority {priority} from {source}")
        steps.extend(planned)
    if steps and gradual:
        notes.append(_gradual_note(percentages, interval, "weights raised"))
    enabled = sorted({s.params["origin"] for s in steps})
    what = f"restore {', '.join(enabled)}" if enabled else "already serving"
    summary = f"restore {target.describe()}: {what}" + _in_steps(percentages if gradual and steps else ())
    return _plan(RESTORE, summary, steps, notes, interval)


def _restore_steps(
    stamp: Stamp, origin: OriginState, estate: Estate, weight: int, priority: int, percentages: Sequence[int]
) -> list[Step]:
    live = _live(origin)
    steps: list[Step] = []
    shares = [(p, _share_weight(weight, p)) for p in percentages[:-1]] + [(100, weight)]
    for group, (percent, share) in enumerate(shares):
        final = group == len(shares) - 1
        if not live["enabled"]:
            want = {"enabled": True, "weight": share, "priority": priority}
        elif final:
            want = {"weight": share, "priority": priority}
        elif share <= live["weight"]:
            continue  # already at least this far back
        else:
            want = {"weight": share}
        changed = {k: v for k, v in want.items() if live[k] != v}
        if not changed:
            continue
        label = f"{percent}%" if len(shares) > 1 else ""
        steps.append(_origin_step(stamp, estate, {k: live[k] for k in changed}, changed, group, label))
        live.update(changed)
    return steps


def _plan(kind: str, summary: str, steps: list[Step], notes: list[str], interval: float) -> Plan:
    """A drain or restore plan; with more than one step group it is gradual: health-gated."""
    ordered = _regroup(steps)
    gated = len({s.group for s in ordered}) > 1
    return Plan(
        kind=kind,
        summary=summary,
        steps=ordered,
        notes=tuple(notes),
        gate="health" if gated else None,
        interval=interval if gated else 0.0,
    )


def _regroup(steps: list[Step]) -> tuple[Step, ...]:
    """Order steps by group (parallel within one), numbering the groups that exist 0, 1, 2, ..."""
    numbers = {g: n for n, g in enumerate(sorted({s.group for s in steps}))}
    ordered = sorted(steps, key=lambda s: s.group)  # stable: stamps keep the estate's order
    return tuple(replace(s, group=numbers[s.group]) for s in ordered)


def plan_revert(estate: Estate, inventory: Inventory, record: OperationRecord) -> Plan:
    """Put every origin a stopped drain or restore touched back as it was before that operation:
    one step per origin, all in parallel (a cautious inverse of a gradual plan in one move)."""
    steps: list[Step] = []
    by_origin = {v.stamp.origin: v for v in inventory.views}
    touched = dict.fromkeys(
        s["params"]["origin"] for s in record.header.get("plan", {}).get("steps", []) if s.get("kind") == "set_origin"
    )
    for name in touched:
        view = by_origin.get(name)
        if view is None or view.origin is None:
            raise UsageError(f"origin {name}: not in the estate file or could not be read; nothing was changed")
        start: dict[str, Any] = {}
        for step in _origin_steps(record, name):
            for key, value in step.get("before", {}).items():
                start.setdefault(key, value)
        live = _live(view.origin)
        changed = {k: v for k, v in start.items() if live.get(k) != v and v is not None}
        if changed:
            steps.append(_origin_step(view.stamp, estate, {k: live[k] for k in changed}, changed, 0))
    summary = f"revert {record.id}: {record.header.get('plan', {}).get('summary', '')}"
    return Plan(kind=f"rollback:{record.header.get('kind')}", summary=summary, steps=tuple(steps))


class Reverted(SafetyRefusal):
    """A drain or restore stopped (by its health gate or a failed step) and reverted with
    --revert-on-failure: in the end nothing changed (exit 5)."""


# -- the health gate between the groups of a gradual plan ------------------------------------------
def stamp_health(session: AzureSession, estate: Estate) -> dict[str, tuple[str, list[str]]]:
    """Each stamp's health verdict and reasons (`mcctl health`), for the gate."""
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
                snapshot = project_step(step, snapshot, current_registry().project_step)
        return [s.name for s in snapshot.serving_stamps if s.name not in self.leaving]


def leaving_stamps(plan: Plan) -> frozenset[str]:
    """Stamps whose origins the plan disables."""
    return frozenset(s.params["stamp"] for s in plan.steps if s.after.get("enabled") is False)


# -- propagation check -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Probe:
    seconds: float  # since the check started, on the session clock
    status: int | None
    stamp: str | None
    region: str | None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 3),
            "status": self.status,
            "stamp": self.stamp,
            "region": self.region,
            "error": self.error,
        }


@dataclass
class Verification:
    """Whether the edge sends traffic away from (mode `away`) or back to (mode `back`) some stamps."""

    mode: str
    url: str
    stamps: tuple[str, ...]  # the drained (away) or restored (back) stamps
    count: int
    timeout: float
    passed: bool = False
    seconds: float = 0.0
    probes: list[Probe] = field(default_factory=list)
    streak: int = 0
    best_streak: int = 0

    @property
    def served_by(self) -> dict[str, list[str]]:
        """Stamps and regions seen in the deciding answers (the last `count`, or all for `back`)."""
        named = [p for p in self.probes if p.stamp]
        if self.mode == "away" and self.passed:
            named = named[-self.count :]
        return {
            "stamps": list(dict.fromkeys(p.stamp for p in named if p.stamp)),
            "regions": list(dict.fromkeys(p.region for p in named if p.region)),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "url": self.url,
            "stamps": list(self.stamps),
            "passed": self.passed,
            "seconds": round(self.seconds, 3),
            "required_consecutive": self.count if self.mode == "away" else None,
            "best_streak": self.best_streak if self.mode == "away" else None,
            "timeout": self.timeout,
            "served_by": self.served_by,
            "probes": len(self.probes),
            "last": [p.to_dict() for p in self.probes[-self.count :]],
        }

    def describe(self) -> str:
        served = self.served_by
        where = f"{', '.join(served['stamps'])} ({', '.join(r for r in served['regions'] if r)})"
        if self.mode == "away" and self.passed:
            return (
                f"verified after {self.seconds:.0f}s: the last {self.count} answers of {self.url} came from {where}, "
                f"none from {', '.join(self.stamps)} ({len(self.probes)} probes)"
            )
        if self.passed:
            return (
                f"verified after {self.seconds:.0f}s: {', '.join(self.stamps)} serve again ({len(self.probes)} probes)"
            )
        last = next((p for p in reversed(self.probes) if p.stamp or p.error), None)
        seen = f"; last answer: {_probe_text(last)}" if last else ""
        if self.mode == "away":
            return (
                f"not verified after {self.timeout:g}s: {self.url} still answered from {', '.join(self.stamps)} "
                f"(best run {self.best_streak} of {self.count} answers from elsewhere, {len(self.probes)} probes{seen})"
            )
        missing = [s for s in self.stamps if s not in served["stamps"]]
        return (
            f"not verified after {self.timeout:g}s: no answer of {self.url} came from {', '.join(missing)} "
            f"({len(self.probes)} probes{seen})"
        )


def _probe_text(probe: Probe) -> str:
    if probe.error:
        return probe.error
    return f"HTTP {probe.status} from {probe.stamp}/{probe.region}"


def endpoint_url(estate: Estate) -> str:
    return f"https://{estate.frontdoor.endpoint_host}/"


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
) -> Verification:
    """Probe the Front Door endpoint until the change shows: `away` — `count` consecutive answers from
    other stamps than `stamps`; `back` — every one of `stamps` has answered. Time advances on the
    session clock between probes; returns (passed or not) at `timeout`."""
    if count < 1:
        raise UsageError("--verify-count: must be at least 1")
    if timeout <= 0:
        raise UsageError("--verify-timeout: must be greater than 0")
    watched = tuple(stamps)
    result = Verification(mode, endpoint_url(estate), watched, count, timeout)
    started = session.now()
    while True:
        elapsed = session.now() - started
        probe = _probe(session, result.url, min(probe_timeout, max(1.0, timeout - elapsed)), elapsed)
        result.probes.append(probe)
        if mode == "away":
            result.streak = result.streak + 1 if probe.stamp and probe.stamp not in watched else 0
            result.best_streak = max(result.best_streak, result.streak)
            result.passed = result.streak >= count
        else:
            result.passed = set(watched) <= {p.stamp for p in result.probes}
        _require_served_by(result)
        result.seconds = session.now() - started
        if result.passed or result.seconds + interval > timeout:
            return result
        session.sleep(interval)


def _probe(session: AzureSession, url: str, timeout: float, elapsed: float) -> Probe:
    from mcctl.adapters.endpoint import get_endpoint

    try:
        response = get_endpoint(session, url, timeout)
    except EndpointUnreachable as exc:
        message = exc.detail.splitlines()[0] if exc.detail else exc.kind
        return Probe(elapsed, None, None, None, f"{exc.kind}: {message}")
    headers = {k.lower(): v for k, v in response.headers.items()}
    stamp, _, region = (headers.get(SERVED_BY_HEADER) or "").partition("/")
    return Probe(elapsed, response.status, stamp or None, region or None)


def _require_served_by(result: Verification) -> None:
    """An endpoint whose successful answers never name a stamp can never verify: say so at once."""
    answered = [p for p in result.probes if p.status is not None and 200 <= p.status < 300]
    if len(answered) >= result.count and not any(p.stamp for p in result.probes):
        raise UsageError(
            f"{result.url} answers without a {SERVED_BY_HEADER} header, so the serving stamp is unknown",
            hint=f"have each stamp's app add `{SERVED_BY_HEADER}: STAMP/REGION` to its responses",
        )


# -- status ----------------------------------------------------------------------------------------
def traffic_shares(origins: Sequence[OriginState | None]) -> list[float | None]:
    """Each origin's share of traffic by configuration, if every enabled origin is healthy: the
    enabled origins of the lowest priority split it by weight (null weight: 1000, priority: 1)."""
    enabled = [o for o in origins if o is not None and o.enabled]
    if not enabled:
        return [None if o is None else 0.0 for o in origins]
    top = min(o.priority or DEFAULT_PRIORITY for o in enabled)
    group = [o for o in enabled if (o.priority or DEFAULT_PRIORITY) == top]
    total = sum(o.weight or DEFAULT_WEIGHT for o in group)
    return [
        None if o is None else round((o.weight or DEFAULT_WEIGHT) / total, 4) if o in group else 0.0 for o in origins
    ]


def _probe_settings(group: OriginGroupState | None) -> dict[str, Any] | None:
    if group is None or group.health_probe is None:
        return None
    probe = group.health_probe
    return {
        "path": probe.path,
        "protocol": probe.protocol,
        "request_type": probe.request_type,
        "interval_seconds": probe.interval_seconds,
    }


def frontdoor_status(estate: Estate, inventory: Inventory, group: OriginGroupState | None) -> dict[str, Any]:
    """The `frontdoor status` document (a JSON contract): origins per stamp, regions, probe settings."""
    views = inventory.views
    shares = traffic_shares([v.origin for v in views])
    origins: list[dict[str, Any]] = []  # JSON rows: one value type per key is more than a dict literal can say
    for view, share in zip(views, shares, strict=True):
        o = view.origin
        origins.append(
            {
                "stamp": view.stamp.name,
                "region": view.stamp.region,
                "origin": view.stamp.origin,
                "host": o.host_name if o else None,
                "enabled_state": o.enabled_state if o else None,
                "enabled": o.enabled if o else None,
                "weight": o.weight if o else None,
                "priority": o.priority if o else None,
                "provisioning_state": o.provisioning_state if o else None,
                "deployment_status": o.deployment_status if o else None,
                "app_state": view.app.state if view.app else None,
                "serving": view.serving,
                "traffic_share": share,
            }
        )
    regions = []
    for region in estate.regions:
        members = [row for row in origins if row["region"] == region]
        serving = [row["stamp"] for row in members if row["serving"]]
        shares_known = [row["traffic_share"] for row in members if row["traffic_share"] is not None]
        regions.append(
            {
                "region": region,
                "serving": bool(serving),
                "stamps": [row["stamp"] for row in members],
                "serving_stamps": serving,
                "traffic_share": round(sum(shares_known), 4) if shares_known else None,
                "sql_primary": inventory.sql_primary == region if inventory.sql_primary else None,
            }
        )
    fd = estate.frontdoor
    return {
        "profile": fd.profile,
        "origin_group": fd.origin_group,
        "endpoint_host": fd.endpoint_host,
        "health_probe": _probe_settings(group),
        "load_balancing": None
        if group is None
        else {
            "sample_size": group.sample_size,
            "successful_samples_required": group.successful_samples_required,
            "additional_latency_ms": group.additional_latency_ms,
        },
        "serving_regions": [r["region"] for r in regions if r["serving"]],
        "regions": regions,
        "origins": origins,
    }


def _health_gate(
    session: AzureSession, estate: Estate, plan: Plan, before: EstateSnapshot, note: Callable[[str], None]
) -> HealthGate:
    return HealthGate(session, estate, plan, before, leaving_stamps(plan), on_event=note)


@hookimpl
def register_gates(register: Callable[[str, Callable[..., Any]], None]) -> None:
    register("health", _health_gate)
