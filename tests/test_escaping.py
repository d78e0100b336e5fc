"""One escaping rule: text from data reaches no Markdown or HTML sink without components.format.

Streamlit renders Markdown (links, images the browser fetches, LaTeX, emphasis) in
st.markdown and its relatives, in every widget label, in help tooltips and in progress
texts. This test reads pages/, components/ and app.py and finds every call to such a sink.
Each part of the text it is given that is not a literal must be a call to a `fmt.` function
(format.plain for text, the number formatters for numbers), a constant (an UPPER_CASE
name), or one of the code-made values in CODE_MADE, each with the reason it cannot carry
text from a file, a database or a person. Pydeck tooltips must be "text" (drawn as text),
never "html".
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted([ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("components/*.py")])

# calls whose first argument (or body= / label=) is rendered as Markdown
TEXT_SINKS = {
    "markdown", "caption", "info", "warning", "error", "success", "write", "title", "header", "subheader",
    "toast", "expander", "metric", "spinner", "popover",
    # widget labels
    "button", "download_button", "link_button", "selectbox", "multiselect", "radio", "segmented_control", "pills",
    "toggle", "checkbox", "date_input", "number_input", "text_input", "text_area", "file_uploader", "slider",
    "select_slider",
}  # fmt: skip
# keyword arguments rendered as Markdown on any call (progress bars: text=)
TEXT_KEYWORDS = {"help", "body", "label"}
NOT_STREAMLIT = {"log", "logging", "logger"}

# Code-made values: (module, expression as ast.unparse writes it) -> why it holds no text from data.
CODE_MADE = {
    (
        "components/data_quality.py",
        "text",
    ): "data_quality.sentence(): numbers and dates through fmt, text from data through fmt.plain",
    ("components/offence_review.py", "entry.rows"): "a row count (an integer, formatted :,)",
    ("components/packet_button.py", "reason"): "one of the fixed sentences of reports.pdf.unavailable_reason",
    ("components/packet_button.py", "held['pages']"): "a page count (an integer)",
    ("components/runtime.py", "text"): "show_verdict: components.verdicts writes the sentences, their data through fmt",
    ("components/runtime.py", "note"): "show_verdict: notes of components.verdicts, numbers through fmt",
    ("components/runtime.py", "card.label"): "show_verdict: card labels written in components.verdicts",
    ("components/runtime.py", "card.help"): "show_verdict: card explanations written in components.verdicts",
    ("pages/import_data.py", "left_out"): "a sentence of the page with a row count (an integer)",
    ("pages/import_data.py", "summary.rows_rejected"): "a row count (an integer)",
    ("pages/import_data.py", "summary.rows_read"): "a row count (an integer)",
    ("components/runtime.py", "download_label(name)"): "download()'s callers pass literal table names",
    ("pages/partnerships.py", "explained[0]"): "partnership_views.funding_card: its help text goes through fmt.plain",
    ("components/runtime.py", "first_month"): "a date, formatted %b %Y",
    ("components/runtime.py", "last_month"): "a date, formatted %b %Y",
    ("components/runtime.py", "label"): "download()'s callers pass literal labels",
    ("components/runtime.py", "problem"): "one of the fixed sentences of _filters_from_url",
    ("pages/crime.py", "period.label"): "Filters.label: two dates formatted by the code",
    ("pages/crime.py", "row.group_label"): "'Urban' or 'Rural', literals of crime/yoy for group_by = urbanicity",
    ("pages/impact.py", "row.started_on"): "a date, formatted %d %b %Y",
    ("pages/impact.py", "row.urbanicity"): "'urban' or 'rural' (a CHECK constraint of areas)",
    ("pages/impact.py", "row.before_from"): "a date, formatted %b %Y",
    ("pages/impact.py", "row.after_to"): "a date, formatted %b %Y",
    ("pages/impact.py", "problem"): "one of the fixed sentences of the page's URL reading",
    ("pages/impact.py", "runtime.method_text('impact/wdd')"): "the SQL file's header, written in the repository",
    ("pages/impact.py", "runtime.method_text('trust/before_after')"): "the SQL file's header",
    ("pages/import_data.py", "help_text"): "field descriptions of data.importers.fields",
    ("pages/import_data.py", "field"): "field names of data.importers.fields",
    ("pages/map.py", "period.label"): "Filters.label",
    ("pages/map.py", "choice"): "a key of maps.AREA_MEASURES",
    ("pages/methodology.py", "title"): "a value of runtime.METRIC_FOLDERS",
    ("pages/methodology.py", "runtime.describe(name).title_sentence"): "the SQL file's header",
    ("pages/methodology.py", "runtime.method_text(name)"): "the SQL file's header",
    ("pages/overview.py", "period.label"): "Filters.label",
    ("pages/overview.py", "year_earlier.label"): "Filters.label",
    ("pages/overview.py", "card.label"): "components.headlines: labels written in the code",
    ("pages/overview.py", "card.help"): "components.headlines: explanations written in the code",
    ("pages/overview.py", "card.caption"): "components.headlines: numbers through fmt",
    ("pages/partnerships.py", "period.label"): "Filters.label",
    ("pages/partnerships.py", "heading"): "headings of partnership_views, written in the code",
    ("pages/partnerships.py", "problem"): "one of the fixed sentences of the page's URL reading",
    ("pages/programs.py", "period.label"): "Filters.label",
    ("pages/programs.py", "title"): "a heading from the literal tuple it loops over",
    ("pages/trust.py", "period.label"): "Filters.label",
    ("pages/trust.py", "card.label"): "trust_charts.headline_cards: labels written in the code",
    ("pages/trust.py", "card.help"): "trust_charts.headline_cards: explanations written in the code",
    ("pages/trust.py", "card.caption"): "trust_charts.headline_cards: numbers through fmt",
}
# the Methodology page's promises: manifest values data/publish.py writes, each read with a default
CODE_MADE.update(
    {
        ("pages/methodology.py", f"promise.get({key!r}, {default!r})"): "a sentence or number data/publish.py writes"
        for key, default in (
            ("suppression_protects_against", ""),
            ("audit_result", ""),
            ("audit_cells", ""),
            ("audit_equations", ""),
            ("crime_latest_12m_period", "the latest 12 months"),
            ("violent_latest_12m_area_coverage_urban_pct", ""),
            ("violent_latest_12m_area_coverage_rural_pct", ""),
            ("violent_latest_12m_area_or_group_coverage_urban_pct", ""),
            ("violent_latest_12m_area_or_group_coverage_rural_pct", ""),
            ("survey_n_withdrawn_for_means", "0"),
        )
    }
)


@dataclass(frozen=True)
class Sink:
    module: str
    line: int
    call: str


def _is_translation_of_a_literal(node: ast.expr) -> bool:
    """words.t("key"): a message of the repository's catalogues (reports/locales), nothing filled in."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "t"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "words"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Constant)
        and not node.keywords
    )


