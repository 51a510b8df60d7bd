"""Settings read from the environment (prefix ENGAGE_); no I/O at import."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything a deployment chooses; each field maps to ENGAGE_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="ENGAGE_", extra="ignore")

    database_url: str = "sqlite:///./engage.db"
    data_dir: Path = Path("./engage-data")
    secret_key: str = Field(
        default="",
        description="signs portal sessions; when empty, a random key made once in the database",
    )
    base_url: str = "http://127.0.0.1:8000"
    object_store: str = "filesystem"  # filesystem | s3
    s3_bucket: str = "engage"
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    # Job queue: "" picks procrastinate on PostgreSQL and the database queue on SQLite;
    # "database" (alias "inprocess") forces the database queue, "procrastinate" needs PostgreSQL.
    jobs: str = ""
    jobs_stall_after: float = 60.0  # seconds without a heartbeat before a job is retried
    jobs_concurrency: int = 2  # jobs at once in `engage serve` on SQLite (worker: --concurrency)
    serve_jobs: bool = True  # `engage serve` runs the database queue's jobs in-process
    # Per-organisation upload limits (issue 12); 0 switches one off.
    quota_stored_bytes: int = 200 << 30
    quota_daily_bytes: int = 50 << 30
    quota_expanded_bytes: int = 8 << 30  # what one archive may expand to while it is prepared
    quota_concurrent_uploads: int = 8
    quota_open_uploads: int = 10
    # Abandoned upload sessions, spools and scratch folders older than this are removed.
    cleanup_after_hours: float = 24.0
    cleanup_every: float = 3600.0  # seconds between clean-up runs
    max_text_bytes: int = 200_000
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "support@engage.invalid"
    # Notifications by mail and mail in (issue 17)
    smtp_security: str = "none"  # none | starttls | tls (implicit TLS, usually port 465)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout: float = 10.0
    mail_secret: str = Field(
        default="", description="signs reply addresses; when empty, a random key kept in data_dir"
    )
    mail_default_severity: str = "P3"  # cases opened by mail
    imap_host: str | None = None
    imap_port: int = 993
    imap_security: str = "tls"  # tls | starttls | none
    imap_username: str | None = None
    imap_password: str | None = None
    imap_mailbox: str = "INBOX"
    # Webhook targets must be public addresses unless this is set (tests, closed networks).
    allow_private_webhooks: bool = False
    google_api_base: str = "https://www.googleapis.com"
    google_token: str | None = None
    zoom_api_base: str = "https://api.zoom.us"
    zoom_oauth_base: str = "https://zoom.us"
    zoom_account_id: str | None = None
    zoom_client_id: str | None = None
    zoom_client_secret: str | None = None
    # Server-side fetches of user-given URLs (ICS feeds) refuse non-public addresses unless this
    # is set (tests and closed networks whose calendars live on private addresses).
    allow_private_feeds: bool = False
    # Shared sign-in throttle counters; without it they live in the database (issue 13).
    redis_url: str | None = None
    # CLI client side
    url: str = "http://127.0.0.1:8000"
    token: str | None = None


def get_settings() -> Settings:
    """Read settings from the environment now (never cached at import)."""
    return Settings()
