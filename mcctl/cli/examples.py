"""The `Examples:` section of every command's `--help`, kept in one table.

`apply(group)` runs when the root command is built (`McctlGroup.__init__`), so a command added by a
plugin gets a section too: its own `Examples:` if its help or epilog has one, else a line made from
its path (a group: its subcommands' first lines). Nothing here imports a command module.
"""

from __future__ import annotations

from typing import Any

HEADING = "Examples:"

EXAMPLES: dict[str, tuple[str, ...]] = {
    "mcctl": (
        "mcctl --sim status",
        "mcctl --estate mcctl.yaml -o json stamps list",
        "mcctl --version",
    ),
    "mcctl status": ("mcctl status", "mcctl status --watch --interval 10s", "mcctl status -o json"),
    "mcctl health": (
        "mcctl health",
        "mcctl health --region westeurope --check",
        "mcctl health -o json --query \"stamps[?status!='healthy'].name\"",
    ),
    "mcctl scale": (
        "mcctl scale weu-1 --instances 6",
        "mcctl scale --region northeurope --by +2 --dry-run",
        "mcctl scale --to-carry westeurope --yes",
    ),
    "mcctl evacuate": (
        "mcctl evacuate westeurope --dry-run",
        "mcctl evacuate westeurope --yes -o json",
        "mcctl evacuate westeurope --steps 50,100 --interval 5m --yes",
    ),
    "mcctl reinstate": ("mcctl reinstate westeurope --dry-run", "mcctl reinstate westeurope --sql --yes"),
    "mcctl drill": (
        "mcctl --sim drill plan --from westeurope --to northeurope > drill.yaml",
        "mcctl --sim drill run drill.yaml --yes --approve all",
        "mcctl drill list",
    ),
    "mcctl drill plan": (
        "mcctl drill plan --from westeurope --to northeurope > drill.yaml",
        "mcctl drill plan --from westeurope --to northeurope --failback --hold 10m",
        "mcctl --sim drill plan --from westeurope --to eastus2 --outage > o.yaml",
    ),
    "mcctl drill run": (
        "mcctl drill run drill.yaml --dry-run",
        "mcctl drill run drill.yaml --yes --approve all -o json",
        "mcctl --sim drill run drill.yaml --yes --approve all --pace 60",
    ),
    "mcctl drill resume": ("mcctl drill resume latest", "mcctl drill resume RUN --yes --approve all"),
    "mcctl drill rollback": ("mcctl drill rollback RUN --dry-run", "mcctl drill rollback RUN --yes"),
    "mcctl drill report": (
        "mcctl drill report latest",
        "mcctl drill report RUN --format html --out drill.html",
        "mcctl drill report RUN --format json",
    ),
    "mcctl drill list": ("mcctl drill list", "mcctl drill list -o json"),
    "mcctl resume": ("mcctl resume OP --dry-run", "mcctl resume OP --yes"),
    "mcctl rollback": ("mcctl rollback OP --dry-run", "mcctl rollback OP --yes"),
    "mcctl stamps": ("mcctl stamps list", "mcctl stamps show weu-1"),
    "mcctl stamps list": ("mcctl stamps list", "mcctl stamps list --region westeurope -o wide"),
    "mcctl stamps show": ("mcctl stamps show weu-1", "mcctl stamps show weu-1 -o json"),
    "mcctl stamps validate": (
        "mcctl stamps validate weu-3",
        "mcctl stamps validate weu-3 --smoke / --smoke /api/items --max-latency 800ms",
        "mcctl stamps validate weu-3 -o json",
    ),
    "mcctl stamps add": ("mcctl stamps add weu-3 --yes", "mcctl stamps add weu-3 --weight 1 --dry-run"),
    "mcctl stamps retire": ("mcctl stamps retire weu-1 --dry-run", "mcctl stamps retire weu-1 --yes"),
    "mcctl shift": (
        "mcctl shift --from weu-1 --to weu-3 --steps 10,50,100 --interval 5m",
        "mcctl shift --from weu-1 --to weu-3 --steps 10,50,100 --revert-on-failure",
        "mcctl shift --from weu-1,weu-2 --to weu-3,weu-4 --dry-run",
    ),
    "mcctl frontdoor": ("mcctl frontdoor status", "mcctl frontdoor drain westeurope --dry-run"),
    "mcctl frontdoor status": ("mcctl frontdoor status", "mcctl frontdoor status -o json"),
    "mcctl frontdoor drain": (
        "mcctl frontdoor drain westeurope --dry-run",
        "mcctl frontdoor drain --stamp weu-1 --yes",
        "mcctl frontdoor drain westeurope --steps 50,100 --interval 2m --verify --yes",
    ),
    "mcctl frontdoor restore": (
        "mcctl frontdoor restore westeurope --dry-run",
        "mcctl frontdoor restore westeurope --verify --yes",
    ),
    "mcctl frontdoor verify": (
        "mcctl frontdoor verify westeurope",
        "mcctl frontdoor verify westeurope --restored --timeout 5m",
    ),
    "mcctl completion": ("mcctl completion generate --shell bash",),
    "mcctl completion generate": (
        "mcctl completion generate --shell zsh > ~/.zfunc/_mcctl",
        "mcctl completion generate --shell fish > mcctl.fish",
    ),
    "mcctl wait": ("mcctl wait sql --primary northeurope", "mcctl wait health --region westeurope --for healthy"),
    "mcctl wait health": ("mcctl wait health --region westeurope --for healthy --timeout 15m",),
    "mcctl wait sql": ("mcctl wait sql --primary northeurope --timeout 10m",),
    "mcctl wait redis": ("mcctl wait redis --region westeurope --for linked",),
    "mcctl wait frontdoor": ("mcctl wait frontdoor --region westeurope --for drained --count 10",),
    "mcctl sql": ("mcctl sql status", "mcctl sql failover --to northeurope --dry-run"),
    "mcctl sql status": ("mcctl sql status", "mcctl sql status --check; echo $?"),
    "mcctl sql failover": (
        "mcctl sql failover --to northeurope --dry-run",
        "mcctl sql failover --to northeurope --yes -o json",
        "mcctl sql failover --to northeurope --mode forced --allow-data-loss --yes",
    ),
    "mcctl journal": ("mcctl journal list", "mcctl journal show OP", "mcctl journal rotate"),
    "mcctl journal list": ("mcctl journal list --limit 20", "mcctl journal list -o json"),
    "mcctl journal show": ("mcctl journal show OP", "mcctl journal show OP -o yaml"),
    "mcctl journal rotate": ("mcctl journal rotate", "mcctl journal rotate --keep-recent 100 --keep-archives 5"),
    "mcctl lock": ("mcctl lock status", "mcctl lock acquire --reason 'CHG-42 window'"),
    "mcctl lock status": ("mcctl lock status", "mcctl lock status -o json"),
    "mcctl lock acquire": ("mcctl lock acquire --reason 'CHG-42 maintenance window'",),
    "mcctl lock release": ("mcctl lock release",),
    "mcctl lock break": ("mcctl lock break --reason 'holder crashed, checked with alice' --yes",),
    "mcctl redis": ("mcctl redis status", "mcctl redis unlink westeurope --allow-data-loss --dry-run"),
    "mcctl redis status": ("mcctl redis status", "mcctl redis status --region westeurope --check"),
    "mcctl redis unlink": ("mcctl redis unlink westeurope --allow-data-loss --yes",),
    "mcctl redis relink": ("mcctl redis relink westeurope --allow-data-loss --yes",),
    "mcctl sim": ("mcctl --sim sim status", "mcctl --sim sim outage start westeurope"),
    "mcctl sim status": ("mcctl --sim sim status",),
    "mcctl sim reset": ("mcctl --sim sim reset",),
    "mcctl sim advance": ("mcctl --sim sim advance 600",),
    "mcctl sim stamp": (
        "mcctl --sim sim stamp down weu-1",
        "mcctl --sim sim stamp ok weu-1",
        "mcctl --sim sim stamp deploy weu-3 --region westeurope",
    ),
    "mcctl sim dependency": ("mcctl --sim sim dependency down sql", "mcctl --sim sim dependency ok sql"),
    "mcctl sim serve": ("mcctl --sim sim serve --port 8443",),
    "mcctl sim generate": (
        "mcctl sim generate --regions 12 --stamps-per-region 20 --output big.yaml",
        "mcctl --sim --estate big.yaml stamps list",
    ),
    "mcctl sim outage": ("mcctl --sim sim outage start westeurope", "mcctl --sim sim outage end westeurope"),
    "mcctl sim outage start": ("mcctl --sim sim outage start westeurope",),
    "mcctl sim outage end": ("mcctl --sim sim outage end westeurope",),
    "mcctl sim fault": ("mcctl --sim sim fault add throttle --count 3", "mcctl --sim sim fault clear"),
    "mcctl sim fault add": ("mcctl --sim sim fault add throttle --count 3", "mcctl --sim sim fault add lro_failure"),
    "mcctl sim fault clear": ("mcctl --sim sim fault clear",),
    "mcctl plugins": ("mcctl plugins list",),
    "mcctl plugins list": ("mcctl plugins list", "mcctl plugins list -o json"),
}


def examples_for(path: str, command: Any) -> tuple[str, ...]:
    """The example lines of the command at `path` ("mcctl sql failover")."""
    if path in EXAMPLES:
        return EXAMPLES[path]
    subcommands = getattr(command, "commands", None)
    if subcommands:  # a plugin's group: one line per subcommand
        return tuple(f"{path} {name}" for name in subcommands)
    return (path,)


def has_examples(command: Any) -> bool:
    return any(HEADING in (text or "") for text in (command.help, command.epilog))


def section(lines: tuple[str, ...]) -> str:
    r"""The epilog text. `\b` keeps the lines as they are (typer would join them into one)."""
    body = "\n".join(f"  {line}" for line in lines)
    return f"\b\n{HEADING}\n{body}"


def apply(command: Any, path: str = "mcctl", *, recursive: bool = True) -> None:
    """Give `command` and every command under it (unless not `recursive`) an `Examples:` section
    (kept if it has one)."""
    if not has_examples(command):
        extra = section(examples_for(path, command))
        command.epilog = f"{command.epilog}\n\n{extra}" if command.epilog else extra
    if not recursive:
        return
    for name, sub in (getattr(command, "commands", None) or {}).items():
        apply(sub, f"{path} {name}")
