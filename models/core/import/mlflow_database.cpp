// MLflow's SQLite tracking store, any schema revision: tables and columns are probed, never assumed.

#include "import/checked_number.h"
#include "import/mlflow_datasets.h"
#include "import/source_reader.h"
#include "store/database.h"
#include "store/statement.h"

#include <QHash>
#include <QScopeGuard>
#include <QSet>
#include <QUrl>
#include <algorithm>
#include <cmath>
#include <limits>
#include <sqlite3.h>
#include <string>
#include <string_view>
#include <unordered_map>

namespace reprise {

namespace {

    /// MLflow stores ±inf as ±DBL_MAX (its SQL backends cannot hold infinities).
    double mlflowValue(double value, bool isNan)
    {
        if (isNan)
            return std::numeric_limits<double>::quiet_NaN();
        if (value >= std::numeric_limits<double>::max())
            return std::numeric_limits<double>::infinity();
        if (value <= -std::numeric_limits<double>::max())
            return -std::numeric_limits<double>::infinity();
        return value;
    }

    RunStatus mlflowStatus(const QString& status)
    {
        if (status == QLatin1String("FINISHED"))
            return RunStatus::Finished;
        if (status == QLatin1String("FAILED"))
            return RunStatus::Failed;
        if (status == QLatin1String("KILLED"))
            return RunStatus::Killed;
        return RunStatus::Running; // RUNNING, SCHEDULED
    }

    /// Columns of `table`, empty when the table does not exist.
    QSet<QString> columnsOf(sqlite3* db, const char* table)
    {
        QSet<QString> out;
        sqlite3_stmt* s = nullptr;
        const QByteArray sql = QByteArray("PRAGMA table_info(") + table + ')';
        if (sqlite3_prepare_v2(db, sql.constData(), -1, &s, nullptr) == SQLITE_OK)
            while (sqlite3_step(s) == SQLITE_ROW)
                out.insert(QString::fromUtf8(reinterpret_cast<const char*>(sqlite3_column_text(s, 1))));
        sqlite3_finalize(s);
        return out;
    }

    QString text(sqlite3_stmt* s, int column)
    {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, column));
        return p ? QString::fromUtf8(p, sqlite3_column_bytes(s, column)) : QString();
    }

    /// Runs one query and calls `row` for each result row; false (with `error`) if it fails.
    template <typename Row> bool each(sqlite3* db, const QByteArray& sql, Row row, QString& error)
    {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db, sql.constData(), -1, &s, nullptr) != SQLITE_OK) {
            error = QString::fromUtf8(sqlite3_errmsg(db));
            return false;
        }
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW)
            row(s);
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE) {
            error = QString::fromUtf8(sqlite3_errmsg(db));
            return false;
        }
        return true;
    }

    struct Point {
        qint64 step;
        qint64 timestamp;
        double value;
    };

    /// Hashes a std::string and a std::string_view alike: lookups by a view of SQLite's text.
    struct TextHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const { return std::hash<std::string_view> {}(text); }
    };

} // namespace

