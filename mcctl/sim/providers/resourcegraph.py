"""Azure Resource Graph: `POST /providers/Microsoft.ResourceGraph/resources?api-version=2021-03-01`.

The simulated index is the simulator's own resources: every top-level resource it holds
(`/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}`), as a `Resources` row with
Resource Graph's columns (`id`, `name`, `type` and `location` lower-cased as Resource Graph returns
them, `resourceGroup`, `subscriptionId`, `tags`, `properties`, ...).

The query language is the subset of KQL mcctl sends, parsed for real (anything else is refused
with 400 BadRequest/InvalidQuery, as the service refuses a query it cannot parse):

    Resources
    | where <expr>           and / or / not(), == != =~ !~ < <= > >=, contains, has, startswith,
                             endswith (and their !), in / in~ / !in (...), isempty(), isnotempty(),
                             isnull(), isnotnull(), tostring(), tolower(), toupper(); a column path
                             is `tags['k']`, `properties.serverFarmId`
    | extend name = <expr>, ...
    | project col, name = <expr>, ...
    | order by col [asc|desc], ...     (`sort by` too)
    | limit N  /  take N

Request and answer as the 2021-03-01 spec examples: `subscriptions` scopes the rows (none: every
subscription held), `options.$top` (default 100, at most 1000), `$skip`, `$skipToken`,
`resultFormat` `objectArray` (default) or `table`; the answer has `totalRecords`, `count`, `data`,
`facets` (always empty: facets are not simulated), `resultTruncated` as a string, and `$skipToken`
while more rows follow. Paging needs `id` among the output columns and no limit/take; without it
the answer is the first page with `resultTruncated: "true"` and no token (docs: "paging results").
Rows without an `order by` come in id order, so pages are stable.

Quota: `QUOTA` queries per caller per `QUOTA_WINDOW` simulated seconds (the documented example: 15
per 5 s). Every answer carries `x-ms-user-quota-remaining` and `x-ms-user-quota-resets-after`
(hh:mm:ss); a query over quota gets 429 with both and Retry-After. Kept in memory by this provider
(one process: a command, or `sim serve`), never in the state file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcctl.domain.regions import normalize_region
from mcctl.sim.http import ArmError, SimRequest, SimResponse
from mcctl.sim.router import Router

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate
    from mcctl.sim.app import Effect, Sim

PATH = "/providers/Microsoft.ResourceGraph/resources"
DEFAULT_TOP = 100
MAX_TOP = 1000
QUOTA = 15
QUOTA_WINDOW = 5.0  # simulated seconds
SIM_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"  # what a row's tenantId says (any GUID would do)

Row = dict[str, Any]
Expr = Callable[[Row], Any]


class QueryError(ValueError):
    """A query outside the simulated subset, or malformed: 400 InvalidQuery."""


def invalid_query(detail: str) -> ArmError:
    """The service's answer to a query it cannot parse (its details name InvalidQuery/ParserFailure)."""
    return ArmError(400, "BadRequest", f"Query is invalid: {detail}")


@dataclass
class _Window:
    start: float
    used: int = 0


