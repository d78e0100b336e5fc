"""python -m bench report [--runs N] [--incidents N] [--out FILE] [--results FILE]

Times both PDF packets on the demo database (10M incidents by default, from bench/cache):
the council packet for the whole agency and the scorecard of the nonprofit with the most
programs, each for the twelve months to the last data, as `python -m data report` makes
them (an operator's run: queries, HTML, Chromium's two prints). Prints one JSON document,
saves it to bench/packets_results.json and writes its section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from bench import builds, machine

RESULTS_JSON = Path(__file__).with_name("packets_results.json")
SECTION_START = "<!-- packets benchmark: written by python -m bench report -->"
SECTION_END = "<!-- /packets benchmark -->"
TARGET_SECONDS = 10.0


def busiest_nonprofit(db_path: Path) -> str:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(
            "select nonprofits.name from programs join partnerships using (partnership_id)"
            " join nonprofits using (nonprofit_id) group by nonprofits.name order by count(*) desc, 1 limit 1"
        ).fetchone()[0]


def time_packets(db_path: Path, runs: int) -> dict[str, dict[str, object]]:
    from reports import command

    nonprofit = busiest_nonprofit(db_path)
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-packets-") as folder:
        for kind, extra in (("council", {}), ("scorecard", {"nonprofit": nonprofit})):
            seconds, made = [], None
            for _ in range(runs):
                started = time.perf_counter()
                made = command.make(kind, db_path, Path(folder) / f"{kind}.pdf", **extra)
                seconds.append(time.perf_counter() - started)
                builds.log(f"{kind}: {seconds[-1]:.2f} s, {made.pages} pages")
            results[kind] = {
                "subject": nonprofit if kind == "scorecard" else "whole agency",
                "pages": made.pages,
                "bytes": len(made.pdf),
                "median_s": round(statistics.median(seconds), 2),
                "max_s": round(max(seconds), 2),
                "runs": runs,
                "target_s": TARGET_SECONDS,
                "pass": max(seconds) < TARGET_SECONDS,
            }
    return results


def section(document: dict) -> str:
    lines = [
        SECTION_START,
        "## PDF packets",
        "",
        f"`{document['command']}`, {document['started_at']}, {document['machine']['nproc']} cores, load average "
        f"{document['machine']['load_average_1m']} at the start; demo of {document['incidents']:,} incidents. "
        "Each run is `python -m data report` as an operator makes it (queries, HTML, Chromium's two prints), "
        "for the twelve months to the last data; the target is under 10 s.",
        "",
        "| packet | for | pages | size | median s | max s | runs | under 10 s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for kind, figures in document["packets"].items():
        lines.append(
            f"| {kind} | {figures['subject']} | {figures['pages']} | {figures['bytes'] / 1e3:,.0f} kB |"
            f" {figures['median_s']} | {figures['max_s']} | {figures['runs']} | {'yes' if figures['pass'] else 'NO'} |"
        )
    return "\n".join([*lines, "", SECTION_END]) + "\n"


def write_section(path: Path, text: str) -> None:
    """Replace this benchmark's section of RESULTS.md, or add it at the end."""
    old = path.read_text() if path.is_file() else ""
    if SECTION_START in old and SECTION_END in old:
        before, rest = old.split(SECTION_START, 1)
        new = before + text + rest.split(SECTION_END, 1)[1].lstrip("\n")
    else:
        new = old.rstrip("\n") + ("\n\n" if old else "") + text
    path.write_text(new)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench report", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--incidents", type=int, default=10_000_000)
    parser.add_argument("--cache-dir", type=Path, default=builds.CACHE_DIR)
    parser.add_argument("--out", type=Path, default=RESULTS_JSON)
    parser.add_argument("--results", type=Path, default=builds.REPO_ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args(argv)
    database = builds.ensure_db(args.incidents, args.cache_dir)
    document = {
        "command": " ".join(["python", "-m", "bench", "report", *argv]),
        "started_at": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": machine(),
        "incidents": args.incidents,
        "database_mb": database["size_mb"],
        "packets": time_packets(Path(database["path"]), args.runs),
    }
    text = json.dumps(document, indent=2)
    print(text)
    args.out.write_text(text + "\n")
    write_section(args.results, section(document))
    return 0 if all(figures["pass"] for figures in document["packets"].values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
