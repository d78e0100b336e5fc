"""Names that look alike: emails and organisation names compared as a person reads them.

`fold_keys(text)` are the forms two names are compared in: Unicode NFKC (fullwidth "Ｙ" is
"Y"), invisible format characters removed (zero-width spaces, direction marks), spaces
collapsed, then the UTS #39 confusable skeleton (Cyrillic "а" is Latin "a", "I" and "1" are
"l"), case-folded and skeletonised again; once as written and once in capitals, because
names are matched regardless of case and "ВRIDGE" (Cyrillic В) reads as "BRIDGE", the same
name as "Bridge". Names sharing a key look the same on screen; if they are not the same
name (`match_key`) they are lookalikes, and an import that would create one is refused
(data/importers), as sign-in can refuse an identity that resembles a user (app side).

The skeleton follows UTS #39 section 4: NFD, each code point replaced by its prototype from
Unicode's confusables.txt (data/unicode, vendored with its licence), NFD again.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from pathlib import Path

CONFUSABLES_PATH = Path(__file__).with_name("unicode") / "confusables.txt"


@functools.cache
def _prototypes() -> dict[str, str]:
    """{source character: prototype string} from confusables.txt."""
    table = {}
    with open(CONFUSABLES_PATH, encoding="utf-8-sig") as handle:
        for line in handle:
            data = line.split("#", 1)[0].strip()
            if not data:
                continue
            source, target = (part.strip() for part in data.split(";")[:2])
            table[chr(int(source, 16))] = "".join(chr(int(code, 16)) for code in target.split())
    return table


def skeleton(text: str) -> str:
    """The UTS #39 skeleton: equal skeletons mean the strings can be confused."""
    prototypes = _prototypes()
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFD", "".join(prototypes.get(char, char) for char in decomposed))


def fold(text: str) -> str:
    """The form names and emails are compared in (see the module docstring)."""
    text = unicodedata.normalize("NFKC", str(text))
    text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    text = " ".join(text.split())
    return skeleton(skeleton(text).casefold())


def fold_keys(text: str) -> frozenset[str]:
    """Every fold under which `text` reads the same: as written and in capitals."""
    return frozenset({fold(text), fold(str(text).upper())})


def looks_alike(first: str, second: str) -> bool:
    """Whether two names or emails look the same on screen (they may also be the same name)."""
    return bool(fold_keys(first) & fold_keys(second))


def match_key(text: str) -> str:
    """How importers match a name to one already held: case and runs of spaces forgiven."""
    return " ".join(str(text).lower().split())


def lookalike_of(candidate: str, known: Iterable[str]) -> str | None:
    """The first of `known` that looks like `candidate` without being the same name, or None."""
    key, folded = match_key(candidate), fold_keys(candidate)
    for name in known:
        if match_key(name) != key and folded & fold_keys(name):
            return name
    return None


def differences(candidate: str, original: str) -> str:
    """The characters of `candidate` that make it a lookalike, named: "а U+0430 CYRILLIC SMALL LETTER A"."""
    plain = set(unicodedata.normalize("NFKC", original).lower())
    odd = []
    for char in candidate:
        if char.lower() in plain and char.isascii():
            continue
        if char.isspace() or char in odd:
            continue
        odd.append(char)
    shown = [f"{char} U+{ord(char):04X} {unicodedata.name(char, 'UNNAMED')}" for char in odd[:3]]
    return ", ".join(shown) if shown else "letters that look alike"


def describe(candidate: str, original: str) -> str:
    """'chief@rivеrton.example' looks like 'chief@riverton.example' (е U+0435 CYRILLIC SMALL LETTER IE)."""
    return f"{candidate[:200]!r} looks like {original[:200]!r} ({differences(candidate, original)})"
