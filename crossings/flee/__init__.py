"""Flee-type scenarios: Flee's forced-migration movement rules on crossings' engine.

- ``schema``: the scenario document (``model = "flee"``) and ``load_flee_scenario``.
- ``importer``: a Flee input folder or FabFlee config folder (and its SWEEP variants) to
  scenarios; ``write_scenario``.
- ``settings``: ``simsetting.yml``, every setting Flee 3.1 reads and its status here.
- ``sweep``: FabFlee SWEEP variants run one after the other.
- ``sim``: ``FleeSim`` (day loop, location state) and ``FleeResults`` (daily counts, ARD).
- ``ard``: Flee's validation metric and the observed daily series.

The per-person kernels live in ``crossings.processes.flee_movement``. See docs/flee.md.
"""
