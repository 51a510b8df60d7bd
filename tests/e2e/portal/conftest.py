"""Portal tests use the browser fixtures in tests/e2e/conftest.py."""
