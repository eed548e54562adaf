#pragma once

#include "store/run_types.h"

namespace reprise {

/// "2026-11-05 14:03:07" in local time; "-" for NaN, infinity or beyond ±1e15 s (a damaged value).
QString formatTime(double epochSeconds);
/// "42s", "5m 03s", "2h 05m", "3d 04h"; "-" for NaN, infinity or beyond ±1e15 s.
QString formatDuration(double seconds);
/// A plain-text description of a run (as `reprise show` prints it): attributes, params, latest
/// metrics, tags, environment, steps, artifacts, datasets and the last lines of output.
QString describeRun(const RunRecord& run, const QList<OutputChunk>& output);

} // namespace reprise
