"""A custom cloud's sign-in (`cloud.authority`, `cloud.tenant`: Azure Stack Hub with ADFS) and region
names (`regions:`): read from the estate file, checked with field paths, handed to azure-identity."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from azure import identity

from mcctl.adapters.clients import AzureSession, GuardedCredential, resolve_endpoint
from mcctl.config.loader import EstateSource, demo_source, load_estate
from mcctl.domain.estate import Cloud
from mcctl.errors import EstateFileError

ASH_ARM = "https://management.local.azurestack.external"
ADFS = "https://adfs.local.azurestack.external/adfs"


def _estate(cloud: Any, **extra: Any) -> dict:
    data = yaml.safe_load(demo_source().text)
    data["cloud"] = cloud
    data["lock"]["endpoint"] = "https://blob.local.azurestack.external"
    data.update(extra)
    return data


def _load(data: dict):
    return load_estate(EstateSource("ash.yaml", yaml.safe_dump(data)))


def _problems(data: dict) -> list[str]:
    with pytest.raises(EstateFileError) as info:
        _load(data)
    return info.value.problems


def test_authority_and_tenant_are_read_into_the_cloud() -> None:
    estate = _load(_estate({"arm_endpoint": ASH_ARM, "authority": ADFS, "tenant": "adfs"}))
    assert estate.cloud.authority == ADFS and estate.cloud.tenant == "adfs"


def test_bad_authority_and_tenant_name_their_field() -> None:
    problems = _problems(_estate({"arm_endpoint": ASH_ARM, "authority": "http://adfs.local/adfs", "tenant": "a b"}))
    assert problems[0].startswith("cloud.authority: not an https URL")
    assert problems[1].startswith("cloud.tenant: not a tenant") and "'a b'" in problems[1]
    assert len(problems) == 2


def test_an_authority_on_a_named_cloud_is_refused() -> None:
    problems = _problems(_estate({"name": "AzureCloud", "authority": ADFS}))
    assert problems == ["cloud.authority: only applies to a custom cloud (AzureCloud has its own)"]


def test_an_adfs_authority_is_host_plus_tenant_without_instance_discovery() -> None:
    endpoint = resolve_endpoint(Cloud("custom", ASH_ARM, authority=ADFS, tenant="adfs"))
    assert endpoint.authority == "https://adfs.local.azurestack.external" and endpoint.tenant == "adfs"
    assert endpoint.private_authority
    # written without the tenant, `/adfs` says it all
    assert resolve_endpoint(Cloud("custom", ASH_ARM, authority=ADFS)).tenant == "adfs"
    entra = resolve_endpoint(Cloud("custom", ASH_ARM, authority="https://login.microsoftonline.com", tenant="x.com"))
    assert not entra.private_authority and entra.tenant == "x.com"


class _Recorder:
    made: list[tuple[str, dict]] = []

    def __init__(self, **kwargs: Any) -> None:
        _Recorder.made.append((type(self).__name__, kwargs))


@pytest.fixture
def recorded(monkeypatch) -> list[tuple[str, dict]]:
    _Recorder.made = []
    for name in ("DefaultAzureCredential", "AzureCliCredential", "EnvironmentCredential"):
        monkeypatch.setattr(identity, name, type(name, (_Recorder,), {}))
    return _Recorder.made


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            "default",
            {
                "exclude_interactive_browser_credential": True,
                "authority": "https://adfs.local.azurestack.external",
                "disable_instance_discovery": True,
                "workload_identity_tenant_id": "adfs",
                "shared_cache_tenant_id": "adfs",
            },
        ),
        ("environment", {"authority": "https://adfs.local.azurestack.external", "disable_instance_discovery": True}),
        ("cli", {}),  # az keeps the cloud's authority (`az cloud register`); ADFS's tenant is not passed
    ],
)
def test_the_credential_is_built_with_the_authority_and_tenant(recorded, kind, expected) -> None:
    estate = _load(_estate({"arm_endpoint": ASH_ARM, "authority": ADFS, "tenant": "adfs"}, credential=kind))
    credential = AzureSession(estate).credential
    assert isinstance(credential, GuardedCredential)
    assert recorded == [(type(credential.inner).__name__, expected)]


def test_an_entra_tenant_reaches_the_cli_credential(recorded) -> None:
    cloud = {"arm_endpoint": ASH_ARM, "authority": "https://login.microsoftonline.com", "tenant": "contoso.com"}
    assert AzureSession(_load(_estate(cloud, credential="cli"))).credential is not None
    assert recorded == [("AzureCliCredential", {"tenant_id": "contoso.com"})]


def test_the_ca_bundle_goes_to_the_credential_too(recorded, tmp_path) -> None:
    (tmp_path / "ca.pem").write_text("x")
    data = _estate({"arm_endpoint": ASH_ARM, "authority": ADFS, "ca_bundle": "ca.pem"}, credential="environment")
    path = tmp_path / "ash.yaml"
    path.write_text(yaml.safe_dump(data))
    assert AzureSession(load_estate(EstateSource(str(path), path.read_text()))).credential is not None
    assert recorded[0][1]["connection_verify"] == str(tmp_path / "ca.pem")


# -- region names on a custom cloud -----------------------------------------------------------------
REGIONS = ["westeurope", "northeurope", "eastus2"]


def test_a_custom_cloud_region_typo_names_the_field() -> None:
    data = _estate({"arm_endpoint": ASH_ARM}, regions=REGIONS)
    data["stamps"][2]["region"] = "northeruope"
    problems = _problems(data)
    assert problems == [
        "stamps[2].region: unknown region 'northeruope' "
        "(not in regions: eastus2, northeurope, westeurope; did you mean 'northeurope'?)"
    ]


def test_sql_and_redis_regions_are_checked_against_the_list() -> None:
    data = _estate({"arm_endpoint": ASH_ARM}, regions=REGIONS)
    data["sql"]["servers"]["eastus3"] = data["sql"]["servers"].pop("eastus2")
    data["redis"]["members"]["local"] = data["redis"]["members"].pop("eastus2")
    problems = _problems(data)
    assert [p.split(":")[0] for p in problems] == ["sql.servers.eastus3", "redis.members.local"]


def test_a_custom_cloud_with_its_own_region_names_loads() -> None:
    data = _estate({"arm_endpoint": ASH_ARM}, regions=["local", "local2"])
    for stamp, region in zip(data["stamps"], ["local", "local", "local2", "local2", "local2", "local"], strict=True):
        stamp["region"] = region
    data["sql"]["servers"] = {"local": "sql-a", "local2": "sql-b"}
    data["redis"]["members"] = {"local": "amr-a", "local2": "amr-b"}
    estate = _load(data)
    assert estate.regions == ("local", "local2")


def test_on_a_named_cloud_the_regions_list_itself_is_checked() -> None:
    problems = _problems(_estate("AzureCloud", regions=["westeurope", "northeurope", "eastus2", "westeruope"]))
    assert problems == ["regions[3]: unknown region 'westeruope' (did you mean 'westeurope'?)"]


def test_an_empty_regions_list_is_refused() -> None:
    assert _problems(_estate("AzureCloud", regions=[])) == ["regions: needs at least 1 entries"]
