# trackpost on python:3.11-slim: `docker build -t trackpost .`, then
#   docker run -d -p 8000:8000 -v trackpost-data:/var/lib/trackpost trackpost
# docs/deployment.md has the rest (PostgreSQL, backups, a reverse proxy in front).

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY trackpost ./trackpost
RUN python -m venv /opt/trackpost \
 && /opt/trackpost/bin/pip install --no-cache-dir --disable-pip-version-check .

FROM python:3.11-slim
# pg_dump and pg_restore, for `trackpost db backup` and `restore` on PostgreSQL: they must be of
# the server's major version or newer (see docs/deployment.md when the server is newer).
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/trackpost --create-home \
      --shell /usr/sbin/nologin trackpost
COPY --from=build /opt/trackpost /opt/trackpost
ENV PATH=/opt/trackpost/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TRACKPOST_DATA_DIR=/var/lib/trackpost \
    TRACKPOST_HOST=0.0.0.0 \
    TRACKPOST_PORT=8000
# The SQLite database, its WAL and lock files, and the generated secret.key live here.
VOLUME ["/var/lib/trackpost"]
WORKDIR /var/lib/trackpost
USER trackpost
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('TRACKPOST_PORT', '8000'), timeout=4)" || exit 1
ENTRYPOINT ["trackpost", "serve"]
