"""Helpers shared by mcctl-appconfig's tests (a module of its own, under a name no other suite uses)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mcctl.config.loader import EstateSource, demo_source, load_estate

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate
    from mcctl.ops.registry import Registry

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SECTION = "plugins:\n  appconfig:\n    store: appcs-mc-demo\n    resource_group: rg-mc-global\n"


def estate_text(section: str = SECTION) -> str:
    """The demo estate with `section` (YAML) added."""
    return demo_source().text.rstrip("\n") + "\n\n" + section


def load(text: str, registry: Registry, path: Path) -> Estate:
    """The estate file `text`, written to `path` and loaded with the registry's section parsers."""
    path.write_text(text, encoding="utf-8")
    return load_estate(EstateSource(str(path), text), sections=registry.estate_sections)
