"""The built-in plugin for the simulated Azure: one provider per resource type it plays.

Factories, not instances: every simulator gets fresh providers, and `mcctl --help` imports none of
them. The order matters (the router takes the first match): HealthProvider before CdnProvider, so
the Front Door endpoint's catch-all `/@web/{host}/...` routes do not shadow the stamps' health
endpoints. The tags provider comes first: its routes (`{any resource id}/providers/
Microsoft.Resources/tags/default`) are never shadowed by a provider's own catch-all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mcctl.hookspecs import hookimpl

if TYPE_CHECKING:
    from mcctl.sim.app import Provider


def _tags() -> Provider:
    from mcctl.sim.providers.tags import TagsProvider

    return TagsProvider()


def _web() -> Provider:
    from mcctl.sim.providers.web import WebProvider

    return WebProvider()


def _health() -> Provider:
    from mcctl.sim.providers.health import HealthProvider

    return HealthProvider()


def _cdn() -> Provider:
    from mcctl.sim.providers.cdn import CdnProvider

    return CdnProvider()


def _sql() -> Provider:
    from mcctl.sim.providers.sql import SqlProvider

    return SqlProvider()


def _cache() -> Provider:
    from mcctl.sim.providers.cache import CacheProvider

    return CacheProvider()


def _monitor() -> Provider:
    from mcctl.sim.providers.monitor import MonitorProvider

    return MonitorProvider()


def _subscriptions() -> Provider:
    from mcctl.sim.providers.subscriptions import SubscriptionsProvider

    return SubscriptionsProvider()


def _resource_groups() -> Provider:
    from mcctl.sim.providers.groups import ResourceGroupsProvider

    return ResourceGroupsProvider()


def _namespaces() -> Provider:
    from mcctl.sim.providers.namespaces import NamespacesProvider

    return NamespacesProvider()


def _blob() -> Provider:
    from mcctl.sim.providers.blob import BlobProvider

    return BlobProvider()


def _identity() -> Provider:
    from mcctl.sim.providers.identity import IdentityProvider

    return IdentityProvider()


def _resource_graph() -> Provider:
    from mcctl.sim.providers.resourcegraph import ResourceGraphProvider

    return ResourceGraphProvider()


BUILTIN_PROVIDERS: tuple[tuple[str, Callable[[], Provider]], ...] = (
    ("Microsoft.Resources/tags", _tags),
    ("Microsoft.Web", _web),
    ("health", _health),
    ("Microsoft.Cdn", _cdn),
    ("Microsoft.Sql", _sql),
    ("Microsoft.Cache", _cache),
    ("Microsoft.Insights", _monitor),
    ("Microsoft.Resources", _subscriptions),
    ("Microsoft.Resources/resourceGroups", _resource_groups),
    ("Microsoft.Resources/providers", _namespaces),
    ("blob", _blob),
    ("identity", _identity),
    ("Microsoft.ResourceGraph", _resource_graph),
)


@hookimpl
def register_sim_providers(register: Callable[[str, Callable[[], Provider]], None]) -> None:
    for name, factory in BUILTIN_PROVIDERS:
        register(name, factory)
