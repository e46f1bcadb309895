"""Search and ``assets(filter:)`` over a scanned SQLite source, on both metadata
databases (SQLite FTS5, PostgreSQL full-text): combined filters and facets,
cursor pagination, ranking, highlights, and hostile query text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SEARCH = """
query($q: String!, $filter: AssetFilter, $first: Int = 20, $after: String) {
  search(query: $q, filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { score asset { id kind name qualifiedName }
                          highlights { field snippet } } }
    facets { name values { value label count } }
  }
}
"""
ASSETS = """
query($filter: AssetFilter, $first: Int = 20, $after: String) {
  assets(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id kind name qualifiedName } }
  }
}
"""
CREATE_SOURCE = """
mutation($input: CreateDataSourceInput!) {
  createDataSource(input: $input) { errors { code message } dataSource { id } }
}
"""
UPDATE_ASSET = """
mutation($input: UpdateAssetInput!) { updateAsset(input: $input) { errors { code message } } }
"""
CREATE_TERM = """
mutation($name: String!, $synonyms: [String!]!) {
  createGlossaryTerm(input: {name: $name, synonyms: $synonyms}) { term { id } }
}
"""
ASSIGN = """
mutation($term: ID!, $asset: ID!) {
  assignGlossaryTerm(input: {termId: $term, assetId: $asset}) { errors { code message } }
}
"""


def _names(result: dict[str, Any]) -> list[str]:
    return [e["node"]["asset"]["qualifiedName"] for e in result["edges"]]


async def _scanned(gql: Any, scan_and_wait: Any, shop_sqlite: Path) -> dict[str, Any]:
    """Scan the shop source; return its assets by qualified name."""
    source = (
        await gql.ok(CREATE_SOURCE, {"input": {"name": "shop", "url": f"sqlite:///{shop_sqlite}"}})
    )["createDataSource"]["dataSource"]
    assert (await scan_and_wait(source["id"]))["state"] == "SUCCEEDED"
    found = (await gql.ok(ASSETS, {"first": 100}))["assets"]
    assets = {e["node"]["qualifiedName"]: e["node"] for e in found["edges"]}
    assets["@source"] = source
    return assets


async def test_filters_facets_ranking_and_highlights(
    gql: Any, scan_and_wait: Any, shop_sqlite: Path
) -> None:
    # Given a scanned source; the email column is tagged, owned and carries a term
    assets = await _scanned(gql, scan_and_wait, shop_sqlite)
    me = (await gql.ok("{ viewer { id } }"))["viewer"]["id"]
    email = assets["shop.shop.main.customers.email_address"]
    customers = assets["shop.shop.main.customers"]
    for asset, tags in ((email, ["pii", "contact"]), (customers, ["pii"])):
        done = await gql.ok(
            UPDATE_ASSET, {"input": {"id": asset["id"], "tags": tags, "ownerIds": [me]}}
        )
        assert done["updateAsset"]["errors"] == []
    term = (await gql.ok(CREATE_TERM, {"name": "Contact", "synonyms": ["mailbox"]}))[
        "createGlossaryTerm"
    ]["term"]
    await gql.ok(ASSIGN, {"term": term["id"], "asset": email["id"]})

    # When search and assets are filtered by kind + tag + classification + owner + term
    combined = {
        "kinds": ["COLUMN"],
        "tags": ["pii"],
        "classifications": ["EMAIL"],
        "ownerIds": [me],
        "glossaryTermIds": [term["id"]],
    }
    hits = (await gql.ok(SEARCH, {"q": "", "filter": combined}))["search"]
    listed = (await gql.ok(ASSETS, {"filter": combined}))["assets"]
    # Then both give exactly the email column.
    assert _names(hits) == ["shop.shop.main.customers.email_address"]
    assert [e["node"]["id"] for e in listed["edges"]] == [email["id"]]
    assert hits["totalCount"] == listed["totalCount"] == 1
    # Each criterion narrows: without the kind, the tagged table comes back too.
    wider = {k: v for k, v in combined.items() if k in ("tags", "ownerIds")}
    both = (await gql.ok(ASSETS, {"filter": wider}))["assets"]
    assert {e["node"]["id"] for e in both["edges"]} == {email["id"], customers["id"]}
    one_off = {**combined, "tags": ["gold"]}
    assert (await gql.ok(SEARCH, {"q": "", "filter": one_off}))["search"]["totalCount"] == 0
    assert (await gql.ok(ASSETS, {"filter": one_off}))["assets"]["totalCount"] == 0

    # Facets count all matches of the query and filter, not just the page.
    pii = (await gql.ok(SEARCH, {"q": "", "filter": {"tags": ["pii"]}, "first": 1}))["search"]
    assert pii["totalCount"] == 2 and len(pii["edges"]) == 1
    facets = {f["name"]: {v["label"]: v["count"] for v in f["values"]} for f in pii["facets"]}
    assert facets["kind"] == {"COLUMN": 1, "TABLE": 1}
    assert facets["tag"] == {"pii": 2, "contact": 1}
    assert facets["owner"] == {"admin": 2}
    assert facets["glossaryTerm"] == {"Contact": 1}
    assert facets["classification"] == {"EMAIL": 1}
    assert facets["dataSource"] == {"shop": 2}
    # A facet value is usable as a filter value.
    owner_value = next(f for f in pii["facets"] if f["name"] == "owner")["values"][0]["value"]
    assert owner_value == me

    # Exact name first: "orders" ranks the table above big_orders and prefixed columns.
    ranked = (await gql.ok(SEARCH, {"q": "orders"}))["search"]
    assert _names(ranked)[0] == "shop.shop.main.orders"
    assert "shop.shop.main.big_orders" in _names(ranked)
    assert ranked["edges"][0]["node"]["asset"]["kind"] == "TABLE"
    # "ORDERS" is the same query (case-insensitive).
    assert _names((await gql.ok(SEARCH, {"q": "ORDERS"}))["search"])[0] == "shop.shop.main.orders"
    # Prefix matching and every word required.
    cust = _names((await gql.ok(SEARCH, {"q": "custom"}))["search"])
    assert "shop.shop.main.customers" in cust and "shop.shop.main.orders.customer_id" in cust
    both_words = _names((await gql.ok(SEARCH, {"q": "customer id"}))["search"])
    assert "shop.shop.main.orders.customer_id" in both_words
    assert "shop.shop.main.customers.email_address" not in both_words

    # Highlights mark the matched words, per field.
    hit = (await gql.ok(SEARCH, {"q": "mailbox"}))["search"]["edges"]
    assert [h["node"]["asset"]["id"] for h in hit] == [email["id"]]
    highlights = {h["field"]: h["snippet"] for h in hit[0]["node"]["highlights"]}
    assert highlights == {"glossaryTerms": "Contact <mark>mailbox</mark>"}
    table_hit = next(e["node"] for e in ranked["edges"] if e["node"]["asset"]["name"] == "orders")
    marks = {h["field"]: h["snippet"] for h in table_hit["highlights"]}
    assert marks["name"] == "<mark>orders</mark>"


async def test_pagination_limits_and_hostile_queries(
    gql: Any, scan_and_wait: Any, shop_sqlite: Path
) -> None:
    assets = await _scanned(gql, scan_and_wait, shop_sqlite)
    everything = sorted(k for k in assets if not k.startswith("@"))

    # Paging through every search result: no duplicates, nothing missed, stable total.
    for query in (SEARCH, ASSETS):
        seen: list[str] = []
        after = None
        totals = set()
        while True:
            data = await gql.ok(query, {"q": "", "first": 4, "after": after})
            page = data.get("search") or data["assets"]
            totals.add(page["totalCount"])
            seen += [(e["node"].get("asset") or e["node"])["qualifiedName"] for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert totals == {len(everything)}, totals
        assert len(seen) == len(set(seen)) and sorted(seen) == everything
    # The same query gives the same order each time.
    first = _names((await gql.ok(SEARCH, {"q": "id", "first": 100}))["search"])
    again = _names((await gql.ok(SEARCH, {"q": "id", "first": 100}))["search"])
    assert first == again and len(first) >= 2
    # A word query pages too, with the same order as one big page.
    paged: list[str] = []
    after = None
    while True:
        page = (await gql.ok(SEARCH, {"q": "id", "first": 1, "after": after}))["search"]
        paged += _names(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert paged == first

    # Limits: first > 100 and a 10 kB query are typed errors, never a 500.
    for query, variables, code in (
        (SEARCH, {"q": "x", "first": 101}, "LIMIT_EXCEEDED"),
        (ASSETS, {"first": 101}, "LIMIT_EXCEEDED"),
        (ASSETS, {"first": -1}, "LIMIT_EXCEEDED"),
        (SEARCH, {"q": "x" * 10_240}, "LIMIT_EXCEEDED"),
        (SEARCH, {"q": "x", "after": "%%%"}, "INVALID"),
        (ASSETS, {"after": "bm90LWpzb24"}, "INVALID"),
        (SEARCH, {"q": "x", "after": "WyJhIl0"}, "INVALID"),
        (ASSETS, {"filter": {"tags": ["t"] * 101}}, "LIMIT_EXCEEDED"),
        (ASSETS, {"filter": {"ownerIds": ["nope"]}}, "INVALID"),
    ):
        body = await gql(query, variables)
        assert body["errors"][0]["extensions"]["code"] == code, (variables, body)

    # Hostile or odd query text gives results or nothing, never an error.
    for text in (
        '"',
        "'",
        '"email',
        "*",
        "email*",
        "-",
        "-email",
        "e-mail",
        "email OR 1=1",
        "NEAR(a b)",
        "a AND b NOT c",
        "(",
        "^",
        ":",
        "col:email",
        "\\",
        "%",
        "_",
        "'; DROP TABLE assets; --",
        "ünïcödé 日本語 😀",
        "   ",
        "",
        "&|!<>",
    ):
        body = await gql(SEARCH, {"q": text})
        assert "errors" not in body, (text, body)
    assert (await gql.ok(SEARCH, {"q": '"email"'}))["search"]["totalCount"] >= 1
    assert _names((await gql.ok(SEARCH, {"q": "email*"}))["search"])[0].endswith("email_address")


HITS_ONLY = """
query($q: String!) { search(query: $q, first: 20) { totalCount edges { node { score } } } }
"""
WITH_FACETS = """
query($q: String!) {
  search(query: $q, first: 20) {
    totalCount edges { node { score } } facets { name values { value count } }
  }
}
"""


async def test_facets_are_counted_in_one_statement_and_only_when_asked_for(
    gql: Any, scan_and_wait: Any, shop_sqlite: Path, request_statements: Any
) -> None:
    # Given a scanned source
    await _scanned(gql, scan_and_wait, shop_sqlite)
    await gql.ok(HITS_ONLY, {"q": "orders"})  # the token's first use this minute writes too

    # When a search is asked for its hits alone, then with its facets
    with request_statements() as plain:
        hits = (await gql.ok(HITS_ONLY, {"q": "orders"}))["search"]
    with request_statements() as faceted:
        both = (await gql.ok(WITH_FACETS, {"q": "orders"}))["search"]

    # Then the facets cost one statement more, and count what the hits count
    assert len(faceted) == len(plain) + 1, (plain, faceted)
    assert hits["totalCount"] == both["totalCount"] > 0
    kinds = next(f for f in both["facets"] if f["name"] == "kind")["values"]
    assert sum(v["count"] for v in kinds) == both["totalCount"]


SUGGEST = """
query($q: String!, $filter: AssetFilter) {
  search(query: $q, filter: $filter, first: 5) { totalCount suggestions }
}
"""


async def test_a_search_that_finds_nothing_suggests_close_names(
    gql: Any, scan_and_wait: Any, shop_sqlite: Path
) -> None:
    # Given a scanned source with customers and orders
    await _scanned(gql, scan_and_wait, shop_sqlite)

    async def search(q: str, **filter: Any) -> dict[str, Any]:
        found: dict[str, Any] = (await gql.ok(SUGGEST, {"q": q, "filter": filter or None}))[
            "search"
        ]
        return found

    # When a name is mistyped, then nothing matches and the name is suggested
    assert await search("ordr") == {"totalCount": 0, "suggestions": ["orders"]}
    assert (await search("custmer"))["suggestions"][0] == "customers"
    assert (await search("Email Adress"))["suggestions"] == ["email_address"]
    # ...but not one the filter leaves out, nor for a query that matched or resembles nothing
    assert await search("ordr", kinds=["COLUMN"]) == {"totalCount": 0, "suggestions": []}
    assert (await search("orders"))["suggestions"] == []
    assert await search("zzzzzz") == {"totalCount": 0, "suggestions": []}
