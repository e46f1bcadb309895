"""Versions (diff, restore as a new update), discussions (threads, anchors, resolve),
the activity feed and the knowledge base, over GraphQL."""

from __future__ import annotations

import base64

from pycrdt import Assoc, Doc, StickyIndex, Text

DOCUMENT = """query($id: ID!) { node(id: $id) { ... on Document {
  text state versions { id name authorName } comments { id body resolved anchor mentions
  replies { body } } relatedArticles(first: 3) { article { title } score } } } }"""
APPLY = """mutation($d: ID!, $u: String!) {
  applyDocumentUpdate(input: {documentId: $d, update: $u}) { errors { code } seq } }"""
VERSION = """mutation($d: ID!, $n: String!) { createDocumentVersion(input: {documentId: $d, name: $n}) {
  errors { code } version { id name authorName text } } }"""
RESTORE = """mutation($v: ID!) { restoreDocumentVersion(input: {versionId: $v}) {
  errors { code } seq document { text } } }"""
DIFF = """query($a: ID!, $b: ID) { documentVersionDiff(fromVersionId: $a, toVersionId: $b) }"""
COMMENT = """mutation($input: AddCommentInput!) { addComment(input: $input) {
  errors { code field } comment { id anchor mentions } } }"""
RESOLVE = """mutation($id: ID!) { resolveComment(input: {id: $id}) { errors { code } comment { resolved } } }"""
REOPEN = """mutation($id: ID!) { reopenComment(input: {id: $id}) { errors { code } comment { resolved } } }"""
ACTIVITY = """query($w: ID!) { workspaceActivity(workspaceId: $w, first: 50) {
  totalCount edges { node { verb actorName } } } }"""
SEARCH = """query($q: String!) { searchArticles(query: $q, first: 5) {
  article { id title } score lexicalScore semanticScore } }"""
NOTIFS = "{ notifications { kind message } }"


async def _append(gql, doc_id: str, extra: str) -> None:
    state = (await gql.ok(DOCUMENT, {"id": doc_id}))["node"]["state"]
    local: Doc = Doc()
    local.apply_update(base64.b64decode(state))
    before = local.get_state()
    text = local.get("content", type=Text)
    text += extra
    update = base64.b64encode(local.get_update(before)).decode()
    assert (await gql.ok(APPLY, {"d": doc_id, "u": update}))["applyDocumentUpdate"]["errors"] == []


async def test_versions_diff_and_restore_as_new_update(gql, workspace, create_document) -> None:
    doc = await create_document(workspace, "Policy", text="line one\n")
    v1 = (await gql.ok(VERSION, {"d": doc["id"], "n": "v1"}))["createDocumentVersion"]["version"]
    assert v1["authorName"] == "admin" and v1["text"] == "line one\n"
    await _append(gql, doc["id"], "line two\n")
    v2 = (await gql.ok(VERSION, {"d": doc["id"], "n": "v2"}))["createDocumentVersion"]["version"]

    diff = (await gql.ok(DIFF, {"a": v1["id"], "b": v2["id"]}))["documentVersionDiff"]
    assert "+line two" in diff and "--- v1" in diff and "+++ v2" in diff

    # When v1 is restored, then the text is v1's again, through a NEW log entry.
    restored = (await gql.ok(RESTORE, {"v": v1["id"]}))["restoreDocumentVersion"]
    assert restored["errors"] == [] and restored["document"]["text"] == "line one\n"
    node = (await gql.ok(DOCUMENT, {"id": doc["id"]}))["node"]
    assert [v["name"] for v in node["versions"]] == ["v2", "v1"]  # history kept
    assert (await gql.ok(DIFF, {"a": v2["id"]}))["documentVersionDiff"].count("-line two") == 1


