"""The estate file's `plugins:` section: each plugin's own settings, parsed by the plugin.

A plugin registers a parser for its section name (`register_estate_sections`); the loader hands it
`plugins.<name>` as read from YAML and keeps what it returns in `Estate.plugins`. Its mistakes are
the estate file's mistakes, reported with the same field paths (`plugins.<name>.<field>: ...`). A
section that no loaded plugin reads is not an error (the plugin may be uninstalled on this
machine) but is said once, so nobody believes a guard is active that is not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mcctl.errors import EstateFileError

SectionParser = Callable[[Any], Any]


def parse_sections(
    raw: Mapping[str, Any],
    parsers: Mapping[str, SectionParser] | None,
    describe: Callable[[Any], str],
    warn: Callable[[str], None] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """(parsed settings by section name, problems). `parsers` None: nothing registers sections
    (e.g. a caller without plugins), so the sections are kept as read. `describe` turns one pydantic
    error into the loader's one-line problem."""
    from pydantic import ValidationError

    if parsers is None:
        return dict(raw), []
    parsed: dict[str, Any] = {}
    problems: list[str] = []
    for name, value in raw.items():
        parse = parsers.get(name)
        if parse is None:
            if warn is not None:
                warn(f"plugins.{name}: no loaded plugin reads this section; it is ignored")
            continue
        try:
            parsed[name] = parse(value)
        except ValidationError as exc:
            problems.extend(describe({**err, "loc": ("plugins", name, *err["loc"])}) for err in exc.errors())
        except EstateFileError as exc:
            lines = exc.problems or [exc.message]
            problems.extend(line if line.startswith("plugins.") else f"plugins.{name}: {line}" for line in lines)
        except (TypeError, ValueError) as exc:  # a parser that checks by hand
            problems.append(f"plugins.{name}: {exc}")
    return parsed, problems
