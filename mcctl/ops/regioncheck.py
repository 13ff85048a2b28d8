"""A custom cloud's region names, checked against the subscription's locations.

A named cloud's regions are known to the loader (`mcctl.domain.regions`), and an estate file with
`regions:` is checked against that list; a custom cloud without `regions:` (Azure Stack Hub's
`local`, an emulator's names) has only ARM to ask. So the first command that opens a session asks
once per estate subscription (Subscriptions - List Locations) and refuses an unknown region as an
estate-file error naming the field (exit 2), before anything is read or changed. Locations that
cannot be read (403, 404, any error) do not block: one warning line says the names were not checked.
A sign-in failure or an unreachable ARM is left to the command's first read, which reports it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mcctl.domain.regions import check_location
from mcctl.errors import ArmUnreachable, EstateFileError, McctlError, SignInError

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.config.loader import EstateSource
    from mcctl.domain.estate import Estate


def needs_location_check(estate: Estate, source: EstateSource) -> bool:
    """A custom cloud whose estate file lists no `regions:` (with it, the loader has checked them)."""
    if estate.cloud.name != "custom":
        return False
    from mcctl.config.yamlparse import parse_estate_yaml

    raw = parse_estate_yaml(source.text, source.location)  # already loaded once: it parses
    return raw.get("regions") is None


def region_fields(estate: Estate) -> list[tuple[str, str, str]]:
    """(field path, region, subscription) of every region the estate names, in file order."""
    fields = [(f"stamps[{i}].region", s.region, s.subscription) for i, s in enumerate(estate.stamps)]
    if estate.sql is not None:
        fields += [(f"sql.servers.{s.region}", s.region, s.ref.subscription) for s in estate.sql.servers]
    if estate.redis is not None:
        fields += [(f"redis.members.{m.region}", m.region, m.ref.subscription) for m in estate.redis.members]
    return fields


def check_regions(session: AzureSession, estate: Estate, *, warn: Callable[[str], None]) -> None:
    """Raise EstateFileError (exit 2) listing every region not among its subscription's locations."""
    from mcctl.adapters.subscriptions import list_locations

    fields = region_fields(estate)
    problems: list[str] = []
    unreadable: list[str] = []
    for subscription in dict.fromkeys(sub.lower() for _, _, sub in fields):
        try:
            names = [loc.name for loc in list_locations(session, subscription)]
        except (SignInError, ArmUnreachable):
            unreadable = []  # every read fails alike: the command's first one says so, with its hint
            break
        except McctlError as exc:
            unreadable.append(exc.message)
            continue
        except Exception as exc:  # an answer that is not the documented shape: not a reason to block
            unreadable.append(f"subscription {subscription}: unreadable answer ({type(exc).__name__}: {exc})")
            continue
        if not names:
            unreadable.append(f"subscription {subscription}: the list of locations is empty")
            continue
        for path, region, sub in fields:
            if sub.lower() == subscription:
                problem = check_location(region, names)
                if problem:
                    problems.append(f"{path}: {problem}")
    if problems:
        label = estate.source or "the estate file"
        noun = "problem" if len(problems) == 1 else "problems"
        raise EstateFileError(
            f"{label} is invalid ({len(problems)} {noun})",
            problems,
            hint="fix the region names, or list the cloud's regions under `regions:` in the estate file",
        )
    if unreadable:
        warn(f"region names could not be checked against the subscription's locations: {unreadable[0]}")
