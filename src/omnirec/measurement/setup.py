"""build_recorder: the service's ImpressionRecorder from Settings (policy and experiments file)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from omnirec.measurement.experiments import Experiments, load_experiments
from omnirec.measurement.impressions import ImpressionPolicy
from omnirec.measurement.recorder import ImpressionRecorder
from omnirec.settings import Settings
from omnirec.store.protocol import EventLog


def build_recorder(
    store: EventLog,
    settings: Settings,
    clock: Callable[[], float] = time.time,
    on_error: Callable[[str], None] | None = None,
) -> ImpressionRecorder:
    """Raises ValueError naming the experiments file when it cannot be read or is invalid."""
    policy = ImpressionPolicy(settings.impressions, settings.impression_sample_rate, settings.impression_consent)
    experiments = load_experiments(Path(settings.experiments_file)) if settings.experiments_file else Experiments([])
    if on_error is None:
        return ImpressionRecorder(store, policy, experiments, clock, flush_ms=settings.impression_flush_ms)
    return ImpressionRecorder(store, policy, experiments, clock, on_error, settings.impression_flush_ms)
