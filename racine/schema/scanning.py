"""Scanning area: data sources, scan rule sets, scans, live scan progress and
catalog changes. Credentials are input-only: outputs show `hasCredentials` and a
URL whose password is `***`."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from racine.domain.scanning import model
from racine.schema.catalog import Asset
from racine.schema.errors import UserError
from racine.schema.relay import encode_id

if TYPE_CHECKING:
    from racine.schema.access import User

__all__ = [
    "CancelScanInput",
    "CatalogChange",
    "ConnectionFailureReason",
    "ConnectionFieldsInput",
    "CreateDataSourceInput",
    "DataSource",
    "DataSourcePayload",
    "DeleteDataSourceInput",
    "DeleteScanRuleSetInput",
    "Scan",
    "ScanPayload",
    "ScanProgress",
    "ScanRuleSet",
    "ScanRuleSetInput",
    "ScanRuleSetPayload",
    "ScanState",
    "StartScanInput",
    "TableError",
    "TestDataSourceConnectionInput",
    "TestDataSourceConnectionPayload",
    "UpdateDataSourceInput",
    "UpdateScanRuleSetInput",
]


@strawberry.enum(description="Life cycle of a scan (its durable job run).")
class ScanState(Enum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


@strawberry.enum(description="Why a source could not be used. Messages never hold secrets.")
class ConnectionFailureReason(Enum):
    UNREACHABLE = "UNREACHABLE"
    AUTHENTICATION_FAILED = "AUTHENTICATION_FAILED"
    DATABASE_MISSING = "DATABASE_MISSING"
    TIMEOUT = "TIMEOUT"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    UNKNOWN = "UNKNOWN"


@strawberry.type(description="A registered external database (PostgreSQL, MySQL/MariaDB, SQLite).")
class DataSource(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Unique name; root of its assets' qualified names.")
    engine: str = strawberry.field(description="postgresql, mysql or sqlite.")
    url: str = strawberry.field(description="Connection URL with the password shown as `***`.")
    has_credentials: bool = strawberry.field(description="A password is stored (encrypted).")
    description: str | None = strawberry.field(description="Free text.")
    schedule: str | None = strawberry.field(description="Cron expression of automatic scans.")
    next_scan_at: datetime | None = strawberry.field(description="Next scheduled scan (UTC).")
    created_at: datetime = strawberry.field(description="When it was registered (UTC).")
    raw: strawberry.Private[model.DataSource]

    @classmethod
    def from_domain(cls, s: model.DataSource) -> Self:
        return cls(
            id=str(s.id),
            name=s.name,
            engine=s.engine,
            url=s.display_url,
            has_credentials=s.has_credentials,
            description=s.description,
            schedule=s.schedule,
            next_scan_at=s.next_scan_at,
            created_at=s.created_at,
            raw=s,
        )

    @strawberry.field(description="The scan rule set used by default (the built-in one if unset).")
    async def rule_set(self, info: Info) -> ScanRuleSet:
        from racine.resolvers import scanning

        return await scanning.rule_set_of(info, self.raw.rule_set_id)

    @strawberry.field(description="The source's root asset (kind DATA_SOURCE).")
    async def asset(self, info: Info) -> Asset | None:
        found = await info.context.loaders.asset.load(self.raw.id)
        return None if found is None else Asset.from_domain(found)

    @strawberry.field(
        description="Its newest scan, whatever its state (QUEUED and RUNNING included); "
        "null if it was never scanned. A list of sources with this field costs one query "
        "for all of them. Older scans: `scans(dataSourceId:)`."
    )
    async def last_scan(self, info: Info) -> Scan | None:
        found = await info.context.loaders.latest_scan.load(self.raw.id)
        return None if found is None else Scan.from_domain(found)


@strawberry.type(
    description="What a scan looks at and how. Globs use `*`, `?`, `[...]`; table "
    "globs with a dot match `schema.table`. Empty includes mean everything."
)
class ScanRuleSet(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Unique name; `Default` is built in and read-only.")
    description: str = strawberry.field(description="Free text.")
    is_default: bool = strawberry.field(description="The built-in rule set.")
    include_schemas: list[str] = strawberry.field(description="Schemas to scan (≤ 100 globs).")
    exclude_schemas: list[str] = strawberry.field(description="Schemas to skip (≤ 100 globs).")
    include_tables: list[str] = strawberry.field(description="Tables to scan (≤ 100 globs).")
    exclude_tables: list[str] = strawberry.field(description="Tables to skip (≤ 100 globs).")
    sample_size: int = strawberry.field(description="Rows sampled per table (1-10,000).")
    profiling: bool = strawberry.field(description="Profile columns.")
    classification: bool = strawberry.field(description="Classify columns.")
    min_match_ratio: float = strawberry.field(
        description="Share of values a value rule must match."
    )
    auto_confirm_threshold: float = strawberry.field(
        description="Labels at or above this confidence are CONFIRMED, others SUGGESTED."
    )
    min_confidence: float = strawberry.field(description="Labels below this are dropped.")
    enabled_types: list[str] | None = strawberry.field(
        description="Classification types to detect; null means all."
    )
    use_ml: bool = strawberry.field(description="Use the shipped model besides rules.")

    @classmethod
    def from_domain(cls, r: model.ScanRuleSet) -> Self:
        return cls(
            id=str(r.id),
            name=r.name,
            description=r.description,
            is_default=r.is_default,
            include_schemas=r.include_schemas,
            exclude_schemas=r.exclude_schemas,
            include_tables=r.include_tables,
            exclude_tables=r.exclude_tables,
            sample_size=r.sample_size,
            profiling=r.profiling,
            classification=r.classification,
            min_match_ratio=r.min_match_ratio,
            auto_confirm_threshold=r.auto_confirm_threshold,
            min_confidence=r.min_confidence,
            enabled_types=r.enabled_types,
            use_ml=r.use_ml,
        )


@strawberry.type(
    description="A table (or schema) a scan could not read, or read only in part; the scan went on."
)
class TableError:
    table: str = strawberry.field(description="Qualified name of the table or schema.")
    reason: str = strawberry.field(
        description="UNREACHABLE, PERMISSION_DENIED, TIMEOUT, "
        "NOT_FOUND (dropped mid-scan), ENCODING, UNREADABLE, "
        "UNAVAILABLE (the analysis worker stopped: out of memory, killed), …; "
        "COLUMNS_UNREADABLE: the table was catalogued, but the scanning user may read "
        "only some of its columns (column-level grants: the message names those it "
        "could not read) or none (no SELECT on the table or its schema), catalogued "
        "without profile or classification (a profile and labels found before stay); "
        "NOT_POPULATED: a materialized view never populated, catalogued without rows "
        "to read; FOREIGN_UNREADABLE: a foreign table whose server could not be read "
        "through (the message says why), catalogued without profile or classification; "
        "ROWS_UNDECODABLE: a table whose rows hold text that could not be decoded, "
        "catalogued without them; SAMPLE_TIMEOUT: a table or view whose sample outlasted "
        "the source's statement timeout (a costly view, a lock), catalogued without it."
    )
    message: str = strawberry.field(description="Explanation without secrets.")

    @classmethod
    def from_record(cls, error: dict[str, Any]) -> Self:
        """One of a scan's recorded ``errors``."""
        return cls(
            table=error.get("table", ""),
            reason=error.get("reason", ""),
            message=error.get("message", ""),
        )


