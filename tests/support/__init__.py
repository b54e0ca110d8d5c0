"""What tests share: the one `factories` module, a throwaway PostgreSQL, S3 over HTTP, images,
the live server, Reflex handlers called directly."""
