// Long writers (imports, packing a finished run's histories) commit in short transactions: a run
// logging into the same database meanwhile (`reprise run` + the Python client, with a 2 s busy
// timeout) keeps every point and output line; a cancelled import leaves nothing; an import killed
// midway leaves its unfinished run marked "incomplete", and importing again repairs it.
//
// The source is an MLflow database written here: one run with a history too long to pack in one
// transaction (written as rows, a slice per transaction: the import's longest write) and many small
// runs. REPRISE_LONG_WRITERS_SCALE=16 makes it 10 M points (2 M + 16 × 500 k) instead of 2.5 M.

#include "import/source_import.h"
#include "query/query.h"
#include "store/run_store.h"
#include "store/run_table.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <csignal>
#include <sqlite3.h>

using namespace reprise;

namespace {

constexpr qint64 kLongPoints = 2000000; // one history: more than packing writes in one transaction
constexpr int kKeys = 5;
constexpr int kSteps = 1000;
const QString kLongRun = QStringLiteral("00000000000000000000000000010000");

int smallRuns()
{
    bool ok = false;
    const int scale = qEnvironmentVariableIntValue("REPRISE_LONG_WRITERS_SCALE", &ok);
    return 100 * (ok && scale > 0 ? scale : 1);
}

qint64 sourcePoints() { return kLongPoints + qint64(smallRuns()) * kKeys * kSteps; }

QString smallRunId(int r) { return QString::number(r, 16).rightJustified(32, u'0'); }

bool exec(sqlite3* db, const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }

/// An MLflow 2.x tracking database: the long run (metric "long") and the small runs (5 metrics).
bool writeMlflowSource(const QString& path)
{
    sqlite3* db = nullptr;
    if (sqlite3_open(QFile::encodeName(path).constData(), &db) != SQLITE_OK)
        return false;
    bool ok = exec(db, R"(PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
        CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);
        INSERT INTO alembic_version VALUES ('bf29a5ff90ea');
        CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name VARCHAR(256) NOT NULL UNIQUE,
            artifact_location VARCHAR(256), lifecycle_stage VARCHAR(32), creation_time BIGINT, last_update_time BIGINT);
        INSERT INTO experiments VALUES (0, 'Default', 'mlruns/0', 'active', 0, 0);
        CREATE TABLE runs (run_uuid VARCHAR(32) PRIMARY KEY, name VARCHAR(250), source_type VARCHAR(20),
            source_name VARCHAR(500), entry_point_name VARCHAR(50), user_id VARCHAR(256), status VARCHAR(9),
            start_time BIGINT, end_time BIGINT, deleted_time BIGINT, source_version VARCHAR(50),
            lifecycle_stage VARCHAR(20), artifact_uri VARCHAR(200), experiment_id INTEGER);
        CREATE TABLE metrics (key VARCHAR(250) NOT NULL, value FLOAT NOT NULL, timestamp BIGINT NOT NULL,
            run_uuid VARCHAR(32) NOT NULL, step BIGINT DEFAULT '0' NOT NULL, is_nan BOOLEAN DEFAULT '0' NOT NULL,
            PRIMARY KEY (key, timestamp, step, run_uuid, value, is_nan));
        CREATE TABLE latest_metrics (key VARCHAR(250) NOT NULL, value FLOAT NOT NULL, timestamp BIGINT,
            step BIGINT NOT NULL, is_nan BOOLEAN NOT NULL, run_uuid VARCHAR(32) NOT NULL, PRIMARY KEY (key, run_uuid));
        CREATE TABLE params (key VARCHAR(250) NOT NULL, value VARCHAR(8000) NOT NULL, run_uuid VARCHAR(32) NOT NULL,
            PRIMARY KEY (key, run_uuid));
        CREATE TABLE tags (key VARCHAR(250) NOT NULL, value VARCHAR(8000), run_uuid VARCHAR(32) NOT NULL,
            PRIMARY KEY (key, run_uuid));
        BEGIN;)");
    sqlite3_stmt* run = nullptr;
    sqlite3_stmt* param = nullptr;
    sqlite3_stmt* metric = nullptr;
    ok = ok
        && sqlite3_prepare_v2(db,
               "INSERT INTO runs VALUES (?, ?, 'LOCAL', 'train.py', '', 'test', 'FINISHED', ?, ?, NULL, '', 'active', "
               "'', 0)",
               -1, &run, nullptr)
            == SQLITE_OK
        && sqlite3_prepare_v2(db, "INSERT INTO params VALUES ('lr', ?, ?)", -1, &param, nullptr) == SQLITE_OK
        && sqlite3_prepare_v2(db, "INSERT INTO metrics VALUES (?, ?, ?, ?, ?, 0)", -1, &metric, nullptr) == SQLITE_OK;
    auto addRun = [&](const QByteArray& id, int index) {
        sqlite3_bind_text(run, 1, id.constData(), -1, SQLITE_TRANSIENT);
        const QByteArray name = QByteArray("run-") + QByteArray::number(index);
        sqlite3_bind_text(run, 2, name.constData(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(run, 3, 1700000000000LL + index * 1000);
        sqlite3_bind_int64(run, 4, 1700000000000LL + index * 1000 + 500);
        ok = ok && sqlite3_step(run) == SQLITE_DONE;
        sqlite3_reset(run);
        sqlite3_bind_text(param, 1, QByteArray::number(0.001 * index).constData(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(param, 2, id.constData(), -1, SQLITE_TRANSIENT);
        ok = ok && sqlite3_step(param) == SQLITE_DONE;
        sqlite3_reset(param);
    };
    auto addPoint = [&](const char* key, const QByteArray& id, qint64 step, double value) {
        sqlite3_bind_text(metric, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_double(metric, 2, value);
        sqlite3_bind_int64(metric, 3, 1700000000000LL + step);
        sqlite3_bind_text(metric, 4, id.constData(), -1, SQLITE_STATIC);
        sqlite3_bind_int64(metric, 5, step);
        ok = ok && sqlite3_step(metric) == SQLITE_DONE;
        sqlite3_reset(metric);
    };
    const QByteArray longId = kLongRun.toLatin1();
    addRun(longId, 0);
    for (qint64 step = 0; step < kLongPoints && ok; ++step)
        addPoint("long", longId, step, 1.0 / double(step + 1));
    static const char* const keys[kKeys] = { "loss", "acc", "val_loss", "val_acc", "lr" };
    for (int r = 1; r <= smallRuns() && ok; ++r) {
        const QByteArray id = smallRunId(r).toLatin1();
        addRun(id, r);
        for (int k = 0; k < kKeys; ++k)
            for (int step = 0; step < kSteps; ++step)
                addPoint(keys[k], id, step, std::sin(step * 0.01 + r + k));
    }
    sqlite3_finalize(run);
    sqlite3_finalize(param);
    sqlite3_finalize(metric);
    ok = ok && exec(db, "COMMIT");
    sqlite3_close(db);
    return ok;
}

qint64 count(const QString& db, const QString& sql)
{
    auto store = RunStore::open(db, OpenMode::ReadOnly);
    if (!store)
        return -1;
    auto s = store->database().prepare(sql.toUtf8().constData());
    return s && s->step() == SQLITE_ROW ? s->int64(0) : -1;
}

QString integrity(const QString& db)
{
    auto store = RunStore::open(db, OpenMode::ReadOnly);
    if (!store)
        return store.error().message;
    auto s = store->database().prepare("PRAGMA integrity_check");
    return s && s->step() == SQLITE_ROW ? s->text(0) : QStringLiteral("cannot check");
}

/// Every run of the source is in `db`, complete, with every point, and nothing else of an import.
void checkImportedWhole(const QString& db)
{
    QCOMPARE(count(db, "SELECT count(*) FROM runs WHERE kind = 'import'"), qint64(smallRuns() + 1));
    QCOMPARE(count(db, "SELECT count(*) FROM tags WHERE key = 'import.incomplete'"), qint64(0));
    QCOMPARE(count(db, "SELECT count(*) FROM runs WHERE kind = 'import' AND status <> 'finished'"), qint64(0));
    QCOMPARE(
        count(db, "SELECT sum(l.count) FROM metric_latest l JOIN runs r ON r.id = l.run_id WHERE r.kind = 'import'"),
        sourcePoints());
    auto store = RunStore::open(db, OpenMode::ReadOnly);
    QVERIFY(store);
    auto ref = store->resolveRun(kLongRun);
    QVERIFY(ref);
    auto history = store->loadMetric(*ref, QStringLiteral("long"));
    QVERIFY2(history, qPrintable(history ? QString() : history.error().message));
    QCOMPARE(qint64(history->size()), kLongPoints);
    QCOMPARE(history->steps.back(), kLongPoints - 1);
    QCOMPARE(history->values[10], 1.0 / 11);
    auto small = store->resolveRun(smallRunId(smallRuns()));
    QVERIFY(small);
    QCOMPARE(store->loadMetric(*small, QStringLiteral("val_acc"))->size(), size_t(kSteps));
    QCOMPARE(integrity(db), QStringLiteral("ok"));
}

QProcessEnvironment writerEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("PYTHONPATH"), QStringLiteral(REPRISE_CLIENT_DIR));
    // Short: the one transaction an import used to be made every write of the run fail.
    env.insert(QStringLiteral("REPRISE_BUSY_TIMEOUT_MS"), QStringLiteral("2000"));
    env.remove(QStringLiteral("REPRISE_RUN_ID"));
    env.remove(QStringLiteral("REPRISE_DB"));
    return env;
}

constexpr int kBatches = 150;
constexpr int kPointsPerBatch = 200;

/// Logs kBatches × kPointsPerBatch points, flushing each batch, and prints a line per batch; at
/// the end how many points were acknowledged (flush() returned), how many flushes failed and the
/// longest a flush took (waiting for the lock included).
const char* const kWriterScript = R"(
import sys, time
import reprise
run = reprise.start_run(project="writer", name="logging during an import")
acknowledged = failed = 0
longest = 0.0
for b in range(%1):
    for i in range(%2):
        run.log_metric("w", b + i / %2, step=b * %2 + i)
    try:
        started = time.monotonic()
        run.flush()
        longest = max(longest, time.monotonic() - started)
        acknowledged = (b + 1) * %2
    except reprise.WriteError as error:
        failed += 1
        print("flush failed:", error, file=sys.stderr, flush=True)
    print("output line %d" % b, flush=True)
    time.sleep(0.02)
print("acknowledged %d failed %d longest flush %d ms" % (acknowledged, failed, longest * 1000), flush=True)
)";

} // namespace

