"""Versioned model bundles: what the trainer writes and everything else reads."""

from omnirec.bundle.format import ARRAY_SPECS, BundleManifest, ModelBundle, RankerParams
from omnirec.bundle.io import load_bundle, new_version, resolve_bundle_path, save_bundle

__all__ = [
    "ARRAY_SPECS",
    "BundleManifest",
    "ModelBundle",
    "RankerParams",
    "load_bundle",
    "new_version",
    "resolve_bundle_path",
    "save_bundle",
]