Result<ImportedSource> readMlflowDatabase(const QString& path, const ReadControl& control)
{
    sqlite3* db = nullptr;
    const QByteArray uri = QByteArrayLiteral("file:") + QUrl::fromLocalFile(path).path(QUrl::FullyEncoded).toUtf8()
        + QByteArrayLiteral("?mode=ro");
    if (sqlite3_open_v2(uri.constData(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) != SQLITE_OK) {
        const QString why = db ? QString::fromUtf8(sqlite3_errmsg(db)) : QStringLiteral("out of memory");
        sqlite3_close(db);
        return Error { path + QStringLiteral(": cannot open the MLflow database: ") + why, {} };
    }
    sqlite3_busy_timeout(db, 5000);
    const auto closer = qScopeGuard([db] { sqlite3_close(db); });
    const auto fail = [&](const QString& why) {
        return Error { path + QStringLiteral(": ") + why,
            QStringLiteral("is it an MLflow tracking database (mlflow.db)? `sqlite3 FILE .tables` shows its tables") };
    };

    const QSet<QString> runColumns = columnsOf(db, "runs");
    const QSet<QString> metricColumns = columnsOf(db, "metrics");
    if (!runColumns.contains(QStringLiteral("run_uuid")) || columnsOf(db, "experiments").isEmpty()) {
        // Missing tables, or a schema SQLite cannot read at all (a truncated or damaged file).
        QString damage;
        if (!each(
                db, "SELECT count(*) FROM sqlite_master", [](sqlite3_stmt*) {}, damage))
            return Error { path + QStringLiteral(": the database file is damaged or truncated (SQLite: ") + damage
                    + u')',
                QStringLiteral("copy it again from where it came from; MLflow's own `sqlite3 FILE .recover` may "
                               "save what is left") };
        return fail(QStringLiteral("no MLflow runs and experiments tables"));
    }

    ImportedSource source;
    source.kind = SourceKind::MlflowDatabase;
    QString error;
    QString revision;
    (void)each(
        db, "SELECT version_num FROM alembic_version", [&](sqlite3_stmt* s) { revision = text(s, 0); }, error);

    QHash<qint64, QString> experiments;
    QSet<qint64> deletedExperiments;
    const bool experimentStage = columnsOf(db, "experiments").contains(QStringLiteral("lifecycle_stage"));
    if (!each(
            db,
            experimentStage ? "SELECT experiment_id, name, lifecycle_stage FROM experiments"
                            : "SELECT experiment_id, name, 'active' FROM experiments",
            [&](sqlite3_stmt* s) {
                experiments.insert(sqlite3_column_int64(s, 0), text(s, 1));
                if (text(s, 2) == QLatin1String("deleted"))
                    deletedExperiments.insert(sqlite3_column_int64(s, 0));
            },
            error))
        return fail(QStringLiteral("cannot read experiments: ") + error);

    // Runs, with whichever optional columns this revision has.
    auto column = [&](const char* name, const char* fallback) {
        return runColumns.contains(QString::fromLatin1(name)) ? QByteArray(name) : QByteArray(fallback);
    };
    const QByteArray runSql = "SELECT run_uuid, " + column("name", "''") + ", " + column("status", "''") + ", "
        + column("start_time", "NULL") + ", " + column("end_time", "NULL") + ", " + column("user_id", "''") + ", "
        + column("lifecycle_stage", "'active'") + ", " + column("experiment_id", "0") + ", "
        + column("source_version", "''") + ", " + column("artifact_uri", "''") + " FROM runs";
    QHash<QString, int> runIndex;
    qint64 badTimes = 0;
    QString firstBadTime;
    // A run's start or end in milliseconds; one that is no time is left out and reported.
    const auto runTime = [&](sqlite3_stmt* s, int column) -> std::optional<double> {
        if (sqlite3_column_type(s, column) == SQLITE_NULL)
            return std::nullopt;
        const std::optional<double> seconds = checkedEpochSeconds(double(sqlite3_column_int64(s, column)) / 1000.0);
        if (!seconds && badTimes++ == 0)
            firstBadTime = text(s, column);
        return seconds;
    };
    if (!each(
            db, runSql,
            [&](sqlite3_stmt* s) {
                ImportedRun r;
                r.run.uuid = text(s, 0).toLower();
                r.run.kind = QStringLiteral("import");
                r.run.name = text(s, 1);
                r.status = mlflowStatus(text(s, 2));
                r.run.startTime = runTime(s, 3).value_or(0);
                r.endTime = runTime(s, 4);
                r.run.user = text(s, 5);
                const qint64 experiment = sqlite3_column_int64(s, 7);
                r.archived = text(s, 6) == QLatin1String("deleted") || deletedExperiments.contains(experiment);
                r.run.project = experiments.value(experiment, QStringLiteral("mlflow-%1").arg(experiment));
                r.run.code.commit = text(s, 8);
                const QString artifacts = text(s, 9);
                if (!artifacts.isEmpty())
                    r.run.tags.insert(QStringLiteral("mlflow.artifactUri"), artifacts);
                r.run.tags.insert(QStringLiteral("import.source"), QStringLiteral("mlflow"));
                if (!revision.isEmpty())
                    r.run.tags.insert(QStringLiteral("import.mlflow_schema"), revision);
                if (r.run.uuid.isEmpty())
                    return;
                runIndex.insert(r.run.uuid, int(source.runs.size()));
                source.runs << r;
            },
            error))
        return fail(QStringLiteral("cannot read runs: ") + error);
    if (badTimes > 0)
        source.problems << ImportProblem { path,
            QStringLiteral("%1 run start or end times are no time in milliseconds (the first: '%2'): left out")
                .arg(badTimes)
                .arg(firstBadTime.left(40)) };
    control.report(0.05);

    auto runOf = [&](const QString& uuid) -> ImportedRun* {
        const auto it = runIndex.constFind(uuid.toLower());
        return it == runIndex.constEnd() ? nullptr : &source.runs[*it];
    };
    if (!columnsOf(db, "params").isEmpty())
        (void)each(
            db, "SELECT run_uuid, key, value FROM params",
            [&](sqlite3_stmt* s) {
                if (ImportedRun* r = runOf(text(s, 0)))
                    r->run.params.insert(text(s, 1), ParamValue::infer(text(s, 2)));
            },
            error);
    if (!columnsOf(db, "tags").isEmpty())
        (void)each(
            db, "SELECT run_uuid, key, value FROM tags",
            [&](sqlite3_stmt* s) {
                ImportedRun* r = runOf(text(s, 0));
                if (!r)
                    return;
                const QString key = text(s, 1), value = text(s, 2);
                if (key == QLatin1String("mlflow.runName") && r->run.name.isEmpty())
                    r->run.name = value;
                else if (key == QLatin1String("mlflow.parentRunId"))
                    r->run.parentUuid = value.toLower();
                else if (key == QLatin1String("mlflow.source.git.commit"))
                    r->run.code.commit = value;
                else if (key == QLatin1String("mlflow.note.content"))
                    r->notes = value;
                else if (key == QLatin1String("mlflow.user") && r->run.user.isEmpty())
                    r->run.user = value;
                r->run.tags.insert(key, value);
            },
            error);
    control.report(0.1);

    // A summary takes MLflow's own latest value of each metric (when this revision has the table).
    if (control.summaryOnly) {
        if (!columnsOf(db, "latest_metrics").isEmpty()) {
            const bool hasNan = columnsOf(db, "latest_metrics").contains(QStringLiteral("is_nan"));
            (void)each(
                db,
                QByteArray("SELECT run_uuid, key, step, timestamp, value, ") + (hasNan ? "is_nan" : "0")
                    + " FROM latest_metrics",
                [&](sqlite3_stmt* s) {
                    if (ImportedRun* r = runOf(text(s, 0))) {
                        MetricHistory h;
                        h.key = text(s, 1);
                        h.steps = { sqlite3_column_int64(s, 2) };
                        h.times = { double(sqlite3_column_int64(s, 3)) / 1000.0 };
                        h.values = { mlflowValue(sqlite3_column_double(s, 4), sqlite3_column_int(s, 5) != 0) };
                        r->metrics << h;
                    }
                },
                error);
        }
        source.summaryOnly = true;
        return source;
    }

    // Metrics: one pass in the table's own order (it has no index by run), bucketed by run and key.
    if (!metricColumns.isEmpty()) {
        const bool hasNanColumn = metricColumns.contains(QStringLiteral("is_nan"));
        const bool hasStep = metricColumns.contains(QStringLiteral("step"));
        qint64 total = 0;
        (void)each(
            db, "SELECT count(*) FROM metrics", [&](sqlite3_stmt* s) { total = sqlite3_column_int64(s, 0); }, error);
        const QByteArray sql = QByteArray("SELECT run_uuid, key, ") + (hasStep ? "step" : "0") + ", timestamp, value, "
            + (hasNanColumn ? "is_nan" : "0") + " FROM metrics";
        // Rows come in the table's order, which is usually MLflow's primary key (key, timestamp, step,
        // run): the run changes from row to row, the key seldom. So a row costs one lookup of its run
        // id, by a view of SQLite's text (no copy), and an index into its key's buckets per run.
        std::unordered_map<std::string, int, TextHash, std::equal_to<>> runs; // raw run id -> index (-1: none)
        std::unordered_map<std::string, int, TextHash, std::equal_to<>> keys; // key -> index into keyBuckets
        std::vector<std::vector<int>> keyBuckets; // per key, per run: index into buckets (-1: none yet)
        std::vector<std::vector<Point>> buckets;
        std::vector<std::pair<int, QString>> bucketKeys;
        qint64 seen = 0;
        bool cancelled = false;
        std::string lastKey;
        int lastKeyIndex = -1;
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db, sql.constData(), -1, &s, nullptr) != SQLITE_OK)
            return fail(QStringLiteral("cannot read metrics: ") + QString::fromUtf8(sqlite3_errmsg(db)));
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            const std::string_view run(
                reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), std::size_t(sqlite3_column_bytes(s, 0)));
            auto r = runs.find(run);
            if (r == runs.end()) {
                const auto found = runIndex.constFind(QString::fromUtf8(run.data(), qsizetype(run.size())).toLower());
                r = runs.emplace(std::string(run), found == runIndex.constEnd() ? -1 : *found).first;
            }
            if (r->second < 0)
                continue;
            const std::string_view key(
                reinterpret_cast<const char*>(sqlite3_column_text(s, 1)), std::size_t(sqlite3_column_bytes(s, 1)));
            if (lastKeyIndex < 0 || key != lastKey) {
                auto k = keys.find(key);
                if (k == keys.end()) {
                    k = keys.emplace(std::string(key), int(keyBuckets.size())).first;
                    keyBuckets.emplace_back(std::size_t(source.runs.size()), -1);
                }
                lastKey.assign(key);
                lastKeyIndex = k->second;
            }
            int& bucket = keyBuckets[std::size_t(lastKeyIndex)][std::size_t(r->second)];
            if (bucket < 0) {
                bucket = int(buckets.size());
                buckets.emplace_back();
                bucketKeys.emplace_back(r->second, QString::fromUtf8(key.data(), qsizetype(key.size())));
            }
            buckets[size_t(bucket)].push_back(Point { sqlite3_column_int64(s, 2), sqlite3_column_int64(s, 3),
                mlflowValue(sqlite3_column_double(s, 4), sqlite3_column_int(s, 5) != 0) });
            if ((++seen & 0xFFFF) == 0) {
                if (control.cancelled()) {
                    cancelled = true;
                    break;
                }
                if (total > 0)
                    control.report(0.1 + 0.8 * double(seen) / double(total));
            }
        }
        sqlite3_finalize(s);
        if (cancelled)
            return Error { QStringLiteral("import cancelled"), {} };
        if (rc != SQLITE_DONE && rc != SQLITE_ROW)
            source.problems << ImportProblem { path,
                QStringLiteral("metrics table damaged after %1 rows: ").arg(seen)
                    + QString::fromUtf8(sqlite3_errmsg(db)) };
        for (size_t b = 0; b < buckets.size(); ++b) {
            std::vector<Point>& points = buckets[b];
            // MLflow's order of a history: by step, then timestamp, then value (its "latest" rule).
            // Usually the rows came in that order already: checked in one pass before any sort.
            const auto before = [](const Point& x, const Point& y) {
                if (x.step != y.step)
                    return x.step < y.step;
                if (x.timestamp != y.timestamp)
                    return x.timestamp < y.timestamp;
                return x.value < y.value;
            };
            if (!std::is_sorted(points.begin(), points.end(), before))
                std::sort(points.begin(), points.end(), before);
            MetricHistory h;
            h.key = bucketKeys[b].second;
            h.steps.reserve(points.size());
            h.values.reserve(points.size());
            h.times.reserve(points.size());
            for (const Point& p : points) {
                h.steps.push_back(p.step);
                h.values.push_back(p.value);
                h.times.push_back(double(p.timestamp) / 1000.0);
            }
            std::vector<Point>().swap(points);
            source.runs[bucketKeys[b].first].metrics << std::move(h);
        }
    }

    // Datasets used as run inputs (MLflow 2.4+): datasets -> inputs (DATASET -> RUN), role from input_tags.
    if (!columnsOf(db, "inputs").isEmpty() && !columnsOf(db, "datasets").isEmpty()) {
        const bool inputTags = !columnsOf(db, "input_tags").isEmpty();
        const bool profiles = columnsOf(db, "datasets").contains(QStringLiteral("dataset_profile"));
        const QByteArray sql = QByteArray("SELECT i.destination_id, d.name, d.dataset_source, d.digest, ")
            + (inputTags ? "(SELECT value FROM input_tags t WHERE t.input_uuid = i.input_uuid AND "
                           "t.name = 'mlflow.data.context')"
                         : "''")
            + (profiles ? ", d.dataset_profile" : ", NULL")
            + " FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id "
              "WHERE i.source_type = 'DATASET' AND i.destination_type = 'RUN'";
        (void)each(
            db, sql,
            [&](sqlite3_stmt* s) {
                if (ImportedRun* r = runOf(text(s, 0))) {
                    DatasetRecord d;
                    d.name = text(s, 1);
                    d.uri = text(s, 2);
                    d.hash = text(s, 3);
                    d.role = text(s, 4);
                    d.rows = mlflowProfileRows(text(s, 5));
                    r->datasets << d;
                }
            },
            error);
    }
    control.report(0.95);
    return source;
}

} // namespace reprise
