#pragma once

#include "result.h"

#include <QString>

namespace reprise {

struct DemoOptions {
    QString path; ///< its folder is created when missing
    int runs = 320;
    quint64 seed = 42;
    bool overwrite = false;
    /// The share of each history's points that is logged (1: every point; 0: automatic, every point
    /// up to 320 runs, then 320 / runs, so the demo's size grows with its runs only).
    double history = 0;
};

struct DemoSummary {
    int runs = 0;
    int projects = 0;
    qint64 points = 0;
};

/// Writes a deterministic, realistic demo database: four projects (image classification with
/// seeds to group, long 100k-step histories, a tabular pipeline with datasets that drift over time,
/// a fine-tuning project), learning curves with noise and spikes, some runs failed, killed or still
/// running, and reruns linked to their originals. The same seed gives the same runs and values.
/// The database is built in a temporary file and renamed into place, so PATH is never half-written.
Result<DemoSummary> generateDemo(const DemoOptions& options);

} // namespace reprise
