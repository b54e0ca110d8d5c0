"""Domain use cases and rules, called as plain Python against a real PostgreSQL."""
