"""Logs never carry secrets or tracebacks."""

from __future__ import annotations

import io
import json
import logging

from racine.logs import configure_logging, redact, request_id_var


def test_redact_removes_credentials() -> None:
    assert redact("postgresql://bob:s3cret@db:5432/x") == "postgresql://bob:***@db:5432/x"
    assert "abc.def" not in redact("Authorization: Bearer abc.def")
    assert redact("token rcn_ABCDEFGHIJKLMNOP leaked") == "token rcn_*** leaked"
    assert redact("password=hunter2 user=x") == "password=*** user=x"


def test_json_lines_with_request_id_and_no_traceback(capsys) -> None:
    configure_logging("INFO", json=True)
    stream = io.StringIO()
    handler = logging.getLogger().handlers[0]
    handler.setStream(stream)  # type: ignore[attr-defined]
    token = request_id_var.set("req-1")
    try:
        try:
            raise ValueError("cannot reach postgresql://u:pw@h/db")
        except ValueError:
            logging.getLogger("t").exception("boom with rcn_ABCDEFGHIJKLMNOP")
    finally:
        request_id_var.reset(token)
    line = json.loads(stream.getvalue().strip())
    assert line["request_id"] == "req-1"
    assert line["message"] == "boom with rcn_***"
    assert line["error"] == "ValueError: cannot reach postgresql://u:***@h/db"
    assert "Traceback" not in stream.getvalue() and "pw" not in stream.getvalue()
