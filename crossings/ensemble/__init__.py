"""Many runs at once: ensembles with bands, policy comparison with common random numbers,
parameter sweeps, and the backends that run them (this process, local processes, Dask).

* :mod:`~crossings.ensemble.replicates`: ``Ensemble`` (seeds x draws), ``run_replicates``
  (store first, compute what is missing, store as runs finish);
* :mod:`~crossings.ensemble.reductions`: median and 50%/90% bands across replicates;
* :mod:`~crossings.ensemble.compare`: a baseline and policy overlays on the same seeds;
* :mod:`~crossings.ensemble.sweeps`: grid, Sobol and Morris designs over dotted parameter names;
* :mod:`~crossings.ensemble.backends`: where runs execute; :mod:`~crossings.ensemble.tasks`: one run;
* :mod:`~crossings.ensemble.params`: scenario parameters by dotted name.

Built on the public ``crossings.Sim`` API and the results store (:mod:`crossings.store`).
"""

from crossings.ensemble.replicates import Ensemble, EnsembleResult, run_replicates

__all__ = ["Ensemble", "EnsembleResult", "run_replicates"]