class TestLongWriters : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void aRunLogsWhileALargeImportWrites();
    void aCancelledImportLeavesNothing();
    void anImportKilledMidwayIsMarkedAndRepairedByImportingAgain();

private:
    QTemporaryDir m_dir;
    QString m_source;
};

void TestLongWriters::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_source = m_dir.filePath(QStringLiteral("mlflow.db"));
    QVERIFY(writeMlflowSource(m_source));
    QVERIFY2(QFileInfo::exists(QStringLiteral(REPRISE_BIN)), "build the reprise target first");
}

void TestLongWriters::aRunLogsWhileALargeImportWrites()
{
    const QString db = m_dir.filePath(QStringLiteral("logging.db"));
    auto store = RunStore::open(db, OpenMode::Create);
    QVERIFY(store);
    auto source = readSource(m_source, {});
    QVERIFY(source);

    // The writer starts once the import has begun writing; the import does not return before the
    // writer has ended (it waits in its last progress report), so the two overlap for the whole
    // run of the writer.
    QProcess writer;
    writer.setProcessEnvironment(writerEnvironment());
    writer.setProgram(QStringLiteral(REPRISE_BIN));
    writer.setArguments({ QStringLiteral("run"), QStringLiteral("--db"), db, QStringLiteral("--name"),
        QStringLiteral("writer"), QStringLiteral("--"), QStringLiteral(REPRISE_PYTHON), QStringLiteral("-c"),
        QString::fromLatin1(kWriterScript).arg(kBatches).arg(kPointsPerBatch) });
    int reports = 0;
    double lastFraction = 0;
    ImportOptions options;
    options.control.progress = [&](double fraction) {
        ++reports;
        lastFraction = fraction;
        if (reports == 1) {
            writer.start();
            writer.waitForStarted();
        }
        if (fraction >= 1.0)
            writer.waitForFinished(300000);
    };
    auto summary = writeImportedRuns(*store, std::move(*source), options);
    QVERIFY2(summary, qPrintable(summary ? QString() : summary.error().message));
    writer.waitForFinished(300000);
    QCOMPARE(lastFraction, 1.0);
    const Database::WriteStats writes = store->database().writeStats();
    qInfo("import: %lld transactions, the longest held the write lock %.0f ms", writes.transactions,
        double(writes.longestNs) / 1e6); // for information: no time is asserted
    QVERIFY2(reports > 20, "the import commits in many short transactions");

    const QString out = QString::fromUtf8(writer.readAllStandardOutput());
    const QString err = QString::fromUtf8(writer.readAllStandardError());
    QVERIFY2(writer.exitStatus() == QProcess::NormalExit && writer.exitCode() == 0, qPrintable(err));
    const auto tally = QRegularExpression(QStringLiteral("acknowledged (\\d+) failed (\\d+)")).match(out);
    QVERIFY2(tally.hasMatch(), qPrintable(out.right(400) + err));
    QVERIFY2(tally.captured(2) == QLatin1String("0"), qPrintable(err));
    const auto longest = QRegularExpression(QStringLiteral("longest flush (\\d+) ms")).match(out);
    qInfo("the writer's longest flush took %s ms", qPrintable(longest.captured(1))); // not asserted
    const qint64 acknowledged = tally.captured(1).toLongLong();
    QCOMPARE(acknowledged, qint64(kBatches) * kPointsPerBatch);

    // Every acknowledged point and every output line of the writer are stored.
    QCOMPARE(summary->runsAdded, smallRuns() + 1);
    QCOMPARE(summary->points, sourcePoints());
    auto table = loadRunTable(store->database());
    QVERIFY(table);
    QString writerId;
    for (size_t row = 0; row < table->rowCount(); ++row) {
        if (table->names.at(row) == QLatin1String("writer"))
            writerId = table->uuids[row];
    }
    QVERIFY(!writerId.isEmpty());
    auto ref = store->resolveRun(writerId);
    QVERIFY(ref);
    auto record = store->loadRun(*ref);
    QVERIFY(record);
    QCOMPARE(toString(record->status), QStringLiteral("finished"));
    auto history = store->loadMetric(*ref, QStringLiteral("w"));
    QVERIFY(history);
    QCOMPARE(qint64(history->size()), acknowledged);
    for (size_t i = 0; i < history->size(); ++i)
        QCOMPARE(history->steps[i], qint64(i));
    auto output = store->loadOutput(*ref);
    QVERIFY(output);
    QString stdoutText;
    for (const OutputChunk& chunk : *output) {
        if (chunk.stream == QLatin1String("stdout"))
            stdoutText += chunk.data;
    }
    for (int b = 0; b < kBatches; ++b)
        QVERIFY2(stdoutText.contains(QStringLiteral("output line %1\n").arg(b)), qPrintable(QString::number(b)));
    QVERIFY(stdoutText.contains(QStringLiteral("acknowledged %1 failed 0").arg(acknowledged)));
    checkImportedWhole(db);
}

