#pragma once

#include <QString>
#include <vector>

namespace reprise {

/// Tick positions a person can read: multiples of 1, 2 or 5 × 10ⁿ covering [lo, hi] with about
/// `target` ticks (never more than 2·target). Degenerate ranges get a small range around the value.
std::vector<double> niceTicks(double lo, double hi, int target = 6);
/// Ticks for a log axis: the powers of ten in [lo, hi] (lo > 0); 1-2-5 within a decade when the
/// range spans less than two decades.
std::vector<double> logTicks(double lo, double hi);

/// Compact labels: "0", "250", "2.5k", "250k", "1.2M", "3.4G", "0.25", "3e-5"; `step` (the tick
/// spacing) decides how many decimals are needed, so neighbouring labels differ and "249999.8" never appears.
QString compactNumber(double value, double step = 0);
/// (Durations on a time axis use formatDuration() of store/run_format.h: "2h 05m".)

} // namespace reprise
