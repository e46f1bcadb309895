"""Label propagation: add, remove, blocking, masking, cycles."""

from __future__ import annotations

from racine.domain.lineage.model import Transformation
from racine.domain.lineage.model import TransformationSubtype as S
from racine.domain.lineage.propagation import (
    AssignedLabel,
    Label,
    LabelKind,
    PropagatedLabel,
    PropagationEdge,
    PropagationPolicy,
    compute_propagation,
    plan_propagation,
    sources_affected_by_edge,
)

EMAIL = Label(LabelKind.CLASSIFICATION, "EMAIL")
TERM = Label(LabelKind.GLOSSARY_TERM, "Customer contact")


def edge(source: str, target: str, subtype: S = S.IDENTITY, **kwargs: bool) -> PropagationEdge[str]:
    masking = kwargs.pop("masking", False)
    return PropagationEdge(source, target, Transformation.of(subtype, masking=masking), **kwargs)


def copies(delta_set: frozenset[PropagatedLabel[str]]) -> set[tuple[str, str, str]]:
    return {(p.asset, p.label.name, p.source_asset) for p in delta_set}


def test_labels_flow_downstream_along_direct_edges_naming_their_source() -> None:
    edges = [edge("src.email", "stg.email"), edge("stg.email", "mart.email", S.TRANSFORMATION)]
    assigned = [AssignedLabel("src.email", EMAIL), AssignedLabel("src.email", TERM)]
    result = compute_propagation(assigned, edges)
    assert copies(result) == {
        ("stg.email", "EMAIL", "src.email"),
        ("mart.email", "EMAIL", "src.email"),
        ("stg.email", "Customer contact", "src.email"),
        ("mart.email", "Customer contact", "src.email"),
    }


def test_indirect_masking_aggregation_and_blocked_edges_stop_labels() -> None:
    edges = [
        edge("src.email", "a", S.FILTER),
        edge("src.email", "b", S.TRANSFORMATION, masking=True),
        edge("src.email", "c", S.AGGREGATION),
        edge("src.email", "d", blocked=True),
        edge("d", "e"),
    ]
    assert compute_propagation([AssignedLabel("src.email", EMAIL)], edges) == frozenset()

    lenient = PropagationPolicy(block_masking=False, block_aggregation=False)
    result = compute_propagation([AssignedLabel("src.email", EMAIL)], edges, lenient)
    assert copies(result) == {("b", "EMAIL", "src.email"), ("c", "EMAIL", "src.email")}


def test_propagate_flag_and_policy_kinds() -> None:
    edges = [edge("s", "t")]
    assert compute_propagation([AssignedLabel("s", EMAIL, propagate=False)], edges) == frozenset()
    only_terms = PropagationPolicy(kinds=frozenset({LabelKind.GLOSSARY_TERM}))
    result = compute_propagation(
        [AssignedLabel("s", EMAIL), AssignedLabel("s", TERM)], edges, only_terms
    )
    assert copies(result) == {("t", "Customer contact", "s")}


def test_cycles_are_safe_and_never_label_the_source_itself() -> None:
    edges = [edge("a", "b"), edge("b", "c"), edge("c", "a"), edge("c", "c")]
    result = compute_propagation([AssignedLabel("a", EMAIL)], edges)
    assert copies(result) == {("b", "EMAIL", "a"), ("c", "EMAIL", "a")}


def test_plan_adds_new_copies_and_removes_copies_of_a_removed_label() -> None:
    edges = [edge("s", "t"), edge("t", "u")]
    first = plan_propagation([AssignedLabel("s", EMAIL)], edges, current=[])
    assert copies(first.to_add) == {("t", "EMAIL", "s"), ("u", "EMAIL", "s")}
    assert first.to_remove == frozenset()

    again = plan_propagation([AssignedLabel("s", EMAIL)], edges, current=first.to_add)
    assert again.empty

    removed = plan_propagation([], edges, current=first.to_add, sources=["s"])
    assert removed.to_add == frozenset()
    assert removed.to_remove == first.to_add


def test_plan_removes_copies_beyond_a_removed_or_blocked_edge() -> None:
    edges = [edge("s", "t"), edge("t", "u")]
    stored = compute_propagation([AssignedLabel("s", EMAIL)], edges)

    cut = plan_propagation([AssignedLabel("s", EMAIL)], [edges[0]], stored)
    assert copies(cut.to_remove) == {("u", "EMAIL", "s")}

    blocked = [edge("s", "t", blocked=True), edges[1]]
    delta = plan_propagation([AssignedLabel("s", EMAIL)], blocked, stored)
    assert copies(delta.to_remove) == {("t", "EMAIL", "s"), ("u", "EMAIL", "s")}


def test_plan_leaves_copies_of_other_sources_alone() -> None:
    edges = [edge("s", "t"), edge("other", "t")]
    foreign = PropagatedLabel("t", EMAIL, "other")
    delta = plan_propagation([AssignedLabel("s", EMAIL)], edges, [foreign], sources=["s"])
    assert copies(delta.to_add) == {("t", "EMAIL", "s")}
    assert delta.to_remove == frozenset()


def test_sources_affected_by_an_edge_include_upstream_origins() -> None:
    at_t = [PropagatedLabel("t", EMAIL, "s"), PropagatedLabel("t", TERM, "r")]
    assert sources_affected_by_edge("t", at_t) == frozenset({"t", "s", "r"})

    # Adding t -> u: recompute for those sources over their closure.
    edges = [edge("s", "t"), edge("r", "t"), edge("t", "u")]
    assigned = [AssignedLabel("s", EMAIL), AssignedLabel("r", TERM)]
    delta = plan_propagation(assigned, edges, at_t, sources=sources_affected_by_edge("t", at_t))
    assert copies(delta.to_add) == {("u", "EMAIL", "s"), ("u", "Customer contact", "r")}
