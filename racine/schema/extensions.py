"""Schema extensions: error policy, text without NUL, query cost, per-operation metrics."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    Visitor,
    visit,
)
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import SchemaExtension

from racine.domain.errors import RacineError
from racine.domain.paging import MAX_PAGE
from racine.domain.text import NUL_MESSAGE, has_nul

__all__ = ["CostLimit", "ErrorPolicy", "NoNulText", "OperationMetrics"]

log = logging.getLogger("racine.graphql")


def _expected(error: GraphQLError) -> RacineError | None:
    original = error.original_error
    while original is not None and not isinstance(original, RacineError):
        original = getattr(original, "original_error", None)
    return original


class ErrorPolicy(SchemaExtension):
    """Expected errors keep their message and get ``extensions.code``; anything
    else is a bug: logged with the request id and masked for the client."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is None or not errors:
            return
        result.errors = [self._process(e) for e in errors]

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Each result a subscription sends (graphql-transport-ws): its errors get
        the same treatment, so an error raised while streaming carries its code and
        an unexpected one is masked, as over HTTP."""
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = [self._process(e) for e in errors]
        yield

    def _process(self, error: GraphQLError) -> GraphQLError:
        request_id = getattr(self.execution_context.context, "request_id", None)
        expected = _expected(error)
        if expected is not None:
            return GraphQLError(
                expected.message,
                nodes=error.nodes,
                path=error.path,
                extensions={"code": expected.code, "field": expected.field},
            )
        if error.original_error is None or isinstance(
            error.original_error, StrawberryInputCoercionError
        ):  # syntax, validation, limits, a variable's value the type cannot take
            return GraphQLError(
                error.message,
                nodes=error.nodes,
                path=error.path,
                extensions={"code": "GRAPHQL_VALIDATION", **(error.extensions or {})},
            )
        log.error(
            "unexpected error in resolver",
            exc_info=error.original_error,
            extra={"path": error.path, "request_id": request_id},
        )
        return GraphQLError(
            f"Internal server error (request id {request_id})",
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL", "requestId": request_id},
        )


class NoNulText(SchemaExtension):
    """Refuse an operation with a NUL character (U+0000) in any text it carries, in
    its variables or in its string literals, before anything runs
    (``racine.domain.text``). No field takes binary data as text (document updates
    are base64)."""

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        if ctx.pre_execution_errors:  # refused already: those errors stand
            yield
            return
        if has_nul(ctx.variables) or (
            ctx.graphql_document is not None and _literal_nul(ctx.graphql_document)
        ):
            ctx.pre_execution_errors = [
                GraphQLError(
                    NUL_MESSAGE,
                    extensions={"code": "INVALID", "field": None},
                )
            ]
        yield


class _NulLiteral(Visitor):
    found = False

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if "\x00" in node.value:
            self.found = True


def _literal_nul(document: Any) -> bool:
    visitor = _NulLiteral()
    visit(document, visitor)
    return visitor.found


class CostLimit(SchemaExtension):
    """Reject operations whose estimated cost exceeds ``max_cost``.

    Each field costs 1; a field with ``first: N`` multiplies the cost of its
    selections by N (capped at the page limit). Runs after validation, so
    fragment cycles have already been refused. It must come after ValidationCache
    in the extension list: that one validates before yielding, and strawberry
    returns the errors found at that point.
    """

    def __init__(self, *, max_cost: int) -> None:
        self.max_cost = max_cost

    def on_validate(self) -> Iterator[None]:
        self._check()
        yield

    def _check(self) -> None:
        ctx = self.execution_context
        if ctx.pre_execution_errors is None or ctx.pre_execution_errors:
            return  # not validated yet (no cache in front) or already refused
        if ctx.graphql_document is None:
            return
        fragments = {
            d.name.value: d
            for d in ctx.graphql_document.definitions
            if isinstance(d, FragmentDefinitionNode)
        }
        variables = ctx.variables or {}
        for definition in ctx.graphql_document.definitions:
            if not isinstance(definition, OperationDefinitionNode):
                continue
            if (
                ctx.operation_name
                and definition.name
                and definition.name.value != ctx.operation_name
            ):
                continue
            cost = self._cost(definition.selection_set, fragments, variables, depth=0)
            if cost > self.max_cost:
                ctx.pre_execution_errors = [
                    GraphQLError(
                        f"query cost {cost} exceeds the limit of {self.max_cost}",
                        extensions={"code": "QUERY_TOO_COSTLY", "cost": cost},
                    )
                ]
                return

    def _cost(
        self,
        selection_set: SelectionSetNode | None,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        depth: int,
    ) -> int:
        if selection_set is None or depth > 64:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                multiplier = self._multiplier(selection, variables)
                children = self._cost(selection.selection_set, fragments, variables, depth + 1)
                total += 1 + multiplier * children
            elif isinstance(selection, InlineFragmentNode):
                total += self._cost(selection.selection_set, fragments, variables, depth + 1)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is not None:
                    total += self._cost(fragment.selection_set, fragments, variables, depth + 1)
            if total > self.max_cost:
                return total
        return total

    @staticmethod
    def _multiplier(node: FieldNode, variables: dict[str, Any]) -> int:
        for argument in node.arguments or ():
            if argument.name.value not in ("first", "last", "limit"):
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                n = int(value.value)
            elif isinstance(value, VariableNode):
                raw = variables.get(value.name.value)
                n = raw if isinstance(raw, int) else 1
            else:
                n = 1
            return max(1, min(n, MAX_PAGE))
        return 1


class OperationMetrics(SchemaExtension):
    """Requests and latency per operation (names are capped to bound cardinality)."""

    _seen: set[str] = set()
    MAX_NAMES = 200

    def __init__(self, *, metrics: Any) -> None:
        self.metrics = metrics

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        if self.metrics is None:
            return
        ctx = self.execution_context
        name = ctx.operation_name or "anonymous"
        if name not in self._seen:
            if len(self._seen) >= self.MAX_NAMES:
                name = "other"
            else:
                self._seen.add(name)
        kind = ctx.operation_type.value if ctx.operation_type else "unknown"
        outcome = "error" if ctx.result is not None and ctx.result.errors else "ok"
        self.metrics.requests.labels(operation=name, type=kind, outcome=outcome).inc()
        self.metrics.latency.labels(operation=name, type=kind).observe(
            time.perf_counter() - started
        )