@strawberry.type(description="One scan of one data source.")
class Scan(relay.Node):
    id: relay.NodeID[str]
    state: ScanState = strawberry.field(description="Current state.")
    reason: str | None = strawberry.field(
        description="Why it FAILED or was CANCELLED, or why a QUEUED scan was re-queued "
        "(its worker stopped or was lost); none while it runs."
    )
    created_at: datetime = strawberry.field(description="When it was queued (UTC).")
    started_at: datetime | None = strawberry.field(description="When it started running.")
    finished_at: datetime | None = strawberry.field(description="When it ended.")
    duration_seconds: float | None = strawberry.field(description="Running time so far or total.")
    tables_total: int = strawberry.field(description="Tables selected by the rule set.")
    tables_done: int = strawberry.field(description="Tables stored.")
    columns_done: int = strawberry.field(description="Columns stored.")
    assets_added: int = strawberry.field(description="Tables and views new to the catalog.")
    assets_removed: int = strawberry.field(description="Tables and views soft-deleted.")
    assets_changed: int = strawberry.field(description="Tables whose columns changed.")
    errors: list[TableError] = strawberry.field(description="Per-table errors (≤ all tables).")
    raw: strawberry.Private[model.Scan]

    @classmethod
    def from_domain(cls, s: model.Scan) -> Self:
        return cls(
            id=str(s.id),
            state=ScanState(s.state.value),
            reason=s.reason,
            created_at=s.created_at,
            started_at=s.started_at,
            finished_at=s.finished_at,
            duration_seconds=s.duration_s,
            tables_total=s.tables_total,
            tables_done=s.tables_done,
            columns_done=s.columns_done,
            assets_added=s.added,
            assets_removed=s.removed,
            assets_changed=s.changed,
            errors=[TableError.from_record(e) for e in s.errors],
            raw=s,
        )

    @strawberry.field(description="The scanned source.")
    async def data_source(self, info: Info) -> DataSource | None:
        found = await info.context.loaders.data_source.load(self.raw.source_id)
        return None if found is None else DataSource.from_domain(found)

    @strawberry.field(description="Global id of the rule set used.")
    def rule_set_id(self) -> strawberry.ID:
        return encode_id("ScanRuleSet", self.raw.rule_set_id)

    @strawberry.field(
        description="Who started it; null when Racine did (the data source's `schedule`, "
        "or `racine serve --demo`), or the user was deleted."
    )
    async def requested_by(
        self, info: Info
    ) -> Annotated[User, strawberry.lazy("racine.schema.access")] | None:
        from racine.schema.access import User

        if self.raw.requester is None:
            return None
        found = await info.context.loaders.user.load(self.raw.requester)
        return None if found is None else User.from_domain(found)


