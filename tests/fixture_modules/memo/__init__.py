"""memo: a test-only module (discovery, install, migration, views, access rules, record rules, jobs)."""
