# One container: the Reflex UI (compiled at build time) + REST API + /docs on one port.
# Build: docker build -t privet-manager .   Run: see README («Docker»).

FROM python:3.11-slim-bookworm AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

# Builder: compiles the frontend with bun (Reflex's build tool) — not needed at run time.
FROM base AS builder
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm unzip \
    && rm -rf /var/lib/apt/lists/*
RUN npm install --prefix /app/.tools --no-audit --no-fund bun@1.4.4
COPY . .
# The port is embedded in the compiled frontend (behind HTTPS the port is dropped anyway).
ARG PORT=8000
RUN python -m privet_manager_app build-frontend --port "$PORT" --force \
    && rm -rf .web/node_modules

FROM base AS runtime
ARG PORT=8000
# The passport scan: Tesseract's engine comes inside the tesserocr wheel; Debian gives its
# trained English model (tesseract-ocr-eng, 4 MB) and the Russian Hunspell word list the names
# are spelled against (hunspell-ru, 3.5 MB) — no tesseract CLI, no fonts.
RUN apt-get update && apt-get install -y --no-install-recommends tesseract-ocr-eng hunspell-ru \
    && rm -rf /var/lib/apt/lists/*
# Reflex keeps each tab's UI state on disk between events (without REDIS_URL) and makes its
# upload directory at start: in directories the runtime user may write, not under /app.
ENV APP_ENV=prod PORT=$PORT STORAGE_DIR=/app/data/storage REFLEX_STATES_WORKDIR=/app/data/states \
    REFLEX_UPLOADED_FILES_DIR=/app/data/uploaded_files
COPY . .
COPY --from=builder /app/.web /app/.web
RUN useradd --system --home /app --uid 10001 privet \
    && mkdir -p /app/data && chown -R privet /app/data /app/.web
USER privet
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/ping')"
ENTRYPOINT ["/app/docker/entrypoint.sh"]
