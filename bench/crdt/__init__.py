"""CRDT co-editing benchmark: Racine ``/yjs`` against the reference Node y-websocket server."""
