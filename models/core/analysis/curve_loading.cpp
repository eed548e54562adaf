#include "analysis/curve_loading.h"

#include "analysis/decimation.h"
#include "store/database.h"
#include "store/run_store.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <sqlite3.h>

namespace reprise {

WallTimes::WallTimes(std::span<const double> seconds)
    : m_size(seconds.size())
{
    constexpr double kLimit = 9007199254740992.0; // 2^53 ms: every such count is a double exactly
    const bool compact = std::all_of(seconds.begin(), seconds.end(), [](double s) {
        const double ms = s * 1000;
        return std::isfinite(ms) && std::abs(ms) < kLimit;
    });
    if (!compact) {
        m_seconds.assign(seconds.begin(), seconds.end());
        return;
    }
    m_first.reserve((seconds.size() + kBlock - 1) / kBlock);
    m_offset.reserve(m_first.capacity());
    m_bytes.reserve(seconds.size() * 2);
    std::int64_t previous = 0;
    for (std::size_t i = 0; i < seconds.size(); ++i) {
        // Rounded half away from zero like llround(), without a libm call a point.
        const double exact = seconds[i] * 1000;
        const auto ms = std::int64_t(exact + (exact < 0 ? -0.5 : 0.5));
        if (i % kBlock == 0) {
            m_first.push_back(ms);
            m_offset.push_back(std::uint32_t(m_bytes.size()));
        } else {
            // Zigzag: small differences either way take few bytes (wall times can go back).
            const std::int64_t delta = ms - previous;
            auto z = (std::uint64_t(delta) << 1) ^ std::uint64_t(delta >> 63);
            while (z >= 0x80) {
                m_bytes.push_back(std::uint8_t(z | 0x80));
                z >>= 7;
            }
            m_bytes.push_back(std::uint8_t(z));
        }
        previous = ms;
    }
    if (m_bytes.size() > std::numeric_limits<std::uint32_t>::max()) {
        // Beyond 32-bit offsets (hundreds of millions of erratic times): doubles, as given.
        m_first.clear();
        m_offset.clear();
        m_bytes.clear();
        m_seconds.assign(seconds.begin(), seconds.end());
        return;
    }
    m_bytes.shrink_to_fit();
}

double WallTimes::operator[](std::size_t i) const
{
    if (i >= m_size)
        return std::numeric_limits<double>::quiet_NaN();
    if (!m_seconds.empty())
        return m_seconds[i];
    const std::size_t block = i / kBlock;
    std::int64_t ms = m_first[block];
    const std::uint8_t* p = m_bytes.data() + m_offset[block];
    for (std::size_t k = block * kBlock; k < i; ++k) {
        std::uint64_t z = 0;
        for (int shift = 0;; shift += 7) {
            const std::uint8_t byte = *p++;
            z |= std::uint64_t(byte & 0x7f) << shift;
            if (!(byte & 0x80))
                break;
        }
        ms += std::int64_t(z >> 1) ^ -std::int64_t(z & 1);
    }
    return double(ms) / 1000.0;
}

std::size_t WallTimes::bytes() const
{
    return m_first.capacity() * sizeof(std::int64_t) + m_offset.capacity() * sizeof(std::uint32_t) + m_bytes.capacity()
        + m_seconds.capacity() * sizeof(double);
}

namespace {

    /// The packed history of (run, key), when every point of it is packed: its rowid in metric_packed
    /// and its point count.
    struct PackedRow {
        qint64 rowId = 0;
        qint64 count = 0;
    };

    std::optional<PackedRow> wholePackedRow(const Database& db, const RunRef& run, const QString& key)
    {
        if (db.schemaVersion() < 4)
            return std::nullopt;
        auto s = db.prepare("SELECT p.rowid, p.count, l.count FROM metric_latest l JOIN metric_keys k ON k.id = "
                            "l.key_id JOIN metric_packed p ON p.run_id = l.run_id AND p.key_id = l.key_id WHERE "
                            "l.run_id = ? AND k.name = ?");
        if (!s)
            return std::nullopt;
        s->bind(1, run.rowId);
        s->bind(2, key);
        if (s->step() != SQLITE_ROW || s->int64(1) != s->int64(2) || s->int64(1) < 0)
            return std::nullopt;
        return PackedRow { s->int64(0), s->int64(1) };
    }

