#!/bin/sh
# Container start: migrate, then serve UI + REST + /docs on one port with the prebuilt frontend.
# Exercised outside Docker by tests/test_entrypoint.py.
set -eu
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
exec python -m privet_manager_app serve --no-build --port "$PORT" --workers "${WEB_CONCURRENCY:-1}"
