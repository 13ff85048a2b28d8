"""A credential that gets no token: one mcctl line and a hint naming the credential and the ways out
(exit 3); the Azure SDK's own credential log only with --debug (issue 15, item 3). No network: the
failing credentials fail before any request is sent."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mcctl.adapters import clients
from mcctl.config.loader import demo_source

IDENTITY_LOG = "azure.identity._credentials.default"


@pytest.fixture
def estate_file(tmp_path: Path) -> Path:
    path = tmp_path / "estate.yaml"
    path.write_text(demo_source().text, encoding="utf-8")
    return path


class DefaultAzureCredential:
    """Fails as azure-identity's chain does when nothing works: a WARNING with every attempt, then a
    many-line CredentialUnavailableError."""

    calls = 0

    def get_token(self, *scopes: str, **kwargs: object) -> object:
        from azure.identity import CredentialUnavailableError

        type(self).calls += 1
        text = (
            "DefaultAzureCredential failed to retrieve a token from the included credentials.\n"
            "Attempted credentials:\n"
            "\tEnvironmentCredential: EnvironmentCredential authentication unavailable.\n"
            "Visit https://aka.ms/azsdk/python/identity/environmentcredential/troubleshoot\n"
            "\tManagedIdentityCredential: ManagedIdentityCredential authentication unavailable.\n"
            "\tAzureCliCredential: Please run 'az login' to set up an account\n"
        )
        logging.getLogger(IDENTITY_LOG).warning("%s\nTo mitigate this issue, please refer to ...", text)
        raise CredentialUnavailableError(message=text)

    def close(self) -> None:
        pass


@pytest.fixture
def failing(monkeypatch) -> type[DefaultAzureCredential]:
    DefaultAzureCredential.calls = 0
    monkeypatch.setattr(clients, "build_credential", lambda kind, authority, endpoint=None: DefaultAzureCredential())
    return DefaultAzureCredential


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_an_expired_sign_in_is_one_line_and_a_hint(mcctl, estate_file, failing, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    result = mcctl("--estate", str(estate_file), "sql", "status")
    assert result.exit_code == 3, result.stderr
    error, hint = _lines(result.stderr)
    assert error == (
        "mcctl: error: DefaultAzureCredential could not sign in "
        "(tried EnvironmentCredential, ManagedIdentityCredential, AzureCliCredential)"
    )
    assert hint.startswith("  hint: ") and "az login" in hint and "managed identity" in hint
    assert "MCCTL_ACCESS_TOKEN" in hint
    assert not [r for r in caplog.records if r.name.startswith("azure")]  # not even created
    assert failing.calls == 1


def test_parallel_clients_ask_the_failing_credential_once(mcctl, estate_file, failing) -> None:
    result = mcctl("--estate", str(estate_file), "-o", "json", "stamps", "list")
    assert result.exit_code == 3, result.stderr
    assert failing.calls == 1  # every other client got the same failure without asking again
    assert "Attempted credentials" not in result.stderr and "To mitigate" not in result.stderr


def test_debug_shows_the_credential_log(mcctl, estate_file, failing) -> None:
    result = mcctl("--estate", str(estate_file), "--debug", "sql", "status")
    assert result.exit_code == 3
    assert "azure.identity._credentials.default WARNING DefaultAzureCredential failed" in result.stderr
    assert "EnvironmentCredential authentication unavailable" in result.stderr
    assert result.stderr.rstrip().splitlines()[-2].startswith("mcctl: error: DefaultAzureCredential")


def test_the_sdk_log_setting_does_not_leak_into_the_next_run(mcctl, estate_file, failing) -> None:
    before = logging.getLogger("azure")
    state = (before.level, before.propagate, list(before.handlers))
    mcctl("--estate", str(estate_file), "sql", "status")
    after = logging.getLogger("azure")
    assert (after.level, after.propagate, list(after.handlers)) == state


def test_a_real_azure_cli_credential_without_az_is_quiet(estate_file, tmp_path) -> None:
    """The real azure-identity, in a process of its own (no test logging handlers): PATH without
    `az`, so AzureCliCredential fails at once and nothing is sent anywhere."""
    venv_bin = str(Path(sys.executable).parent)
    env = {"PATH": venv_bin, "HOME": str(tmp_path), "MCCTL_STATE_DIR": str(tmp_path / "state")}
    env.update({k: v for k, v in os.environ.items() if k in ("SYSTEMROOT", "LANG")})
    argv = [sys.executable, "-m", "mcctl", "--estate", str(estate_file), "--credential", "cli", "sql", "status"]

    quiet = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert quiet.returncode == 3, quiet.stderr
    error, hint = _lines(quiet.stderr)
    assert error == "mcctl: error: AzureCliCredential could not get a token: Azure CLI not found on path"
    assert hint.startswith("  hint: the Azure CLI is not installed here")  # not `az login`: there is no az
    assert "--credential managed-identity" in hint and "MCCTL_ACCESS_TOKEN" in hint
    assert quiet.stdout == ""

    debug = subprocess.run([*argv[:3], "--debug", *argv[3:]], env=env, capture_output=True, text=True, timeout=120)
    assert debug.returncode == 3
    assert "azure.identity" in debug.stderr and "AzureCliCredential.get_token_info failed" in debug.stderr


@pytest.mark.parametrize(
    "command",
    [("stamps", "list"), ("health", "--check"), ("status", "--check"), ("frontdoor", "status"), ("redis", "status")],
)
def test_every_read_command_stops_at_the_failed_sign_in(mcctl, estate_file, failing, command) -> None:
    """No warning per parallel read, no table of `?`, no verdict made of failed reads: exit 3, one line."""
    result = mcctl("--estate", str(estate_file), *command)
    assert result.exit_code == 3, (result.stdout, result.stderr)
    error, hint = _lines(result.stderr)
    assert error.startswith("mcctl: error: DefaultAzureCredential could not sign in") and hint.startswith("  hint:")
    assert result.stdout == ""
