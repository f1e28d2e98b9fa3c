"""Impression records of list and offer answers: ids, compact per-item columns, and who may be logged."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from omnirec.store.records import ImpressionRecord
from omnirec.vocabulary import SOURCES

UNKNOWN_SOURCE = 255
LOGGING_MODES = ("off", "sampled", "complete")
LIST, OFFER, SHOWN = "list", "offer", "shown"


def new_recommendation_id() -> str:
    return uuid.uuid4().hex


def encode_scores(scores: Sequence[float]) -> bytes:
    return np.asarray(scores, dtype="<f4").tobytes()


def decode_scores(payload: bytes) -> list[float]:
    return np.frombuffer(payload, dtype="<f4").astype(float).tolist()


def encode_sources(sources: Sequence[str]) -> bytes:
    return bytes(SOURCES.index(s) if s in SOURCES else UNKNOWN_SOURCE for s in sources)


def decode_sources(payload: bytes) -> list[str]:
    return [SOURCES[b] if b < len(SOURCES) else "unknown" for b in payload]


def encode_positions(positions: Sequence[int]) -> bytes:
    return np.asarray(positions, dtype="<u2").tobytes()


def decode_positions(payload: bytes) -> list[int]:
    return np.frombuffer(payload, dtype="<u2").astype(int).tolist()


def item_positions(record: ImpressionRecord) -> dict[str, int]:
    """Item -> 0-based position as shown: a list's order, or the positions a 'shown' record confirms."""
    if record.positions:
        return dict(zip(record.items, decode_positions(record.positions), strict=False))
    out: dict[str, int] = {}
    for position, item in enumerate(record.items):
        out.setdefault(item, position)
    return out


def unit_hash(*parts: str) -> float:
    """A stable number in [0, 1) from strings (SHA-256, the same in every process and on every machine)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass(frozen=True)
class ImpressionPolicy:
    """Which answers are logged: `mode` off / sampled (a stable share of customers, all of their answers,
    so their attribution stays whole) / complete, and never for a customer who withheld `consent_purpose`
    (a missing flag counts as granted, as for personalisation itself)."""

    mode: str = "complete"
    sample_rate: float = 1.0
    consent_purpose: str = "personalization"

    def __post_init__(self) -> None:
        if self.mode not in LOGGING_MODES:
            raise ValueError(f"impressions must be one of {', '.join(LOGGING_MODES)}, got {self.mode!r}")
        if not 0.0 <= self.sample_rate <= 1.0:
            raise ValueError(f"impression_sample_rate must be between 0 and 1, got {self.sample_rate}")

    def allows(self, customer_id: str | None, consent: Mapping[str, bool], purpose: str | None = None) -> bool:
        if self.mode == "off" or not customer_id:
            return False
        if consent.get(purpose or self.consent_purpose) is False:
            return False
        return self.mode == "complete" or unit_hash("impressions", customer_id) < self.sample_rate
