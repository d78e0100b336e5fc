"""Command line: python -m data demo|import|publish|site|report|check|migrate (see DESIGN.md, "Interfaces").

Every command exits 0 on success and otherwise prints one clear sentence to stderr and
exits non-zero, leaving any existing database untouched.
"""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import os
import sys
import time
from pathlib import Path


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number of at least 0, got {value}")
    return value


def _cmd_demo(args: argparse.Namespace) -> int:
    from data import demo

    started = time.perf_counter()
    demo.build(args.out, seed=args.seed, incidents=args.incidents)
    elapsed = time.perf_counter() - started
    print(f"demo database written to {args.out} ({args.incidents:,} incidents, seed {args.seed}) in {elapsed:.1f} s")
    return 0


def _pairs(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    name, value = text.split("=", 1)
    return name.strip(), value.strip()


def _max_rejected(text: str) -> str:
    from data.importers.errors import ImportFailed
    from data.importers.pipeline import parse_max_rejected

    try:
        parse_max_rejected(text)
    except ImportFailed as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix("--max-rejected ")) from None
    return text


def _date_format(text: str) -> tuple[str, str]:
    """FORMAT for every date field, or FIELD=FORMAT for one (FORMAT: %d/%m/%Y, %Y, day-first, ...)."""
    name, separator, value = text.partition("=")
    if separator and name.strip().isidentifier():
        return name.strip(), value.strip()
    return "*", text.strip()


def _cmd_import(args: argparse.Namespace) -> int:
    from data import importers

    if args.kind == "offense-map":
        from data.importers import choices

        print(choices.import_choices_file(args.file, args.db, args.by).text())
        return 0

    options = importers.ImportOptions(
        preset=args.preset,
        mapping=dict(args.map),
        constants=dict(args.set),
        dry_run=args.dry_run,
        imported_by=args.by,
        agency=args.agency,
        rucc_path=args.rucc,
        density_threshold=args.density,
        max_rejected=args.max_rejected,
        date_formats=dict(args.date_format),
    )
    try:
        summary = importers.run_import(args.kind, args.file, args.db, options)
    except importers.ImportFailed as error:
        if error.summary is not None:
            print(error.summary.text(), file=sys.stderr)
        raise
    print(summary.text())
    return 0


def _cmd_publish(args: argparse.Namespace) -> int:
    from data import publish

    started = time.perf_counter()
    summary = publish.publish(args.db, args.out)
    elapsed = time.perf_counter() - started
    print(f"{summary.text()} in {elapsed:.1f} s")
    if args.site:
        return _build_site(args.out, args.site)
    return 0


def _build_site(public: Path, out: Path) -> int:
    # the static site sits on the floor above data/ (DESIGN.md): only this entry point reaches it
    from reports import site

    print(site.build(public, out).text())
    return 0


def _cmd_site(args: argparse.Namespace) -> int:
    return _build_site(args.public, args.out)


def _cmd_report(args: argparse.Namespace) -> int:
    from reports import command

    made = command.make(
        args.kind, args.db, args.out, args.start, args.end, args.areas, args.nonprofit, args.as_email, args.paper
    )
    print(
        f"{made.title}: {made.pages} pages, {len(made.pdf) / 1e3:.0f} kB, written to {args.out} in {made.seconds:.1f} s"
    )
    return 0


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2024-01-31, got {text!r}") from None


def _cmd_check(args: argparse.Namespace) -> int:
    from data import check

    report = check.check(args.db)
    print(report.text())
    return 1 if report.errors or (args.strict and report.warnings) else 0


