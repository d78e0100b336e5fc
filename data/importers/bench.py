"""Import benchmark: rows per second and peak memory for a generated incidents CSV.

bench_import(rows, workdir) writes a records-system style CSV (case number, timestamp,
district code, offence type and description, coordinates; a few rows bad on purpose),
imports it into a database holding the demo's 37 areas, and reports throughput and the
importing process's peak resident memory (measured in a fresh subprocess so the figure
is the import's own). For `python -m bench`; nothing here is a timed assertion.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

OFFENSES = (
    ("THEFT", "$500 AND UNDER"), ("THEFT", "OVER $500"), ("BATTERY", "SIMPLE"), ("BATTERY", "DOMESTIC BATTERY SIMPLE"),
    ("CRIMINAL DAMAGE", "TO VEHICLE"), ("ASSAULT", "SIMPLE"), ("MOTOR VEHICLE THEFT", "AUTOMOBILE"),
    ("ROBBERY", "ARMED - HANDGUN"), ("BURGLARY", "FORCIBLE ENTRY"), ("NARCOTICS", "POSSESS - CANNABIS 30GMS OR LESS"),
    ("DECEPTIVE PRACTICE", "CREDIT CARD FRAUD"), ("WEAPONS VIOLATION", "UNLAWFUL POSSESSION - HANDGUN"),
)  # fmt: skip


def write_incidents_csv(path: Path, rows: int, area_codes: list[str], seed: int = 7) -> None:
    """A Chicago-like export: one row per incident, 0.1% with an unknown district."""
    rng = np.random.default_rng(seed)
    offense = rng.integers(0, len(OFFENSES), rows)
    codes = np.array(area_codes, dtype=object)[rng.integers(0, len(area_codes), rows)]
    codes[rng.random(rows) < 0.001] = "X99"
    seconds = rng.integers(0, 6 * 365 * 86_400, rows)
    frame = pd.DataFrame(
        {
            "ID": np.arange(10_000_000, 10_000_000 + rows),
            "Case Number": pd.Series(np.arange(rows)).map("JF{:07d}".format),
            "Date": (np.datetime64("2020-01-01T00:00:00") + seconds.astype("timedelta64[s]")).astype(str),
            "Primary Type": np.array([o for o, _ in OFFENSES], dtype=object)[offense],
            "Description": np.array([d for _, d in OFFENSES], dtype=object)[offense],
            "Domestic": np.where(rng.random(rows) < 0.15, "true", "false"),
            "District": codes,
            "Latitude": np.round(39.8 + rng.normal(0, 0.05, rows), 6),
            "Longitude": np.round(-89.65 + rng.normal(0, 0.05, rows), 6),
        }
    )
    frame.to_csv(path, index=False)


def _run_one(csv_path: str, db_path: str) -> None:
    """Child process: import and print one JSON line with the timing and peak RSS."""
    import resource

    from data.importers import ImportOptions, run_import

    started = time.perf_counter()
    # 0.1% of the rows name an unknown district on purpose: the import is told it may leave them out
    options = ImportOptions(preset="chicago-crimes", max_rejected="0.2%")
    summary = run_import("incidents", csv_path, db_path, options)
    elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": elapsed, "peak_rss_mb": peak_kib / 1024, "accepted": summary.rows_accepted,
                      "rejected": summary.rows_rejected, "read": summary.rows_read}))  # fmt: skip


def bench_import(rows: int = 1_000_000, workdir: str | os.PathLike = ".") -> dict:
    """Generate `rows` incidents, import them in a subprocess; rows/s and peak RSS."""
    from data import demo

    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    csv_path = workdir / f"bench_incidents_{rows}.csv"
    db_path = workdir / "bench_import.duckdb"
    db_path.unlink(missing_ok=True)
    demo.build(db_path, incidents=0)  # the demo's areas and partners, no incidents
    write_incidents_csv(csv_path, rows, [area.code for area in demo.AREAS])
    repo = Path(__file__).resolve().parents[2]
    completed = subprocess.run(
        [sys.executable, "-c", "import sys; from data.importers.bench import _run_one; _run_one(*sys.argv[1:])",
         str(csv_path), str(db_path)],
        cwd=repo, capture_output=True, text=True, check=True,
    )  # fmt: skip
    measured = json.loads(completed.stdout.strip().splitlines()[-1])
    return {
        "rows": rows,
        "file_mb": round(csv_path.stat().st_size / 1e6, 1),
        "seconds": round(measured["seconds"], 2),
        "rows_per_s": round(rows / measured["seconds"]),
        "peak_rss_mb": round(measured["peak_rss_mb"]),
        "accepted": measured["accepted"],
        "rejected": measured["rejected"],
    }


if __name__ == "__main__":
    print(json.dumps(bench_import(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000, "/tmp/bridgeboard-bench")))
