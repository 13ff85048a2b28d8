"""The composition root: the one place that decides what a run talks to, Azure or the simulator.

Ops and adapters take an AzureSession with its endpoint, credential, transport and clock injected,
so they run the same code against both and never import `mcctl.sim` (an import-linter contract).
Nothing heavy is imported here at module level: `mcctl --help` must not load the SDK.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from mcctl.adapters.clients import ACCESS_TOKEN_ENV, ArmEndpoint, AzureSession

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate
    from mcctl.ops.journal import Journal
    from mcctl.ops.registry import Registry
    from mcctl.ops.services import Confirmation, Notices, Reporter, Services
    from mcctl.sim.app import Sim

# The simulator checks that a token is present, not what it is for: Azure's public ARM scope.
SIM_SCOPES = ("https://management.azure.com/.default",)


def azure_session(estate: Estate, *, credential_kind: str | None = None, debug: bool = False) -> AzureSession:
    """Real Azure: the estate's cloud, the chosen credential kind, azure-core's transport, real time."""
    return AzureSession(estate, credential_kind=credential_kind, debug=debug)


def simulated_session(
    estate: Estate,
    sim: Sim,
    *,
    credential: Any = None,
    credential_kind: str | None = None,
    debug: bool = False,
) -> AzureSession:
    """The same SDK clients, talking to `sim` in process on its simulated clock.

    The credential is the simulator's signed-in operator unless MCCTL_ACCESS_TOKEN is set, which
    wins as it does against Azure (a pre-obtained token is how scripts test their own identity).
    """
    from mcctl.sim.clock import ClientClock
    from mcctl.sim.credential import SimCredential
    from mcctl.sim.runtime import SIM_ARM_ENDPOINT, SIM_BLOB_SUFFIX
    from mcctl.sim.transport import InProcessTransport

    if credential is None and not os.environ.get(ACCESS_TOKEN_ENV, "").strip():
        credential = SimCredential()
    return AzureSession(
        estate,
        simulated=True,
        credential_kind=credential_kind,
        debug=debug,
        endpoint=ArmEndpoint(SIM_ARM_ENDPOINT, SIM_SCOPES, None),
        transport=InProcessTransport(sim),
        credential=credential,
        clock=ClientClock(sim),
        blob_suffix=SIM_BLOB_SUFFIX,
    )


def services(
    estate: Estate,
    session: AzureSession,
    journal: Journal,
    *,
    command: str = "mcctl",
    confirmation: Confirmation | None = None,
    reporter: Reporter | None = None,
    notices: Notices | None = None,
    registry: Registry | None = None,
) -> Services:
    """What the mutation use cases talk to. Ports left out get their quiet defaults (approve
    everything, report nothing): what a test or an embedding program wants, never the CLI."""
    from mcctl.ops.lease import open_lease
    from mcctl.ops.services import Approve, QuietNotices, Services, SilentReporter
    from mcctl.plugins import registry as loaded_registry

    return Services(
        estate=estate,
        session=session,
        journal=journal,
        open_lease=lambda: open_lease(session, estate),
        registry=registry or loaded_registry(),
        command=command,
        confirmation=confirmation or Approve(),
        reporter=reporter or SilentReporter(),
        notices=notices or QuietNotices(),
    )
