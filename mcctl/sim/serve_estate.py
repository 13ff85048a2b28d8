"""What `mcctl sim serve` hands its clients: the served estate file and the Azure CLI recipe.

The served estate is the user's estate file as it is, with `cloud:` pointing at the simulator on
loopback (ARM, sign-in, and `web_endpoint` for every public web request: health probes, smoke
checks, the Front Door endpoint) and `lock.endpoint` at its path-style blob service, so nothing
mcctl does with it leaves 127.0.0.1. It is written to `<state dir>/serve/<estate name>.yaml` and
is valid for mcctl's own loader. The recipe is the exact shell lines that sign the Azure CLI in to
the same simulator, in a config dir of its own (the user's real `az` sign-in is left alone).
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcctl.config.yamlparse import parse_estate_yaml
from mcctl.sim.app import BLOB_PREFIX
from mcctl.sim.providers.identity import IDENTITY_HEADER_VALUE, SIM_APP_ID, SIM_APP_SECRET, SIM_TENANT

SERVE_DIR = "serve"
AZ_CLOUD = "mcctl-sim"
LOOPBACK_HOSTS = "127.0.0.1,localhost"


def cloud_registered(az_config_dir: Path) -> bool:
    """Whether az (with this AZURE_CONFIG_DIR) has the simulator's cloud registered already."""
    import configparser

    clouds = configparser.ConfigParser()
    try:
        clouds.read(az_config_dir / "clouds.config", encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return False
    return clouds.has_section(AZ_CLOUD)


HEADER = "# Written by `mcctl sim serve` on every start: the estate, pointed at the simulator on loopback.\n"


def served_estate(text: str, label: str, url: str, ca_bundle: Path, subscription: str | None = None) -> dict[str, Any]:
    """The estate file `text` (named `label` in errors) with its cloud and lock pointed at the
    simulator served at `url`, trusted through `ca_bundle`. `subscription`: the `--subscription`
    the simulator was seeded for, if any (the served file then names it)."""
    data = dict(parse_estate_yaml(text, label))
    data["cloud"] = {
        "arm_endpoint": url,
        "ca_bundle": str(ca_bundle),
        "web_endpoint": url,
        # The simulator is its own sign-in authority: `--credential environment` (a service
        # principal in AZURE_CLIENT_ID/AZURE_CLIENT_SECRET) signs in there, as az does.
        "authority": url,
        "tenant": SIM_TENANT,
    }
    # The Azure CLI signed in to the simulator (the printed recipe): `default` would also try the
    # managed-identity endpoint of a VM (169.254.169.254), off loopback.
    data["credential"] = "cli"
    if subscription:
        data["subscription"] = subscription
    lock = data.get("lock")
    if isinstance(lock, dict) and lock.get("storage_account"):
        # Path-style: the blob service of the lock's account, on the simulator's own host.
        data["lock"] = {**lock, "endpoint": f"{url}{BLOB_PREFIX}/{lock['storage_account']}"}
    return data


def served_estate_path(state_dir: Path, estate_name: str) -> Path:
    return state_dir / SERVE_DIR / f"{estate_name}.yaml"


def write_served_estate(path: Path, data: dict[str, Any]) -> Path:
    """Write `data` to `path` whole: a reader never sees half a file (written aside, then renamed)."""
    import yaml

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    partial.replace(path)
    return path


@dataclass(frozen=True)
class ServeRecipe:
    """How a client reaches the served simulator: mcctl (the served estate file) and the Azure CLI."""

    url: str
    ca_bundle: Path
    estate_file: Path
    speed: float
    az_config_dir: Path
    tenant: str = SIM_TENANT
    app_id: str = SIM_APP_ID
    app_secret: str = SIM_APP_SECRET
    identity_header: str = IDENTITY_HEADER_VALUE
    env: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        env = {
            "AZURE_CONFIG_DIR": str(self.az_config_dir),  # az's own sign-in, not the user's
            "REQUESTS_CA_BUNDLE": str(self.ca_bundle),  # az trusts the simulator's certificate
            "AZURE_CORE_INSTANCE_DISCOVERY": "false",  # the authority is not one Microsoft knows
            "AZURE_CORE_COLLECT_TELEMETRY": "false",  # az's telemetry upload would leave loopback
            # A proxy in the environment (a corporate machine) must not carry loopback calls
            # (requests prefers the lower-case variable when both are set).
            "NO_PROXY": LOOPBACK_HOSTS,
            "no_proxy": LOOPBACK_HOSTS,
        }
        object.__setattr__(self, "env", env)

    @property
    def identity_endpoint(self) -> str:
        return f"{self.url}/msi/token"

    def az_commands(self) -> list[str]:
        """The az lines after the exports: register and select the cloud, sign in, use mcctl with it."""
        q = shlex.quote
        # Registered by an earlier start (in this AZURE_CONFIG_DIR): `update` re-reads the endpoints.
        verb = "update" if cloud_registered(self.az_config_dir) else "register"
        return [
            f"az cloud {verb} -n {AZ_CLOUD} --endpoint-resource-manager {q(self.url)}",
            f"az cloud set -n {AZ_CLOUD}",
            f"az login --service-principal -u {q(self.app_id)} -p {q(self.app_secret)} --tenant {q(self.tenant)}",
            f"mcctl --estate {q(str(self.estate_file))} status",
        ]

    def managed_identity_login(self) -> str:
        """The other way in: the App Service managed-identity protocol. Exported, not set for the
        login alone: every later az command gets its tokens there too (without the variables, az
        asks a VM's IMDS at 169.254.169.254, off loopback)."""
        q = shlex.quote
        env = f"IDENTITY_ENDPOINT={q(self.identity_endpoint)} IDENTITY_HEADER={q(self.identity_header)}"
        return f"export {env}; az login --identity"

    def exports(self) -> str:
        return "export " + " ".join(f"{k}={shlex.quote(v)}" for k, v in self.env.items())

    def lines(self) -> list[str]:
        """The whole recipe as it is typed, one shell line each."""
        commands = self.az_commands()
        return [self.exports(), *commands[:3], f"(or: {self.managed_identity_login()})", commands[3]]

    def document(self) -> dict[str, Any]:
        """The one JSON line `sim serve -o json` prints before it serves (a script's contract)."""
        return {
            "url": self.url,
            "ca_bundle": str(self.ca_bundle),
            "estate_file": str(self.estate_file),
            "speed": self.speed,
            "tenant": self.tenant,
            "app_id": self.app_id,
            "app_secret": self.app_secret,
            "identity_endpoint": self.identity_endpoint,
            "identity_header": self.identity_header,
            "env": dict(self.env),
            "az": self.az_commands()[:3],
            "az_identity": self.managed_identity_login(),
        }
