"""The plugin's hooks (entry point `appconfig` of the group `mcctl`).

Everything heavy (pydantic, the SDK, Typer, the simulator) is imported inside the functions the hooks
hand over: `mcctl --help` runs `register_commands` and must import no azure module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcctl.hookspecs import hookimpl
from mcctl_appconfig import SECTION


def _parse(raw: Any) -> Any:
    from mcctl_appconfig.settings import parse

    return parse(raw)


@hookimpl
def register_estate_sections(register: Callable[[str, Callable[[Any], Any]], None]) -> None:
    register(SECTION, _parse)


@hookimpl
def register_health_signals(register: Callable[[Any], None]) -> None:
    from mcctl.ops.registry import HealthSignal
    from mcctl_appconfig import health

    register(HealthSignal(SECTION, health.DESCRIPTION, health.judge, read=health.read))


def _provider() -> Any:
    from mcctl_appconfig.simulated import AppConfigProvider

    return AppConfigProvider()


@hookimpl
def register_sim_providers(register: Callable[[str, Callable[[], Any]], None]) -> None:
    register("Microsoft.AppConfiguration", _provider)


@hookimpl
def register_commands(register: Callable[..., None]) -> None:
    from mcctl_appconfig.cli import app

    register(SECTION, app)
