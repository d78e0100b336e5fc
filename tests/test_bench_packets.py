"""`python -m bench report`: both packets timed on a database, and its RESULTS.md section."""

import pytest

from bench import packets

pytestmark = pytest.mark.pdf


def test_both_packets_are_timed_and_reported(fixture_path, tmp_path):
    timed = packets.time_packets(fixture_path, runs=1)
    assert set(timed) == {"council", "scorecard"}
    assert timed["scorecard"]["subject"] == "Youth Org"  # 2 programs, against Housing Org's 1
    for figures in timed.values():
        assert figures["pages"] >= 3 and figures["bytes"] > 10_000 and figures["median_s"] > 0
    document = {
        "command": "python -m bench report --runs 1",
        "started_at": "2026-01-01T00:00:00",
        "machine": {"nproc": 2, "load_average_1m": 0.1},
        "incidents": 1234,
        "packets": timed,
    }
    results = tmp_path / "RESULTS.md"
    results.write_text("# Results\n\nearlier text\n")
    for _ in range(2):
        packets.write_section(results, packets.section(document))
    text = results.read_text()
    assert text.count(packets.SECTION_START) == 1 and "earlier text" in text
    assert f"| council | whole agency | {timed['council']['pages']} |" in text
