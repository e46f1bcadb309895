"""The GraphQL endpoint: HTTP (POST/GET) and graphql-transport-ws, authenticated."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import strawberry
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from racine.domain.access.use_cases import authenticate
from racine.domain.errors import RacineError, Unauthenticated
from racine.resolvers.context import Context, Services

__all__ = ["GraphQLEndpoint", "bearer"]

log = logging.getLogger("racine.graphql")


def bearer(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
    )


class GraphQLEndpoint(GraphQL[Context, None]):
    def __init__(
        self,
        schema: strawberry.Schema,
        services: Services,
        *,
        graphiql: bool,
        allowed_origins: list[str],
        max_subscriptions: int,
        init_timeout_s: float,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if graphiql else None,
            allow_queries_via_get=True,
            keep_alive=True,
            keep_alive_interval=15,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=init_timeout_s),
            max_subscriptions_per_connection=max_subscriptions,
            allowed_origins=allowed_origins,
        )
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            metrics = self.services.metrics
            if metrics is not None:
                metrics.websocket_connections.labels(endpoint="graphql").inc()
            try:
                await super().__call__(scope, receive, send)
            finally:
                if metrics is not None:
                    metrics.websocket_connections.labels(endpoint="graphql").dec()
            return
        request = Request(scope, receive=receive)
        response: Response
        try:
            if self.graphql_ide and self.should_render_graphql_ide(
                self.request_adapter_class(request)
            ):
                response = await self.run(request)  # the IDE page itself needs no token
            else:
                context = await self.get_context(
                    request, response=await self.get_sub_response(request)
                )
                secret = bearer(request.headers.get("authorization"))
                context.principal = await authenticate(self.services.uow_factory(), secret)
                response = await self.run(request, context=context)
        except Unauthenticated as exc:
            response = _error(401, exc.code, exc.message)
            response.headers["www-authenticate"] = 'Bearer realm="racine"'
        except RacineError as exc:
            response = _error(400, exc.code, exc.message)
        except HTTPException as exc:
            response = _error(exc.status_code, "BAD_REQUEST", exc.reason)
        await response(scope, receive, send)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        request_id = request.scope.get("state", {}).get("request_id") or ""
        context = Context(services=self.services, request=request, response=response)
        if request_id:
            context.request_id = request_id
        return context

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:
        params = context.connection_params or {}
        raw = params.get("authorization") or params.get("Authorization")
        try:
            context.principal = await authenticate(
                self.services.uow_factory(), bearer(raw if isinstance(raw, str) else None)
            )
        except Unauthenticated:
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED"}) from None
        return {"user": context.principal.name}
