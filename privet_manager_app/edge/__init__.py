"""The HTTP edge: ASGI layers before REST and Reflex — body limits, headers, client IP."""