@strawberry.type(
    description="A live step of a scan. The stream ends after the event whose "
    "`state` is terminal (SUCCEEDED, FAILED, CANCELLED)."
)
class ScanProgress:
    scan_id: strawberry.ID = strawberry.field(description="The Scan.")
    type: str = strawberry.field(
        description="SNAPSHOT, SCAN_STARTED, TABLE_STARTED, "
        "TABLE_FINISHED, TABLE_FAILED, SCAN_FINISHED, STATE or GAP."
    )
    state: ScanState = strawberry.field(description="State of the scan now.")
    reason: str | None = strawberry.field(
        description="Why it failed or was cancelled, or why a QUEUED scan was re-queued."
    )
    table: str | None = strawberry.field(description="Qualified name of the table concerned.")
    tables_total: int = strawberry.field(description="Tables to scan.")
    tables_done: int = strawberry.field(description="Tables stored.")
    tables_failed: int = strawberry.field(description="Tables that failed.")
    columns_done: int = strawberry.field(description="Columns stored.")
    percent: float = strawberry.field(
        description="0-100: tables done (stored or failed) of tables to scan; 0 until the "
        "scan has counted its tables (QUEUED), 100 once it has ended."
    )
    eta_seconds: float | None = strawberry.field(description="Estimated seconds left.")
    error: TableError | None = strawberry.field(
        description="The table's error (TABLE_FAILED), or what of it could not be read "
        "(TABLE_FINISHED, reason COLUMNS_UNREADABLE, NOT_POPULATED, FOREIGN_UNREADABLE, "
        "ROWS_UNDECODABLE or SAMPLE_TIMEOUT)."
    )
    errors: list[TableError] = strawberry.field(
        description="On the steps read from the scan's record (SNAPSHOT, GAP and the "
        "closing STATE): every per-table error so far, as `Scan.errors`, so a subscriber "
        "that came late or missed steps has them all. Empty on live table steps (see "
        "`error`)."
    )


