#pragma once

#include <QString>

// The run table at a million runs (issue 22), measured side by side with 100,000 runs in one process run.

/// Prints run_browser_1m figures: open → painted and peak memory (≤ 2 s, ≤ 1 GB), a filter keystroke
/// (≤ 30 ms), a sort (≤ 150 ms), a live refresh adding 1,000 runs (≤ 50 ms); and `reprise ls --filter`
/// over a million runs (≤ 1 s, whole process); each also at 100,000 runs (metrics ending in _100k).
void browser1mBench();

/// The main window on `path` (`runs` runs × 20 params × 10 metrics, as bench::writeWideDatabase
/// writes them): open to painted, filter keystrokes, sorts, live refreshes and peak memory, reported
/// as `bench` with `suffix` after each metric name. Defined in reprise_bench.cpp (run_browser_100k).
void measureRunBrowser(const char* bench, const QString& path, int runs, const char* suffix);