async def test_threads_anchors_mentions_resolution_and_activity(
    gql, make_user, join, workspace, create_document
) -> None:
    bob = await make_user("bob")
    viewer = await make_user("val")
    await join(workspace, "bob", bob, "COMMENTER")
    await join(workspace, "val", viewer, "VIEWER")
    doc = await create_document(workspace, "Design", text="The quick brown fox")
    state = (await gql.ok(DOCUMENT, {"id": doc["id"]}))["node"]["state"]
    local: Doc = Doc()
    local.apply_update(base64.b64decode(state))
    anchor = StickyIndex.new(local.get("content", type=Text), 4, Assoc.AFTER).encode()
    anchor_b64 = base64.b64encode(anchor).decode()

    # Given an anchored comment mentioning bob, and bob's reply.
    root = (
        await gql.ok(
            COMMENT,
            {"input": {"documentId": doc["id"], "body": "@bob quick?", "anchor": anchor_b64}},
        )
    )["addComment"]
    assert root["errors"] == [] and root["comment"]["anchor"] == anchor_b64
    reply = await gql.ok(
        COMMENT, {"input": {"parentId": root["comment"]["id"], "body": "yes"}}, token=bob
    )
    assert reply["addComment"]["errors"] == []
    # A VIEWER may not comment; a bad anchor is INVALID.
    denied = await gql.ok(COMMENT, {"input": {"documentId": doc["id"], "body": "x"}}, token=viewer)
    assert denied["addComment"]["errors"][0]["code"] == "FORBIDDEN"
    bad = await gql.ok(
        COMMENT,
        {
            "input": {
                "documentId": doc["id"],
                "body": "x",
                "anchor": base64.b64encode(b"\xff\xff").decode(),
            }
        },
    )
    assert bad["addComment"]["errors"][0]["code"] == "INVALID"
    # An asset comment needs its workspace.
    asset = await gql.ok(
        COMMENT, {"input": {"workspaceId": workspace, "assetId": "asset:1", "body": "stale table"}}
    )
    assert asset["addComment"]["errors"] == []

    # Then bob has a MENTION notification; the thread resolves and reopens.
    assert (await gql.ok(NOTIFS, token=bob))["notifications"][0]["kind"] in {
        "MENTION",
        "INVITATION",
    }
    assert any(n["kind"] == "MENTION" for n in (await gql.ok(NOTIFS, token=bob))["notifications"])
    cid = root["comment"]["id"]
    assert (await gql.ok(RESOLVE, {"id": cid}, token=bob))["resolveComment"]["comment"]["resolved"]
    again = (await gql.ok(RESOLVE, {"id": cid}))["resolveComment"]
    assert again["errors"][0]["code"] == "CONFLICT"
    assert not (await gql.ok(REOPEN, {"id": cid}))["reopenComment"]["comment"]["resolved"]
    comments = (await gql.ok(DOCUMENT, {"id": doc["id"]}))["node"]["comments"]
    assert [c["replies"] for c in comments] == [[{"body": "yes"}]]

    # And the activity feed tells the story, newest first.
    feed = (await gql.ok(ACTIVITY, {"w": workspace}))["workspaceActivity"]
    verbs = [e["node"]["verb"] for e in feed["edges"]]
    assert verbs[:2] == ["comment.reopen", "comment.resolve"]
    assert "document.create" in verbs and "workspace.join" in verbs
    outsider = await make_user("olga")
    hidden = await gql(ACTIVITY, {"w": workspace}, token=outsider)
    assert hidden["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_search_articles_blends_text_and_semantics(
    gql, make_user, workspace, create_document
) -> None:
    corpus = {
        "Churn model": "Customer churn prediction uses monthly revenue and retention signals.",
        "Retention playbook": "Keep customers: retention campaigns, loyalty and churn reviews.",
        "Password rotation": "Rotate database passwords quarterly with the vault.",
        "Revenue policy": "Revenue recognition for finance, monthly close.",
    }
    for title, text in corpus.items():
        await create_document(workspace, title, text=text, isArticle=True, assetIds=["a:1"])
    await create_document(workspace, "Not an article", text="customer retention churn")

    hits = (await gql.ok(SEARCH, {"q": "customer retention"}))["searchArticles"]
    titles = [h["article"]["title"] for h in hits]
    assert titles[0] in {"Retention playbook", "Churn model"}
    assert "Not an article" not in titles and "Password rotation" not in titles
    assert all(h["semanticScore"] >= 0 and h["lexicalScore"] >= 0 for h in hits)

    churn = next(h["article"]["id"] for h in hits if h["article"]["title"] == "Churn model")
    related = (await gql.ok(DOCUMENT, {"id": churn}))["node"]["relatedArticles"]
    assert related and related[0]["article"]["title"] == "Retention playbook"
    # An outsider sees no article at all.
    outsider = await make_user("zed")
    assert (await gql.ok(SEARCH, {"q": "customer"}, token=outsider))["searchArticles"] == []