void TestLongWriters::aCancelledImportLeavesNothing()
{
    const QString db = m_dir.filePath(QStringLiteral("cancelled.db"));
    auto store = RunStore::open(db, OpenMode::Create);
    QVERIFY(store);
    auto source = readSource(m_source, {});
    QVERIFY(source);
    std::atomic<bool> cancel { false };
    ImportOptions options;
    options.control.cancel = &cancel;
    // Cancelled while the long run is half written (a third of all points), after small runs too.
    options.control.progress = [&](double fraction) {
        if (fraction > 0.4)
            cancel = true;
    };
    auto result = writeImportedRuns(*store, std::move(*source), options);
    QVERIFY(!result);
    QVERIFY2(result.error().message.contains(QStringLiteral("cancelled")), qPrintable(result.error().message));
    for (const char* table : { "runs", "metrics", "metric_packed", "metric_latest", "params", "tags", "projects" })
        QVERIFY2(count(db, QStringLiteral("SELECT count(*) FROM ") + QLatin1String(table)) == 0, table);
    QCOMPARE(integrity(db), QStringLiteral("ok"));

    // And then it imports whole.
    options.control.cancel = nullptr;
    options.control.progress = nullptr;
    auto again = importSource(m_source, *store, options);
    QVERIFY2(again, qPrintable(again ? QString() : again.error().message));
    QCOMPARE(again->runsAdded, smallRuns() + 1);
    checkImportedWhole(db);
}

