"""The HTTP edge: ASGI layers before REST and Reflex — body limits, headers, client IP, the
upload session check.

May import `settings`, `domain.common.errors` and `domain.admin.auth` (whose session an upload
carries); never `api` or `ui`.
"""
