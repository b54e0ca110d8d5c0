"""Infrastructure and operations: migrations, settings and CLI, storage, the entrypoint."""