void TestLongWriters::anImportKilledMidwayIsMarkedAndRepairedByImportingAgain()
{
    const QString db = m_dir.filePath(QStringLiteral("killed.db"));
    QVERIFY(RunStore::open(db, OpenMode::Create));
    QProcess importer;
    importer.setProcessEnvironment(writerEnvironment());
    importer.start(QStringLiteral(REPRISE_BIN), { QStringLiteral("import"), QStringLiteral("--db"), db, m_source });
    QVERIFY(importer.waitForStarted());
    // Killed only while the database it committed so far holds a run still being imported: stopped
    // first (SIGSTOP), looked at, and killed (SIGKILL) if so, else let go on.
    const auto pid = pid_t(importer.processId());
    bool killed = false;
    QElapsedTimer waited;
    waited.start();
    while (!killed && importer.state() == QProcess::Running && waited.elapsed() < 300000) {
        importer.waitForFinished(20);
        if (count(db, "SELECT count(*) FROM tags WHERE key = 'import.incomplete'") <= 0)
            continue;
        ::kill(pid, SIGSTOP);
        if (count(db, "SELECT count(*) FROM tags WHERE key = 'import.incomplete'") > 0) {
            ::kill(pid, SIGKILL);
            killed = true;
        } else {
            ::kill(pid, SIGCONT);
        }
    }
    QVERIFY2(killed, "the import ended before it could be killed midway");
    importer.waitForFinished(30000);
    QCOMPARE(importer.exitStatus(), QProcess::CrashExit);

    // What a user sees: the database is sound; the run whose import was cut off reads "incomplete".
    QCOMPARE(integrity(db), QStringLiteral("ok"));
    qint64 before = 0;
    {
        auto store = RunStore::open(db, OpenMode::ReadOnly);
        QVERIFY(store);
        auto table = loadRunTable(store->database());
        QVERIFY(table);
        int incomplete = 0;
        for (size_t row = 0; row < table->rowCount(); ++row) {
            if (table->statuses.at(row) == QLatin1String("incomplete")) {
                ++incomplete;
                QCOMPARE(table->uuids[row], kLongRun);
            } else {
                QCOMPARE(table->statuses.at(row), QStringLiteral("finished"));
            }
        }
        QCOMPARE(incomplete, 1);
        // The filter finds it by that status.
        auto query = Query::parse(QStringLiteral("status = incomplete"));
        QVERIFY2(query, qPrintable(query ? QString() : query.error().message));
        const auto found = query->filter(*table, 0);
        QCOMPARE(found.size(), size_t(1));
        QCOMPARE(table->uuids[size_t(found.front())], kLongRun);
        before = qint64(table->rowCount());
        auto ref = store->resolveRun(kLongRun);
        QVERIFY(ref);
        auto record = store->loadRun(*ref);
        QVERIFY(record);
        QVERIFY(record->tags.contains(QStringLiteral("import.incomplete")));
        QVERIFY(record->metrics.isEmpty() || record->metrics.first().count < kLongPoints);
    }

    // Importing again removes the incomplete run and imports it whole; the complete ones stay.
    auto store = RunStore::open(db, OpenMode::ReadWrite);
    QVERIFY(store);
    auto again = importSource(m_source, *store, {});
    QVERIFY2(again, qPrintable(again ? QString() : again.error().message));
    QCOMPARE(again->runsRepaired, 1);
    QCOMPARE(repairedRunsText(*again), QStringLiteral(" (1 of them completing an interrupted import)"));
    QCOMPARE(again->runsSkipped, int(before) - 1);
    QCOMPARE(again->runsAdded, smallRuns() + 1 - (int(before) - 1));
    checkImportedWhole(db);
}

QTEST_GUILESS_MAIN(TestLongWriters)
#include "tst_long_writers.moc"
