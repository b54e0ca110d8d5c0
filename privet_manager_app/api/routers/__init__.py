"""REST routers, one per area; each endpoint calls one domain function."""
