"""The local web app: a JSON API and a page with policy levers (``crossings serve``).

* :mod:`~crossings.web.app`: the FastAPI application (routes, token, security headers);
* :mod:`~crossings.web.service`: requests checked against the scenario schema and limits, the
  bounded job queue and its thread, job records in the results store, results for the page;
* :mod:`~crossings.web.levers`: the page's levers as scenario policies, the example policies;
* :mod:`~crossings.web.models`: request and response models (the OpenAPI document);
* :mod:`~crossings.web.server`: uvicorn; ``static/``: the page (no external resources).
"""

from crossings.web.app import create_app

__all__ = ["create_app"]
