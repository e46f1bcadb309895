"""``racine serve --demo``: a sample shop database, registered and scanned.

Idempotent: the database file is built once in the data directory, and a second
start finds the ``demo-shop`` source and leaves it (and its scans) alone.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from racine.demo.data import build_shop
from racine.domain.access.model import Principal
from racine.domain.catalog.ports import CatalogUnitOfWork
from racine.domain.errors import Conflict
from racine.domain.scanning.credentials import CredentialCipher
from racine.domain.scanning.scans import StartScan, start_scan
from racine.domain.scanning.sources import SaveDataSource, create_data_source

__all__ = ["DEMO_SOURCE", "install_demo"]

log = logging.getLogger(__name__)

DEMO_SOURCE = "demo-shop"


async def install_demo(runtime: Any) -> None:
    settings = runtime.settings
    path = settings.data_dir / "demo-shop.db"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        build_shop(path)
    factory = cast(Any, runtime.uow)
    async with factory() as uow:
        existing = await cast(CatalogUnitOfWork, uow).sources.get_by_name(DEMO_SOURCE)
    if existing is not None:
        return
    actor = Principal.system()
    try:
        source = await create_data_source(
            factory(),
            actor,
            CredentialCipher(settings.secret()),
            SaveDataSource(
                name=DEMO_SOURCE,
                url=f"sqlite:///{path.resolve()}",
                description="Sample shop with synthetic personal data.",
            ),
        )
    except Conflict:  # another replica got there first
        return
    await start_scan(factory, runtime.jobs, actor, StartScan(source.id))
    log.info("demo source registered and scan queued", extra={"source": DEMO_SOURCE})
