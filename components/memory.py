"""Keep Python's cycle collector off the objects a server holds for its whole life.

Streamlit runs a full garbage collection (`gc.collect(2)`, the `runner.postScriptGC`
option) after every script run, so that a session's cyclic garbage does not pile up.
A full collection walks every object the process tracks, and a server that has imported
plotly, pandas, pyarrow, DuckDB and Streamlit tracks about a million of them that never
die (modules, classes, plotly's validators): that walk cost ~80 ms of CPU per rerun, more
than most pages' own work. `gc.freeze()` moves the objects alive now into a permanent
generation that collections skip; objects made later (a rerun's frames and figures) are
collected as before, and a frozen object is still freed when nothing refers to it.
"""

from __future__ import annotations

import gc
import sys
import threading

_LOCK = threading.Lock()
_modules_when_frozen = 0


def freeze_long_lived() -> bool:
    """Freeze what is alive after a run that imported something new; True when it froze.

    Only after imports (a page opened for the first time in this process), so the few
    objects of that run which later become cyclic garbage are kept once per import, not
    once per rerun. The garbage of the moment is collected first, so it is not kept at all.
    """
    global _modules_when_frozen
    with _LOCK:
        if len(sys.modules) == _modules_when_frozen:
            return False
        gc.collect()
        gc.freeze()
        _modules_when_frozen = len(sys.modules)
        return True
