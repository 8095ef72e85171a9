"""The one settings object, read from the environment at start-up and passed down."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEVELOPMENT_SECRET", "MIN_SECRET_LENGTH", "Settings"]

# Public in this repository: anyone could sign webhooks and session tokens with it.
DEVELOPMENT_SECRET = "proofstream-development-secret-change-me"  # noqa: S105
MIN_SECRET_LENGTH = 32  # Shopify's app secrets: 32 hex characters, or "shpss_" and 32
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


class Settings(BaseSettings):
    """Every knob of every process; env names are the public contract (see README)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    shopify_api_key: str = Field(default="proofstream-dev-key", alias="SHOPIFY_API_KEY")
    shopify_api_secret: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_SECRET), alias="SHOPIFY_API_SECRET"
    )
    shopify_admin_url: str = Field(default="https://{shop}", alias="SHOPIFY_ADMIN_URL")
    shopify_api_version: str = Field(default="2026-10", alias="SHOPIFY_API_VERSION")
    shopify_scopes: str = Field(
        default="read_orders,read_products,read_themes,write_script_tags", alias="SHOPIFY_SCOPES"
    )
    shopify_app_handle: str = Field(default="proofstream", alias="SHOPIFY_APP_HANDLE")
    shopify_embed_block: str = Field(default="app-embed", alias="SHOPIFY_EMBED_BLOCK")
    # Shopify's protected customer data level the app is approved for: 2 lets popups name
    # the buyer and their city; below it they show the product and time only.
    shopify_customer_data_level: Literal[0, 1, 2] = Field(
        default=2, alias="SHOPIFY_CUSTOMER_DATA_LEVEL"
    )
    token_keys: SecretStr | None = Field(default=None, alias="PROOFSTREAM_TOKEN_KEYS")
    kafka_bootstrap_servers: str | None = Field(default=None, alias="KAFKA_BOOTSTRAP_SERVERS")
    redis_url: str = Field(default="redis://127.0.0.1:6379/0", alias="REDIS_URL")
    redis_max_connections: int = Field(default=50, ge=2, alias="PROOFSTREAM_REDIS_MAX_CONNECTIONS")
    database_url: str = Field(
        default="sqlite+aiosqlite:///.proofstream/proofstream.db", alias="DATABASE_URL"
    )
    public_url: str = Field(default="http://127.0.0.1:8000", alias="PROOFSTREAM_PUBLIC_URL")

    gateway_host: str = Field(default="127.0.0.1", alias="PROOFSTREAM_GATEWAY_HOST")
    gateway_port: int = Field(default=8000, alias="PROOFSTREAM_GATEWAY_PORT")
    webhook_max_bytes: int = Field(default=1_048_576, alias="PROOFSTREAM_WEBHOOK_MAX_BYTES")
    # Shopify gives up on a delivery after 5 s: answer 503 well before, so it retries.
    produce_timeout_s: float = Field(default=2.0, gt=0, lt=5, alias="PROOFSTREAM_PRODUCE_TIMEOUT_S")

    topic_partitions: int = Field(default=4, ge=1, alias="PROOFSTREAM_TOPIC_PARTITIONS")
    worker_id: str = Field(default="proofstream", alias="PROOFSTREAM_WORKER_ID")
    worker_web_port: int = Field(default=6066, alias="PROOFSTREAM_WORKER_WEB_PORT")
    worker_metrics_host: str = Field(default="127.0.0.1", alias="PROOFSTREAM_WORKER_METRICS_HOST")
    worker_metrics_port: int = Field(default=9102, alias="PROOFSTREAM_WORKER_METRICS_PORT")
    fetch_max_wait_ms: int = Field(default=20, ge=1, alias="PROOFSTREAM_FETCH_MAX_WAIT_MS")
    session_timeout_s: float = Field(default=10.0, alias="PROOFSTREAM_SESSION_TIMEOUT_S")
    lag_interval_s: float = Field(default=10.0, gt=0, alias="PROOFSTREAM_LAG_INTERVAL_S")
    sentry_dsn: SecretStr | None = Field(default=None, alias="SENTRY_DSN")
    sentry_environment: str = Field(default="production", alias="SENTRY_ENVIRONMENT")

    stream_maxlen: int = Field(default=200, ge=1, alias="PROOFSTREAM_STREAM_MAXLEN")
    retention_days: int = Field(default=30, ge=1, alias="PROOFSTREAM_RETENTION_DAYS")
    retention_interval_s: float = Field(
        default=3600.0, gt=0, alias="PROOFSTREAM_RETENTION_INTERVAL_S"
    )
    kafka_retention_days: float = Field(default=7.0, gt=0, alias="PROOFSTREAM_KAFKA_RETENTION_DAYS")
    engagement_flush_s: float = Field(default=5.0, gt=0, alias="PROOFSTREAM_ENGAGEMENT_FLUSH_S")
    # Below the idle timeout of common proxies (nginx and most load balancers: 60 s).
    sse_ping_s: float = Field(default=15.0, gt=0, le=55, alias="PROOFSTREAM_SSE_PING_S")
    sse_send_timeout_s: float = Field(default=10.0, gt=0, alias="PROOFSTREAM_SSE_SEND_TIMEOUT_S")
    sse_client_queue: int = Field(default=64, ge=1, alias="PROOFSTREAM_SSE_CLIENT_QUEUE")
    cors_origins: str = Field(default="*", alias="PROOFSTREAM_CORS_ORIGINS")
    sse_max_per_client: int = Field(default=100, ge=1, alias="PROOFSTREAM_SSE_MAX_PER_CLIENT")
    sse_max_per_shop: int = Field(default=10_000, ge=1, alias="PROOFSTREAM_SSE_MAX_PER_SHOP")
    events_per_minute: int = Field(default=60, ge=1, alias="PROOFSTREAM_EVENTS_PER_MINUTE")
    header_timeout_s: float = Field(default=10.0, gt=0, alias="PROOFSTREAM_HEADER_TIMEOUT_S")
    max_header_bytes: int = Field(default=16_384, ge=1024, alias="PROOFSTREAM_MAX_HEADER_BYTES")
    body_timeout_s: float = Field(default=10.0, gt=0, alias="PROOFSTREAM_BODY_TIMEOUT_S")

    dev_mode: bool = Field(default=False, alias="PROOFSTREAM_DEV_MODE")
    log_level: str = Field(default="info", alias="PROOFSTREAM_LOG_LEVEL")

    def refusal(self, *, gateway: bool) -> str | None:
        """Why a gateway (or a worker) must not start with these settings, in one line; None
        when it may. Dev mode accepts what a laptop needs, but only on loopback."""
        if self.dev_mode:
            if gateway and self.gateway_host not in _LOOPBACK:
                return (
                    f"PROOFSTREAM_DEV_MODE is on while the gateway listens on "
                    f"{self.gateway_host}: dev mode lets anyone act as any shop (?shop=); "
                    "bind PROOFSTREAM_GATEWAY_HOST to 127.0.0.1 or turn dev mode off"
                )
            return None
        secret = self.shopify_api_secret.get_secret_value()
        if secret == DEVELOPMENT_SECRET:
            return (
                "SHOPIFY_API_SECRET is the built-in development secret, which is public: set "
                "your app's secret (or PROOFSTREAM_DEV_MODE=true on your own machine)"
            )
        if len(secret) < MIN_SECRET_LENGTH:
            return (
                f"SHOPIFY_API_SECRET has {len(secret)} characters; an app secret has at least "
                f"{MIN_SECRET_LENGTH}: set your app's secret from the Partner Dashboard"
            )
        if gateway and self.token_keys is None:
            return (
                "PROOFSTREAM_TOKEN_KEYS is not set: the gateway stores Shopify tokens only "
                'encrypted; generate a key with `python -c "from cryptography.fernet import '
                'Fernet; print(Fernet.generate_key().decode())"`'
            )
        return None

    @property
    def kafka_retention(self) -> timedelta:
        """How long topics that hold customer data keep a message (and the worker a mark)."""
        return timedelta(days=self.kafka_retention_days)

    @property
    def brokers(self) -> str:
        """The bootstrap servers; only `None` before the local launcher filled them in."""
        if not self.kafka_bootstrap_servers:
            raise RuntimeError("KAFKA_BOOTSTRAP_SERVERS is not set")
        return self.kafka_bootstrap_servers
