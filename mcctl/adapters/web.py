"""App Service: plans (capacity) and web apps (state), via azure-mgmt-web."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcctl.adapters.errors import azure_errors
from mcctl.adapters.lro import WaitOptions, polling_for, wait_for
from mcctl.adapters.sdkvalues import plain
from mcctl.domain.observed import AppServicePlanState, WebAppState

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Stamp


def _plan_state(plan: Any) -> AppServicePlanState:
    sku = plan.sku
    props = plan.properties
    return AppServicePlanState(
        id=plan.id,
        name=plan.name,
        location=plan.location,
        sku_name=plain(sku.name) if sku else None,
        sku_tier=plain(sku.tier) if sku else None,
        capacity=sku.capacity if sku else None,
        number_of_workers=props.number_of_workers if props else None,
        maximum_number_of_workers=props.maximum_number_of_workers if props else None,
        status=plain(props.status) if props else None,
        provisioning_state=plain(props.provisioning_state) if props else None,
        target_worker_count=props.target_worker_count if props else None,
    )


def _app_state(site: Any) -> WebAppState:
    props = site.properties
    return WebAppState(
        id=site.id,
        name=site.name,
        location=site.location,
        state=plain(props.state) if props else None,
        enabled=props.enabled if props else None,
        availability_state=plain(props.availability_state) if props else None,
        default_host_name=props.default_host_name if props else None,
        server_farm_id=props.server_farm_id if props else None,
        tags=tuple(sorted((str(k), str(v)) for k, v in (site.tags or {}).items())),
    )


def list_plans(session: AzureSession, subscription: str) -> dict[str, AppServicePlanState]:
    """Every App Service plan in the subscription, keyed by lower-cased id (one paged call)."""
    with azure_errors(f"listing App Service plans in subscription {subscription}"):
        plans = session.web(subscription).app_service_plans.list(detailed=True)
        return {p.id.lower(): _plan_state(p) for p in plans}


def list_web_apps(session: AzureSession, subscription: str, *, keep: bool = False) -> dict[str, WebAppState]:
    """Every web app in the subscription, keyed by lower-cased id (one paged call). `keep`: the next
    call for the subscription takes this answer instead of asking again (once: see AzureSession)."""
    key = f"web_apps:{subscription.lower()}"
    if not keep:
        kept = session.take_once(key)
        if kept is not None:
            return dict(kept)
    with azure_errors(f"listing web apps in subscription {subscription}"):
        apps = {s.id.lower(): _app_state(s) for s in session.web(subscription).web_apps.list()}
    if keep:
        session.keep_once(key, apps)
    return apps


def get_plan(session: AzureSession, stamp: Stamp) -> AppServicePlanState:
    with azure_errors(f"reading App Service plan {stamp.app_service_plan} of stamp {stamp.name}"):
        plan = session.web(stamp.subscription).app_service_plans.get(stamp.resource_group, stamp.app_service_plan)
        return _plan_state(plan)


def get_web_app(session: AzureSession, stamp: Stamp) -> WebAppState:
    with azure_errors(f"reading web app {stamp.web_app} of stamp {stamp.name}"):
        site = session.web(stamp.subscription).web_apps.get(stamp.resource_group, stamp.web_app)
        return _app_state(site)


def set_plan_capacity(
    session: AzureSession, stamp: Stamp, capacity: int, options: WaitOptions
) -> AppServicePlanState | None:
    """Scale the stamp's plan: GET, set sku.capacity, PUT back (the PATCH model carries no sku).

    Returns the plan after the operation, or None with --no-wait.
    """
    what = f"scaling App Service plan {stamp.app_service_plan} of stamp {stamp.name} to {capacity}"
    with azure_errors(what):
        plans = session.web(stamp.subscription).app_service_plans
        plan = plans.get(stamp.resource_group, stamp.app_service_plan)
        plan.sku.capacity = capacity
        poller = plans.begin_create_or_update(
            stamp.resource_group,
            stamp.app_service_plan,
            plan,
            polling=polling_for(session, options),
        )
        if not options.wait:
            return None
        return _plan_state(wait_for(poller, what, options))
