"""The safety rule `maintenance-window`: no change outside an open window or inside a blackout.

It judges every plan the estate's section guards, dry runs included (so `--dry-run` shows the
refusal), at `RuleContext.now`: the session clock, simulated under --sim. No section in the estate
file: the rule does not apply. Break-glass: `--override maintenance-window --reason TEXT`.
"""

from __future__ import annotations

from typing import Any

from mcctl.domain.safety import RuleContext, SafetyRule, Verdict
from mcctl_maintenance_window import report
from mcctl_maintenance_window.calendar import SECTION, Calendar, WindowState, situation

RULE_NAME = "maintenance-window"


def calendar_of(settings: Any) -> Calendar:
    """The parsed section; a raw one (an estate loaded without this plugin's parser) is parsed here."""
    if isinstance(settings, Calendar):
        return settings
    from mcctl_maintenance_window.settings import parse

    return parse(settings)


def check(ctx: RuleContext) -> Verdict | None:
    if ctx.estate is None or SECTION not in ctx.estate.plugins:
        return None
    calendar = calendar_of(ctx.estate.plugins[SECTION])
    if not calendar.guards(ctx.plan.kind):
        return None
    zone = calendar.zone_name
    if ctx.now is None:
        # A safety rule that cannot tell must not let the change through unnoticed.
        return False, "the time is unknown (no session clock): cannot tell whether a maintenance window is open", {}
    now = situation(calendar, ctx.now)
    numbers: dict[str, Any] = {
        "state": now.state.value,
        "timezone": zone,
        "now": report.instant(calendar, now.at),
        "next_window_opens": report.instant(calendar, now.next.start) if now.next else None,
    }
    if now.state is WindowState.OPEN:
        return True, f"inside a maintenance window ({zone}) {report.closing(calendar, now)}", numbers
    if now.blackout is not None:
        where = f"inside the blackout {report.blackout_words(now.blackout)}"
    else:
        where = f"outside every maintenance window ({zone})"
    return False, f"{where}; {report.next_opening(calendar, now)}", numbers


RULE = SafetyRule(
    RULE_NAME,
    "no change outside the estate's maintenance windows or inside a blackout (plugins.maintenance-window)",
    check,
)
