# cxray for a server: gunicorn behind your reverse proxy, PostgreSQL for the app database.
# Not needed for the embedded default (`pip install cxray && cxray demo`). See docs/production.md.
#
#   docker build -t cxray .
#   docker compose up -d            # app + worker + PostgreSQL, see compose.yaml
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CXRAY_MODE=production \
    CXRAY_DATA_DIR=/data

# Pango and fonts render the leadership report to PDF (weasyprint); Cyrillic needs DejaVu.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core tini \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
# postgres: psycopg for DATABASE_URL; pdf: weasyprint; server: gunicorn.
RUN pip install ".[postgres,pdf,server]"

# A user without a login shell or home in /app: the code is read-only to the process.
RUN groupadd --system --gid 10001 cxray \
 && useradd --system --uid 10001 --gid cxray --home-dir /data --shell /usr/sbin/nologin cxray \
 && mkdir -p /data \
 && chown cxray:cxray /data
USER cxray
# Uploads waiting for import, the DuckDB analytics file (unless CXRAY_ANALYTICS_URL names a
# warehouse), the generated secret key (unless CXRAY_SECRET_KEY_FILE is given).
VOLUME ["/data"]
EXPOSE 8000

ENTRYPOINT ["tini", "--"]
# DuckDB allows one writing process per file, so with the default analytics file one web
# process serves every request on threads. With a warehouse (CXRAY_ANALYTICS_URL) raise
# --workers. Migrations run first, and `check --deploy` refuses to start an unsafe server.
CMD ["sh", "-c", "python -m django migrate --noinput --settings=cxray.web.config.settings \
 && { [ \"${CXRAY_SKIP_DEPLOY_CHECK:-0}\" = 1 ] || cxray check --deploy; } \
 && exec gunicorn cxray.web.config.wsgi:application \
      --bind 0.0.0.0:8000 --worker-class gthread --workers ${CXRAY_WEB_WORKERS:-1} \
      --threads ${CXRAY_WEB_THREADS:-16} --timeout 120 --graceful-timeout 30 \
      --forwarded-allow-ips \"${CXRAY_FORWARDED_ALLOW_IPS:-*}\" --access-logfile -"]
# The port answers (any HTTP status: the Host and HTTPS rules are the proxy's business).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD python -c "import socket; socket.create_connection(('127.0.0.1', 8000), 4).close()"
