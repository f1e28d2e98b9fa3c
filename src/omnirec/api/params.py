"""Path parameter types shared by the routes, with the bounds they are validated (and documented) against."""

from __future__ import annotations

from typing import Annotated

from litestar.params import PathParameter

# The same bound as ids in bodies (schemas.Id): an id past it is a 400, never a key stored in the feature store.
PathId = Annotated[str, PathParameter(min_length=1, max_length=256, description="an id, 1 to 256 characters")]
