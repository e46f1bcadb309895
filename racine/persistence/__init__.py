"""SQLAlchemy 2 async persistence: tables, unit of work, repositories, migrations."""
