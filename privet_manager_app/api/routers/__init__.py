"""REST routers, one per area; each endpoint calls one domain use case and returns its view."""
