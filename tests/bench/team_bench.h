#pragma once

// Team-store benchmarks (a PostgreSQL 15 server of their own, see tests/support/test_postgres.h).

/// `reprise sync`'s speed: one run of 1,000,000 points (as rows while running, packed once
/// finished), and 8 clients syncing a 1,000,000-point run each at once, as a writer login.
void teamSyncBench();
