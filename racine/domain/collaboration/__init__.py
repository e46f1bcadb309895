"""Collaborative workspaces: members, co-edited documents, discussions, knowledge base.

Every workspace-scoped object is authorised by membership (:mod:`.membership`);
a foreign id answers NOT_FOUND exactly like a missing one.
"""
