"""Request and response bodies of the API (never used by the domain)."""
