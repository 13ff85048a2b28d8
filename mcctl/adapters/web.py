"""App Service: plans (capacity) and web apps (state), via azure-mgmt-web."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcctl.adapters.errors import azure_errors
from mcctl.adapters.lro import WaitOptions, polling_for, wait_for
from mcctl.domain.observed import AppServicePlanState, WebAppState

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Stamp


def _plan_state(plan: Any) -> AppServicePlanState:
    """From an SDK model (its `as_dict()` is ARM's JSON) or the JSON itself: one reading of both."""
    return _plan_state_json(plan.as_dict())


def _app_state(site: Any) -> WebAppState:
    return _app_state_json(site.as_dict())


# The lists are read as ARM's JSON (mcctl.adapters.armread): a read of a few fields of every plan
# and web app needs none of azure-mgmt-web's ~130 ms of models and operations. Changes use the SDK.
API_VERSION = "2025-05-01"  # azure-mgmt-web 11's


def _plan_state_json(plan: dict[str, Any]) -> AppServicePlanState:
    sku = plan.get("sku") or {}
    props = plan.get("properties") or {}
    return AppServicePlanState(
        id=plan["id"],
        name=plan.get("name") or "",
        location=plan.get("location") or "",
        sku_name=sku.get("name"),
        sku_tier=sku.get("tier"),
        capacity=sku.get("capacity"),
        number_of_workers=props.get("numberOfWorkers"),
        maximum_number_of_workers=props.get("maximumNumberOfWorkers"),
        status=props.get("status"),
        provisioning_state=props.get("provisioningState"),
        target_worker_count=props.get("targetWorkerCount"),
    )


def _app_state_json(site: dict[str, Any]) -> WebAppState:
    props = site.get("properties") or {}
    return WebAppState(
        id=site["id"],
        name=site.get("name") or "",
        location=site.get("location") or "",
        state=props.get("state"),
        enabled=props.get("enabled"),
        availability_state=props.get("availabilityState"),
        default_host_name=props.get("defaultHostName"),
        server_farm_id=props.get("serverFarmId"),
        tags=tuple(sorted((str(k), str(v)) for k, v in (site.get("tags") or {}).items())),
    )


def list_plans(session: AzureSession, subscription: str) -> dict[str, AppServicePlanState]:
    """Every App Service plan in the subscription, keyed by lower-cased id (one paged call)."""
    from mcctl.adapters.armread import reader

    path = f"/subscriptions/{subscription}/providers/Microsoft.Web/serverfarms"
    with azure_errors(f"listing App Service plans in subscription {subscription}"):
        plans = reader(session).list(path, API_VERSION, {"detailed": "true"})
        return {p["id"].lower(): _plan_state_json(p) for p in plans}


def list_web_apps(session: AzureSession, subscription: str, *, keep: bool = False) -> dict[str, WebAppState]:
    """Every web app in the subscription, keyed by lower-cased id (one paged call). `keep`: the next
    call for the subscription takes this answer instead of asking again (once: see AzureSession)."""
    key = f"web_apps:{subscription.lower()}"
    if not keep:
        kept = session.take_once(key)
        if kept is not None:
            return dict(kept)
    from mcctl.adapters.armread import reader

    path = f"/subscriptions/{subscription}/providers/Microsoft.Web/sites"
    with azure_errors(f"listing web apps in subscription {subscription}"):
        apps = {s["id"].lower(): _app_state_json(s) for s in reader(session).list(path, API_VERSION)}
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
