"""The standard drill (`mcctl drill plan --from R1 --to R2 [--failback]`), written as a commented
YAML plan file for the operator to read, adjust and run (docs/drill-plan.md has the schema).

Pre-checks → approval → a minute of steady state → (simulator: the outage it rehearses) → evacuate
→ wait for the target to be healthy → check the SQL primary moved → hold while probing; with
failback: end the outage → wait for the source to be healthy → approval → reinstate with the SQL
primary → check it moved back.
Written by hand (the domain does no YAML): every value is a region name, a duration or a word.
"""

from __future__ import annotations

import math
import re

from mcctl.domain.drill.spec import FORMAT_VERSION, duration_text
from mcctl.domain.regions import normalize_region
from mcctl.errors import UsageError

WAIT_TIMEOUT = 600.0  # a region takes minutes to turn healthy after an evacuation, not an hour
BASELINE_SECONDS = 60.0  # a minute of probes before the drill changes anything


def standard_drill(
    from_region: str,
    to_region: str,
    failback: bool,
    *,
    forced: bool = False,
    simulated: bool = True,
    hold_seconds: float = 300,
) -> str:
    """The standard drill from `from_region` to `to_region` as YAML text that
    `mcctl.config.drillfile.parse_drill_plan` reads back. `forced`: evacuate with a forced SQL
    failover (data loss: the drill measures it); `simulated`: inject the regional outage first."""
    source = _region("--from", from_region)
    target = _region("--to", to_region)
    if source == target:
        raise UsageError(f"--to: must differ from --from (both {source})")
    if not math.isfinite(hold_seconds) or hold_seconds <= 0:
        raise UsageError(f"hold: must be a positive number of seconds, got {hold_seconds!r}")
    hold = duration_text(float(hold_seconds))
    sql = "forced" if forced else "auto"
    lines = [
        f"# Failover drill: evacuate {source}, serve from {target}"
        + (f", then fail back to {source}." if failback else "."),
        "# Written by `mcctl drill plan`; the schema is in docs/drill-plan.md. Run it with",
        "#   mcctl"
        + (" --sim" if simulated else "")
        + " drill run drill.yaml   (--dry-run first: the plan and its rules)",
        f"drill: {FORMAT_VERSION}",
        f"name: {source}-to-{target}" + ("-and-back" if failback else ""),
        f"description: Evacuate {source} to {target}" + (f" and fail back to {source}" if failback else ""),
        f"from: {source}",
        f"to: {target}",
        "probes:                  # synthetic read and write probes through the Front Door endpoint",
        "  interval: 1s",
        "  timeout: 2s",
        "defaults:",
        "  timeout: 15m           # a step that takes longer fails",
        "  on_failure: rollback   # a failed step rolls back what the drill changed (stop: leave it)",
        "steps:",
        "  # Pre-checks: nothing has changed yet, so a failing one just stops the drill.",
        f"  - name: pre-check {target} healthy",
        f"    check: {{health: {{region: {target}, status: healthy}}}}",
        "    timeout: 2m",
        "    on_failure: stop",
        "  - name: pre-check sql ready",
        "    check: {sql: {ready: true}}",
        "    timeout: 2m",
        "    on_failure: stop",
        "  - name: start",
        f'    approval: {{message: "Start the drill: evacuate {source} to {target}?"}}',
        "  # The steady state before anything changes: what the probes measure later is compared to it",
        "  # (and a forced failover's lost writes, the RPO, are the last ones written here).",
        "  - name: steady state",
        f"    hold: {{duration: {duration_text(BASELINE_SECONDS)}}}",
    ]
    if simulated:
        lines += [
            f"  # The simulator only: take {source} down, the failure this drill rehearses.",
            f"  - fault: {{outage: {source}}}",
        ]
    lines += [
        f"  # Move traffic, capacity and the SQL primary out of {source}. sql: auto = planned while",
        "  # the primary answers, forced (data loss, measured as RPO) when it does not.",
        f"  - evacuate: {{region: {source}, to: {target}, sql: {sql}}}",
        f"  - wait: {{for: health, region: {target}, status: healthy}}",
        f"    timeout: {duration_text(WAIT_TIMEOUT)}",
        f"  - name: sql primary in {target}",
        f"    check: {{sql: {{primary_region: {target}}}}}",
        f"  # Keep {source} out of service while the probes measure how the others serve.",
        f"  - hold: {{duration: {hold}}}",
    ]
    if failback:
        lines += _failback(source, simulated)
    return "\n".join(lines) + "\n"


def _failback(source: str, simulated: bool) -> list[str]:
    lines = ["  # Failback."]
    if simulated:
        lines.append(f"  - fault: {{end_outage: {source}}}")
    return [
        *lines,
        f"  - wait: {{for: health, region: {source}, status: healthy}}",
        f"    timeout: {duration_text(WAIT_TIMEOUT)}",
        "  - name: failback",
        f'    approval: {{message: "Fail back to {source}?"}}',
        f"  - reinstate: {{region: {source}, sql: planned}}",
        f"  - name: sql primary back in {source}",
        f"    check: {{sql: {{primary_region: {source}}}}}",
    ]


def _region(option: str, name: str) -> str:
    short = normalize_region(name.strip())
    if not re.fullmatch(r"[a-z0-9]{1,64}", short):
        raise UsageError(f"{option}: not a region name (e.g. westeurope), got {name!r}")
    return short
