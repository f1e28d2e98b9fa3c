"""Route controllers of the API. create_app registers ROUTES; a new feature adds its controller here."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from omnirec.api.routes.customers import CustomersController
from omnirec.api.routes.events import EventsController
from omnirec.api.routes.health import HealthController
from omnirec.api.routes.models import ModelsController
from omnirec.api.routes.offers import OffersController
from omnirec.api.routes.recommendations import RecommendationsController

ROUTES: list[ControllerRouterHandler] = [
    RecommendationsController,
    EventsController,
    CustomersController,
    ModelsController,
    OffersController,
    HealthController,
]