    /// Column `column` of metric_packed row `rowId`, exactly `bytes` long, into `into`.
    bool readBlob(const Database& db, qint64 rowId, const char* column, void* into, std::size_t bytes)
    {
        sqlite3_blob* blob = nullptr;
        if (sqlite3_blob_open(db.handle(), "main", "metric_packed", column, rowId, 0, &blob) != SQLITE_OK) {
            sqlite3_blob_close(blob);
            return false;
        }
        const bool ok = std::size_t(sqlite3_blob_bytes(blob)) == bytes
            && (bytes == 0 || sqlite3_blob_read(blob, into, int(bytes), 0) == SQLITE_OK);
        sqlite3_blob_close(blob);
        return ok;
    }

} // namespace

Status readCurveArrays(const RunStore& store, const RunRef& run, const QString& key, bool withTimes,
    std::vector<double>& values, CurveScratch& scratch)
{
    const Database& db = store.database();
    {
        ReadTransaction snapshot(db);
        if (!snapshot.status())
            return snapshot.status().error();
        const std::optional<PackedRow> packed = wholePackedRow(db, run, key);
        // sqlite3_blob_read() takes an int: longer blobs, and any blob not of the count's size (damage,
        // which loadMetric() reports), go the general way.
        if (packed && packed->count <= std::numeric_limits<int>::max() / 8) {
            const auto n = std::size_t(packed->count);
            resizeLarge(values, n);
            resizeLarge(scratch.steps, n);
            resizeLarge(scratch.times, withTimes ? n : 0);
            if (readBlob(db, packed->rowId, "vals", values.data(), n * sizeof(double))
                && readBlob(db, packed->rowId, "steps", scratch.steps.data(), n * sizeof(qint64))
                && (!withTimes || readBlob(db, packed->rowId, "times", scratch.times.data(), n * sizeof(double))))
                return success();
        }
    }
    auto history = store.loadMetric(run, key, withTimes ? RunStore::PointTimes::Load : RunStore::PointTimes::Skip);
    if (!history)
        return history.error();
    values = std::move(history->values);
    scratch.steps = std::move(history->steps);
    scratch.times = std::move(history->times);
    return success();
}

QString curveLabel(const RunRecord& run)
{
    return (run.name.isEmpty() ? QString() : run.name + QStringLiteral(" · ")) + run.uuid.left(6);
}

Result<std::vector<std::optional<MetricCurve>>> loadRunCurves(
    const QString& database, const RunRecord& run, const QStringList& keys, CurveAxis axis)
{
    std::vector<std::optional<MetricCurve>> out(std::size_t(keys.size()));
    auto store = RunStore::open(database, OpenMode::ReadOnly);
    if (!store)
        return store.error();
    // Long histories read through the OS page cache directly instead of being copied page by
    // page into SQLite's cache. Only here: mapped pages count as the process's memory, and
    // the run browser's snapshot load gains nothing from them.
    (void)store->database().exec("PRAGMA mmap_size=1073741824;");
    auto ref = store->resolveRun(run.uuid);
    if (!ref)
        return out;
    for (qsizetype k = 0; k < keys.size(); ++k) {
        const bool logged = std::any_of(
            run.metrics.begin(), run.metrics.end(), [&](const MetricSummary& m) { return m.key == keys[k]; });
        if (!logged)
            continue;
        auto history = store->loadMetric(
            *ref, keys[k], axis == CurveAxis::Step ? RunStore::PointTimes::Skip : RunStore::PointTimes::Load);
        if (!history)
            return history.error();
        auto x = std::make_shared<std::vector<double>>(history->size());
        auto y = std::make_shared<std::vector<double>>(std::move(history->values));
        for (std::size_t i = 0; i < x->size(); ++i) {
            (*x)[i] = axis == CurveAxis::Step ? double(history->steps[i])
                : axis == CurveAxis::WallTime ? history->times[i]
                                              : history->times[i] - run.startTime;
        }
        if (axis != CurveAxis::Step && !std::is_sorted(x->begin(), x->end())) {
            // Wall times can go back (clock changes); keep x sorted for the binary search.
            std::vector<std::size_t> order(x->size());
            std::iota(order.begin(), order.end(), 0);
            std::stable_sort(
                order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return (*x)[a] < (*x)[b]; });
            auto sx = std::make_shared<std::vector<double>>(), sy = std::make_shared<std::vector<double>>();
            sx->reserve(order.size());
            sy->reserve(order.size());
            for (std::size_t i : order) {
                sx->push_back((*x)[i]);
                sy->push_back((*y)[i]);
            }
            x = sx;
            y = sy;
        }
        out[std::size_t(k)] = MetricCurve { run.uuid, curveLabel(run), std::move(x), std::move(y) };
    }
    return out;
}

} // namespace reprise
