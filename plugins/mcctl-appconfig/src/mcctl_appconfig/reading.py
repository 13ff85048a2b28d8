"""Read the configuration store and its replicas through the real SDK client (azure-mgmt-appconfiguration).

The client is made by the run's `AzureSession` (its endpoint, credential, transport and options),
so the same code reads Azure or the simulator. `azure.*` is imported inside functions only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcctl.adapters.errors import azure_errors
from mcctl.adapters.sdkvalues import plain
from mcctl.errors import ResourceMissingError
from mcctl_appconfig.verdict import Replica, StoreReading

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Estate
    from mcctl_appconfig.settings import AppConfigSettings

SERVICE = "appconfiguration"


def client(session: AzureSession, subscription: str) -> Any:
    """The session's AppConfigurationManagementClient for `subscription` (one per run and subscription)."""
    from azure.mgmt.appconfiguration import AppConfigurationManagementClient

    return session.client(SERVICE, subscription, AppConfigurationManagementClient)


def read_store(session: AzureSession, estate: Estate, settings: AppConfigSettings) -> StoreReading:
    """The store and its replicas. A store that does not exist is a reading (`found` False); any
    other failure raises the mcctl error (`AzureRequestError`, `AuthError`, ...)."""
    subscription = settings.subscription_in(estate)
    what = f"reading App Configuration store {settings.store} ({settings.resource_group})"
    appconfig = client(session, subscription)
    try:
        with azure_errors(what):
            store = appconfig.configuration_stores.get(settings.resource_group, settings.store)
    except ResourceMissingError:
        return StoreReading(settings.store, settings.resource_group, subscription, found=False)
    with azure_errors(f"listing the replicas of App Configuration store {settings.store}"):
        replicas = [
            Replica(r.name, r.location, plain(r.provisioning_state), r.endpoint)
            for r in appconfig.replicas.list_by_configuration_store(settings.resource_group, settings.store)
        ]
    return StoreReading(
        name=store.name or settings.store,
        resource_group=settings.resource_group,
        subscription=subscription,
        found=True,
        location=store.location,
        sku=store.sku.name if store.sku is not None else None,
        provisioning_state=plain(store.provisioning_state),
        endpoint=store.endpoint,
        replicas=tuple(replicas),
    )
