"""One module per page: the page function and the State that serves it (see ui/__init__.py)."""
