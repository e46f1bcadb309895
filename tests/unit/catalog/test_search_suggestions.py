"""What a search that finds nothing offers instead: names close to the query."""

from __future__ import annotations

from racine.domain.catalog.search import MAX_SUGGESTIONS, closest_names, suggestion_key

NAMES = ["orders", "order_totals", "customers", "customer_id", "email_address", "employees"]


def test_the_key_is_the_query_written_as_a_name() -> None:
    assert suggestion_key("Email Adress") == "email_adress"
    assert suggestion_key("  ordr  ") == "ordr"
    assert suggestion_key("*** --") is None


def test_close_names_closest_first_and_only_close_ones() -> None:
    assert closest_names("ordr", NAMES) == ["orders"]
    assert closest_names("custmer", NAMES) == ["customers", "customer_id"]
    assert closest_names("email_adress", NAMES) == ["email_address"]
    assert closest_names("zzzz", NAMES) == []
    many = [f"order{i}" for i in range(20)]
    assert len(closest_names("order", many)) == MAX_SUGGESTIONS
