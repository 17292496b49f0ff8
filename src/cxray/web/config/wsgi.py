import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxray.web.config.settings")
application = get_wsgi_application()

# The imports of the first request happen in a background thread right after start
# (cxray.web.config.warmup; CXRAY_WARM_UP=0 turns it off).
from cxray.web.config.warmup import warm_up_in_background  # noqa: E402

application = warm_up_in_background(application)
