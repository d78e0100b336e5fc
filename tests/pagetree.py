"""Everything a page put on screen, as one string: for "never shows X" assertions."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def page_text(app: AppTest) -> str:
    """Text of every element in the tree: protos (labels, options, chart specs) and table cells."""
    parts = []
    for node in _walk(app._tree):
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        try:
            value = node.value
        except Exception:  # elements without a value (containers, charts) raise here
            continue
        if isinstance(value, pd.DataFrame):
            parts.append(value.to_csv(index=False))
        elif value is not None:
            parts.append(str(value))
    return "\n".join(parts)
