"""Every Redis key omnirec uses, built in one place under a configurable prefix.

Layout (p = prefix, v = model version, c = canonical customer id or an anonymous id):

    {p:model}:active                 string   active version (pointer switched atomically)
    {p:model}:info                   hash     version -> msgpack VersionInfo
    {p:model}:state                  hash     version -> "staging" | "ready"
    {p:model}:replaced               hash     version -> Unix time it stopped being active
    {p:m:v:a:<name>}:meta            string   msgpack array header (dtype, shape, parts)
    {p:m:v:a:<name>}:<i>             string   part i of the array bytes (<= CHUNK_BYTES)
    p:m:v:r:<kind>:<id>              string   per-customer row payload (kind: user, history)
    {p:c:c}:<field>                  per customer: events (zset), purchases/pcounts/cart/consent/features
                                     (hashes), ids (set of linked anonymous ids), alias (string, on an
                                     anonymous id: its customer), dedup (zset of event ids), logids
                                     (list of event-log positions), aux (set of impression key suffixes),
                                     impr:<offer> / fatigue:<channel> (zsets of impression times)
    p:customers                      zset     canonical customer ids (lexicographic index for paging)
    p:log                            stream   event log (durable as the server's persistence: see README)
    {p:log}:rewrite                  stream   erasure rebuilds the log here, then renames it over p:log
    {p:log}:erasing                  string   lock held by the erasure rebuilding the log
    {p:log}:fence                    zset     SHA-256 digests of just-erased ids -> until (ms): no impressions
    p:erasures                       stream   erasure journal: SHA-256 digests of erased ids, for exports
    p:marker                         hash     what publish / import wrote ("model", "customers") -> time
    p:offers:catalog                 string   offer catalogue payload
    {p:offers:catalog}:version       string   digest of that payload (same slot: one script sets both)
    {p:o:<offer>}:used               string   impressions taken from the offer's global budget
    p:of:<offer>                     hash     "<segment>|<outcome>" -> feedback counter
    p:stock:<store_id>               set      items out of stock in a physical store
    p:rl:<client>                    string   requests of an API key (or address) in its rate-limit window

All keys of one customer share the hash tag {p:c:<id>} so one Lua script can touch them together in
Redis Cluster; the version keys share {p:model}; the chunks of one array share their array's tag.
Model data keys contain the version, so a version is deleted by its key pattern.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

CHUNK_BYTES = 8 * 1024 * 1024 - 4096  # 256 MB of vectors = 33 parts; below 8 MiB so jemalloc does not round to 10
ERASABLE_IDS = "user_ids"  # the model array holding customer ids: erasure blanks them in every version
DEDUP_MAX = 10_000  # event ids remembered per customer for idempotency (oldest by timestamp dropped)
IMPRESSION_RETENTION_SECONDS = 30 * 86_400  # impression history kept for caps and fatigue

# Fixed per-customer key suffixes; impression keys are listed in the customer's 'aux' set.
CUSTOMER_FIELDS = (
    "events",
    "purchases",
    "pcounts",
    "cart",
    "consent",
    "features",
    "ids",
    "alias",
    "dedup",
    "logids",
    "aux",
)


def glob_escape(text: str) -> str:
    """Escape Redis glob metacharacters so an id can be used literally in a SCAN pattern."""
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in text)


ModelKey = Literal["active", "info", "state", "replaced"]  # the version records, one hash slot
LogKey = Literal["rewrite", "erasing", "fence"]  # keys read with the event log, in its hash slot
NamedKey = Literal["customers", "log", "erasures", "marker", "offers:catalog"]
IdKey = Literal["of", "stock", "rl"]  # one key per offer (feedback), per store (stock), per API client


@dataclass(frozen=True)
class Keys:
    """Key builder for one prefix: keys are grouped by shape, each group built by one method."""

    prefix: str = "omnirec"

    def model(self, what: ModelKey) -> str:
        """The version records and the active pointer (hash tag {p:model}: one script reads them together)."""
        return f"{{{self.prefix}:model}}:{what}"

    def named(self, what: NamedKey) -> str:
        """A key of its own (no hash tag): the customer index, the event log, the erasure journal..."""
        return f"{self.prefix}:{what}"

    def by_id(self, kind: IdKey, some_id: str) -> str:
        return f"{self.prefix}:{kind}:{some_id}"

    def beside_log(self, what: LogKey) -> str:
        """A key in the event log's slot: the erasure's rewrite copy and lock, the impression fence."""
        return f"{{{self.event_log()}}}:{what}"

    def event_log(self) -> str:
        return self.named("log")

    def customers_index(self) -> str:
        return self.named("customers")

    def offer_catalog_digest(self) -> str:
        """The offer catalogue's digest, in the catalogue key's slot (its whole name is the hash tag)."""
        return f"{{{self.named('offers:catalog')}}}:version"

    # -- model data of a version ---------------------------------------------------------------
    def array_part(self, version: str, name: str, part: int | str) -> str:
        """Part i of an array's bytes, or its header (part 'meta'); one hash tag per array."""
        return f"{{{self.prefix}:m:{version}:a:{name}}}:{part}"

    def array_meta(self, version: str, name: str) -> str:
        return self.array_part(version, name, "meta")

    def row(self, version: str, kind: str, item_id: str) -> str:
        return f"{self.prefix}:m:{version}:r:{kind}:{item_id}"

    def version_patterns(self, version: str) -> list[str]:
        """SCAN patterns matching every data key of a version (rows and array parts)."""
        base = glob_escape(f"{self.prefix}:m:{version}:")
        return [base + "*", "{" + base + "*"]

    # -- customers and offers: one hash tag each -------------------------------------------------
    def customer_tag(self, customer_id: str) -> str:
        return f"{{{self.prefix}:c:{customer_id}}}"

    def customer(self, customer_id: str, field: str) -> str:
        return f"{self.customer_tag(customer_id)}:{field}"

    def customer_keys(self, customer_id: str) -> list[str]:
        """The fixed keys of one customer, in CUSTOMER_FIELDS order (Lua scripts rely on it)."""
        return [self.customer(customer_id, f) for f in CUSTOMER_FIELDS]

    def offer_budget(self, offer_id: str) -> str:
        return f"{{{self.prefix}:o:{offer_id}}}:used"


def blank_ids(ids: np.ndarray, erased: Sequence[str]) -> np.ndarray | None:
    """A copy of an id array with the erased ids replaced by '' (None when none of them is in it)."""
    mask = np.isin(ids, list(erased))
    if not mask.any():
        return None
    blanked = ids.copy()
    blanked[mask] = ""
    return blanked


def impression_suffix(offer_id: str) -> str:
    return f"impr:{offer_id}"


def fatigue_suffix(channel: str) -> str:
    return f"fatigue:{channel}"
