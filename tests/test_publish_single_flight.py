"""Publishing from the app is single-flight per process and target.

Issue 12: sessions of one server that opened the Public report at once each published
public.duckdb into one shared scratch file and collided. Here 4 sessions (threads of one
process, as Streamlit runs them) ask for a public table at the same instant after each of
5 swaps of the agency file: one publish per agency file, every session reads the winner's
file, no failure, and nothing but the two databases left in the folder.
"""

from __future__ import annotations

import shutil
import threading

import duckdb

import fixture_db
from components import runtime
from data import publish

SESSIONS = 4
ROUNDS = 5


def sessions_at_once(label: str, failures: list[str]) -> list:
    """SESSIONS threads ask for the public manifest at one instant; what they read, in any order."""
    start, read = threading.Barrier(SESSIONS), []

    def session() -> None:
        try:
            start.wait(timeout=30)
            read.append(runtime.public_table("manifest"))
        except Exception as error:  # recorded: the test fails on any
            failures.append(f"{label}: {type(error).__name__}: {error}")

    threads = [threading.Thread(target=session) for _ in range(SESSIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return read


def test_four_sessions_publish_once_and_read_the_winners_file(tmp_path, monkeypatch):
    agency, public = tmp_path / "agency.duckdb", tmp_path / "public.duckdb"
    built = fixture_db.build(tmp_path / "built" / "fixture.duckdb")
    monkeypatch.setenv("BRIDGEBOARD_DB", str(agency))
    monkeypatch.setenv("BRIDGEBOARD_PUBLIC_DB", str(public))
    publishes = []
    real_publish = publish.publish

    def counted(source, out):
        publishes.append(runtime.database_version(source))
        return real_publish(source, out)

    monkeypatch.setattr(publish, "publish", counted)
    failures, reads = [], 0
    try:
        for round_number in range(ROUNDS):
            # an import swaps a new agency file in (a new inode, a later mtime)
            shutil.copy(built, tmp_path / "next.duckdb")
            (tmp_path / "next.duckdb").replace(agency)
            reads += len(sessions_at_once(f"round {round_number}", failures))
            assert reads + len(failures) == SESSIONS * (round_number + 1)
            # one publish, from the agency file of this round
            assert publishes[-1] == runtime.database_version(agency)
            assert len(publishes) == round_number + 1, publishes
    finally:
        runtime.close_connections()
    print(f"\nconcurrent publish: {reads} session reads, {len(publishes)} publishes, {len(failures)} failures")
    assert not failures, failures
    left = sorted(item.name for item in tmp_path.iterdir() if item.is_file())
    assert [name for name in left if "building" in name or name.endswith(".wal")] == [], left
    with duckdb.connect(str(public), read_only=True) as con:
        assert con.execute("select count(*) from manifest").fetchone()[0] > 0
