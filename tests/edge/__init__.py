"""The HTTP edge in front of both surfaces: client IP, sessions and cookies, headers, limits."""
