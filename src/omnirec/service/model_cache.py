"""Per-version Catalog cache: loads a newly activated model in the background, keeps the last two versions."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import msgspec

from omnirec.bundle.format import MANIFEST_ARRAY, BundleManifest, manifest_from_array
from omnirec.errors import NoActiveModel
from omnirec.offers.affinity import AffinityModel
from omnirec.scoring import Catalog
from omnirec.scoring.catalog import CATALOG_ARRAYS
from omnirec.scoring.search_config import DEFAULT_SEARCH, SearchConfig
from omnirec.store.protocol import ModelStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedModel:
    """One model version ready to score: its manifest and catalogue."""

    version: str
    manifest: BundleManifest
    catalog: Catalog

    @functools.cached_property
    def affinity(self) -> AffinityModel:
        """The offers' view of this version, built on first use and dropped with the version."""
        return AffinityModel(self.catalog)

    async def offer_affinity(self) -> AffinityModel:
        """`affinity`, built off the event loop the first time (one pass over the items: seconds at 1M)."""
        if "affinity" not in self.__dict__:
            await asyncio.to_thread(lambda: self.affinity)
        return self.affinity

    @property
    def search_kind(self) -> str:
        return self.catalog.search.kind  # "exact" while a large catalogue's HNSW index is still building


class ModelCache:
    """Catalogs by version. A request calls `current()` once and uses that model for everything it reads.

    When the active version is not loaded yet, requests keep using the newest loaded version while a
    background task loads the new one, so activation never blocks requests. Only before the very first
    load does a request wait for it.
    """

    def __init__(self, store: ModelStore, search: SearchConfig = DEFAULT_SEARCH, keep: int = 2) -> None:
        self._store = store
        self._search = search
        self._keep = keep
        self._models: OrderedDict[str, LoadedModel] = OrderedDict()  # oldest first
        self._loading: dict[str, asyncio.Task[LoadedModel]] = {}
        self._last_active: str | None = None
        self._serving: str | None = None  # the version the last request was answered from
        self.on_loaded: Callable[[], None] | None = None  # called after each version is loaded (the app's GC freeze)

    @property
    def loaded_versions(self) -> list[str]:
        return list(self._models)

    def newest(self) -> LoadedModel | None:
        return next(reversed(self._models.values()), None)

    def serving(self) -> LoadedModel | None:
        """The model the last request was answered from (the active version as last seen), for outage answers.

        Not `newest()`: after a rollback (`omnirec activate <older>`) the newest loaded version is not the
        active one, and a degraded answer must come from the catalogue clients were being served.
        """
        model = self._models.get(self._serving) if self._serving else None
        return model or self.newest()

    async def current(self) -> LoadedModel:
        """The model for one request: the active version when loaded, else the newest loaded one."""
        return await self.for_active(await self._store.active_version())

    def expected_version(self) -> str | None:
        """The version the next request will most likely use: the last active one seen, when loaded.

        A request reads its rows for this version in the same round trip as the active pointer, then
        re-reads them only when `for_active` picks another model (around a swap).
        """
        model = self._models.get(self._last_active) if self._last_active else None
        model = model or self.newest()
        return model.version if model is not None else None

    async def for_active(self, active: str | None) -> LoadedModel:
        """The model for a request that read `active` as the active version (no store call when loaded)."""
        self._last_active = active
        model = self._pick(active)
        if model is None:
            assert active is not None  # _pick answers None only while the active version loads
            model = await asyncio.shield(self._load_task(active))
        self._serving = model.version
        return model

    def _pick(self, active: str | None) -> LoadedModel | None:
        if active is None:
            serving = self.serving()
            if serving is None:
                raise NoActiveModel("no model version is active: publish one with `omnirec publish`")
            return serving
        model = self._models.get(active)
        if model is not None:
            return model
        self._load_task(active)
        return self.serving()  # serve the previous version until the new one is ready (None: wait for it)

    async def load(self, version: str) -> LoadedModel:
        """Load a version now (startup, readiness) or return it when already loaded."""
        model = self._models.get(version)
        return model if model is not None else await asyncio.shield(self._load_task(version))

    def _load_task(self, version: str) -> asyncio.Task[LoadedModel]:
        task = self._loading.get(version)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._load(version), name=f"load-model-{version}")
            self._loading[version] = task
            task.add_done_callback(lambda t: self._loaded(version, t))
        return task

    async def _load(self, version: str) -> LoadedModel:
        try:
            arrays = await self._store.read_model_arrays(version, (*CATALOG_ARRAYS, MANIFEST_ARRAY))
            manifest = manifest_from_array(arrays[MANIFEST_ARRAY])
        except (ValueError, KeyError, msgspec.DecodeError) as exc:  # half-published or pre-manifest version
            raise NoActiveModel(f"model version {version!r} cannot be loaded from the store: {exc}") from exc
        # Precomputing the catalogue's orders is CPU work: keep it off the event loop. A large catalogue's
        # HNSW index builds in its own thread meanwhile; the version serves with exact search until then.
        load = functools.partial(Catalog.from_arrays, manifest, arrays, True, search=self._search)
        catalog = await asyncio.to_thread(load)
        return LoadedModel(version=version, manifest=manifest, catalog=catalog)

    def _loaded(self, version: str, task: asyncio.Task[LoadedModel]) -> None:
        self._loading.pop(version, None)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            log.warning("loading model version %s failed: %s", version, error)
            return
        self._models[version] = task.result()
        self._models.move_to_end(version)
        while len(self._models) > self._keep:
            dropped, _ = self._models.popitem(last=False)
            log.info("model version %s dropped from the cache", dropped)
        log.info("model version %s loaded (%d items)", version, task.result().catalog.n_items)
        if self.on_loaded is not None:
            self.on_loaded()
