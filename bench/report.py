"""bench/RESULTS.md from one run's JSON: tables per section, the verdict, a generated summary.

Everything above MARKER is rewritten by every run. Text below it (the hand-written analysis of
a run) is kept, so a rerun updates the numbers without deleting the investigation; it names
the run it was written for, so a reader can tell when it has gone stale.
"""

from __future__ import annotations

from pathlib import Path

MARKER = "<!-- Generated above this line by python -m bench; text below it is kept when the file is rewritten. -->"


def _ms(value: float) -> str:
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _value(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def _verdict(passed: bool) -> str:
    return "**pass**" if passed else "**FAIL**"


def render(results: dict, verdict: dict, command: str) -> str:
    small, large = results["growth"]["from"], results["growth"]["to"]
    machine = results["machine"]
    settings = results["settings"]
    lines = [
        "# Benchmark results",
        "",
        f"Command: `{command}` (from the repository root)  ",
        f"Run: {results['started_at']}, {results['duration_s'] / 60:.1f} min  ",
        f"Machine: {machine['nproc']} cores ({machine['cpu'] or 'unknown CPU'}), {machine['memory_gb']} GB RAM,"
        f" {machine['os']}; Python {machine['python']}, DuckDB {machine['duckdb']}, pandas {machine['pandas']},"
        f" pyarrow {machine['pyarrow']}, numpy {machine['numpy']}; 1-minute load average"
        f" {machine['load_average_1m']} at the start  ",
        f"Timing: {settings['runs']} timed runs per measurement after one warm-up; {settings['timer']};"
        f" percentiles by {settings['percentiles']}. Scope: {settings['scope']}. Demo seed {settings['seed']}.",
        "",
        "## Targets",
        "",
        "| target | result | verdict |",
        "| --- | --- | --- |",
    ]
    check = verdict["query_p95_le_100ms"]
    lines.append(
        f"| every query p95 ≤ 100 ms at {large} | slowest: `{check['max_query']}` p95 {_ms(check['max_p95_ms'])} ms"
        + (f"; over: {', '.join(check['failing'])}" if check["failing"] else "")
        + f" | {_verdict(check['pass'])} |"
    )
    check = verdict["pandas_ratio_ge_5x"]
    lines.append(
        f"| ≥ 5× faster than pandas (p50 ratio) at {large} | lowest: {check['min_case']} {check['min_ratio']}×"
        + (f"; under 5×: {', '.join(check['failing'])}" if check["failing"] else "")
        + f" | {_verdict(check['pass'])} |"
    )
    check = verdict["growth_lt_2x"]
    lines.append(
        f"| query time grows < 2× from {small} to {large} (p50) | largest: `{check['max_query']}`"
        f" {check['max_ratio']}× | {_verdict(check['pass'])} |"
    )
    check = verdict["page_rerun_p95_le_300ms"]
    lines.append(
        f"| page rerun after a filter change p95 ≤ 300 ms at {check['at']} (cold cache) | slowest:"
        f" `{check['max_page']}` p95 {_ms(check['max_p95_ms'])} ms"
        + (f"; over: {', '.join(check['failing'])}" if check["failing"] else "")
        + f" | {_verdict(check['pass'])} |"
    )
    check = verdict["synthetic_control_p95_lt_1s"]
    lines.append(
        f"| synthetic control for the largest partnership p95 < 1 s at {check['at']} (cold) |"
        f" {check['partnership']} ({check['units']} units): p95 {_ms(check['p95_ms'])} ms, first on a new"
        f" connection {_ms(check['first_on_new_connection_ms'])} ms | {_verdict(check['pass'])} |"
    )
    check = verdict["import_ge_200k_rows_per_s"]
    lines.append(
        f"| import of a 1M-row incidents CSV ≥ 200k rows/s | {check['rows_per_s']:,} rows/s, peak RSS"
        f" {check['peak_rss_mb']} MB | {_verdict(check['pass'])} |"
    )
    check = verdict["publish_le_60s"]
    lines.append(
        f"| publish with the disclosure audit ≤ 60 s at {check['at']} | median {check['publish_s']} s"
        f" ({check.get('publish_cpu_s', '?')} s CPU);"
        f" {check['audit_result']} | {_verdict(check['pass'])} |"
    )
    check = verdict["pandas_agrees_with_sql"]
    lines.append(
        "| pandas and SQL give the same numbers | "
        + ("all four computations agree" if check["pass"] else f"differ: {', '.join(check['failing'])}")
        + f" | {_verdict(check['pass'])} |"
    )

    lines += [
        "",
        "## Databases",
        "",
        "| size | incidents | file (MB) | build (s) | build peak RSS (MB) | crime_monthly rows | survey responses"
        " | built |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for label, database in results["databases"].items():
        built = database["built_at"] + (" (reused; numbers from that build)" if database["reused"] else "")
        lines.append(
            f"| {label} | {database['incidents']:,} | {database['size_mb']:.1f} | {database['build_s']:.1f}"
            f" | {database['build_peak_rss_mb']:.0f} | {database['tables']['crime_monthly']:,}"
            f" | {database['tables']['survey_responses']:,} | {built} |"
        )
    lines += [
        "",
        "Built with `python -m data demo --out PATH --incidents N --seed 1` in a subprocess; wall time and peak RSS"
        " of that process (os.wait4).",
        "",
        f"## Query latency (ms), default parameters, {small} and {large}",
        "",
        f"| query | rows | {small} p50 | {small} p95 | {large} p50 | {large} p95 | {large} max | growth p50 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, stats in results["queries"][large].items():
        before = results["queries"][small][name]
        lines.append(
            f"| `{name}` | {stats['rows']} | {_ms(before['p50_ms'])} | {_ms(before['p95_ms'])} | {_ms(stats['p50_ms'])}"
            f" | {_ms(stats['p95_ms'])} | {_ms(stats['max_ms'])} | {results['growth']['p50_ratio'][name]}× |"
        )
    pandas = results["pandas"]
    lines += [
        "",
        f"## pandas vs SQL at {large} (ms)",
        "",
        pandas["note"]
        + f" In memory: {pandas['frame_rows']['incidents']:,} incidents and {pandas['frame_rows']['responses']:,}"
        f" survey responses, {pandas['frame_mb']:.0f} MB (parquet {pandas['parquet_mb']:.0f} MB, loaded in"
        f" {pandas['load_s']:.1f} s). Period {pandas['period']['start_date']} to {pandas['period']['end_date']};"
        f" trust over the quarters {', '.join(pandas['trust_quarters'])}.",
        "",
        "| computation | SQL call | SQL p50 | SQL p95 | pandas p50 | pandas p95 | pandas / SQL | same numbers |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, case in pandas["comparisons"].items():
        same = (
            f"yes, {case['rows']} rows (max diff {case['max_abs_diff']:.1g})"
            if case["agree"]
            else f"NO ({case['unmatched_rows']} unmatched rows, max diff {case['max_abs_diff']:.3g})"
        )
        lines.append(
            f"| {name}: {case['question']} | {case['sql_call']} | {_ms(case['sql']['p50_ms'])}"
            f" | {_ms(case['sql']['p95_ms'])} | {_ms(case['pandas']['p50_ms'])} | {_ms(case['pandas']['p95_ms'])}"
            f" | {case['ratio_pandas_over_sql_p50']}× | {same} |"
        )
    lines += [
        "",
        f"## Page reruns after a filter change, {results['pages']['database']} (ms, server side)",
        "",
        "AppTest `run()` as the chief: the whole script, its queries, figures and tables, and the page's"
        f" serialisation, not the browser's drawing. {results['pages']['runs']} reruns per page, each with a"
        " 12-month period and urban/rural choice the page has not seen (every period-dependent query misses the"
        " cache), then the same choices again (cached).",
        "",
        "| page | cold p50 | cold p95 | cold max | cached p50 | cached p95 |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for page in results["pages"]["results"].values():
        cold, cached = page["cold"], page["cached"]
        lines.append(
            f"| {page['title']} | {_ms(cold['p50_ms'])} | {_ms(cold['p95_ms'])} | {_ms(cold['max_ms'])}"
            f" | {_ms(cached['p50_ms'])} | {_ms(cached['p95_ms'])} |"
        )
    imported = results["import"]
    lines += [
        "",
        "## Import",
        "",
        f"`data.importers.bench.bench_import`: a generated {imported['rows']:,}-row Chicago-style incidents CSV"
        f" ({imported['file_mb']} MB) imported with the chicago-crimes preset into a database holding the demo's"
        f" areas, in a fresh subprocess: {imported['seconds']} s, **{imported['rows_per_s']:,} rows/s**, peak RSS"
        f" {imported['peak_rss_mb']} MB; {imported['accepted']:,} rows accepted, {imported['rejected']:,} refused"
        " on purpose (unknown district).",
    ]
    rss = results["peak_rss_mb"]
    lines += [
        "",
        "## Memory (peak RSS, MB)",
        "",
        "| process | peak RSS |",
        "| --- | ---: |",
        *(f"| build of the {label} demo | {value:.0f} |" for label, value in rss["build"].items()),
        f"| benchmark process after the query sections (DuckDB, both databases) | {rss['bench_after_queries']:.0f} |",
        f"| benchmark process after the pandas section (DataFrames in memory) | {rss['bench_after_pandas']:.0f} |",
        "",
        "## Parameters",
        "",
        "Latest 12 full months from `meta/coverage`, `$urbanicity` and `$nonprofit_id` NULL, a required"
        " `$partnership_id` the first planted partnership (an optional one keeps its default, null = all),"
        " `trust/scores` grouped by area, otherwise the declared default, NULL for a nullable list, or the first"
        " allowed choice:",
        "",
        "| query | parameters |",
        "| --- | --- |",
    ]
    for name, stats in results["queries"][large].items():
        params = ", ".join(f"${key}={_value(value)}" for key, value in stats["params"].items()) or "none"
        lines.append(f"| `{name}` | {params} |")
    lines += ["", "## Summary (generated)", "", *summary(results, verdict), ""]
    return "\n".join(lines)


def summary(results: dict, verdict: dict) -> list[str]:
    small, large = results["growth"]["from"], results["growth"]["to"]
    query_stats = results["queries"][large]
    p50s = sorted(stats["p50_ms"] for stats in query_stats.values())
    comparisons = results["pandas"]["comparisons"]
    databases = results["databases"]
    check = verdict["query_p95_le_100ms"]
    bullets = [
        f"- Queries at {large}: median p50 {_ms(p50s[len(p50s) // 2])} ms, slowest `{check['max_query']}` with p95"
        f" {_ms(check['max_p95_ms'])} ms against a 100 ms target"
        + (f"; over target: {', '.join(check['failing'])}." if check["failing"] else "."),
        f"- From {small} to {large} incidents the crime_monthly rollup goes from"
        f" {databases[small]['tables']['crime_monthly']:,} to {databases[large]['tables']['crime_monthly']:,} rows"
        f" (bounded by areas × months × categories) and query p50 changes by at most"
        f" {results['growth']['max_ratio']}× (`{results['growth']['max_query']}`).",
    ]
    for name, case in comparisons.items():
        bullets.append(
            f"- {name}: pandas p50 {_ms(case['pandas']['p50_ms'])} ms vs SQL p50 {_ms(case['sql']['p50_ms'])} ms,"
            f" {case['ratio_pandas_over_sql_p50']}×"
            + ("" if case["ratio_pandas_over_sql_p50"] >= 5 else " (under the 5× target)")
            + "."
        )
    database = databases[large]
    bullets.append(
        f"- The {large} database file is {database['size_mb']:.0f} MB and took {database['build_s']:.0f} s to build"
        f" with a peak RSS of {database['build_peak_rss_mb']:.0f} MB."
    )
    return bullets


def write(path: Path, results: dict, verdict: dict, command: str) -> None:
    """Write RESULTS.md, keeping any hand-written text below MARKER."""
    kept = ""
    if path.is_file() and MARKER in (old := path.read_text()):
        kept = old.split(MARKER, 1)[1]
    path.write_text(render(results, verdict, command) + "\n" + MARKER + (kept or "\n"))
