"""python -m bench [--quick] [--runs N] [--sizes SMALL,LARGE] [--import-rows N] [--out FILE] [--results FILE]
   python -m bench site [--duration S] [--connections N] [--users N]   (static site vs Streamlit: bench/site_run.py)
   python -m bench load [--quick | --cpu-only] [--out FILE] [--results FILE]   (many users at once: bench/load_run.py)
   python -m bench report [--runs N] [--incidents N]   (both PDF packets on the 10M demo: bench/packets.py)

Prints one JSON document to stdout (progress goes to stderr). A full run (1M and 10M
incidents) also rewrites bench/RESULTS.md; --quick (100k and 1M, 5 runs) does not unless
--results is given. Exits 1 when pandas and SQL disagree, since the speed comparison then
means nothing; a missed timing target is reported, never an error.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shlex
import sys
from pathlib import Path

import bench
from bench import builds, report


def _sizes(text: str) -> tuple[int, int]:
    try:
        values = tuple(sorted(int(part.replace("_", "")) for part in text.split(",")))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected two incident counts like 1000000,10000000, got {text!r}") from None
    if len(values) != 2 or values[0] <= 0 or values[0] == values[1]:
        raise argparse.ArgumentTypeError(f"expected two different positive incident counts, got {text!r}")
    return values


def _runs(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("--runs must be at least 1")
    return value


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # its own commands, each bounded, so the default run stays as long as it was
    if argv[:1] in (["site"], ["load"]):
        module = importlib.import_module(f"bench.{argv[0]}_run")
        return module.main(argv[1:])
    if argv[:1] == ["report"]:  # the PDF packets (bench/packets.py)
        from bench import packets

        return packets.main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k and 1M incidents, 5 runs: a fast check")
    parser.add_argument("--sizes", type=_sizes, help="the two incident counts (default 1000000,10000000)")
    parser.add_argument("--runs", type=_runs, help="timed runs per measurement (default 30; 5 with --quick)")
    parser.add_argument("--out", type=Path, help="also save the JSON document to this file")
    parser.add_argument("--results", type=Path, help="write the Markdown report here (default bench/RESULTS.md)")
    parser.add_argument("--no-results", action="store_true", help="do not write the Markdown report")
    parser.add_argument("--cache-dir", type=Path, default=builds.CACHE_DIR, help="where databases are kept")
    parser.add_argument(
        "--import-rows", type=_runs, default=bench.IMPORT_ROWS, help="rows in the generated CSV for the import test"
    )
    args = parser.parse_args(argv)

    sizes = args.sizes or (bench.QUICK_SIZES if args.quick else bench.FULL_SIZES)
    runs = args.runs or (5 if args.quick else 30)
    command = shlex.join(["python", "-m", "bench", *argv])
    results = bench.run_benchmark(sizes=sizes, runs=runs, cache_dir=args.cache_dir, import_rows=args.import_rows)
    verdict = bench.evaluate(results)
    document = {"command": command, **results, "targets": verdict}
    text = json.dumps(document, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    results_path = args.results or (None if args.quick or args.sizes else builds.REPO_ROOT / "bench" / "RESULTS.md")
    if results_path and not args.no_results:
        report.write(results_path, results, verdict, command)
        builds.log(f"wrote {results_path}")
    for name, check in verdict.items():
        builds.log(f"target {name}: {'pass' if check['pass'] else 'FAIL'}")
    if not verdict["pandas_agrees_with_sql"]["pass"]:
        builds.log(f"pandas and SQL disagree on {', '.join(verdict['pandas_agrees_with_sql']['failing'])}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
