"""Calibration and validation: the model against a scenario's observed series.

One module per concern:

* :mod:`~crossings.calibrate.targets`: observed rows aligned with the model output by period
  (year, month, quarter, half, date range), ``compare``, ``score``, ``distance`` (``crossings check``);
* :mod:`~crossings.calibrate.priors`: the free parameters and their priors (``priors.toml``);
* :mod:`~crossings.calibrate.model`: one simulation as the calibration sees it (parameters in,
  per-series distances out);
* :mod:`~crossings.calibrate.screening`: Morris screening of every prior (``crossings screen``);
* :mod:`~crossings.calibrate.abc`: ABC-SMC with pyabc (``crossings calibrate``);
* :mod:`~crossings.calibrate.posterior`: the posterior file a scenario names, and draws from it;
* :mod:`~crossings.calibrate.backtest`: calibrate up to a year, forecast the rest (``crossings backtest``);
* :mod:`~crossings.calibrate.validation`: the validation report (``crossings validation``).

The names below are those of :mod:`~crossings.calibrate.targets` (the comparison of
``crossings check``), kept here for callers of ``crossings.calibrate``.
"""

from crossings.calibrate.targets import (
    NOT_MODELLED,
    SERIES,
    _log_ratio,
    by_series,
    compare,
    distance,
    model_value,
    period_bounds,
    row_distance,
    score,
    series_distances,
    series_log_ratios,
    series_spec,
)

__all__ = ["NOT_MODELLED", "SERIES", "_log_ratio", "by_series", "compare", "distance", "model_value", "period_bounds",
           "row_distance", "score", "series_distances", "series_log_ratios", "series_spec"]
