"""A SQL failover step observed again (`StepKind.observe` of `sql_failover`): the replication links
and the reachability of the primary, read now, for the direction the step runs.

A rollback's step is the inverse of a failover: it fails back, planned, and carries the links seen
before the failover. Observed again it reads as a failover towards where it goes now, so the link
pre-flight (`sql_links_ready`) judges it as `mcctl sql failover --to` that region would be judged.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from mcctl.domain.sqlfailover import in_progress_params, sql_config, step_mode
from mcctl.domain.sqlfailover_status import stopped_secondaries

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Estate
    from mcctl.domain.plan import Step


# what is observed afresh, never carried over from when the operation was planned
FRESH = ("stopped_secondaries", "failover_in_progress", "in_progress_by")


def observe_failover(session: AzureSession, estate: Estate, step: Step) -> Step:
    from mcctl.ops.sqlfailover import read_status

    status = read_status(session, estate)
    sql = sql_config(estate)
    to_region = str(step.after.get("primary_region"))
    from_region = str(step.before.get("primary_region"))

    def server(region: str) -> str:
        seen = status.server_in(region)
        if seen is not None:
            return seen.name
        configured = sql.server_in(region)
        return configured.ref.name if configured is not None else ""

    primary = status.primary
    # as `plan_failover` does: SUSPENDED links to another secondary that did not answer do not stop it
    stopped = sorted(stopped_secondaries(status.servers, status.primary_region) - {server(to_region).lower()})
    params = {
        **{k: v for k, v in step.params.items() if k not in FRESH},
        "mode": step_mode(step),  # the mode this step runs with (failing back: planned)
        "to_region": to_region,
        "to_server": server(to_region),
        "from_region": from_region,
        "from_server": server(from_region),
        "primary_reachable": primary is not None and primary.error is None,
        "links": [{**link.to_dict(), "text": link.describe()} for link in status.links],
        **({"stopped_secondaries": stopped} if stopped else {}),
        # a failover running now (the operation's own, joined by a resume, or another client's)
        **in_progress_params(status, None),
    }
    return replace(step, params=params)
