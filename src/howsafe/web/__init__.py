"""The fleet server's web side: the REST API under ``/api/v1`` and the server-rendered dashboard.

``create_app(settings)`` builds the ASGI application; ``howsafe serve`` runs it with uvicorn.
Needs the ``server`` extra.
"""

from howsafe.web.app import ServerSettings, create_app

__all__ = ["ServerSettings", "create_app"]
