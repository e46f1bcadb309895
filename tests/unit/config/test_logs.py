"""Logs never carry secrets or tracebacks."""

from __future__ import annotations

import io
import json
import logging
import traceback

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


def test_a_traceback_formatted_into_a_message_is_cut_to_its_exception() -> None:
    # Starlette reports a failed application startup with the traceback as its text
    configure_logging("INFO", json=True)
    stream = io.StringIO()
    handler = logging.getLogger().handlers[0]
    handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except ConnectionRefusedError as exc:
            raise RuntimeError("cannot reach postgresql://u:pw@h/db") from exc
    except RuntimeError:
        text = traceback.format_exc()
    # ...and SQLAlchemy's errors end with notes (their parameters may be anything)
    sql_notes = "\n[SQL: SELECT id\nFROM\njob_runs]\n[parameters: ('rcn_ABCDEFGHIJKLMN',)]\n"
    background = "(Background on this error at: https://sqlalche.me/e/21/e3q8)\n"
    logging.getLogger("uvicorn.error").error(text.rstrip() + sql_notes + background)
    line = json.loads(stream.getvalue().strip())
    assert line["message"] == "RuntimeError: cannot reach postgresql://u:***@h/db"
    for gone in ("Traceback", "File ", "parameters", "rcn_", "job_runs", "pw"):
        assert gone not in stream.getvalue(), gone
