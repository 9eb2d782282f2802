"""The benchmark harness (`make bench`): real servers, bulk-seeded data, wrk load, one table."""
