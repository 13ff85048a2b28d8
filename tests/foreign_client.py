"""Another ARM client (az, the portal, another machine's tooling) acting on the simulator: a bearer
token with an identity other than mcctl's simulated operator, and the requests it sends."""

from __future__ import annotations

import base64
import json
from typing import Any

from mcctl.domain.estate import Estate
from mcctl.sim.app import Sim
from mcctl.sim.http import SimRequest, SimResponse

HOST = "https://management.sim.mcctl.invalid"
SQL_API = "2025-01-01"
AZ_OID = "99999999-aaaa-4bbb-8ccc-dddddddddddd"  # not make_sim_token's oid: a different caller


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def foreign_token(oid: str = AZ_OID) -> str:
    claims = {"aud": "https://management.azure.com/", "oid": oid, "upn": "az-user@contoso.com", "exp": 4102444800}
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.sim"


def failover_url(estate: Estate, region: str, action: str = "failover") -> str:
    assert estate.sql is not None
    server = estate.sql.server_in(region)
    assert server is not None
    return f"{HOST}{server.ref.id}/failoverGroups/{estate.sql.name}/{action}?api-version={SQL_API}"


def foreign_failover(
    sim: Sim, estate: Estate, region: str, *, oid: str = AZ_OID, action: str = "failover"
) -> SimResponse:
    """`az sql failover-group set-primary` as the simulator sees it: the POST, by another caller."""
    headers = {"Authorization": f"Bearer {foreign_token(oid)}"}
    return sim.handle(SimRequest("POST", failover_url(estate, region, action), headers))


def foreign_request(sim: Sim, method: str, resource_id: str, api_version: str, body: Any = None) -> SimResponse:
    """Any ARM request on `resource_id` by the other client (e.g. `az afd origin update`)."""
    headers = {"Authorization": f"Bearer {foreign_token()}", "Content-Type": "application/json"}
    content = json.dumps(body).encode() if body is not None else b""
    return sim.handle(SimRequest(method, f"{HOST}{resource_id}?api-version={api_version}", headers, content))


def origin_path(estate: Estate, origin: str = "origin-weu-1") -> str:
    """The ARM path of one of the estate's Front Door origins."""
    fd = estate.frontdoor
    return (
        f"/subscriptions/{fd.subscription}/resourceGroups/{fd.resource_group}/providers/Microsoft.Cdn/profiles/"
        f"{fd.profile}/originGroups/{fd.origin_group}/origins/{origin}"
    )
