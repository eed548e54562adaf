#include "query/metric_reading.h"

#include "store/run_store.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace reprise {

std::optional<MetricReading> MetricReading::parse(const QString& text)
{
    if (text == QLatin1String("latest"))
        return MetricReading { Kind::Latest, 0 };
    if (text == QLatin1String("min"))
        return MetricReading { Kind::Min, 0 };
    if (text == QLatin1String("max"))
        return MetricReading { Kind::Max, 0 };
    if (text.startsWith(QLatin1String("step:"))) {
        bool ok = false;
        const qint64 step = text.mid(5).toLongLong(&ok);
        if (ok)
            return MetricReading { Kind::AtStep, step };
    }
    return std::nullopt;
}

QString MetricReading::toText() const
{
    switch (kind) {
    case Kind::Latest:
        return QStringLiteral("latest");
    case Kind::Min:
        return QStringLiteral("min");
    case Kind::Max:
        return QStringLiteral("max");
    case Kind::AtStep:
        return QStringLiteral("step:%1").arg(step);
    }
    return {};
}

QString MetricReading::label() const
{
    switch (kind) {
    case Kind::Latest:
        return {};
    case Kind::Min:
        return QStringLiteral("min");
    case Kind::Max:
        return QStringLiteral("max");
    case Kind::AtStep:
        return QStringLiteral("@ %1").arg(step);
    }
    return {};
}

double readHistory(const MetricHistory& history, const MetricReading& reading)
{
    const double none = std::numeric_limits<double>::quiet_NaN();
    const size_t n = history.size();
    if (n == 0)
        return none;
    switch (reading.kind) {
    case MetricReading::Kind::Latest:
        return history.values.back(); // ordered by step, then logging order
    case MetricReading::Kind::Min:
    case MetricReading::Kind::Max: {
        double best = none;
        for (double v : history.values) {
            if (std::isnan(v))
                continue;
            if (std::isnan(best) || (reading.kind == MetricReading::Kind::Min ? v < best : v > best))
                best = v;
        }
        return best;
    }
    case MetricReading::Kind::AtStep: {
        // The last point logged at a step <= the one asked for.
        const auto end = std::upper_bound(history.steps.begin(), history.steps.end(), reading.step);
        return end == history.steps.begin() ? none : history.values[size_t(end - history.steps.begin()) - 1];
    }
    }
    return none;
}

Result<QHash<QString, double>> readMetric(const QString& path, const QStringList& uuids, const QString& key,
    const MetricReading& reading, const std::atomic<bool>* cancel)
{
    auto store = RunStore::open(path, OpenMode::ReadOnly);
    if (!store)
        return store.error();
    QHash<QString, double> out;
    for (const QString& uuid : uuids) {
        if (cancel && cancel->load())
            break;
        auto run = store->resolveRun(uuid);
        if (!run)
            continue; // not in this database (any more)
        auto history = store->loadMetric(*run, key, RunStore::PointTimes::Skip);
        if (!history)
            return history.error();
        if (history->size() > 0)
            out.insert(uuid, readHistory(*history, reading));
    }
    return out;
}

} // namespace reprise
