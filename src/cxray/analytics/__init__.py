"""Pure analytics on the canonical tables: no Django, one Ibis expression for every engine.

``from cxray.analytics import connect`` gives an Ibis backend for an analytics URL; the
scores live in :mod:`cxray.analytics.scores` and the home-page figures in
:mod:`cxray.analytics.headline` (imported on demand, so this package stays light).
"""

from cxray.analytics.engine import connect

__all__ = ["connect"]