@dataclass
class ResourceGraphProvider:
    name: str = "Microsoft.ResourceGraph"
    quota: int = QUOTA
    window: float = QUOTA_WINDOW
    _windows: dict[str, _Window] = field(default_factory=dict)

    @property
    def effects(self) -> Mapping[str, Effect]:
        return {}

    def register(self, router: Router) -> None:
        router.add("POST", PATH, self._resources)

    def seed(self, sim: Sim, estate: Estate) -> None:
        return None  # the index is the other providers' resources

    # -- the quota ---------------------------------------------------------------------------------
    def _take_quota(self, caller: str, now: float) -> tuple[bool, dict[str, str]]:
        """(allowed, quota headers) for one query of `caller` at simulated `now`."""
        window = self._windows.get(caller)
        if window is None or now - window.start >= self.window:
            window = self._windows[caller] = _Window(now)
        allowed = window.used < self.quota
        if allowed:
            window.used += 1
        resets = max(0.0, window.start + self.window - now)
        headers = {
            "x-ms-user-quota-remaining": str(max(0, self.quota - window.used)),
            "x-ms-user-quota-resets-after": _timespan(resets),
        }
        if not allowed:
            headers["Retry-After"] = str(max(1, math.ceil(resets)))
        return allowed, headers

    # -- the request -------------------------------------------------------------------------------
    def _resources(self, sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
        allowed, headers = self._take_quota(sim.current_caller() or "", sim.now())
        if not allowed:
            error = ArmError(
                429, "RateLimiting", "Please provide below info when asking for support: the user quota is exhausted."
            )
            error.headers.update(headers)
            return error.response()
        try:
            return self._answer(sim, req, headers)
        except ArmError as error:  # a refused query used its quota too, and says so
            error.headers.update(headers)
            raise

    def _answer(self, sim: Sim, req: SimRequest, headers: dict[str, str]) -> SimResponse:
        body = req.json()
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            raise ArmError(400, "BadRequest", "The request content was invalid: `query` is required.")
        if body.get("managementGroups"):
            raise ArmError(400, "BadRequest", "managementGroups scopes are not simulated: list subscriptions.")
        options = body.get("options") or {}
        if not isinstance(options, dict):
            raise ArmError(400, "BadRequest", "The request content was invalid: `options` must be an object.")
        top = _bounded(options.get("$top"), DEFAULT_TOP, "$top", 1, MAX_TOP)
        skip = _bounded(options.get("$skip"), 0, "$skip", 0, None)
        scope = body.get("subscriptions")
        if scope is not None and not isinstance(scope, list):
            raise ArmError(400, "BadRequest", "The request content was invalid: `subscriptions` must be a list.")
        try:
            parsed = parse_query(body["query"])
            rows = parsed.run(_index(sim, None if scope is None else {str(s).lower() for s in scope}))
        except QueryError as exc:
            raise invalid_query(str(exc)) from None
        except RecursionError:
            raise invalid_query("nested too deeply") from None
        except (TypeError, ValueError) as exc:  # e.g. 1 < 'a': what the service refuses as invalid
            raise invalid_query(" ".join(str(exc).split())) from None
        fingerprint = _fingerprint(body["query"], scope)
        start = skip
        token = options.get("$skipToken")
        if token:
            start = _read_token(token, fingerprint)
        chunk = rows[start : start + top]
        more = start + top < len(rows)
        pageable = parsed.pageable
        answer: dict[str, Any] = {
            "totalRecords": len(rows),
            "count": len(chunk),
            "resultTruncated": "true" if more and not pageable else "false",
            "data": _formatted(chunk, parsed.columns(chunk), options.get("resultFormat") or "objectArray"),
            "facets": [],
        }
        if more and pageable:
            answer["$skipToken"] = _token(start + top, fingerprint)
        return SimResponse(200, answer, headers)


def _bounded(value: Any, default: int, name: str, low: int, high: int | None) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        limit = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ArmError(400, "BadRequest", f"options.{name} must be a whole number {limit}, got {value!r}.")
    return value


def _timespan(seconds: float) -> str:
    whole = math.ceil(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _fingerprint(query: str, scope: Any) -> str:
    return hashlib.sha256(json.dumps([query, scope], sort_keys=True).encode()).hexdigest()[:16]


def _token(offset: int, fingerprint: str) -> str:
    """Opaque to clients, as the service's: the next row and which query it belongs to."""
    return base64.b64encode(json.dumps({"$offset": offset, "$q": fingerprint}).encode()).decode()


def _read_token(token: Any, fingerprint: str) -> int:
    try:
        data = json.loads(base64.b64decode(str(token), validate=True))
        offset = data["$offset"]
        same = data["$q"] == fingerprint
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise ArmError(400, "BadRequest", "options.$skipToken is not a token this service issued.") from None
    if not same or not isinstance(offset, int) or offset < 0:
        raise ArmError(400, "BadRequest", "options.$skipToken belongs to another query or scope.")
    return offset


def _index(sim: Sim, subscriptions: set[str] | None) -> list[Row]:
    """The `Resources` table: every top-level resource in scope, in id order."""
    rows = []
    for key in sorted(sim.store.resources):
        parts = key.split("/")
        # "", subscriptions, {s}, resourceGroups, {rg}, providers, {ns}, {type}, {name}
        if len(parts) != 9 or parts[1] != "subscriptions" or parts[3] != "resourcegroups":
            continue
        if subscriptions is not None and parts[2] not in subscriptions:
            continue
        rows.append(resource_row(sim.store.resources[key]))
    return rows


def resource_row(body: Mapping[str, Any]) -> Row:
    """A stored ARM body as Resource Graph shows it."""
    parts = str(body["id"]).split("/")
    return {
        "id": body["id"],
        "name": body.get("name") or parts[-1],
        "type": str(body.get("type") or "").lower(),
        "tenantId": SIM_TENANT,
        "kind": body.get("kind") or "",
        "location": normalize_region(str(body.get("location") or "")),
        "resourceGroup": parts[4].lower(),
        "subscriptionId": parts[2],
        "managedBy": body.get("managedBy") or "",
        "sku": body.get("sku"),
        "plan": body.get("plan"),
        "properties": body.get("properties") or {},
        "tags": body.get("tags") or {},
        "identity": body.get("identity"),
        "zones": body.get("zones"),
        "extendedLocation": body.get("extendedLocation"),
    }


def _formatted(rows: list[Row], columns: list[str], result_format: str) -> Any:
    if str(result_format).lower() == "objectarray":
        return rows
    if str(result_format).lower() != "table":
        raise ArmError(400, "BadRequest", f"options.resultFormat must be table or objectArray, got {result_format!r}.")
    kinds = {bool: "boolean", int: "integer", float: "real", str: "string"}
    described = []
    for name in columns:
        sample = next((row[name] for row in rows if row.get(name) is not None), None)
        described.append({"name": name, "type": kinds.get(type(sample), "object")})
    return {"columns": described, "rows": [[row.get(name) for name in columns] for row in rows]}


# -- the KQL subset --------------------------------------------------------------------------------
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<number>\d+(?:\.\d+)?)
      | (?P<op>=~|!~|==|!=|<=|>=|[|,()\[\].=<>!~])
      | (?P<name>[A-Za-z_][A-Za-z0-9_-]*)
    )""",
    re.VERBOSE,
)
TABLES = ("resources",)
_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "=~": lambda a, b: _text(a).lower() == _text(b).lower() and a is not None,
    "!~": lambda a, b: a is None or _text(a).lower() != _text(b).lower(),
    "<": lambda a, b: a is not None and b is not None and a < b,
    "<=": lambda a, b: a is not None and b is not None and a <= b,
    ">": lambda a, b: a is not None and b is not None and a > b,
    ">=": lambda a, b: a is not None and b is not None and a >= b,
    "contains": lambda a, b: _text(b).lower() in _text(a).lower(),
    "has": lambda a, b: _text(b).lower() in re.split(r"[^a-z0-9]+", _text(a).lower()),
    "startswith": lambda a, b: _text(a).lower().startswith(_text(b).lower()),
    "endswith": lambda a, b: _text(a).lower().endswith(_text(b).lower()),
}
_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "isempty": lambda v: v is None or v == "",
    "isnotempty": lambda v: not (v is None or v == ""),
    "isnull": lambda v: v is None,
    "isnotnull": lambda v: v is not None,
    "tostring": lambda v: _text(v),
    "tolower": lambda v: _text(v).lower(),
    "toupper": lambda v: _text(v).upper(),
    "not": lambda v: not v,
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        found = _TOKEN.match(text, pos)
        if not found or found.end() == pos:
            raise QueryError(f"unexpected character {text[pos:].strip()[:1]!r} at {pos}")
        kind = found.lastgroup or ""
        tokens.append((kind, found.group(kind)))
        pos = found.end()
    return tokens


@dataclass
class _Column:
    name: str
    expr: Expr


@dataclass
class ParsedQuery:
    """A query as steps over rows; `pageable` when the result may be paged with $skipToken."""

    steps: list[Callable[[list[Row]], list[Row]]] = field(default_factory=list)
    projected: list[str] | None = None
    limited: bool = False
    ordered: bool = False

    @property
    def pageable(self) -> bool:
        return not self.limited and (self.projected is None or "id" in self.projected)

    def run(self, rows: list[Row]) -> list[Row]:
        for step in self.steps:
            rows = step(rows)
        return rows

    def columns(self, rows: list[Row]) -> list[str]:
        if self.projected is not None:
            return list(self.projected)
        return list(rows[0]) if rows else []


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.pos = 0

    # token helpers
    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        at = self.pos + offset
        return self.tokens[at] if at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise QueryError("the query ends too early")
        self.pos += 1
        return token

    def at(self, value: str, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token is not None and token[1].lower() == value

    def expect(self, value: str) -> None:
        kind, text = self.take()
        if text.lower() != value:
            raise QueryError(f"expected {value!r}, got {text!r}")

    def name(self) -> str:
        kind, text = self.take()
        if kind != "name":
            raise QueryError(f"expected a name, got {text!r}")
        return text

    # the query
    def query(self) -> ParsedQuery:
        table = self.name()
        if table.lower() not in TABLES:
            raise QueryError(f"table {table!r} is not simulated (only Resources)")
        parsed = ParsedQuery()
        while self.peek() is not None:
            self.expect("|")
            self.operator(parsed)
        if not parsed.ordered:  # the service pages in a stable order; so does the simulator, by id
            parsed.steps.insert(0, lambda rows: sorted(rows, key=lambda r: str(r.get("id", "")).lower()))
        return parsed

    def operator(self, parsed: ParsedQuery) -> None:
        word = self.name().lower()
        if word == "where":
            condition = self.expr()
            parsed.steps.append(lambda rows: [r for r in rows if condition(r)])
        elif word in ("project", "extend"):
            columns = self.columns()
            keep = word == "extend"
            parsed.steps.append(
                lambda rows: [{**(r if keep else {}), **{c.name: c.expr(r) for c in columns}} for r in rows]
            )
            if word == "project":
                parsed.projected = [c.name for c in columns]
            elif parsed.projected is not None:
                parsed.projected += [c.name for c in columns if c.name not in parsed.projected]
        elif word in ("order", "sort"):
            self.expect("by")
            parsed.steps.append(self.ordering())
            parsed.ordered = True
        elif word in ("limit", "take"):
            kind, text = self.take()
            if kind != "number" or "." in text:
                raise QueryError(f"{word} takes a whole number, got {text!r}")
            count = int(text)
            parsed.steps.append(lambda rows: rows[:count])
            parsed.limited = True
        else:
            raise QueryError(f"operator {word!r} is not simulated")

    def columns(self) -> list[_Column]:
        columns = []
        while True:
            if self.peek(1) is not None and self.peek(1) == ("op", "=") and self.peek() is not None:
                name = self.name()
                self.take()
                columns.append(_Column(name, self.expr()))
            else:
                start = self.pos
                expr = self.expr()
                columns.append(_Column(self.column_name(start), expr))
            if not self.at(","):
                return columns
            self.take()

    def column_name(self, start: int) -> str:
        """What KQL calls an unnamed column: a path's parts joined by `_` (`properties_x`)."""
        parts = [text for kind, text in self.tokens[start : self.pos] if kind in ("name", "string")]
        if parts and parts[0].lower() in _FUNCTIONS:
            parts = parts[1:]
        return "_".join(p.strip("'\"") for p in parts) or f"Column{start}"

    def ordering(self) -> Callable[[list[Row]], list[Row]]:
        keys: list[tuple[str, bool]] = []
        while True:
            column = self.name()
            descending = True  # KQL's default order is descending
            if self.at("asc") or self.at("desc"):
                descending = self.take()[1].lower() == "desc"
            keys.append((column, descending))
            if not self.at(","):
                break
            self.take()

        def order(rows: list[Row]) -> list[Row]:
            for column, descending in reversed(keys):  # stable sorts, the last key first
                rows = sorted(rows, key=_column_key(column), reverse=descending)
            return rows

        return order

    # expressions
    def expr(self) -> Expr:
        left = self.conjunction()
        while self.at("or"):
            self.take()
            right = self.conjunction()
            left = (lambda a, b: lambda r: bool(a(r)) or bool(b(r)))(left, right)
        return left

    def conjunction(self) -> Expr:
        left = self.comparison()
        while self.at("and"):
            self.take()
            right = self.comparison()
            left = (lambda a, b: lambda r: bool(a(r)) and bool(b(r)))(left, right)
        return left

    def comparison(self) -> Expr:
        left = self.primary()
        negated = False
        following = self.peek(1)
        if self.at("!") and following is not None and following[0] == "name":
            self.take()
            negated = True
        token = self.peek()
        if token is None:
            return left
        word = token[1].lower()
        if word == "in":
            self.take()
            insensitive = self.at("~")
            if insensitive:
                self.take()
            values = self.value_list()

            def member(r: Row) -> bool:
                value = left(r)
                if insensitive:
                    return _text(value).lower() in {_text(v).lower() for v in values}
                return value in values

            return (lambda r: not member(r)) if negated else member
        if word in _CMP and (token[0] == "op" or word.isalpha()):
            self.take()
            right = self.primary()
            test = _CMP[word]
            if negated and word not in ("contains", "has", "startswith", "endswith"):
                raise QueryError(f"'!{word}' is not an operator")
            return (lambda r: not test(left(r), right(r))) if negated else (lambda r: test(left(r), right(r)))
        if negated:
            raise QueryError(f"'!{word}' is not an operator")
        return left

    def value_list(self) -> list[Any]:
        self.expect("(")
        values = []
        while True:
            values.append(self.primary()({}))
            if self.at(")"):
                self.take()
                return values
            self.expect(",")

    def primary(self) -> Expr:
        kind, text = self.take()
        if kind == "string":
            value = _unquote(text)
            return lambda r: value
        if kind == "number":
            number = float(text) if "." in text else int(text)
            return lambda r: number
        if text == "(":
            inner = self.expr()
            self.expect(")")
            return inner
        if kind != "name" or text.lower() in ("and", "or"):
            raise QueryError(f"unexpected {text!r}")
        if text.lower() in ("true", "false"):
            flag = text.lower() == "true"
            return lambda r: flag
        if self.at("("):
            function = _FUNCTIONS.get(text.lower())
            if function is None:
                raise QueryError(f"function {text!r} is not simulated")
            self.take()
            argument = self.expr()
            self.expect(")")
            return lambda r: function(argument(r))
        return self.path(text)

    def path(self, first: str) -> Expr:
        steps: list[str] = []
        while self.at(".") or self.at("["):
            if self.take()[1] == ".":
                steps.append(self.name())
            else:
                kind, text = self.take()
                if kind != "string":
                    raise QueryError(f"a bag is indexed by a string, got {text!r}")
                steps.append(_unquote(text))
                self.expect("]")

        def get(row: Row) -> Any:
            value: Any = row.get(first)
            if value is None and first not in row:
                value = next((v for k, v in row.items() if k.lower() == first.lower()), None)
            for step in steps:
                if not isinstance(value, dict):
                    return None
                # ARM property bags and tag names: matched case-insensitively, as Resource Graph does for tags
                value = value.get(step, next((v for k, v in value.items() if k.lower() == step.lower()), None))
            return value

        return get


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def _column_key(column: str) -> Callable[[Row], tuple[int, Any]]:
    return lambda row: _sort_key(row.get(column))


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (1, value)
    return (2, _text(value).lower())


def parse_query(text: str) -> ParsedQuery:
    """The query as steps over rows; QueryError naming what is outside the simulated subset."""
    return _Parser(text).query()
