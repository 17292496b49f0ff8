"""The server's warm-up: importing the WSGI module starts a thread that imports the URLconf
(every view and the API) and the lazily loaded analytics, before any request arrives."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

PROBE = """
import json, sys, time
import cxray.web.config.wsgi as w
from cxray.web.config.warmup import WarmedUp
app = w.application
warmed = isinstance(app, WarmedUp)
if warmed:
    assert app.done.wait(300), "the warm-up did not finish in 300 s"
else:
    time.sleep(1)
mods = ["cxray.web.config.urls", "cxray.web.api.api", "scipy.stats", "lifelines"]
print(json.dumps({"wrapped": warmed, "loaded": {m: m in sys.modules for m in mods},
                  "seconds": sorted(app.seconds) if warmed else []}))
"""


def _probe(tmp_path, warm: str) -> dict:
    env = {
        **os.environ,
        "CXRAY_WARM_UP": warm,
        "CXRAY_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "cxray.web.config.settings",
    }
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_wsgi_module_warms_up_in_the_background_and_can_be_turned_off(tmp_path):
    on = _probe(tmp_path, "1")
    assert on["wrapped"] and on["seconds"] == ["modules", "urls"]
    assert all(on["loaded"].values()), on["loaded"]
    off = _probe(tmp_path, "0")
    # Without the warm-up nothing is imported until the first request.
    assert not off["wrapped"]
    assert off["loaded"] == {
        "cxray.web.config.urls": False,
        "cxray.web.api.api": False,
        "scipy.stats": False,
        "lifelines": False,
    }
