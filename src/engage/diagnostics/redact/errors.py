"""Named errors of the redaction engine."""

from __future__ import annotations


class RedactionError(Exception):
    """A redaction run cannot go on (bad rules file, unreadable input, unsafe archive...)."""


class RulesError(RedactionError):
    """A custom rules file is missing, malformed or holds an invalid rule."""


class UnsupportedInput(RedactionError):
    """An input (or member) that cannot be redacted safely and is refused."""
