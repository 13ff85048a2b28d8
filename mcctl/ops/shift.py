"""Blue-green shifts, the I/O side (a built-in plugin): the `shift` gate between the steps of a
gradual shift and the `shift-capacity` safety rule (pure, in `mcctl.domain.shift`).

The gate reads what it checks from the plan it is handed (the --to stamps, the error-rate limit:
`ShiftSets.of(plan)`), never from the process that planned it, so `mcctl resume` gates a shift
exactly like its first run. The executor has waited the interval before the gate is called.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcctl.domain.shift import DEFAULT_PROBES, GATE, SHIFT_CAPACITY_RULE, ShiftSets
from mcctl.errors import McctlError
from mcctl.hookspecs import hookimpl
from mcctl.ops.mutation import GateFailed

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Estate
    from mcctl.domain.frontdoor_verify import Probe
    from mcctl.domain.plan import Plan
    from mcctl.domain.safety import SafetyRule
    from mcctl.domain.snapshot import EstateSnapshot
    from mcctl.ops.registry import Registry

PROBE_TIMEOUT = 10.0  # seconds one answer of the public endpoint may take


def failed(probe: Probe) -> bool:
    """An answer that counts against the error rate: none at all, or a server error (5xx)."""
    return probe.status is None or probe.status >= 500


@dataclass
class ShiftGate:
    """`between_groups` of a gradual shift: the --to stamps must not be unhealthy and, when the plan
    asks (`--max-error-rate`), at most that share of `probes` answers of the public endpoint may fail."""

    session: AzureSession
    estate: Estate
    plan: Plan
    on_event: Callable[[str], None] = lambda message: None
    checks: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, done: int) -> None:
        sets = ShiftSets.of(self.plan)
        where = f"shift gate before step group {done + 2} of {len(self.plan.groups)}"
        check: dict[str, Any] = {"after_group": done, "watched": list(sets.targets)}
        self.checks.append(check)
        self._health(sets, where, check)
        limit = sets.gate.get("max_error_rate")
        said = f"{', '.join(sets.targets)} not unhealthy"
        if limit is not None:
            rate = self._error_rate(int(sets.gate.get("probes") or DEFAULT_PROBES), where, check)
            if rate * 100 > float(limit):
                raise GateFailed(
                    f"{where}: {rate:.0%} of {check['probes']} answers of the endpoint failed "
                    f"(--max-error-rate {float(limit):g}%)"
                )
            said += f"; {rate:.0%} of {check['probes']} endpoint answers failed (max {float(limit):g}%)"
        self.on_event(f"{where}: passed ({said})")

    def _health(self, sets: ShiftSets, where: str, check: dict[str, Any]) -> None:
        from mcctl.ops import frontdoor  # its stamp_health: the health gate's view (tests replace it there)

        try:
            verdicts = frontdoor.stamp_health(self.session, self.estate)
        except McctlError as exc:
            raise GateFailed(f"{where}: the stamps' health could not be assessed: {exc.message}") from None
        bad = [(n, verdicts[n]) for n in sets.targets if n in verdicts and verdicts[n][0] == "unhealthy"]
        check["unhealthy"] = [name for name, _ in bad]
        if bad:
            detail = "; ".join(f"{name}: {', '.join(reasons) or 'unhealthy'}" for name, (_, reasons) in bad)
            raise GateFailed(f"{where}: {len(bad)} stamp(s) of the --to set unhealthy ({detail})")

    def _error_rate(self, count: int, where: str, check: dict[str, Any]) -> float:
        """The share of `count` answers of the public endpoint that failed (sent one after another on
        the session clock: simulated time under --sim)."""
        from mcctl.domain.frontdoor_verify import endpoint_url
        from mcctl.ops.frontdoor import _probe

        url, started = endpoint_url(self.estate), self.session.now()
        try:
            probes = [_probe(self.session, url, PROBE_TIMEOUT, self.session.now() - started) for _ in range(count)]
        except McctlError as exc:
            raise GateFailed(f"{where}: the endpoint could not be probed: {exc.message}") from None
        bad = sum(1 for p in probes if failed(p))
        check |= {"probes": count, "failed": bad}
        return bad / count


def _shift_gate(
    session: AzureSession,
    estate: Estate,
    plan: Plan,
    before: EstateSnapshot,
    note: Callable[[str], None],
    registry: Registry | None = None,
) -> ShiftGate:
    return ShiftGate(session, estate, plan, on_event=note)


@hookimpl
def register_gates(register: Callable[[str, Callable[..., Any]], None]) -> None:
    register(GATE, _shift_gate)


@hookimpl
def register_safety_rules(register: Callable[[SafetyRule], None]) -> None:
    register(SHIFT_CAPACITY_RULE)
