"""Per-command imports (issue 17): a read under --sim loads no azure.identity/msal (the simulator's
credential is mcctl's own), a Front Door read no App Service or SQL SDK; the ARM JSON reader those
reads use behaves as the SDK does (pages, errors)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcctl.adapters.armread import reader
from mcctl.adapters.clients import AUTHORITY_HOSTS, AzureSession
from mcctl.adapters.errors import azure_errors, raised_by_credential
from mcctl.errors import AuthError, ResourceMissingError
from mcctl.sim.app import Sim
from tests.test_imports_help import probe

READS = [
    ["--sim", "-o", "json", "stamps", "list"],
    ["--sim", "-o", "json", "sql", "status"],
    ["--sim", "-o", "json", "frontdoor", "status"],
    ["--sim", "-o", "json", "redis", "status"],
    ["--sim", "-o", "json", "health"],
]


def _sdks(modules: set[str]) -> set[str]:
    return {m for m in modules if m.startswith("azure.mgmt.") and m.count(".") == 2}


def test_reads_under_sim_load_no_azure_identity_or_msal(tmp_path: Path) -> None:
    codes, modules, out = probe(tmp_path, *READS)
    assert codes == [0] * len(READS), out[-2000:]
    assert not {m for m in modules if m == "msal" or m.startswith(("azure.identity", "msal."))}
    assert {"azure.mgmt.cdn", "azure.mgmt.sql"} <= _sdks(modules)  # (the reads did run, through the SDKs)


def test_frontdoor_status_loads_only_the_front_door_sdk(tmp_path: Path) -> None:
    codes, modules, out = probe(tmp_path, ["--sim", "-o", "json", "frontdoor", "status"])
    assert codes == [0] and json.loads(out)["origins"]
    assert _sdks(modules) == {"azure.mgmt.core", "azure.mgmt.cdn"}


def test_stamps_list_loads_no_app_service_or_sql_sdk(tmp_path: Path) -> None:
    """Its plans, web apps, failover group and SQL servers are read as ARM's JSON (~0.4 s of
    azure-mgmt-sql and -web models and operations a fresh process no longer pays)."""
    codes, modules, out = probe(tmp_path, ["--sim", "-o", "json", "stamps", "list"])
    assert codes == [0] and len(json.loads(out)) == 6
    assert _sdks(modules) == {"azure.mgmt.core", "azure.mgmt.cdn", "azure.mgmt.redisenterprise"}


def _sites(session: AzureSession) -> str:
    return f"/subscriptions/{session.estate.subscription}/providers/Microsoft.Web/sites"


def test_the_json_reader_lists_every_page_as_the_sdk_does(session: AzureSession, sim: Sim) -> None:
    sim.settings["page_size"] = 2  # the demo's 6 web apps: three pages
    before = len(sim.requests)
    listed = reader(session).list(_sites(session), "2025-05-01")
    pages = [r for r in sim.requests[before:] if r.path.lower().endswith("/microsoft.web/sites")]
    assert len(pages) == 3 and all(r.method == "GET" and r.status == 200 for r in pages)
    by_sdk = list(session.web(session.estate.subscription).web_apps.list())
    assert sorted(s["id"] for s in listed) == sorted(s.id for s in by_sdk) and len(listed) == 6
    assert {s["properties"]["state"] for s in listed} == {str(s.properties.state) for s in by_sdk} == {"Running"}
    assert reader(session) is reader(session)  # one per session, closed with its clients


def test_the_json_reader_raises_what_the_sdk_raises(session: AzureSession) -> None:
    missing = f"/subscriptions/{session.estate.subscription}/resourceGroups/rg-none/providers/Microsoft.Web/sites/x"
    with pytest.raises(ResourceMissingError, match=r"reading x: not found \(ResourceNotFound\)"):
        with azure_errors("reading x"):
            reader(session).get(missing, "2025-05-01")


def test_a_next_link_without_api_version_gets_the_readers() -> None:
    from mcctl.adapters.armread import _with_version

    assert (
        _with_version("https://arm/x?$skiptoken=5", "2025-05-01") == "https://arm/x?$skiptoken=5&api-version=2025-05-01"
    )
    kept = "https://arm/x?api-version=2024-01-01&$skiptoken=a%2Fb"
    assert _with_version(kept, "2025-05-01") == kept  # as ARM sent it
    assert _with_version(None, "2025-05-01") is None and _with_version("", "2025-05-01") is None


def test_a_credential_failure_is_told_apart_without_importing_azure_identity() -> None:
    from azure.core.exceptions import ClientAuthenticationError
    from azure.identity import CredentialUnavailableError

    class Answered:  # what azure-core keeps of an HTTP response
        status_code = 401
        reason = "Unauthorized"
        headers: dict[str, str] = {}

        def text(self) -> str:
            return ""

    assert raised_by_credential(CredentialUnavailableError("no az"))
    assert raised_by_credential(ClientAuthenticationError("no token"))
    assert not raised_by_credential(ClientAuthenticationError("denied", response=Answered()))
    with pytest.raises(AuthError, match="the credential could not get a token: no az"):
        with azure_errors("reading"):
            raise CredentialUnavailableError("no az")
    with pytest.raises(AuthError, match="authentication failed"):
        with azure_errors("reading"):
            raise ClientAuthenticationError("denied", response=Answered())


def test_authority_hosts_are_azure_identitys() -> None:
    from azure.identity import AzureAuthorityHosts

    assert AUTHORITY_HOSTS == {
        "AzureCloud": AzureAuthorityHosts.AZURE_PUBLIC_CLOUD,
        "AzureChinaCloud": AzureAuthorityHosts.AZURE_CHINA,
        "AzureUSGovernment": AzureAuthorityHosts.AZURE_GOVERNMENT,
    }


def test_against_a_real_arm_a_front_door_read_loads_no_app_service_or_sql_sdk(tmp_path: Path) -> None:
    """Not only under --sim: against an ARM endpoint (the simulator served on loopback, a custom cloud
    whose regions are checked against the subscription's locations) `frontdoor status` loads
    azure-mgmt-cdn alone; the locations read used to build a whole App Service client."""
    import os
    import subprocess
    import sys

    import yaml

    from mcctl.config.loader import demo_source, load_estate
    from mcctl.sim.credential import make_sim_token
    from mcctl.sim.runtime import open_simulator
    from mcctl.sim.server import LoopbackServer
    from mcctl.sim.tls import make_self_signed

    sim, _ = open_simulator(load_estate(demo_source()), "imports", persist=False)
    cert, key = make_self_signed(tmp_path / "tls")
    with LoopbackServer(sim, cert, key) as server:
        data = yaml.safe_load(demo_source().text)
        data["cloud"] = {"arm_endpoint": server.url, "ca_bundle": str(cert)}
        data["lock"]["endpoint"] = server.url
        estate = tmp_path / "served.yaml"
        estate.write_text(yaml.safe_dump(data), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MCCTL_", "_MCCTL", "COMP_"))}
        env.update(MCCTL_STATE_DIR=str(tmp_path / "state"), MCCTL_PLUGINS="", MCCTL_ACCESS_TOKEN=make_sim_token()[0])
        command = [sys.executable, "-X", "importtime", "-m", "mcctl", "--estate", str(estate), "-o", "json"]
        done = subprocess.run(
            [*command, "frontdoor", "status"], capture_output=True, text=True, env=env, timeout=120, check=False
        )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["origins"]
    assert any("/locations" in r.path for r in sim.requests)  # the custom cloud's region check ran
    modules = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert _sdks(modules) == {"azure.mgmt.core", "azure.mgmt.cdn"}
