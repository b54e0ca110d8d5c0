"""Reflex page states: handlers called the way the server calls them, without a browser."""
