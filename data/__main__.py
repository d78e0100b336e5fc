"""Command line: python -m data demo|... (see DESIGN.md, "Interfaces").

Every command exits 0 on success and otherwise prints one clear sentence to stderr and
exits non-zero, leaving any existing database untouched.
"""

from __future__ import annotations

import argparse
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    demo_parser = commands.add_parser("demo", help="build the deterministic demo database")
    demo_parser.add_argument("--out", type=Path, default=Path("data/bridgeboard.duckdb"))
    demo_parser.add_argument("--seed", type=_positive_int, default=1)
    demo_parser.add_argument("--incidents", type=_positive_int, default=300_000)
    demo_parser.set_defaults(handler=_cmd_demo)

    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("interrupted; nothing was changed", file=sys.stderr)
        return 130
    except Exception as error:  # one sentence for the user, never a traceback
        print(f"{args.command} failed: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
