#pragma once

// The run table at a million runs (issue 22), measured side by side with 100,000 runs in one process run.

/// Prints run_browser_1m figures: open → painted and peak memory (≤ 2 s, ≤ 1 GB), a filter keystroke
/// (≤ 30 ms), a sort (≤ 150 ms), a live refresh adding 1,000 runs (≤ 50 ms); and `reprise ls --filter`
/// over a million runs (≤ 1 s, whole process).
void browser1mBench();
