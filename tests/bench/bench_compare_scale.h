#pragma once

// Compare at ten times the runs (issue 22): 100 runs × 1,000,000 points loaded and first drawn, and
// pan/zoom frames over 50 runs × 10,000,000 points, side by side with the 20-run and 10-run figures.

/// Prints compare_scale figures: load-and-draw time and peak memory for 100 × 1 M (target ≤ 2 s, ≤ 2 GB),
/// pan/zoom frame median and worst for 50 × 10 M (target ≤ 50 ms).
void compareScaleBench();
