"""Demo databases for the benchmark: built once per size and generator version, then reused.

A database is cached as bench/cache/demo-<incidents>-<hash>.duckdb, where the hash covers
the files that decide its contents (data/demo.py, data/schema.sql, data/db.py) and the seed,
so editing the generator rebuilds it. Next to it, <same name>.json keeps the numbers measured
when it was built (wall time, peak RSS of the build process), reported again on reuse.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

REPO_ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = REPO_ROOT / "bench" / "cache"
SEED = 1
# the files whose content decides what `python -m data demo` writes
SOURCE_FILES = ("data/demo.py", "data/schema.sql", "data/db.py")


def log(message: str) -> None:
    """Progress goes to stderr so stdout carries only the JSON document."""
    print(f"[bench {dt.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def size_label(incidents: int) -> str:
    """10_000_000 -> '10M', 100_000 -> '100k', 12_345 -> '12345'."""
    for unit, suffix in ((1_000_000, "M"), (1_000, "k")):
        if incidents >= unit and incidents % unit == 0:
            return f"{incidents // unit}{suffix}"
    return str(incidents)


def source_hash(seed: int = SEED) -> str:
    digest = hashlib.sha256(f"seed={seed}\n".encode())
    for relative in SOURCE_FILES:
        digest.update(relative.encode() + b"\0")
        digest.update((REPO_ROOT / relative).read_bytes())
    return digest.hexdigest()[:12]


def cache_stem(incidents: int, cache_dir: Path, seed: int = SEED) -> Path:
    """Common prefix of every cached file for this size and generator version."""
    return cache_dir / f"demo-{incidents}-{source_hash(seed)}"


def ensure_db(incidents: int, cache_dir: Path = CACHE_DIR, seed: int = SEED) -> dict:
    """Return the cached demo database for `incidents`, building it in a subprocess if needed."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    stem = cache_stem(incidents, cache_dir, seed)
    db_path = stem.with_suffix(".duckdb")
    record_path = stem.with_suffix(".json")
    _remove_stale(incidents, stem, cache_dir)
    record = json.loads(record_path.read_text()) if record_path.is_file() else None
    reused = db_path.is_file() and record is not None and record.get("source_hash") == source_hash(seed)
    if not reused:
        record = _build(incidents, seed, db_path)
        record_path.write_text(json.dumps(record, indent=2) + "\n")
    else:
        log(f"reusing {db_path.name} (built {record['built_at']} in {record['build_s']:.1f} s)")
    size_bytes = db_path.stat().st_size
    with duckdb.connect(str(db_path), read_only=True) as con:
        tables = {
            table: con.execute(f"select count(*) from {table}").fetchall()[0][0]  # noqa: S608 (fixed names)
            for table in ("incidents", "crime_monthly", "survey_responses", "areas")
        }
    if tables["incidents"] != incidents:
        raise RuntimeError(f"{db_path} holds {tables['incidents']} incidents, expected {incidents}")
    return {
        **record,
        "path": str(db_path),
        "reused": reused,
        "size_bytes": size_bytes,
        "size_mb": round(size_bytes / 1e6, 1),
        "tables": tables,
    }


def _build(incidents: int, seed: int, db_path: Path) -> dict:
    command = [sys.executable, "-m", "data", "demo", "--out", str(db_path), "--incidents", str(incidents)]
    command += ["--seed", str(seed)]
    log(f"building {db_path.name}: {' '.join(command[1:])}")
    build_log = db_path.with_suffix(".build.log")
    started = time.perf_counter()
    with build_log.open("w") as output:
        child = subprocess.Popen(command, cwd=REPO_ROOT, stdout=output, stderr=subprocess.STDOUT)
        # wait4 gives this child's own rusage; RUSAGE_CHILDREN would mix every build of the run
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    output_text = build_log.read_text().strip()
    if child.returncode != 0:
        raise RuntimeError(f"building the {incidents:,}-incident demo failed: {output_text}")
    log(f"built in {elapsed:.1f} s, peak RSS {usage.ru_maxrss * 1024 / 1e6:.0f} MB ({output_text})")
    return {
        "incidents": incidents,
        "seed": seed,
        "source_hash": source_hash(seed),
        "command": "python -m data demo --out PATH " + " ".join(command[6:]),
        "built_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "build_s": round(elapsed, 2),
        # ru_maxrss is in KiB on Linux
        "build_peak_rss_mb": round(usage.ru_maxrss * 1024 / 1e6, 1),
        "duckdb_version": duckdb.__version__,
    }


def _remove_stale(incidents: int, current: Path, cache_dir: Path) -> None:
    """Delete files cached for this size by an older generator (the 10M database is large)."""
    for path in cache_dir.glob(f"demo-{incidents}-*"):
        if not path.name.startswith(current.name + "."):
            log(f"removing stale {path.name}")
            path.unlink()
