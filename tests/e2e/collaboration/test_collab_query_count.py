"""No N+1 in the collaboration area: a page of workspaces with their members, documents,
versions, comment threads and replies costs a constant number of SQL statements,
whatever the page size, for an ADMIN and for a plain member alike."""

from __future__ import annotations

from typing import Any

PAGE = """
query($first: Int!) {
  workspaces(first: $first) {
    totalCount
    edges { node { name members { userName role }
      documents(first: 10) { totalCount edges { node { title
        versions { name authorName }
        comments { body replies { body authorName } } } } } } }
  }
}
"""
CREATE_WORKSPACE = """mutation($name: String!) {
  createWorkspace(input: {name: $name}) { errors { code } workspace { id } } }"""
VERSION = """mutation($d: ID!, $n: String!) {
  createDocumentVersion(input: {documentId: $d, name: $n}) { errors { code } } }"""
COMMENT = """mutation($input: AddCommentInput!) {
  addComment(input: $input) { errors { code field } comment { id } } }"""
WORKSPACES = 20


async def _comment(gql: Any, body: str, token: str | None = None, **where: str) -> str:
    data = await gql.ok(COMMENT, {"input": {"body": body, **where}}, token=token)
    assert data["addComment"]["errors"] == [], data
    return str(data["addComment"]["comment"]["id"])


async def _seed(gql: Any, make_user: Any, join: Any, create_document: Any) -> str:
    """20 workspaces, each with bob as a member and two documents; every document has a
    version and two threads, the first with bob's reply."""
    bob = await make_user("bob")
    for w in range(WORKSPACES):
        created = (await gql.ok(CREATE_WORKSPACE, {"name": f"ws{w:02d}"}))["createWorkspace"]
        ws = created["workspace"]["id"]
        await join(ws, "bob", bob, "COMMENTER")
        for d in range(2):
            doc = await create_document(ws, f"doc{d}", text="hello")
            assert (await gql.ok(VERSION, {"d": doc["id"], "n": "v1"}))["createDocumentVersion"][
                "errors"
            ] == []
            root = await _comment(gql, "first", documentId=doc["id"])
            await _comment(gql, "second", documentId=doc["id"])
            await _comment(gql, "reply", token=bob, documentId=doc["id"], parentId=root)
    return bob


async def _count(
    request_statements: Any, gql: Any, first: int, token: str | None = None
) -> tuple[int, dict[str, Any]]:
    with request_statements() as statements:
        data = await gql.ok(PAGE, {"first": first}, token=token)
    return len(statements), data


async def test_a_page_of_workspaces_costs_constant_queries(
    request_statements: Any, gql: Any, make_user: Any, join: Any, create_document: Any
) -> None:
    # Given 20 workspaces with members, documents, versions, threads and replies.
    bob = await _seed(gql, make_user, join, create_document)

    for token in (None, bob):  # the ADMIN, then a member
        # When the page is read with 2 and with 20 workspaces.
        # (A token's first use this minute writes last_used_at: warm it first.)
        await _count(request_statements, gql, 1, token)
        small, _ = await _count(request_statements, gql, 2, token)
        large, data = await _count(request_statements, gql, WORKSPACES, token)

        # Then everything is there, in order.
        edges = data["workspaces"]["edges"]
        assert data["workspaces"]["totalCount"] == WORKSPACES and len(edges) == WORKSPACES
        first = edges[0]["node"]
        assert first["name"] == "ws00"
        assert first["members"] == [
            {"userName": "admin", "role": "OWNER"},
            {"userName": "bob", "role": "COMMENTER"},
        ]
        documents = first["documents"]
        assert documents["totalCount"] == 2
        assert [e["node"]["title"] for e in documents["edges"]] == ["doc0", "doc1"]
        doc = documents["edges"][0]["node"]
        assert doc["versions"] == [{"name": "v1", "authorName": "admin"}]
        assert doc["comments"] == [
            {"body": "first", "replies": [{"body": "reply", "authorName": "bob"}]},
            {"body": "second", "replies": []},
        ]
        # And the cost does not grow with the page: authentication, the page and its
        # count, then one batch per list field (with its access check).
        assert large == small, (token is None, small, large)
        assert large <= 30, large


SAME_REQUEST = """mutation($ws: ID!) {
  before: updateWorkspace(input: {id: $ws, name: "renamed"}) {
    workspace { documents(first: 10) { totalCount } } }
  created: createDocument(input: {workspaceId: $ws, title: "new", format: MARKDOWN}) {
    errors { code } document { id } }
  after: updateWorkspace(input: {id: $ws, description: "with a document"}) {
    workspace { documents(first: 10) { totalCount edges { node { title } } } } }
}"""


async def test_a_later_mutation_sees_what_an_earlier_one_changed(gql: Any) -> None:
    # Given an empty workspace
    created = (await gql.ok(CREATE_WORKSPACE, {"name": "solo"}))["createWorkspace"]
    ws = created["workspace"]["id"]
    # When one request reads its documents, adds one, and reads them again
    data = await gql.ok(SAME_REQUEST, {"ws": ws})
    # Then the second read is not served from the first one's batch
    assert data["created"]["errors"] == []
    assert data["before"]["workspace"]["documents"]["totalCount"] == 0
    after = data["after"]["workspace"]["documents"]
    assert after["totalCount"] == 1 and after["edges"] == [{"node": {"title": "new"}}]
