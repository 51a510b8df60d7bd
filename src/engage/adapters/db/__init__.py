"""SQLAlchemy 2 storage: tables, imperative mapping of domain classes, unit of work, migrations."""
