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
        self._public: list[re.Pattern[str]] = []

    def add(self, method: str, template: str, handler: Handler, *, public: bool = False) -> None:
        """`public`: answered without a bearer token (sign-in endpoints, cloud metadata)."""
        pattern, pos = "", 0
        for m in _PLACEHOLDER.finditer(template):
            pattern += re.escape(template[pos : m.start()]) + f"(?P<{m.group(1)}>[^/]+)"
            pos = m.end()
        pattern += re.escape(template[pos:])
        regex = re.compile(f"^{pattern}$", re.IGNORECASE)
        self._routes.append((method.upper(), regex, handler))
        if public:
            self._public.append(regex)

    def is_public(self, path: str) -> bool:
        return any(regex.match(path) for regex in self._public)

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
