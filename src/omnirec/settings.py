"""Service settings: one frozen struct, loaded once from a TOML file and/or OMNIREC_* environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from omnirec.scoring.search_config import DEFAULT_ANN_THRESHOLD, DEFAULT_SEARCH, SearchConfig
from omnirec.secret import Secret, secret_dec_hook, secret_enc_hook

ENV_PREFIX = "OMNIREC_"
SETTINGS_FILE_ENV = ENV_PREFIX + "SETTINGS_FILE"


class ApiKey(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One client key: its SHA-256 hex digest (never the key itself) and the scopes it grants."""

    name: str
    sha256: str
    scopes: tuple[str, ...]


SCOPES = ("recommend", "events", "offers", "admin")


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Everything the service and the CLI need to run. Validated at load; invalid values raise ValueError."""

    store_url: str = "memory://"
    redis_password: Secret = Secret()  # used when store_url has none; never shown (repr, logs, errors)
    key_prefix: str = "omnirec"
    host: str = "127.0.0.1"
    port: int = 8000
    auth_enabled: bool = True
    api_keys: tuple[ApiKey, ...] = ()
    store_timeout_ms: int = 50  # a store read slower than this falls back to the in-process answer
    max_k: int = 100
    max_batch_events: int = 1000
    max_body_bytes: int = 1_048_576
    recent_events_cap: int = 100
    rate_limit_per_minute: int = 0  # per API key, counted in the store across workers and replicas; 0 disables
    rate_limit_fail_open: bool = True  # when the store cannot count: let requests through (False: answer 503)
    workers: int = 1  # `omnirec serve` worker processes (--workers overrides)
    # Top-n search (Settings.search): read by the service, `omnirec train` and `omnirec export` alike.
    ann_threshold_items: int = DEFAULT_ANN_THRESHOLD  # catalogues at least this large use HNSW top-k search
    ann_ef: int = DEFAULT_SEARCH.ef  # HNSW ef_construction and least query ef
    ann_m: int = DEFAULT_SEARCH.m  # HNSW graph degree
    ann_seed: int = DEFAULT_SEARCH.seed  # HNSW build seed (one build thread: the same index everywhere)
    # Per-customer bounds: consent purposes a customer may hold, and bytes of one purpose name.
    max_consent_purposes: int = 32
    max_purpose_bytes: int = 64
    # Anonymous state (ids never imported with features nor linked into): kept this many days after the
    # id's last event, then Redis expires it. 0 keeps it forever.
    anonymous_retention_days: int = 30
    # The event log and consent live in the store's memory: run Redis with AOF (appendonly yes) and
    # appendfsync everysec (a crash loses up to ~1 s of acknowledged events) or always (loses none, slower
    # writes). Without it a restart loses them all; the service warns at start and /health/ready says
    # durable: false. There is no setting to switch the check off: it only reads CONFIG / INFO.
    # Measurement (omnirec.measurement): impression logging off | sampled | complete, the share of customers
    # logged when sampled, the consent purpose it needs, and an experiments TOML file ("" = none).
    impressions: str = "complete"
    impression_sample_rate: float = 1.0
    impression_consent: str = "personalization"
    # Impressions are written after the answer, in batches, at most this many ms later (a clean shutdown
    # writes what is pending; an erasure fences the customer's pending records). 0: each answer waits for
    # its own write, as before (slower: measured in benchmarks/RESULTS.md, "Measurement").
    impression_flush_ms: int = 20
    experiments_file: str = ""
    # `omnirec serve --model/--offers/--customers`: a bundle directory served from an embedded memory store
    # (published at startup), an offer file published with it and a users.csv imported into it ("" = none).
    serve_model: str = ""
    serve_offers: str = ""
    serve_customers: str = ""
    # The Prometheus multiprocess directory the server's workers share: `omnirec serve` makes a fresh one
    # ("" = one in-process registry). prometheus_client also needs it as PROMETHEUS_MULTIPROC_DIR in the
    # worker's own environment before it is imported; serve gives the workers both.
    metrics_dir: str = ""

    def __post_init__(self) -> None:
        if not self.store_url or "://" not in self.store_url:
            raise ValueError(f"store_url {self.store_url!r} is not a URL (memory://, redis://host:port/db, ...)")
        if not 0 < self.port < 65536:
            raise ValueError(f"port {self.port} is out of range")
        if self.store_timeout_ms <= 0:
            raise ValueError("store_timeout_ms must be positive")
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {self.workers}")
        if not 1 <= self.max_k <= 1000:
            raise ValueError("max_k must be between 1 and 1000")
        if self.max_consent_purposes < 1 or self.max_purpose_bytes < 1:
            raise ValueError("max_consent_purposes and max_purpose_bytes must be at least 1")
        if self.anonymous_retention_days < 0:
            raise ValueError("anonymous_retention_days must be 0 (keep forever) or more")
        if self.impressions not in ("off", "sampled", "complete"):
            raise ValueError(f"impressions must be off, sampled or complete, got {self.impressions!r}")
        if not 0.0 <= self.impression_sample_rate <= 1.0:
            raise ValueError("impression_sample_rate must be between 0 and 1")
        if not 0 <= self.impression_flush_ms <= 1000:
            raise ValueError(f"impression_flush_ms must be between 0 and 1000, got {self.impression_flush_ms}")
        if (self.serve_offers or self.serve_customers) and not self.serve_model:
            raise ValueError("serve_offers and serve_customers go with serve_model (the embedded store)")
        if self.experiments_file:
            from omnirec.measurement.experiments import load_experiments

            load_experiments(Path(self.experiments_file))  # validated at load; the service reads it again
        for key in self.api_keys:
            unknown = set(key.scopes) - set(SCOPES)
            if unknown:
                raise ValueError(f"api key {key.name!r} has unknown scopes {sorted(unknown)}; valid: {SCOPES}")
            if len(key.sha256) != 64:
                raise ValueError(f"api key {key.name!r}: sha256 must be a 64-character hex digest")
        self.search  # noqa: B018 -- validates the ann_* values at load

    @property
    def search(self) -> SearchConfig:
        """The one search configuration, passed explicitly to every Catalog built from these settings."""
        return SearchConfig(ann_threshold=self.ann_threshold_items, ef=self.ann_ef, m=self.ann_m, seed=self.ann_seed)

    @property
    def anonymous_retention_seconds(self) -> int:
        return self.anonymous_retention_days * 86_400

    @classmethod
    def load(cls, path: Path | None = None, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from an optional TOML file (JSON when it ends in .json), then OMNIREC_* variables, then
        explicit overrides."""
        values = cls._given(path, environ)
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return msgspec.convert(values, type=cls, strict=False, dec_hook=secret_dec_hook)
        except (msgspec.ValidationError, ValueError) as exc:
            source = f" (file {path})" if path else ""
            raise ValueError(f"invalid settings{source}: {exc}") from exc

    @classmethod
    def _given(cls, path: Path | None, environ: Mapping[str, str] | None) -> dict[str, Any]:
        """The values the file and the OMNIREC_* variables set (the variables win), before validation."""
        values: dict[str, Any] = {}
        if path is not None:
            decode = msgspec.json.decode if path.suffix == ".json" else msgspec.toml.decode
            try:
                values.update(decode(path.read_bytes()))
            except (OSError, msgspec.DecodeError) as exc:
                raise ValueError(f"settings file {path}: {exc}") from exc
        env = os.environ if environ is None else environ
        for name in (f.name for f in msgspec.structs.fields(cls)):
            raw = env.get(ENV_PREFIX + name.upper())
            if raw is not None:
                values[name] = _parse_env(name, raw)
        return values

    @classmethod
    def from_env(cls) -> Settings:
        """Settings from OMNIREC_SETTINGS_FILE (if set) and OMNIREC_* variables: the one reader of the
        environment, called by a process when it starts (never at import)."""
        return cls.load(_settings_file())

    @classmethod
    def store_given(cls) -> bool:
        """Whether OMNIREC_STORE_URL or the settings file names a store (the store commands need one: the
        default memory:// would not outlive them)."""
        return "store_url" in cls._given(_settings_file(), None)

    def to_json(self) -> bytes:
        """Every value, the secret included: only for a private file (see `omnirec serve`), never a log."""
        return msgspec.json.encode(self, enc_hook=secret_enc_hook)


def _settings_file() -> Path | None:
    file = os.environ.get(SETTINGS_FILE_ENV)
    return Path(file) if file else None


def _parse_env(name: str, raw: str) -> Any:
    if name == "api_keys":
        # OMNIREC_API_KEYS holds JSON: [{"name": ..., "sha256": ..., "scopes": [...]}]
        try:
            return msgspec.json.decode(raw)
        except msgspec.DecodeError as exc:
            raise ValueError(f"{ENV_PREFIX}API_KEYS is not valid JSON: {exc}") from exc
    return raw
