"""Loopback stand-ins for the services engage talks to (Kubernetes API, Zoom, Google, S3).

They serve engage's own tests and benchmarks, so they live here and never ship in the wheel.
"""
