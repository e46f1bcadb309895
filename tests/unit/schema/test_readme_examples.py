"""Every GraphQL example in the README is valid against the committed schema."""

from __future__ import annotations

import re
from pathlib import Path

from graphql import DocumentNode, build_schema, parse, validate

ROOT = Path(__file__).resolve().parents[3]


def _examples() -> list[str]:
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```graphql\n(.*?)```", text, flags=re.S)
    documents: list[str] = []
    for block in blocks:
        documents.append(re.sub(r"<[^>]+>", "placeholder", block))  # "<id>" placeholders
    return documents


def test_readme_examples_validate() -> None:
    schema = build_schema((ROOT / "schema.graphql").read_text())
    examples = _examples()
    assert len(examples) >= 8
    problems = {}
    for example in examples:
        # A block may hold several anonymous operations: validate each on its own.
        for operation in parse(example).definitions:
            errors = validate(schema, DocumentNode(definitions=(operation,)))
            if errors:
                problems[str(operation.loc.source.body[operation.loc.start :][:60])] = [
                    e.message for e in errors
                ]
    assert problems == {}
