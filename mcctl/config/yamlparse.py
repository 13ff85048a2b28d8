"""The estate file's YAML, parsed strictly: no arbitrary objects, no key given twice, and bounded in
depth and size (a YAML alias bomb expands to billions of values; deep nesting exhausts the stack)."""

from __future__ import annotations

from typing import Any

from mcctl.errors import EstateFileError


class YamlProblem(Exception):
    """Text that is not YAML a strict reader accepts; the message is one line (with where)."""


def load_strict(text: str) -> Any:
    """`text` parsed by the strict loader (no arbitrary objects, no key twice), bounded in depth.
    Raises YamlProblem: a syntax error (`line L, column C: ...`) or nesting too deep."""
    import yaml

    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        # libyaml's parser (~10× faster on a generated estate of hundreds of stamps); on any problem
        # the pure-Python parser below reads it again, for its exact one-line message.
        try:
            return yaml.load(text, Loader=_strict_loader(fast))
        except (yaml.YAMLError, RecursionError):
            pass
    try:
        return yaml.load(text, Loader=_strict_loader(yaml.SafeLoader))  # no arbitrary objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlProblem(f"{where}{problem}") from None
    except RecursionError:
        raise YamlProblem(TOO_DEEP) from None


def parse_estate_yaml(text: str, label: str) -> dict[str, Any]:
    """The top-level mapping of an estate file, or EstateFileError with one line per problem."""
    try:
        raw = load_strict(text)
    except YamlProblem as exc:
        if str(exc) == TOO_DEEP:
            raise _too_deep(label) from None
        raise EstateFileError(f"{label} is not valid YAML", [str(exc)]) from None
    if not isinstance(raw, dict):
        raise EstateFileError(f"{label} is invalid", ["(top level): expected a mapping of estate settings"])
    shape = shape_problem(raw)
    if shape:
        raise EstateFileError(f"{label} is invalid", [shape])
    return raw


def _strict_loader(base: Any) -> Any:
    """yaml's SafeLoader (or libyaml's CSafeLoader: `base`), except that a key given twice in one
    mapping is an error: PyYAML keeps the last one silently, and `name:` twice must not quietly pick
    an estate."""
    import yaml

    class StrictLoader(base):
        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=deep)
                try:
                    duplicate = key in seen
                except TypeError:
                    continue  # an unhashable key: SafeLoader reports it below
                if duplicate:
                    raise yaml.constructor.ConstructorError(None, None, f"duplicate key '{key}'", key_node.start_mark)
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return StrictLoader


TOO_DEEP = "nested too deeply"

# An estate file is a few levels deep and a few hundred values: far beyond these it is a mistake or
# an attack.
MAX_DEPTH = 32
MAX_VALUES = 100_000


def _too_deep(label: str) -> EstateFileError:
    return EstateFileError(f"{label} is invalid", [f"(top level): nested deeper than {MAX_DEPTH} levels"])


def shape_problem(raw: object) -> str | None:
    """Depth and size, counted the way validation will walk the data (aliases expanded), without
    recursion."""
    stack: list[tuple[object, int]] = [(raw, 1)]
    seen = 0
    while stack:
        value, depth = stack.pop()
        seen += 1
        if seen > MAX_VALUES:
            return f"(top level): more than {MAX_VALUES} values (a YAML alias expanding too far?)"
        if depth > MAX_DEPTH:
            return f"(top level): nested deeper than {MAX_DEPTH} levels"
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list | tuple):
            stack.extend((v, depth + 1) for v in value)
    return None