def _cmd_migrate(args: argparse.Namespace) -> int:
    from data import migrate

    print(migrate.migrate(args.db).text())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    demo_parser = commands.add_parser("demo", help="build the deterministic demo database")
    demo_parser.add_argument("--out", type=Path, default=Path("data/bridgeboard.duckdb"))
    demo_parser.add_argument("--seed", type=_positive_int, default=1)
    demo_parser.add_argument("--incidents", type=_positive_int, default=300_000)
    demo_parser.set_defaults(handler=_cmd_demo)

    from data.importers.fields import KINDS
    from data.importers.presets import PRESETS

    import_parser = commands.add_parser(
        "import",
        help="import a CSV, Excel, GeoJSON or shapefile into the database",
        description="Validate a file and swap an updated database in atomically; rejected rows are logged.",
    )
    # offense-map: the agency's own answers for offences no shipped table maps (data/importers/choices.py)
    import_parser.add_argument("kind", choices=[*KINDS, "offense-map"])
    import_parser.add_argument("file", type=Path)
    import_parser.add_argument("--db", type=Path, required=True, help="database file (created when missing)")
    import_parser.add_argument("--preset", choices=list(PRESETS), help="a known public format")
    import_parser.add_argument(
        "--map", type=_pairs, action="append", default=[], metavar="COLUMN=FIELD", help="the file's COLUMN is FIELD"
    )
    import_parser.add_argument(
        "--set", type=_pairs, action="append", default=[], metavar="FIELD=VALUE", help="FIELD is VALUE where empty"
    )
    import_parser.add_argument("--dry-run", action="store_true", help="check and report, change nothing")
    import_parser.add_argument(
        "--max-rejected",
        type=_max_rejected,
        metavar="N|P%",
        help="leave out up to N refused rows (or P%% of the rows read) and import the rest; by default a file"
        " with any refused row is not imported",
    )
    import_parser.add_argument(
        "--date-format",
        type=_date_format,
        action="append",
        default=[],
        metavar="[FIELD=]FORMAT",
        help="how dates are written: day-first or month-first (for 03/04/2024), or a strptime format such as"
        " %%d/%%m/%%Y, or %%Y / %%B %%Y for periods given as a year or a month",
    )
    import_parser.add_argument("--agency", help="the agency the rows belong to (created when new)")
    import_parser.add_argument("--rucc", type=Path, help="USDA RUCC 2023 file for areas with a county_fips")
    import_parser.add_argument("--density", type=float, help="residents per km² from which an area is urban")
    import_parser.add_argument("--by", default=os.environ.get("USER"), help="who imports (for import_log)")
    import_parser.set_defaults(handler=_cmd_import)

    publish_parser = commands.add_parser(
        "publish",
        help="write the public database: disclosure-controlled aggregates only",
        description="Write aggregates that passed disclosure control to a new file; the source is only read.",
    )
    publish_parser.add_argument("--db", type=Path, required=True, help="the Bridgeboard database to publish from")
    publish_parser.add_argument("--out", type=Path, required=True, help="the public database file to write")
    publish_parser.add_argument("--site", type=Path, metavar="DIR", help="then build the static public site in DIR")
    publish_parser.set_defaults(handler=_cmd_publish)

    site_parser = commands.add_parser(
        "site",
        help="build the static public site (English and Spanish) from a public database",
        description="Write a self-contained static site from the public database alone; any web server can serve it.",
    )
    site_parser.add_argument("--public", type=Path, required=True, help="the public database (python -m data publish)")
    site_parser.add_argument(
        "--out", type=Path, required=True, help="the folder to write (replaced when it holds a site)"
    )
    site_parser.set_defaults(handler=_cmd_site)

    report_parser = commands.add_parser(
        "report",
        help="write a PDF packet: the council packet or a nonprofit's funder scorecard",
        description="The operator holding the agency file reads the whole agency; --as EMAIL makes the packet "
        "for that app user with their scope (a director: their own scorecard only).",
    )
    report_parser.add_argument("kind", choices=("council", "scorecard"))
    report_parser.add_argument("--db", type=Path, required=True, help="the agency database")
    report_parser.add_argument("--out", type=Path, required=True, help="the PDF to write")
    report_parser.add_argument(
        "--from", dest="start", type=_date, help="first day (default: 12 months to the last data)"
    )
    report_parser.add_argument("--to", dest="end", type=_date, help="last day")
    report_parser.add_argument("--areas", choices=("urban", "rural"), help="urban or rural areas only")
    report_parser.add_argument("--nonprofit", metavar="NAME", help="the scorecard's nonprofit")
    report_parser.add_argument(
        "--as", dest="as_email", metavar="EMAIL", help="make it for this app user, in their scope"
    )
    report_parser.add_argument("--paper", choices=("letter", "a4"), default="letter")
    report_parser.set_defaults(handler=_cmd_report)

    check_parser = commands.add_parser("check", help="integrity report; exits non-zero on errors")
    check_parser.add_argument("--db", type=Path, required=True)
    check_parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check_parser.set_defaults(handler=_cmd_check)

    migrate_parser = commands.add_parser(
        "migrate",
        help="bring a database of an earlier data model up to this version",
        description="Build the database anew with this version's schema, copy every table in, then swap it in.",
    )
    migrate_parser.add_argument("--db", type=Path, required=True)
    migrate_parser.set_defaults(handler=_cmd_migrate)

    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("interrupted; nothing was changed", file=sys.stderr)
        return 130
    except OSError as error:
        if error.errno != errno.ENOSPC:
            print(f"{args.command} failed: {error}", file=sys.stderr)
            return 1
        print(f"{args.command} failed: the disk is full; free some space and run it again", file=sys.stderr)
        return 1
    except Exception as error:  # one sentence for the user, never a traceback
        print(f"{args.command} failed: {error}", file=sys.stderr)
        return 1


def _exit(code: int) -> None:
    """End the process with `code` once Python's exit handlers ran and output is flushed, skipping the
    native libraries' teardown.

    At interpreter exit, pyarrow's (the CSV reader's) and OpenBLAS's threads are torn down by C++
    static destructors; now and then that aborts the process ("terminate called without an
    active exception", apache/arrow#34314) after the command already printed its sentence and
    closed its databases: a refused import would end in "Aborted" with exit code 134, a
    successful one fail its caller. By then every database is closed and swapped in or not.
    """
    import atexit

    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit(main())
