#pragma once

#include "result.h"
#include "store/run_types.h"

#include <QHash>
#include <QStringList>
#include <atomic>
#include <optional>

namespace reprise {

/// Which value of a metric's history stands for a run in the run table.
struct MetricReading {
    enum class Kind { Latest, Min, Max, AtStep };
    Kind kind = Kind::Latest;
    qint64 step = 0; ///< AtStep: the last point at or before this step

    /// "latest", "min", "max" or "step:N" (as remembered in settings); nothing for anything else.
    static std::optional<MetricReading> parse(const QString& text);
    QString toText() const;
    /// What the table's header says after the key: "", "min", "max", "@ 100".
    QString label() const;
};

/// The reading of one history: the last point (largest step, last logged), the smallest or largest
/// value (NaN ignored; NaN when every value is NaN), or the last point at or before the step (NaN when
/// none is).
double readHistory(const MetricHistory& history, const MetricReading& reading);

/// Per run of `uuids` (full ids) in the database at `path`, the reading of its metric `key`; runs
/// without that metric are left out. Opens the database read-only on the calling thread: call it off
/// the GUI thread. Stops early (with what it has) when `cancel` is raised.
Result<QHash<QString, double>> readMetric(const QString& path, const QStringList& uuids, const QString& key,
    const MetricReading& reading, const std::atomic<bool>* cancel = nullptr);

} // namespace reprise
