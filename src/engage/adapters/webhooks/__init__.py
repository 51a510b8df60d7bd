"""Webhook delivery over HTTP(S)."""
