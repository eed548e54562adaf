#pragma once

// `reprise demo` at growing run counts (issue 22): the whole process, as a user runs it.

/// `reprise demo --runs N` for N = 320, 10,000 and 100,000 (default history share): wall time,
/// runs per second and points written. Target: 100,000 runs ≤ 60 s, time proportional to N.
void demoBench();
