"""Case-insensitive routing of ARM paths (ARM ids and paths mix casing freely)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mcctl.sim.app import Sim
    from mcctl.sim.http import SimRequest, SimResponse

Handler = Callable[["Sim", "SimRequest", dict[str, str]], "SimResponse"]

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class Router:
    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, template: str, handler: Handler) -> None:
        pattern, pos = "", 0
        for m in _PLACEHOLDER.finditer(template):
            pattern += re.escape(template[pos : m.start()]) + f"(?P<{m.group(1)}>[^/]+)"
            pos = m.end()
        pattern += re.escape(template[pos:])
        self._routes.append((method.upper(), re.compile(f"^{pattern}$", re.IGNORECASE), handler))

    def match(self, method: str, path: str) -> tuple[Handler | None, dict[str, str], bool]:
        """(handler, params, path_known). path_known distinguishes 405 from 404."""
        known = False
        for route_method, regex, handler in self._routes:
            m = regex.match(path)
            if m:
                known = True
                if route_method == method.upper():
                    return handler, m.groupdict(), True
        return None, {}, known
