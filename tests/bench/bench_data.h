#pragma once

#include "result.h"

#include <QString>

namespace reprise::bench {

/// Writes `runs` runs × `params` params × `metrics` latest metrics (one point each) into a new
/// database at `path`, fast (one transaction, direct inserts), for browser and filter benchmarks.
Status writeWideDatabase(const QString& path, int runs, int params, int metrics);

} // namespace reprise::bench