@strawberry.type(
    description="A change to the catalog: ASSET_ADDED, ASSET_REMOVED, ASSET_RENAMED (a "
    "scan found a table or view under another name or schema: before/after "
    "`qualifiedName`), SCHEMA_CHANGED (with before/after column lists), ASSET_UPDATED, "
    "CLASSIFICATION_CHANGED (labels of one or more columns changed, by a scan, a "
    "steward or a change to their type), CLASSIFICATION_PROPAGATED / "
    "CLASSIFICATION_UNPROPAGATED (a lineage copy of a label added to or removed from a "
    "column), LINEAGE_CHANGED (lineage edges added, changed or removed; no asset: "
    "re-read the lineage), or GAP (events may have been missed: re-read)."
)
class CatalogChange:
    type: str = strawberry.field(description="What happened.")
    asset_id: strawberry.ID | None = strawberry.field(
        description="The Asset, when the change is about one (see `assetIds`)."
    )
    asset_ids: list[strawberry.ID] = strawberry.field(
        description="Every Asset the change is about: `assetId` alone, or the columns of a "
        "CLASSIFICATION_CHANGED that covers several (a scan's, a type's change: up to "
        "1,000 per event, one event per data source). Empty for LINEAGE_CHANGED and GAP."
    )
    kind: str | None = strawberry.field(description="Its kind (with `assetId`).")
    qualified_name: str | None = strawberry.field(
        description="Its qualified name (with `assetId`)."
    )
    data_source_id: strawberry.ID | None = strawberry.field(
        description="The DataSource of the assets (LINEAGE_CHANGED: the one source that all "
        "its edges' ends, or the SQL they came from, lie in; none when they join sources). A "
        "subscription filtered by data source gets only changes that name it."
    )
    label: str | None = strawberry.field(
        description="CLASSIFICATION_CHANGED by a steward or a type's change, and "
        "CLASSIFICATION_PROPAGATED/UNPROPAGATED of a classification: the type's key; "
        "a propagated glossary term: the GlossaryTerm's id."
    )
    before: JSON | None = strawberry.field(
        description="SCHEMA_CHANGED: columns before (`name`, `dataType`, `nullable`); "
        "ASSET_RENAMED: `{qualifiedName}` before; CLASSIFICATION_CHANGED by a steward: "
        "the label before."
    )
    after: JSON | None = strawberry.field(
        description="SCHEMA_CHANGED: columns after; ASSET_RENAMED: `{qualifiedName}` after; "
        "CLASSIFICATION_CHANGED by a steward: the label after."
    )


@strawberry.input(description="Connection parts, instead of a URL.")
class ConnectionFieldsInput:
    engine: str = strawberry.field(description="postgresql, mysql, mariadb or sqlite.")
    host: str | None = strawberry.field(default=None, description="Host (not for SQLite).")
    port: int | None = strawberry.field(default=None, description="Port, 1-65535.")
    database: str | None = strawberry.field(default=None, description="Database name.")
    user: str | None = strawberry.field(default=None, description="User name.")
    path: str | None = strawberry.field(default=None, description="SQLite file path.")


@strawberry.input(
    description="Register a data source. STEWARD or above. Give `url` or "
    "`connection`; the password (in the URL or `password`) is write-only."
)
class CreateDataSourceInput:
    name: str = strawberry.field(description="Unique, 1-100 characters, no dots.")
    url: str | None = strawberry.field(
        default=None, description="e.g. `postgresql://user:pw@host:5432/db`, `sqlite:///f.db`."
    )
    connection: ConnectionFieldsInput | None = strawberry.field(
        default=None, description="Connection parts instead of a URL."
    )
    password: str | None = strawberry.field(default=None, description="Password (write-only).")
    description: str | None = strawberry.field(default=None, description="Free text.")
    rule_set_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default ScanRuleSet (the built-in one if omitted)."
    )
    schedule: str | None = strawberry.field(
        default=None,
        description="Cron schedule of automatic scans (UTC): five fields, e.g. `0 3 * * *`, "
        "or a macro such as `@daily`.",
    )


@strawberry.input(description="Change a data source; omitted fields stay. STEWARD or above.")
class UpdateDataSourceInput:
    id: strawberry.ID = strawberry.field(description="The DataSource.")
    name: str | None = strawberry.field(default=None, description="New name.")
    url: str | None = strawberry.field(default=None, description="New URL (replaces credentials).")
    connection: ConnectionFieldsInput | None = strawberry.field(
        default=None, description="New connection parts (replaces credentials)."
    )
    password: str | None = strawberry.field(
        default=None, description="New password only (write-only)."
    )
    description: str | None = strawberry.field(default=None, description="Free text.")
    rule_set_id: strawberry.ID | None = strawberry.field(default=None, description="ScanRuleSet.")
    schedule: str | None = strawberry.field(
        default=None,
        description="Cron schedule (five fields or a macro such as `@daily`, UTC); an empty "
        "string removes it.",
    )


