"""The REST surface: requests through FastAPI (TestClient), JSON answers and error codes."""