def _is_constant(node: ast.expr) -> bool:
    """A literal, an UPPER_CASE constant, a catalogue message, or an item or attribute of one."""
    if isinstance(node, ast.Constant) or _is_translation_of_a_literal(node):
        return True
    if isinstance(node, ast.Name):
        return node.id.isupper()
    if isinstance(node, ast.Attribute):
        return node.attr.isupper() or _is_constant(node.value)
    if isinstance(node, ast.Subscript):
        return _is_constant(node.value)
    return False


def _is_escaped(node: ast.expr) -> bool:
    """A call of a components.format function (imported as fmt)."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "fmt"
    )


def unescaped_parts(node: ast.expr):
    """The parts of a text expression that are neither literal, constant nor escaped."""
    if _is_constant(node) or _is_escaped(node):
        return
    if isinstance(node, ast.JoinedStr):
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                yield from unescaped_parts(value.value)
    elif isinstance(node, ast.BinOp):
        yield from unescaped_parts(node.left)
        yield from unescaped_parts(node.right)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from unescaped_parts(value)
    elif isinstance(node, (ast.Tuple, ast.List)):
        for item in node.elts:
            yield from unescaped_parts(item)
    elif isinstance(node, ast.IfExp):
        yield from unescaped_parts(node.body)
        yield from unescaped_parts(node.orelse)
    elif isinstance(node, (ast.GeneratorExp, ast.ListComp)):
        yield from unescaped_parts(node.elt)
    elif (  # "sep".join(parts) and "...{}".format(values)
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("join", "format")
        and isinstance(node.func.value, ast.Constant)
    ):
        for argument in node.args:
            yield from unescaped_parts(argument)
    else:
        yield node


def _sink_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        receiver = func.value
        if isinstance(receiver, ast.Name) and receiver.id in NOT_STREAMLIT:
            return None
        return func.attr if func.attr in TEXT_SINKS else None
    if isinstance(func, ast.Call):  # {...}.get(verdict, st.info)(text): a sink chosen at run time
        chosen = [arg.attr for arg in func.args if isinstance(arg, ast.Attribute) and arg.attr in TEXT_SINKS]
        return chosen[0] if chosen else None
    return None


def texts_of(call: ast.Call) -> tuple[str | None, list[ast.expr]]:
    """The sink's name and the arguments it renders as Markdown."""
    name = _sink_name(call)
    texts = []
    if name == "write":
        texts += call.args
    elif name is not None:
        texts += call.args[:1]
    if isinstance(call.func, ast.Attribute) and call.func.attr == "progress":
        name = "progress"
        texts += [keyword.value for keyword in call.keywords if keyword.arg == "text"]
    keywords = [keyword for keyword in call.keywords if keyword.arg in TEXT_KEYWORDS]
    if keywords and name is None:
        name = f"{ast.unparse(call.func)}({keywords[0].arg}=)"
    texts += [keyword.value for keyword in keywords]
    return name, texts


