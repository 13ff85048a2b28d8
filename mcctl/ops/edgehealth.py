"""Read Front Door's view of its origins' health (the `edge` health signal's own read)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mcctl.domain.edgehealth import EdgeHealth, edge_health

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Estate, Stamp


def read_edge_health(session: AzureSession, estate: Estate, stamps: Sequence[Stamp] = ()) -> EdgeHealth:
    """The origin group's probe and sample settings, and the origins' OriginHealthPercentage.
    Raises an mcctl error when either cannot be read (`stamps`: unused, every origin is read once)."""
    from mcctl.adapters import frontdoor

    group = frontdoor.get_origin_group(session, estate.frontdoor)
    return edge_health(group, frontdoor.origin_health(session, estate.frontdoor))
