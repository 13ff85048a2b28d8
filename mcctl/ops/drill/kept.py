"""What a drill keeps beside the journal that records it (`drills/RUN/`): the estate's state before
and after (as `mcctl status` reads it), the probe samples, the rollback's health check, the
reports. The journal says what ran; these say what it was like."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcctl.errors import McctlError

if TYPE_CHECKING:
    from mcctl.ops.drill.probing import DrillProbes
    from mcctl.ops.services import Services


def drill_dir(services: Services, operation: str) -> Path:
    """Where a drill's probes, state and reports are kept: beside the journal that records it."""
    return services.journal.path.parent / "drills" / operation


def write(services: Services, operation: str, name: str, data: Any) -> None:
    folder = drill_dir(services, operation)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(data, indent=2, default=str) + "\n")


def keep(services: Services, state: dict[str, Any] | None, probes: DrillProbes | None, operation: str | None) -> None:
    """The estate's state before (once) and after, and the probes so far (bound to the drill)."""
    from mcctl.ops.drill.conditions import read_status

    if operation is None:
        return  # nothing was journaled: there is no drill to keep anything for
    folder = drill_dir(services, operation)
    if state is not None and not (folder / "before.json").exists():
        write(services, operation, "before.json", state)
    if probes is not None:
        probes.bind(operation)
    try:
        write(services, operation, "after.json", read_status(services))
    except McctlError as exc:
        services.notices.warn(f"drill {operation}: the state after it could not be read: {exc.message}")