def scan() -> tuple[list[Sink], list[str]]:
    """Every sink call, and every unescaped part of the text handed to one (module:line: expression)."""
    sinks, problems = [], []
    for path in MODULES:
        module = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            tooltip = next((keyword.value for keyword in node.keywords if keyword.arg == "tooltip"), None)
            if isinstance(tooltip, ast.Dict):
                sinks.append(Sink(module, node.lineno, "tooltip"))
                keys = {key.value for key in tooltip.keys if isinstance(key, ast.Constant)}
                if keys - {"text", "style"}:
                    problems.append(
                        f"{module}:{node.lineno}: a tooltip with {sorted(keys)} (only text is drawn as text)"
                    )
            name, texts = texts_of(node)
            if name is None:
                continue
            sinks.append(Sink(module, node.lineno, name))
            for text in texts:
                for part in unescaped_parts(text):
                    expression = ast.unparse(part)
                    if (module, expression) not in CODE_MADE:
                        problems.append(f"{module}:{part.lineno}: {name}: {expression}")
    return sinks, problems


def test_no_text_from_data_reaches_markdown_unescaped():
    sinks, problems = scan()
    print(f"\n{len(sinks)} Markdown/HTML sinks checked in {len(MODULES)} modules")
    assert len(sinks) > 150  # the scan finds the calls (a broken scan would pass with none)
    assert not problems, "wrap these in fmt.plain (or list a code-made value in CODE_MADE):\n" + "\n".join(problems)


def test_code_made_entries_are_all_still_used():
    """An entry whose expression is gone would silently allow a new one of that name."""
    used = set()
    for path in MODULES:
        module = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                for text in texts_of(node)[1]:
                    used |= {(module, ast.unparse(part)) for part in unescaped_parts(text)}
    assert set(CODE_MADE) <= used, sorted(set(CODE_MADE) - used)


def _problems_in(source: str) -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            for text in texts_of(node)[1]:
                problems += [ast.unparse(part) for part in unescaped_parts(text)]
    return problems


def test_the_scan_catches_what_it_must():
    """The rule itself, on small sources: what fails and what passes."""
    assert _problems_in('st.caption(f"As reported by {sources}")') == ["sources"]
    assert _problems_in('st.markdown("Hello " + name)') == ["name"]
    assert _problems_in('column.metric(label, value, help=f"from {row.source}")') == ["label", "row.source"]
    assert _problems_in('st.info(", ".join(names))') == ["names"]
    assert _problems_in('st.write("a", row.name)') == ["row.name"]
    assert _problems_in("bar.progress(0.5, text=message)") == ["message"]
    assert _problems_in('boxes.get(verdict, st.info)(f"**{verdict}**")') == ["verdict"]
    assert _problems_in('st.caption(f"x" + (f" {name}" if is_director else ""))') == ["name"]
    assert _problems_in('st.caption(f"{fmt.plain(name)}: {fmt.count(n)} of {MIN_N}")') == []
    assert _problems_in('log.error(f"failed {name}")') == []