@strawberry.input(description="Remove a data source with its catalog assets. STEWARD or above.")
class DeleteDataSourceInput:
    id: strawberry.ID = strawberry.field(description="The DataSource.")


@strawberry.type(description="Result of a data source mutation.")
class DataSourcePayload:
    errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.")
    data_source: DataSource | None = strawberry.field(default=None, description="The source.")


@strawberry.input(
    description="Test a stored source (`id`) or a URL before saving it. STEWARD or above."
)
class TestDataSourceConnectionInput:
    id: strawberry.ID | None = strawberry.field(default=None, description="A DataSource.")
    url: str | None = strawberry.field(default=None, description="Or a URL to try.")
    connection: ConnectionFieldsInput | None = strawberry.field(
        default=None, description="Or connection parts."
    )
    password: str | None = strawberry.field(default=None, description="Password to try.")


@strawberry.type(
    description="Result of a connection test. A failed connection is an error "
    "with code CONNECTION_FAILED and a typed `failureReason`."
)
class TestDataSourceConnectionPayload:
    errors: list[UserError] = strawberry.field(description="Bad input or the failure.")
    ok: bool = strawberry.field(default=False, description="The source answered.")
    failure_reason: ConnectionFailureReason | None = strawberry.field(
        default=None, description="Why it failed."
    )
    latency_ms: float | None = strawberry.field(default=None, description="Time taken.")


@strawberry.input(description="A new scan rule set. STEWARD or above.")
class ScanRuleSetInput:
    name: str = strawberry.field(description="Unique, 1-100 characters.")
    description: str | None = strawberry.field(default=None, description="Free text.")
    include_schemas: list[str] | None = strawberry.field(default=None, description="≤ 100 globs.")
    exclude_schemas: list[str] | None = strawberry.field(default=None, description="≤ 100 globs.")
    include_tables: list[str] | None = strawberry.field(default=None, description="≤ 100 globs.")
    exclude_tables: list[str] | None = strawberry.field(default=None, description="≤ 100 globs.")
    sample_size: int | None = strawberry.field(default=None, description="1-10,000 (500).")
    profiling: bool | None = strawberry.field(default=None, description="Profile (true).")
    classification: bool | None = strawberry.field(default=None, description="Classify (true).")
    min_match_ratio: float | None = strawberry.field(default=None, description="(0, 1] (0.8).")
    auto_confirm_threshold: float | None = strawberry.field(
        default=None, description="(0, 1] (0.9)."
    )
    min_confidence: float | None = strawberry.field(default=None, description="[0, 1) (0.3).")
    enabled_types: list[str] | None = strawberry.field(
        default=None, description="Type keys to detect (all if omitted)."
    )
    use_ml: bool | None = strawberry.field(default=None, description="Use the model (true).")


@strawberry.input(description="Change a scan rule set; omitted fields stay. STEWARD or above.")
class UpdateScanRuleSetInput(ScanRuleSetInput):
    id: strawberry.ID = strawberry.field(description="The ScanRuleSet.")
    name: str | None = strawberry.field(default=None, description="New name.")  # type: ignore[assignment]


@strawberry.input(description="Delete a rule set no source uses. STEWARD or above.")
class DeleteScanRuleSetInput:
    id: strawberry.ID = strawberry.field(description="The ScanRuleSet.")


@strawberry.type(description="Result of a rule set mutation.")
class ScanRuleSetPayload:
    errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.")
    rule_set: ScanRuleSet | None = strawberry.field(default=None, description="The rule set.")


@strawberry.input(description="Queue a scan. STEWARD or above. One active scan per source.")
class StartScanInput:
    data_source_id: strawberry.ID = strawberry.field(description="The DataSource.")
    rule_set_id: strawberry.ID | None = strawberry.field(
        default=None, description="Override the source's rule set."
    )


@strawberry.input(description="Cancel a queued or running scan. STEWARD or above.")
class CancelScanInput:
    id: strawberry.ID = strawberry.field(description="The Scan.")


@strawberry.type(description="Result of startScan or cancelScan.")
class ScanPayload:
    errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.")
    scan: Scan | None = strawberry.field(default=None, description="The scan.")
