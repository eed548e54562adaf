#pragma once

// Sweep and param-importance benchmarks (issue 20).

/// Drafting and checking a 1,000-member sweep (a 10 × 10 × 10 grid) of a run whose commit is not
/// HEAD and which recorded a 40-file patch: the run read, the draft built and checked once (git),
/// the grid parsed and expanded, and the 1,000 member drafts made. Target: 200 ms.
void sweepBench();

/// Importance of 20 params (every fifth categorical) for one metric over 10,000 runs: the run
/// table read from the database, Spearman per param, a 100-tree forest on every core. Target: 1 s
/// on 2 cores.
void importanceBench();
