#pragma once

// Team-store benchmarks (a PostgreSQL 15 server of their own, see tests/support/test_postgres.h).

/// `reprise sync`'s speed: one run of 1,000,000 points (as rows while running, packed once
/// finished), and 8 clients syncing a 1,000,000-point run each at once, as a writer login.
void teamSyncBench();

/// Reading a team store of 100,000 runs × 20 params × 10 metrics (short histories): the window
/// opened on it to the painted table, with no copy yet and with one; the copy's histories; a new
/// point of a running run synced by a writer, until the reader's window shows it.
void teamReadBench();

/// 20 finished runs × 1,000,000 points from a team store: brought into the reader's copy, then
/// loaded and drawn by the compare view from it.
void teamCompareBench();
