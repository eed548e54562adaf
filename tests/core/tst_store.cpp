// The run store: round-trips, schema versions and migrations, refusals, crash recovery, run table,
// damaged files (counts, ids, unreadable pages) and reads that see one snapshot.

#include "store/lookup_indexes.h"
#include "store/run_edits.h"
#include "store/run_format.h"
#include "store/run_recovery.h"
#include "store/run_store.h"
#include "store/run_table.h"
#include "store/schema.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <numeric>
#include <sqlite3.h>
#include <unistd.h>

using namespace reprise;

namespace {

/// Executes SQL through a raw connection, as another program would.
void rawExec(const QString& path, const char* sql)
{
    sqlite3* db = nullptr;
    QCOMPARE(sqlite3_open(path.toUtf8().constData(), &db), SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
    const QString message = QString::fromUtf8(error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
    QVERIFY2(rc == SQLITE_OK, qPrintable(message));
}

qint64 rawCount(const QString& path, const char* sql)
{
    sqlite3* db = nullptr;
    sqlite3_open(path.toUtf8().constData(), &db);
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
    const qint64 n = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return n;
}

NewRun sampleRun()
{
    NewRun run;
    run.project = QStringLiteral("digits");
    run.name = QStringLiteral("sgd <b>bold</b>");
    run.launch.argv
        = { QStringLiteral("python"), QStringLiteral("train.py"), QStringLiteral("--lr"), QStringLiteral("0.01") };
    run.launch.workingDir = QStringLiteral("/work");
    run.launch.environment = { { QStringLiteral("PYTHONHASHSEED"), QStringLiteral("0") } };
    run.code = { QStringLiteral("0123456789abcdef0123456789abcdef01234567"), QStringLiteral("main"),
        QStringLiteral("/work"), true, QStringLiteral("diff --git a/x b/x\n") };
    run.user = QStringLiteral("ada");
    run.host = QStringLiteral("elsewhere");
    run.pid = 4242;
    run.startTime = 1780000000.5;
    run.params = { { QStringLiteral("lr"), ParamValue::infer(QStringLiteral("0.01")) },
        { QStringLiteral("optimizer"), ParamValue::infer(QStringLiteral("sgd")) } };
    run.tags = { { QStringLiteral("team"), QStringLiteral("vision") } };
    return run;
}

} // namespace

class TestStore : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTrip();
    void lookupIndexesComeUnaskedOnlyWhileSmall();
    void readOnlyFolderOpensAsASnapshot();
    void runEditsAreAtomicAndUndoable();
    void finishedHistoriesArePackedAndMerged();
    void metricsKeepRepeatedStepsAndSpecialValues();
    void metricsFromSeveralKeysAndBatches();
    void pipelineStepsAndDatasets();
    void schemaIsVersionedWithWal();
    void migratesAnOlderDatabase();
    void migratesVersionOneToTheLatest();
    void refusesToWriteANewerSchema();
    void refusesBadFiles_data();
    void refusesBadFiles();
    void lockedDatabaseTimesOut();
    void readOnlyOpenNeverWrites();
    void resolvesPrefixes();
    void recoversAbandonedRuns();
    void runTableIsColumnar();
    void inferParamTypes_data();
    void inferParamTypes();
    void rolledBackKeyIdIsNotReused_data();
    void rolledBackKeyIdIsNotReused();
    void damagedCountsAreErrors_data();
    void damagedCountsAreErrors();
    void outOfRangeIdsAndTimesAreHandled();
    void outOfRangePidIsNotAnotherProcess();
    void readErrorsAreNotEndOfData_data();
    void readErrorsAreNotEndOfData();
    void aRunIsReadFromOneSnapshot();
    void aHistoryIsReadFromOneSnapshot();
    void theRunTableIsReadFromOneSnapshot_data();
    void theRunTableIsReadFromOneSnapshot();
    void manyProcessesCreateOneNewDatabase_data();
    void manyProcessesCreateOneNewDatabase();
    void theHeaderIsReadFromOneSnapshot_data();
    void theHeaderIsReadFromOneSnapshot();
    void aLockedNewDatabaseReportsTheTimeWaited();
    void recoversAbandonedRunsOnlyWhereWritable();
};

void TestStore::roundTrip()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("runs.db"));
    auto store = RunStore::open(path, OpenMode::Create);
    QVERIFY2(store, qPrintable(store ? QString() : store.error().message));
    auto ref = store->createRun(sampleRun());
    QVERIFY(ref);
    QCOMPARE(ref->uuid.size(), 32);
    QVERIFY(store->setNotes(ref->rowId, QStringLiteral("first try\nwith two lines")));
    QVERIFY(store->appendOutput(ref->rowId,
        { { QStringLiteral("stdout"), 1.0, QStringLiteral("hello\n") },
            { QStringLiteral("stderr"), 2.0, QStringLiteral("oops\n") } }));
    QVERIFY(store->finishRun(ref->rowId, RunStatus::Failed, 3, 1780000100.0));

    auto loaded = store->loadRun(*ref);
    QVERIFY(loaded);
    const RunRecord& r = *loaded;
    const NewRun expected = sampleRun();
    QCOMPARE(r.uuid, ref->uuid);
    QCOMPARE(r.project, expected.project);
    QCOMPARE(r.name, expected.name);
    QCOMPARE(toString(r.status), toString(RunStatus::Failed));
    QCOMPARE(r.exitCode, std::optional<int>(3));
    QCOMPARE(r.startTime, expected.startTime);
    QCOMPARE(r.endTime, std::optional<double>(1780000100.0));
    QCOMPARE(r.launch.argv, expected.launch.argv);
    QCOMPARE(r.launch.workingDir, expected.launch.workingDir);
    QCOMPARE(r.launch.environment, expected.launch.environment);
    QCOMPARE(r.code.commit, expected.code.commit);
    QCOMPARE(r.code.branch, expected.code.branch);
    QVERIFY(r.code.dirty);
    QCOMPARE(r.code.patch, expected.code.patch);
    QCOMPARE(r.params, expected.params);
    QCOMPARE(r.params.value(QStringLiteral("lr")).type, QStringLiteral("float"));
    QCOMPARE(r.tags, expected.tags);
    QCOMPARE(r.notes, QStringLiteral("first try\nwith two lines"));
    QCOMPARE(r.user, QStringLiteral("ada"));

    auto output = store->loadOutput(*ref);
    QVERIFY(output);
    QCOMPARE(output->size(), 2);
    QCOMPARE(output->at(1).stream, QStringLiteral("stderr"));
    QCOMPARE(output->at(1).data, QStringLiteral("oops\n"));

    // A rerun links to its parent.
    NewRun rerun = sampleRun();
    rerun.kind = QStringLiteral("rerun");
    rerun.parentUuid = ref->uuid;
    auto child = store->createRun(rerun);
    QVERIFY(child);
    QCOMPARE(store->loadRun(*child)->parentUuid, ref->uuid);
    NewRun orphan = sampleRun();
    orphan.parentUuid = QStringLiteral("ffffffffffff");
    QVERIFY(!store->createRun(orphan));
}

void TestStore::metricsKeepRepeatedStepsAndSpecialValues()
{
    QTemporaryDir dir;
    auto store = RunStore::open(dir.filePath(QStringLiteral("runs.db")), OpenMode::Create);
    QVERIFY(store);
    auto ref = store->createRun(sampleRun());
    QVERIFY(ref);
    const double inf = std::numeric_limits<double>::infinity();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const std::vector<qint64> steps { 0, 1, 2, 2, 5 };
    const std::vector<double> values { 1.0, nan, inf, -inf, 0.25 };
    const std::vector<double> times { 10, 11, 12, 13, 14 };
    QVERIFY(store->logMetric(ref->rowId, QStringLiteral("train/loss"), steps, values, times));
    // A later batch repeating step 1 and going back in steps: nothing is dropped, order by step.
    const std::vector<qint64> steps2 { 1, 6 };
    const std::vector<double> values2 { 7.0, 8.0 };
    const std::vector<double> times2 { 15, 16 };
    QVERIFY(store->logMetric(ref->rowId, QStringLiteral("train/loss"), steps2, values2, times2));

    auto h = store->loadMetric(*ref, QStringLiteral("train/loss"));
    QVERIFY(h);
    QCOMPARE(h->steps, (std::vector<qint64> { 0, 1, 1, 2, 2, 5, 6 }));
    QCOMPARE(h->values[0], 1.0);
    QVERIFY(std::isnan(h->values[1]));
    QCOMPARE(h->values[2], 7.0); // the later point at step 1 comes after the earlier one
    QCOMPARE(h->values[3], inf);
    QCOMPARE(h->values[4], -inf);
    QCOMPARE(h->times[6], 16.0);

    auto summaries = store->metricSummaries(*ref);
    QVERIFY(summaries);
    QCOMPARE(summaries->size(), 1);
    QCOMPARE(summaries->first().count, 7);
    QCOMPARE(summaries->first().step, 6);
    QCOMPARE(summaries->first().value, 8.0);

    auto missing = store->loadMetric(*ref, QStringLiteral("nope"));
    QVERIFY(!missing);
    QVERIFY(missing.error().message.contains(QStringLiteral("no metric 'nope'")));

    const std::vector<double> shortValues { 1.0 };
    QVERIFY(!store->logMetric(ref->rowId, QStringLiteral("x"), steps, shortValues, times));
}

void TestStore::metricsFromSeveralKeysAndBatches()
{
    QTemporaryDir dir;
    auto store = RunStore::open(dir.filePath(QStringLiteral("runs.db")), OpenMode::Create);
    QVERIFY(store);
    auto ref = store->createRun(sampleRun());
    QVERIFY(ref);
    QList<MetricPoint> points;
    for (int i = 0; i < 100; ++i) {
        points << MetricPoint { QStringLiteral("a"), i, double(i), 1.0 * i };
        points << MetricPoint { QStringLiteral("b"), i, -double(i), 1.0 * i };
    }
    QVERIFY(store->logMetrics(ref->rowId, points));
    QVERIFY(store->logMetrics(ref->rowId, points));
    auto a = store->loadMetric(*ref, QStringLiteral("a"));
    QVERIFY(a);
    QCOMPARE(a->size(), size_t(200));
    QCOMPARE(a->steps[0], 0);
    QCOMPARE(a->steps[1], 0);
    QCOMPARE(a->steps[199], 99);
    auto b = store->loadMetric(*ref, QStringLiteral("b"));
    QCOMPARE(b->values[199], -99.0);
    // Long batches go through multi-row INSERTs: special values and order survive them too.
    std::vector<qint64> steps(1000);
    std::vector<double> values(1000), times(1000);
    for (size_t i = 0; i < steps.size(); ++i) {
        steps[i] = qint64(i / 2); // every step twice
        values[i] = i == 10 ? std::numeric_limits<double>::quiet_NaN()
            : i == 11       ? -std::numeric_limits<double>::infinity()
                            : double(i);
        times[i] = 1000.0 + double(i);
    }
    QVERIFY(store->logMetric(ref->rowId, QStringLiteral("long"), steps, values, times));
    auto h = store->loadMetric(*ref, QStringLiteral("long"));
    QVERIFY(h);
    QCOMPARE(h->size(), size_t(1000));
    QVERIFY(std::isnan(h->values[10]));
    QCOMPARE(h->values[11], -std::numeric_limits<double>::infinity());
    for (size_t i = 0; i < 1000; ++i) {
        QCOMPARE(h->steps[i], qint64(i / 2));
        QCOMPARE(h->times[i], 1000.0 + double(i)); // repeated steps in logging order
    }
}

void TestStore::pipelineStepsAndDatasets()
{
    QTemporaryDir dir;
    auto store = RunStore::open(dir.filePath(QStringLiteral("runs.db")), OpenMode::Create);
    QVERIFY(store);
    auto ref = store->createRun(sampleRun());
    QVERIFY(ref);
    StepRecord load;
    load.name = QStringLiteral("load");
    load.outputs << ArtifactRecord { 0, QStringLiteral("raw.csv"), QStringLiteral("sha256:aa"), 10 };
    StepRecord train;
    train.name = QStringLiteral("train");
    train.cached = true;
    train.inputs << ArtifactRecord { 0, QStringLiteral("raw.csv"), QStringLiteral("sha256:aa"), 10 };
    train.outputs << ArtifactRecord { 0, QStringLiteral("model.pkl"), QStringLiteral("sha256:bb"), 20 };
    train.after << QStringLiteral("load");
    QVERIFY(store->addSteps(ref->rowId, { load, train }));
    StepRecord bad;
    bad.name = QStringLiteral("export");
    bad.after << QStringLiteral("nowhere");
    auto refused = store->addSteps(ref->rowId, { bad });
    QVERIFY(!refused);
    QVERIFY(refused.error().message.contains(QStringLiteral("nowhere")));

    DatasetRecord data;
    data.name = QStringLiteral("train");
    data.role = QStringLiteral("train");
    data.rows = 3;
    data.profiles << FeatureProfile { QStringLiteral("age"), QStringLiteral("numeric"), 3, 0,
        QStringLiteral("{\"mean\":2}"), QStringLiteral("[1,2,3]"), {} };
    QVERIFY(store->addDataset(ref->rowId, data));

    auto r = store->loadRun(*ref);
    QVERIFY(r);
    QCOMPARE(r->steps.size(), 2); // the refused batch left nothing behind
    QCOMPARE(r->steps[1].name, QStringLiteral("train"));
    QVERIFY(r->steps[1].cached);
    QCOMPARE(r->steps[1].after, QStringList { QStringLiteral("load") });
    QCOMPARE(r->steps[1].inputs.size(), 1);
    // The input of train is the same artifact as the output of load: that is the DAG edge.
    QCOMPARE(r->steps[1].inputs[0].id, r->steps[0].outputs[0].id);
    QCOMPARE(r->artifacts.size(), 2);
    QCOMPARE(r->datasets.size(), 1);
    QCOMPARE(r->datasets[0].profiles.size(), 1);
    QCOMPARE(r->datasets[0].profiles[0].sampleJson, QStringLiteral("[1,2,3]"));
}

void TestStore::schemaIsVersionedWithWal()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("runs.db"));
    {
        auto store = RunStore::open(path, OpenMode::Create);
        QVERIFY(store);
        QCOMPARE(store->database().schemaVersion(), latestSchemaVersion());
    }
    QCOMPARE(rawCount(path, "PRAGMA user_version"), qint64(latestSchemaVersion()));
    QCOMPARE(rawCount(path, "PRAGMA application_id"), qint64(kApplicationId));
    sqlite3* db = nullptr;
    sqlite3_open(path.toUtf8().constData(), &db);
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr);
    QCOMPARE(sqlite3_step(stmt), SQLITE_ROW);
    QCOMPARE(QString::fromUtf8(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))), QStringLiteral("wal"));
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    QVERIFY(latestSchemaVersion() >= 1);
    QCOMPARE(schemaMigrations().front().version, 1);
}

void TestStore::lookupIndexesComeUnaskedOnlyWhileSmall()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("runs.db"));
    {
        auto store = RunStore::open(path, OpenMode::Create);
        QVERIFY(store);
        QVERIFY(hasKeyLookupIndexes(store->database()));
        QVERIFY(store->createRun(sampleRun()));
    }
    // An older database of many runs: only the index of running runs is made on opening (the
    // indexes by key would hold the write lock for long), and asking makes the rest.
    const char* drop = "DROP INDEX params_by_key; DROP INDEX tags_by_key; DROP INDEX runs_running";
    rawExec(path, drop);
    rawExec(path,
        QByteArray("INSERT INTO runs(id, uuid, project_id, name, start_time) SELECT ")
            .append(QByteArray::number(kLookupIndexesMadeUnaskedUpTo + 1))
            .append(", 'ffeeddccbbaa99887766554433221100', project_id, 'late', start_time FROM runs LIMIT 1")
            .constData());
    {
        auto store = RunStore::open(path, OpenMode::ReadWrite);
        QVERIFY(store);
        QVERIFY(!hasKeyLookupIndexes(store->database()));
        QCOMPARE(rawCount(path, "SELECT count(*) FROM sqlite_master WHERE name = 'runs_running'"), 1);
        QVERIFY(makeLookupIndexes(store->database(), true));
        QVERIFY(hasKeyLookupIndexes(store->database()));
    }
    // Reading never makes them.
    rawExec(path, drop);
    rawExec(path, "DELETE FROM runs WHERE name = 'late'");
    {
        auto reader = RunStore::open(path, OpenMode::ReadOnly);
        QVERIFY(reader);
        QVERIFY(!hasKeyLookupIndexes(reader->database()));
    }
    QCOMPARE(rawCount(path, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name LIKE '%_by_key'"), 0);
    // A small one gets them when next opened for writing.
    auto store = RunStore::open(path, OpenMode::ReadWrite);
    QVERIFY(store);
    QVERIFY(hasKeyLookupIndexes(store->database()));
    QCOMPARE(rawCount(path, "SELECT count(*) FROM sqlite_master WHERE name = 'runs_running'"), 1);
}

void TestStore::migratesAnOlderDatabase()
{
    // A database at version 0 that is empty (e.g. created by `touch`) is brought to the latest version.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("empty.db"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.close();
    auto store = RunStore::open(path, OpenMode::ReadWrite);
    QVERIFY2(store, qPrintable(store ? QString() : store.error().message));
    QCOMPARE(store->database().schemaVersion(), latestSchemaVersion());
    QVERIFY(store->createRun(sampleRun()));
    // Opening again applies nothing and keeps the data.
    auto again = RunStore::open(path, OpenMode::ReadWrite);
    QVERIFY(again);
    QCOMPARE(rawCount(path, "SELECT count(*) FROM runs"), 1);
}

void TestStore::migratesVersionOneToTheLatest()
{
    // A database exactly as Reprise 0.1 (schema version 1) left it, with a run in it.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("v1.db"));
    QVERIFY(schemaMigrations().size() >= 2);
    rawExec(path, schemaMigrations().front().sql);
    rawExec(path,
        "PRAGMA user_version = 1; PRAGMA application_id = 1380995667;"
        "INSERT INTO projects(id, name, created_at) VALUES (1, 'old', 0);"
        "INSERT INTO runs(uuid, project_id, name, start_time) VALUES ('00112233445566778899aabbccddeeff', 1, 'kept', "
        "5);");
    QCOMPARE(rawCount(path, "SELECT count(*) FROM sqlite_master WHERE name = 'runs_start'"), 0);
    {
        // Reading does not migrate.
        auto reader = RunStore::open(path, OpenMode::ReadOnly);
        QVERIFY(reader);
        QCOMPARE(reader->database().schemaVersion(), 1);
        QCOMPARE(loadRunTable(reader->database())->rowCount(), size_t(1));
    }
    QCOMPARE(rawCount(path, "PRAGMA user_version"), 1);
    auto store = RunStore::open(path, OpenMode::ReadWrite);
    QVERIFY2(store, qPrintable(store ? QString() : store.error().message));
    QCOMPARE(store->database().schemaVersion(), latestSchemaVersion());
    QCOMPARE(rawCount(path, "PRAGMA user_version"), qint64(latestSchemaVersion()));
    QCOMPARE(rawCount(path, "SELECT count(*) FROM sqlite_master WHERE name = 'runs_start'"), 1);
    auto ref = store->resolveRun(QStringLiteral("001122"));
    QVERIFY(ref);
    QCOMPARE(store->loadRun(*ref)->name, QStringLiteral("kept"));
}

void TestStore::refusesToWriteANewerSchema()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("runs.db"));
    {
        auto store = RunStore::open(path, OpenMode::Create);
        QVERIFY(store);
        QVERIFY(store->createRun(sampleRun()));
    }
    rawExec(path, "PRAGMA user_version = 999");
    const QByteArray before = [&] {
        QFile f(path);
        f.open(QIODevice::ReadOnly);
        return f.readAll();
    }();
    auto store = RunStore::open(path, OpenMode::ReadWrite);
    QVERIFY(store); // readable
    auto created = store->createRun(sampleRun());
    QVERIFY(!created);
    QVERIFY2(created.error().message.contains(QStringLiteral("newer Reprise")), qPrintable(created.error().message));
    QVERIFY(created.error().hint.contains(QStringLiteral("upgrade")));
    QCOMPARE(rawCount(path, "SELECT count(*) FROM runs"), 1);
    QCOMPARE(rawCount(path, "PRAGMA user_version"), 999);
    const QByteArray after = [&] {
        QFile f(path);
        f.open(QIODevice::ReadOnly);
        return f.readAll();
    }();
    QCOMPARE(after, before);
}

void TestStore::refusesBadFiles_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("expected");
    QTest::newRow("text file") << QByteArray("name,value\nlr,0.1\n").repeated(200)
                               << QStringLiteral("not a SQLite database");
    QTest::newRow("random bytes") << QByteArray(8192, '\x7f') << QStringLiteral("not a SQLite database");
    QTest::newRow("foreign sqlite") << QByteArray("foreign") << QStringLiteral("not a Reprise run database");
    QTest::newRow("truncated") << QByteArray("truncate") << QStringLiteral("damaged");
    QTest::newRow("missing") << QByteArray() << QStringLiteral("no such database");
}

void TestStore::refusesBadFiles()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("bad.db"));
    if (content == "foreign") {
        rawExec(path, "CREATE TABLE experiments(id INTEGER PRIMARY KEY); INSERT INTO experiments VALUES(1);");
    } else if (content == "truncate") {
        {
            auto store = RunStore::open(path, OpenMode::Create);
            QVERIFY(store);
            auto ref = store->createRun(sampleRun());
            std::vector<qint64> steps(20000);
            std::vector<double> values(20000, 1.0);
            for (size_t i = 0; i < steps.size(); ++i)
                steps[i] = qint64(i);
            QVERIFY(store->logMetric(ref->rowId, QStringLiteral("loss"), steps, values, values));
            QVERIFY(store->database().exec("PRAGMA wal_checkpoint(TRUNCATE)"));
        }
        QFile::remove(path + QStringLiteral("-wal"));
        QFile::remove(path + QStringLiteral("-shm"));
        QFile f(path);
        QVERIFY(f.resize(f.size() / 2));
    } else if (!content.isEmpty()) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(content);
    }
    const QByteArray before = [&] {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }();
    for (OpenMode mode : { OpenMode::ReadOnly, OpenMode::ReadWrite }) {
        auto store = RunStore::open(path, mode);
        QVERIFY(!store);
        QVERIFY2(store.error().message.contains(expected), qPrintable(store.error().message));
        QVERIFY(store.error().message.startsWith(path));
        QVERIFY(!store.error().hint.isEmpty());
    }
    // Refusing touches nothing (and creates nothing for a missing file).
    const QByteArray after = [&] {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }();
    QCOMPARE(after, before);
    QCOMPARE(QFile::exists(path), !content.isEmpty());
}

void TestStore::lockedDatabaseTimesOut()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("runs.db"));
    auto store = RunStore::open(path, OpenMode::Create, { 200 });
    QVERIFY(store);
    auto ref = store->createRun(sampleRun());
    QVERIFY(ref);
    // Another connection holds the write lock.
    sqlite3* other = nullptr;
    sqlite3_open(path.toUtf8().constData(), &other);
    QCOMPARE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    auto st = store->setNotes(ref->rowId, QStringLiteral("blocked"));
    QVERIFY(!st);
    QVERIFY2(st.error().message.contains(QStringLiteral("locked by another process")), qPrintable(st.error().message));
    sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(other);
    QVERIFY(store->setNotes(ref->rowId, QStringLiteral("free again")));
}

void TestStore::readOnlyOpenNeverWrites()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("runs.db"));
    {
        auto store = RunStore::open(path, OpenMode::Create);
        QVERIFY(store);
        QVERIFY(store->createRun(sampleRun()));
    }
    auto store = RunStore::open(path, OpenMode::ReadOnly);
    QVERIFY(store);
    QVERIFY(store->database().readOnly());
    auto refused = store->createRun(sampleRun());
    QVERIFY(!refused);
    QVERIFY(refused.error().message.contains(QStringLiteral("read-only")));
    auto table = loadRunTable(store->database());
    QVERIFY(table);
    QCOMPARE(table->rowCount(), size_t(1));
}

void TestStore::resolvesPrefixes()
{
    QTemporaryDir dir;
    auto store = RunStore::open(dir.filePath(QStringLiteral("runs.db")), OpenMode::Create);
    QVERIFY(store);
    NewRun a = sampleRun();
    a.uuid = QStringLiteral("abcdef0000000000000000000000000a");
    NewRun b = sampleRun();
    b.uuid = QStringLiteral("abcdef0000000000000000000000000b");
    QVERIFY(store->createRun(a));
    QVERIFY(store->createRun(b));
    QCOMPARE(store->resolveRun(a.uuid)->uuid, a.uuid);
    QCOMPARE(store->resolveRun(b.uuid.toUpper())->uuid, b.uuid);
    auto ambiguous = store->resolveRun(QStringLiteral("abcdef"));
    QVERIFY(!ambiguous);
    QVERIFY(ambiguous.error().message.contains(QStringLiteral("ambiguous")));
    auto unknown = store->resolveRun(QStringLiteral("123456"));
    QVERIFY(!unknown);
    QVERIFY(unknown.error().message.contains(QStringLiteral("no such run")));
    auto tooShort = store->resolveRun(QStringLiteral("abc"));
    QVERIFY(!tooShort);
    QVERIFY(tooShort.error().hint.contains(QStringLiteral("at least 6")));
    QVERIFY(!store->resolveRun(QStringLiteral("zzzzzzzz")));
    QVERIFY(!store->resolveRun(QStringLiteral("abcdef%")));
}

void TestStore::recoversAbandonedRuns()
{
    QTemporaryDir dir;
    auto store = RunStore::open(dir.filePath(QStringLiteral("runs.db")), OpenMode::Create);
    QVERIFY(store);
    // A real process that has exited: its pid is free.
    QProcess gone;
    gone.start(QStringLiteral("true"));
    QVERIFY(gone.waitForFinished());
    NewRun dead = sampleRun();
    dead.host = localHostName();
    dead.pid = gone.processId() > 0 ? gone.processId() : 999999;
    NewRun alive = dead;
    alive.pid = QCoreApplication::applicationPid();
    NewRun remote = dead;
    remote.host = QStringLiteral("some-other-host");
    auto deadRef = store->createRun(dead);
    auto aliveRef = store->createRun(alive);
    auto remoteRef = store->createRun(remote);
    const std::vector<qint64> steps { 1 };
    const std::vector<double> values { 0.5 };
    const std::vector<double> times { dead.startTime + 30 };
    QVERIFY(store->logMetric(deadRef->rowId, QStringLiteral("loss"), steps, values, times));
    auto recovered = store->recoverAbandonedRuns(localHostName());
    QVERIFY(recovered);
    QCOMPARE(*recovered, 1);
    auto r = store->loadRun(*deadRef);
    QCOMPARE(toString(r->status), toString(RunStatus::Killed));
    QCOMPARE(r->endTime, std::optional<double>(dead.startTime + 30)); // last sign of life
    QCOMPARE(r->metrics.size(), 1);
    QCOMPARE(toString(store->loadRun(*aliveRef)->status), toString(RunStatus::Running));
    QCOMPARE(toString(store->loadRun(*remoteRef)->status), toString(RunStatus::Running));
}

void TestStore::runTableIsColumnar()
{
    QTemporaryDir dir;
    auto store = RunStore::open(dir.filePath(QStringLiteral("runs.db")), OpenMode::Create);
    QVERIFY(store);
    for (int i = 0; i < 50; ++i) {
        NewRun run = sampleRun();
        run.startTime = 1000 + i;
        run.params.insert(QStringLiteral("lr"), ParamValue::infer(QString::number(0.001 * (i % 5))));
        auto ref = store->createRun(run);
        QVERIFY(ref);
        if (i % 2 == 0) {
            const std::vector<qint64> steps { 0 };
            const std::vector<double> values { double(i) };
            QVERIFY(store->logMetric(ref->rowId, QStringLiteral("acc"), steps, values, values));
        }
    }
    auto table = loadRunTable(store->database());
    QVERIFY(table);
    QCOMPARE(table->rowCount(), size_t(50));
    QCOMPARE(table->startTimes.front(), 1049.0); // newest first
    const ValueColumn* lr = table->param(QStringLiteral("lr"));
    QVERIFY(lr);
    QCOMPARE(lr->text.dict.size(), 5); // dictionary-encoded: five distinct values
    QCOMPARE(lr->number(0), 0.004);
    const NumberColumn* acc = table->metric(QStringLiteral("acc"));
    QVERIFY(acc);
    QCOMPARE(int(acc->present[0]), 0); // i = 49 logged nothing
    QCOMPARE(acc->values[1], 48.0);
    QCOMPARE(table->tag(QStringLiteral("team"))->text.at(3), QStringLiteral("vision"));
    QCOMPARE(table->projects.dict.size(), 1);

    RunTableColumns only;
    only.allParams = only.allMetrics = only.allTags = false;
    only.params << QStringLiteral("optimizer");
    auto narrow = loadRunTable(store->database(), only);
    QVERIFY(narrow);
    QCOMPARE(narrow->params.size(), size_t(1));
    QVERIFY(narrow->metrics.empty());
    QVERIFY(narrow->tags.empty());
}

void TestStore::inferParamTypes_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("type");
    QTest::newRow("int") << "32"
                         << "int";
    QTest::newRow("negative int") << "-3"
                                  << "int";
    QTest::newRow("float") << "0.01"
                           << "float";
    QTest::newRow("exponent") << "3e-5"
                              << "float";
    QTest::newRow("bool") << "true"
                          << "bool";
    QTest::newRow("json") << "[1, 2]"
                          << "json";
    QTest::newRow("broken json") << "[1, 2"
                                 << "str";
    QTest::newRow("text") << "adam"
                          << "str";
    QTest::newRow("empty") << ""
                           << "str";
}

void TestStore::inferParamTypes()
{
    QFETCH(QString, text);
    QFETCH(QString, type);
    QCOMPARE(ParamValue::infer(text).type, type);
    QCOMPARE(ParamValue::infer(text).value, text);
}

void TestStore::runEditsAreAtomicAndUndoable()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("edits.db"));
    QString id;
    {
        auto store = RunStore::open(path, OpenMode::Create);
        QVERIFY(store);
        NewRun run;
        run.name = QStringLiteral("before");
        auto ref = store->createRun(run);
        QVERIFY(ref);
        QVERIFY(store->setTags(ref->rowId, { { QStringLiteral("team"), QStringLiteral("vision") } }));
        id = ref->uuid;
    }
    using F = RunEdit::Field;
    const QList<RunEdit> edits { { id, F::Name, {}, QStringLiteral("after") },
        { id, F::Starred, {}, QStringLiteral("1") }, { id, F::Archived, {}, QStringLiteral("1") },
        { id, F::Notes, {}, QStringLiteral("lr too high") },
        { id, F::Tag, QStringLiteral("stage"), QStringLiteral("prod") },
        { id, F::Tag, QStringLiteral("team"), std::nullopt } };
    QVERIFY(applyRunEdits(path, edits));
    auto load = [&] { return *RunStore::open(path, OpenMode::ReadOnly)->loadRun(id); };
    RunRecord r = load();
    QCOMPARE(r.name, QStringLiteral("after"));
    QVERIFY(r.starred && r.archived);
    QCOMPARE(r.notes, QStringLiteral("lr too high"));
    QCOMPARE(r.tags, (QMap<QString, QString> { { "stage", "prod" } }));

    // The inverse restores everything.
    const QList<RunEdit> undo { { id, F::Name, {}, QStringLiteral("before") },
        { id, F::Starred, {}, QStringLiteral("0") }, { id, F::Archived, {}, QStringLiteral("0") },
        { id, F::Notes, {}, QString() }, { id, F::Tag, QStringLiteral("stage"), std::nullopt },
        { id, F::Tag, QStringLiteral("team"), QStringLiteral("vision") } };
    QVERIFY(applyRunEdits(path, undo));
    r = load();
    QCOMPARE(r.name, QStringLiteral("before"));
    QVERIFY(!r.starred && !r.archived);
    QCOMPARE(r.tags, (QMap<QString, QString> { { "team", "vision" } }));

    // An unknown run fails the whole list: the rename before it is not written either.
    const auto bad = applyRunEdits(path,
        { { id, F::Name, {}, QStringLiteral("half") },
            { QStringLiteral("ffffffffffff"), F::Starred, {}, QStringLiteral("1") } });
    QVERIFY(!bad);
    QCOMPARE(load().name, QStringLiteral("before"));

    // A database written by a newer Reprise is only read: refused, unchanged.
    {
        sqlite3* raw = nullptr;
        QCOMPARE(sqlite3_open(path.toUtf8().constData(), &raw), SQLITE_OK);
        QCOMPARE(sqlite3_exec(raw, "PRAGMA user_version = 999", nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(raw);
    }
    const auto newer = applyRunEdits(path, { { id, F::Starred, {}, QStringLiteral("1") } });
    QVERIFY(!newer);
    QVERIFY2(newer.error().message.contains(QStringLiteral("newer Reprise")), qPrintable(newer.error().message));
    QVERIFY(!load().starred);
    // A file without write permission is refused too (root may write anyway: then nothing to check).
    QFile::setPermissions(path, QFile::ReadOwner | QFile::ReadGroup | QFile::ReadOther);
    if (!QFileInfo(path).isWritable()) {
        const auto refused = applyRunEdits(path, { { id, F::Starred, {}, QStringLiteral("1") } });
        QVERIFY(!refused);
        QVERIFY(refused.error().message.contains(QStringLiteral("read-only")));
    }
}

void TestStore::finishedHistoriesArePackedAndMerged()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("packed.db"));
    auto store = RunStore::open(path, OpenMode::Create);
    QVERIFY(store);
    auto ref = store->createRun(NewRun {});
    QVERIFY(ref);
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    // Repeated and out-of-order steps, NaN and ±inf, step -1.
    const std::vector<qint64> steps { 3, 1, 2, 1, -1, 5 };
    const std::vector<double> values { 0.3, 0.1, nan, 0.11, inf, -inf }, times { 1, 2, 3, 4, 5, 6 };
    QVERIFY(store->logMetric(ref->rowId, QStringLiteral("m"), steps, values, times));
    auto same = [](const MetricHistory& a, const MetricHistory& b) {
        if (a.steps != b.steps || a.times != b.times || a.values.size() != b.values.size())
            return false;
        for (size_t i = 0; i < a.values.size(); ++i) {
            if (!(a.values[i] == b.values[i] || (std::isnan(a.values[i]) && std::isnan(b.values[i]))))
                return false;
        }
        return true;
    };
    const MetricHistory before = *store->loadMetric(*ref, QStringLiteral("m"));
    QCOMPARE(before.steps, (std::vector<qint64> { -1, 1, 1, 2, 3, 5 }));
    auto rowsLeft = [&] {
        auto s = store->database().prepare("SELECT count(*) FROM metrics WHERE run_id = ?");
        s->bind(1, ref->rowId);
        s->step();
        return s->int64(0);
    };
    QCOMPARE(rowsLeft(), 6);

    // Finishing packs: no rows left, the same history read back (times too, or without them).
    QVERIFY(store->finishRun(ref->rowId, RunStatus::Finished, 0, 10));
    QCOMPARE(rowsLeft(), 0);
    QVERIFY(same(*store->loadMetric(*ref, QStringLiteral("m")), before));
    const MetricHistory noTimes = *store->loadMetric(*ref, QStringLiteral("m"), RunStore::PointTimes::Skip);
    QCOMPARE(noTimes.steps, before.steps);
    QVERIFY(noTimes.times.empty());

    // Points logged after packing are rows again and merge in step order (a repeated step keeps
    // logging order: the packed point first).
    QVERIFY(store->logMetric(ref->rowId, QStringLiteral("m"), std::vector<qint64> { 1, 4, 6 },
        std::vector<double> { 0.12, 0.4, 0.6 }, std::vector<double> { 7, 8, 9 }));
    QCOMPARE(rowsLeft(), 3);
    const MetricHistory merged = *store->loadMetric(*ref, QStringLiteral("m"));
    QCOMPARE(merged.steps, (std::vector<qint64> { -1, 1, 1, 1, 2, 3, 4, 5, 6 }));
    QCOMPARE(merged.values[3], 0.12);
    QCOMPARE(merged.times[3], 7.0);
    QCOMPARE(store->metricSummaries(*ref)->first().count, 9);
    // Finishing again packs the lot.
    QVERIFY(store->finishRun(ref->rowId, RunStatus::Finished, 0, 11));
    QCOMPARE(rowsLeft(), 0);
    QVERIFY(same(*store->loadMetric(*ref, QStringLiteral("m")), merged));

    // A damaged blob is reported, not read past its end.
    QVERIFY(store->database().exec("UPDATE metric_packed SET vals = x'00'"));
    const auto damaged = store->loadMetric(*ref, QStringLiteral("m"));
    QVERIFY(!damaged);
    QVERIFY(damaged.error().message.contains(QStringLiteral("damaged")));
}

void TestStore::readOnlyFolderOpensAsASnapshot()
{
    if (::getuid() == 0) {
        // Root may write anywhere: run this test case again as an ordinary user.
        if (QStandardPaths::findExecutable(QStringLiteral("runuser")).isEmpty())
            QSKIP("root may write anywhere, and runuser is missing to run this as another user");
        QProcess child;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("TMPDIR"), QStringLiteral("/tmp"));
        child.setProcessEnvironment(env);
        child.start(QStringLiteral("runuser"),
            { QStringLiteral("-u"), QStringLiteral("nobody"), QStringLiteral("--"),
                QCoreApplication::applicationFilePath(), QStringLiteral("readOnlyFolderOpensAsASnapshot") });
        QVERIFY(child.waitForFinished(60000));
        if (child.exitCode() == 126 || child.exitCode() == 127)
            QSKIP("the test program is not reachable by user nobody here (its folder is private)");
        QVERIFY2(child.exitCode() == 0, child.readAllStandardOutput().constData());
        return;
    }
    QTemporaryDir dir;
    const QString folder = dir.filePath(QStringLiteral("share"));
    QVERIFY(QDir().mkpath(folder));
    const QString path = folder + QStringLiteral("/team.db");
    QString id;
    {
        auto store = RunStore::open(path, OpenMode::Create);
        QVERIFY(store);
        id = store->createRun(NewRun {})->uuid;
    }
    QFile::remove(path + QStringLiteral("-shm"));
    QFile::remove(path + QStringLiteral("-wal"));
    QVERIFY(QFile::setPermissions(folder, QFileDevice::ReadOwner | QFileDevice::ExeOwner));
    const auto restore = qScopeGuard([&] {
        QFile::setPermissions(folder, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    });
    auto reader = RunStore::open(path, OpenMode::ReadOnly);
    QVERIFY2(reader, reader ? "" : qPrintable(reader.error().message));
    QVERIFY(reader->database().isSnapshot());
    QVERIFY(reader->loadRun(id));
    QVERIFY(!QFileInfo::exists(path + QStringLiteral("-shm"))); // nothing created beside it
}

namespace {

/// The pages of `btree` (a table or index of the file at `path`) that are leaves, in key order.
QList<qint64> leafPages(const QString& path, const QString& btree)
{
    sqlite3* db = nullptr;
    sqlite3_open_v2(path.toUtf8().constData(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* stmt = nullptr;
    QList<qint64> pages;
    if (sqlite3_prepare_v2(
            db, "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY path", -1, &stmt, nullptr)
        == SQLITE_OK) {
        const QByteArray name = btree.toUtf8();
        sqlite3_bind_text(stmt, 1, name.constData(), int(name.size()), SQLITE_TRANSIENT);
        while (sqlite3_step(stmt) == SQLITE_ROW)
            pages << sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return pages;
}

/// Overwrites page `page` (1-based) of the closed database file at `path` with garbage, as a bad
/// disk sector would. Only ever called while no connection of this process has the file open.
void damagePage(const QString& path, qint64 page, qint64 pageSize)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadWrite));
    QVERIFY(f.seek((page - 1) * pageSize));
    QCOMPARE(f.write(QByteArray(int(pageSize), '\xa5')), pageSize);
}

/// One run with enough of everything that each of its tables spans several pages.
void writeBigRun(RunStore& store, QString& uuid)
{
    NewRun run = sampleRun();
    const QString filler = QString(160, u'x');
    for (int i = 0; i < 400; ++i) {
        run.params.insert(QStringLiteral("param%1").arg(i, 4, 10, QLatin1Char('0')), { filler, QStringLiteral("str") });
        run.tags.insert(QStringLiteral("tag%1").arg(i, 4, 10, QLatin1Char('0')), filler);
    }
    auto ref = store.createRun(run);
    QVERIFY(ref);
    uuid = ref->uuid;
    QList<StepRecord> steps;
    for (int i = 0; i < 300; ++i) {
        StepRecord s;
        s.name = QStringLiteral("step%1").arg(i);
        s.log = filler;
        for (int k = 0; k < 2; ++k) {
            s.inputs << ArtifactRecord { 0, QStringLiteral("in/%1/%2/").arg(i).arg(k) + filler, {}, 1 };
            s.outputs << ArtifactRecord { 0, QStringLiteral("out/%1/%2/").arg(i).arg(k) + filler, {}, 1 };
        }
        for (int back = 1; back <= 5 && back <= i; ++back)
            s.after << QStringLiteral("step%1").arg(i - back);
        steps << s;
    }
    QVERIFY(store.addSteps(ref->rowId, steps));
    for (int i = 0; i < 300; ++i) {
        DatasetRecord d;
        d.name = QStringLiteral("data%1").arg(i);
        d.uri = filler;
        d.rows = 10;
        for (int k = 0; k < 2; ++k)
            d.profiles << FeatureProfile { QStringLiteral("f%1").arg(k), QStringLiteral("numeric"), 10, 0,
                QStringLiteral("{\"note\":\"") + filler + QStringLiteral("\"}"), QStringLiteral("[1,2]"), {} };
        QVERIFY(store.addDataset(ref->rowId, d));
    }
    QList<MetricPoint> points;
    for (int k = 0; k < 1000; ++k)
        points << MetricPoint { QStringLiteral("metric/with/a/rather/long/name/number/%1").arg(k), 0, 1.0, 2.0 };
    QVERIFY(store.logMetrics(ref->rowId, points));
}

/// Runs `action` once, on the connection `db`, when a statement whose SQL contains `marker` starts.
struct StatementTrap {
    QByteArray marker;
    std::function<void()> action;
    bool fired = false;

    void install(sqlite3* db)
    {
        sqlite3_trace_v2(
            db, SQLITE_TRACE_STMT,
            [](unsigned, void* self, void*, void* sql) -> int {
                auto* trap = static_cast<StatementTrap*>(self);
                if (!trap->fired && std::strstr(static_cast<const char*>(sql), trap->marker.constData())) {
                    trap->fired = true;
                    trap->action();
                }
                return 0;
            },
            this);
    }
};

} // namespace

void TestStore::rolledBackKeyIdIsNotReused_data()
{
    QTest::addColumn<bool>("otherConnection");
    QTest::newRow("key taken by this store") << false;
    QTest::newRow("key taken by another program") << true;
}

void TestStore::rolledBackKeyIdIsNotReused()
{
    QFETCH(bool, otherConnection);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("runs.db"));
    auto store = RunStore::open(path, OpenMode::Create);
    QVERIFY(store);
    auto ref = store->createRun(sampleRun());
    QVERIFY(ref);
    const std::vector<qint64> one { 1 };
    const std::vector<double> time { 1 };
    QVERIFY(store->logMetric(ref->rowId, QStringLiteral("loss"), one, std::vector<double> { 0.5 }, time));
    // A transaction that creates key "ghost" and then fails: the key is rolled back with it.
    auto failed = inWriteTransaction(store->database(), [&]() -> Status {
        if (auto st = store->logMetric(ref->rowId, QStringLiteral("ghost"), one, std::vector<double> { 9 }, time); !st)
            return st;
        return Error { QStringLiteral("abandoned on purpose"), {} };
    });
    QVERIFY(!failed);
    QCOMPARE(rawCount(path, "SELECT count(*) FROM metric_keys WHERE name = 'ghost'"), 0);
    // The next key created takes the id "ghost" had inside the rolled-back transaction.
    if (otherConnection)
        rawExec(path, "INSERT INTO metric_keys(name) VALUES('acc')");
    QVERIFY(store->logMetric(ref->rowId, QStringLiteral("acc"), one, std::vector<double> { 0.75 }, time));
    // "ghost" logged again lands under "ghost", and "acc" keeps only its own point.
    QVERIFY(store->logMetric(ref->rowId, QStringLiteral("ghost"), std::vector<qint64> { 2 }, std::vector<double> { 7 },
        std::vector<double> { 3 }));
    auto ghost = store->loadMetric(*ref, QStringLiteral("ghost"));
    QVERIFY2(ghost, ghost ? "" : qPrintable(ghost.error().message));
    QCOMPARE(ghost->values, std::vector<double> { 7 });
    auto acc = store->loadMetric(*ref, QStringLiteral("acc"));
    QVERIFY(acc);
    QCOMPARE(acc->values, std::vector<double> { 0.75 });
    QCOMPARE(store->metricSummaries(*ref)->size(), 3);
}

void TestStore::damagedCountsAreErrors_data()
{
    QTest::addColumn<QByteArray>("damage");
    QTest::addColumn<QString>("read");
    QTest::addColumn<QString>("expected");
    // One packed history "loss" (4 points) and a metric_latest row for it; a dataset profile.
    QTest::newRow("packed count 2^61, empty blobs")
        << QByteArray("UPDATE metric_packed SET count = 2305843009213693952, steps = x'', vals = x'', times = x''")
        << "metric"
        << "the stored history of loss is damaged (count 2305843009213693952 does not match its 0-byte";
    QTest::newRow("packed count whose byte size wraps to the blob's")
        << QByteArray("UPDATE metric_packed SET count = 2305843009213693953, steps = x'0100000000000000', vals = "
                      "x'0000000000000000', times = x'0000000000000000'")
        << "metric"
        << "count 2305843009213693953 does not match its 8-byte blob of steps";
    QTest::newRow("packed count negative") << QByteArray("UPDATE metric_packed SET count = -1") << "metric"
                                           << "count -1 does not match";
    QTest::newRow("packed times shorter than the count")
        << QByteArray("UPDATE metric_packed SET times = x'00'") << "metric"
        << "count 4 does not match its 1-byte blob of times";
    QTest::newRow("latest count 2^40") << QByteArray("UPDATE metric_latest SET count = 1099511627776") << "metric"
                                       << "the stored history of loss is damaged (count 1099511627776 in a";
    QTest::newRow("latest count negative") << QByteArray("UPDATE metric_latest SET count = -3") << "metric"
                                           << "damaged (count -3 in a";
    QTest::newRow("latest count at the largest integer, then logging")
        << QByteArray("UPDATE metric_latest SET count = 9223372036854775807") << "log"
        << "the stored point count of loss is damaged (9223372036854775807)";
    QTest::newRow("exit code beyond int") << QByteArray("UPDATE runs SET exit_code = 1099511627776") << "run"
                                          << "its stored exit code 1099511627776 is not an exit code";
    QTest::newRow("profile count negative") << QByteArray("UPDATE feature_profiles SET count = -5") << "run"
                                            << "the profile of age in dataset train is damaged (-5 values, 0 missing)";
    QTest::newRow("profile missing beyond count") << QByteArray("UPDATE feature_profiles SET missing = 99") << "run"
                                                  << "(3 values, 99 missing)";
}

void TestStore::damagedCountsAreErrors()
{
    QFETCH(QByteArray, damage);
    QFETCH(QString, read);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("damaged.db"));
    QString uuid;
    {
        auto store = RunStore::open(path, OpenMode::Create);
        QVERIFY(store);
        auto ref = store->createRun(sampleRun());
        QVERIFY(ref);
        uuid = ref->uuid;
        QVERIFY(store->logMetric(ref->rowId, QStringLiteral("loss"), std::vector<qint64> { 0, 1, 2, 3 },
            std::vector<double> { 4, 3, 2, 1 }, std::vector<double> { 10, 11, 12, 13 }));
        DatasetRecord data;
        data.name = QStringLiteral("train");
        data.rows = 3;
        data.profiles << FeatureProfile { QStringLiteral("age"), QStringLiteral("numeric"), 3, 0, QStringLiteral("{}"),
            QStringLiteral("[1,2,3]"), {} };
        QVERIFY(store->addDataset(ref->rowId, data));
        QVERIFY(store->finishRun(ref->rowId, RunStatus::Finished, 0, 20));
    }
    rawExec(path, damage.constData());
    auto store = RunStore::open(path, OpenMode::ReadWrite);
    QVERIFY(store);
    auto ref = store->resolveRun(uuid);
    QVERIFY(ref);
    Error error;
    if (read == QLatin1String("metric")) {
        auto history = store->loadMetric(*ref, QStringLiteral("loss"));
        QVERIFY(!history);
        error = history.error();
        // The key's summary still reads (it is only shown), and so do the run's details.
        QVERIFY(store->loadRun(*ref));
    } else if (read == QLatin1String("log")) {
        auto logged = store->logMetric(ref->rowId, QStringLiteral("loss"), std::vector<qint64> { 4 },
            std::vector<double> { 0 }, std::vector<double> { 14 });
        QVERIFY(!logged);
        error = logged.error();
    } else {
        auto run = store->loadRun(*ref);
        QVERIFY(!run);
        error = run.error();
    }
    QVERIFY2(error.message.startsWith(path + QStringLiteral(": run ")), qPrintable(error.message));
    QVERIFY2(error.message.contains(expected), qPrintable(error.message));
    QVERIFY(!error.hint.isEmpty());
    if (read != QLatin1String("log"))
        QVERIFY2(error.message.contains(uuid), qPrintable(error.message));
}

void TestStore::outOfRangeIdsAndTimesAreHandled()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("ids.db"));
    {
        auto store = RunStore::open(path, OpenMode::Create);
        QVERIFY(store);
        auto ref = store->createRun(sampleRun());
        QVERIFY(ref);
        QVERIFY(store->logMetric(ref->rowId, QStringLiteral("loss"), std::vector<qint64> { 0 },
            std::vector<double> { 0.5 }, std::vector<double> { 1 }));
    }
    // Ids far from 1, 2, 3 … (another program wrote them, or the file is damaged): no array may
    // be sized by them. A time beyond any clock.
    rawExec(path,
        "INSERT INTO runs(id, uuid, project_id, start_time) VALUES(4611686018427387904, "
        "'ffffffffffffffffffffffffffffff01', 1, 1e300);"
        "INSERT INTO runs(id, uuid, project_id, start_time) VALUES(-7, 'ffffffffffffffffffffffffffffff02', 1, 5);"
        "INSERT INTO params(run_id, key, value) VALUES(4611686018427387904, 'lr', '0.5'), (-7, 'lr', '0.25');"
        "INSERT INTO metric_keys(id, name) VALUES(9223372036854775807, 'far');"
        "INSERT INTO metric_latest(run_id, key_id, step, value, time, count) VALUES(-7, 9223372036854775807, 0, 3, 0, "
        "1);");
    auto store = RunStore::open(path, OpenMode::ReadOnly);
    QVERIFY(store);
    auto table = loadRunTable(store->database());
    QVERIFY2(table, table ? "" : qPrintable(table.error().message));
    QCOMPARE(table->rowCount(), size_t(3));
    const auto row = [&](const char* uuid) {
        return size_t(std::find(table->uuids.begin(), table->uuids.end(), QLatin1String(uuid)) - table->uuids.begin());
    };
    const size_t far = row("ffffffffffffffffffffffffffffff01"), negative = row("ffffffffffffffffffffffffffffff02");
    QVERIFY(far < 3 && negative < 3);
    QCOMPARE(table->param(QStringLiteral("lr"))->text.at(far), QStringLiteral("0.5"));
    QCOMPARE(table->param(QStringLiteral("lr"))->text.at(negative), QStringLiteral("0.25"));
    QCOMPARE(table->metric(QStringLiteral("far"))->values[negative], 3.0);
    QCOMPARE(int(table->metric(QStringLiteral("far"))->present[far]), 0);
    QCOMPARE(formatTime(table->startTimes[far]), QStringLiteral("-"));
    QCOMPARE(formatDuration(1e300), QStringLiteral("-"));
    QCOMPARE(formatTime(std::numeric_limits<double>::infinity()), QStringLiteral("-"));
}

void TestStore::outOfRangePidIsNotAnotherProcess()
{
    QTemporaryDir dir;
    auto store = RunStore::open(dir.filePath(QStringLiteral("runs.db")), OpenMode::Create);
    QVERIFY(store);
    // 2^32 + 1 truncates to pid 1 (init, always alive); 2^32 - 1 to -1 (every process).
    QList<RunRef> refs;
    for (qint64 pid : { (qint64(1) << 32) + 1, (qint64(1) << 32) - 1 }) {
        NewRun run = sampleRun();
        run.host = localHostName();
        run.pid = pid;
        auto ref = store->createRun(run);
        QVERIFY(ref);
        refs << *ref;
    }
    auto recovered = store->recoverAbandonedRuns(localHostName());
    QVERIFY(recovered);
    QCOMPARE(*recovered, 2);
    for (const RunRef& ref : refs)
        QCOMPARE(toString(store->loadRun(ref)->status), toString(RunStatus::Killed));
}

void TestStore::readErrorsAreNotEndOfData_data()
{
    QTest::addColumn<QStringList>("btrees");
    QTest::addColumn<QString>("read");
    QTest::newRow("params") << QStringList { "params" } << "run";
    QTest::newRow("tags") << QStringList { "tags" } << "run";
    QTest::newRow("steps") << QStringList { "steps" } << "run";
    QTest::newRow("step inputs and outputs") << QStringList { "step_io" } << "run";
    QTest::newRow("step dependencies") << QStringList { "step_edges" } << "run";
    QTest::newRow("artifacts") << QStringList { "artifacts" } << "run";
    QTest::newRow("datasets") << QStringList { "datasets" } << "run";
    QTest::newRow("feature profiles") << QStringList { "feature_profiles" } << "run";
    QTest::newRow("metric keys (run table)")
        << QStringList { "metric_keys", "sqlite_autoindex_metric_keys_1" } << "table";
}

void TestStore::readErrorsAreNotEndOfData()
{
    QFETCH(QStringList, btrees);
    QFETCH(QString, read);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("big.db"));
    QString uuid;
    {
        auto store = RunStore::open(path, OpenMode::Create);
        QVERIFY(store);
        writeBigRun(*store, uuid);
        if (QTest::currentTestFailed())
            return;
        auto whole = store->loadRun(uuid);
        QVERIFY(whole);
        QCOMPARE(whole->params.size(), 402);
        QCOMPARE(whole->steps.size(), 300);
    } // closed: SQLite checkpoints and removes the log, and holds no lock on the file any more
    QVERIFY(!QFileInfo::exists(path + QStringLiteral("-wal")));
    const qint64 pageSize = rawCount(path, "PRAGMA page_size");
    for (const QString& btree : btrees) {
        const QList<qint64> leaves = leafPages(path, btree);
        if (leaves.isEmpty())
            QSKIP("this SQLite has no dbstat table to find the pages of a table");
        QVERIFY2(leaves.size() >= 3, qPrintable(btree + QStringLiteral(": only %1 leaf pages").arg(leaves.size())));
        // The last leaf: the scan returns the rows of the others first, then meets the bad page.
        damagePage(path, leaves.last(), pageSize);
    }
    auto store = RunStore::open(path, OpenMode::ReadOnly);
    QVERIFY2(store, store ? "" : qPrintable(store.error().message));
    Error error;
    if (read == QLatin1String("run")) {
        auto run = store->loadRun(uuid);
        QVERIFY2(!run, "a damaged page was taken for the end of the data: partial details returned");
        error = run.error();
    } else {
        auto table = loadRunTable(store->database());
        QVERIFY2(!table, "a damaged page was taken for the end of the data: a partial run table returned");
        error = table.error();
    }
    QVERIFY2(error.message.startsWith(path + QStringLiteral(": ")), qPrintable(error.message));
    QVERIFY2(error.message.contains(QStringLiteral("damaged")), qPrintable(error.message));
}

void TestStore::aRunIsReadFromOneSnapshot()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("runs.db"));
    auto store = RunStore::open(path, OpenMode::Create);
    QVERIFY(store);
    NewRun run = sampleRun();
    run.name = QStringLiteral("before");
    auto ref = store->createRun(run);
    QVERIFY(ref);
    // Another program renames the run and adds a param in one transaction, while the run's
    // details are being read: just before the params are.
    StatementTrap trap { "FROM params", [&] {
                            rawExec(path,
                                "BEGIN; UPDATE runs SET name = 'after'; INSERT INTO params(run_id, key, value) "
                                "VALUES(1, 'added', '1'); COMMIT;");
                        } };
    trap.install(store->database().handle());
    auto record = store->loadRun(*ref);
    sqlite3_trace_v2(store->database().handle(), 0, nullptr, nullptr);
    QVERIFY(trap.fired);
    QVERIFY(record);
    QCOMPARE(record->name, QStringLiteral("before"));
    QVERIFY2(!record->params.contains(QStringLiteral("added")), "the name and the params come from different moments");
    auto after = store->loadRun(*ref);
    QCOMPARE(after->name, QStringLiteral("after"));
    QVERIFY(after->params.contains(QStringLiteral("added")));
}

void TestStore::aHistoryIsReadFromOneSnapshot()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("runs.db"));
    auto store = RunStore::open(path, OpenMode::Create);
    QVERIFY(store);
    auto ref = store->createRun(sampleRun());
    QVERIFY(ref);
    std::vector<qint64> steps(100);
    std::vector<double> values(100, 0.5);
    std::iota(steps.begin(), steps.end(), 0);
    QVERIFY(store->logMetric(ref->rowId, QStringLiteral("loss"), steps, values, values));
    auto writer = RunStore::open(path, OpenMode::ReadWrite);
    QVERIFY(writer);
    // The recorder finishes the run while the history is read, between its packed part (none
    // yet) and its rows: finishing moves the rows into the packed part.
    StatementTrap trap { "FROM metrics WHERE",
        [&] { QVERIFY(writer->finishRun(ref->rowId, RunStatus::Finished, 0, 2e9)); } };
    trap.install(store->database().handle());
    auto history = store->loadMetric(*ref, QStringLiteral("loss"));
    sqlite3_trace_v2(store->database().handle(), 0, nullptr, nullptr);
    QVERIFY(trap.fired);
    QVERIFY(history);
    QCOMPARE(history->size(), size_t(100));
    QCOMPARE(rawCount(path, "SELECT count(*) FROM metrics"), 0); // packed meanwhile indeed
    QCOMPARE(store->loadMetric(*ref, QStringLiteral("loss"))->size(), size_t(100));
}

void TestStore::theRunTableIsReadFromOneSnapshot_data()
{
    QTest::addColumn<bool>("withParams");
    QTest::newRow("with params (a second connection)") << true;
    QTest::newRow("runs and metrics only") << false;
}

void TestStore::theRunTableIsReadFromOneSnapshot()
{
    QFETCH(bool, withParams);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("runs.db"));
    auto store = RunStore::open(path, OpenMode::Create);
    QVERIFY(store);
    for (int i = 0; i < 20; ++i) {
        NewRun run = sampleRun();
        run.name = QStringLiteral("before");
        auto ref = store->createRun(run);
        QVERIFY(ref);
        QVERIFY(store->logMetric(ref->rowId, QStringLiteral("acc"), std::vector<qint64> { 0 },
            std::vector<double> { 0.5 }, std::vector<double> { 1 }));
    }
    StatementTrap trap { "FROM metric_latest", [&] {
                            rawExec(path,
                                "BEGIN; UPDATE runs SET name = 'after'; UPDATE metric_latest SET value = 42; "
                                "UPDATE params SET value = 'changed' WHERE key = 'optimizer'; COMMIT;");
                        } };
    trap.install(store->database().handle());
    RunTableColumns columns;
    columns.allParams = columns.allTags = withParams;
    auto table = loadRunTable(store->database(), columns);
    sqlite3_trace_v2(store->database().handle(), 0, nullptr, nullptr);
    QVERIFY(trap.fired);
    QVERIFY(table);
    QCOMPARE(table->rowCount(), size_t(20));
    const bool renamed = table->names.at(0) == QLatin1String("after");
    for (size_t row = 0; row < table->rowCount(); ++row) {
        QCOMPARE(table->names.at(row) == QLatin1String("after"), renamed);
        QCOMPARE(table->metric(QStringLiteral("acc"))->values[row] == 42.0, renamed);
        if (withParams)
            QCOMPARE(table->param(QStringLiteral("optimizer"))->text.at(row) == QLatin1String("changed"), renamed);
    }
}

namespace {

/// Starts one process that creates (or opens) the database at `path` and records a run in it: `reprise
/// run --db PATH -- true`, or the Python client's start_run(db=PATH).finish(). The Python client waits
/// for a line on stdin first, so that several can be let go at the same moment (openGate()).
std::unique_ptr<QProcess> startCreator(bool python, const QString& path)
{
    auto process = std::make_unique<QProcess>();
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char* name : { "REPRISE_RUN_ID", "REPRISE_DB", "REPRISE_PARAMS", "REPRISE_BUSY_TIMEOUT_MS" })
        env.remove(QString::fromLatin1(name));
    env.insert(QStringLiteral("PYTHONPATH"), QStringLiteral(REPRISE_CLIENT_DIR));
    process->setProcessEnvironment(env);
    if (python) {
        process->start(QStringLiteral(REPRISE_PYTHON),
            { QStringLiteral("-c"),
                QStringLiteral("import sys, reprise\nsys.stdin.readline()\nreprise.start_run(db=sys.argv[1]).finish()"),
                path });
    } else {
        process->start(QStringLiteral(REPRISE_BIN),
            { QStringLiteral("run"), QStringLiteral("--db"), path, QStringLiteral("--"), QStringLiteral("true") });
    }
    return process;
}

void openGate(QProcess& process)
{
    process.write("\n");
    process.closeWriteChannel();
}

/// Calls `competitor` once, on the connections this process opens while it lives, when the
/// `statement`-th statement that runs outside any transaction begins (1 is the first).
class StatementCountTrap {
public:
    StatementCountTrap(int statement, std::function<void()> competitor)
        : m_statement(statement)
        , m_competitor(std::move(competitor))
    {
        s_current = this;
        sqlite3_auto_extension(reinterpret_cast<void (*)()>(&StatementCountTrap::install));
    }
    ~StatementCountTrap()
    {
        sqlite3_cancel_auto_extension(reinterpret_cast<void (*)()>(&StatementCountTrap::install));
        s_current = nullptr;
    }
    StatementCountTrap(const StatementCountTrap&) = delete;
    StatementCountTrap& operator=(const StatementCountTrap&) = delete;
    bool fired() const { return m_fired; }

private:
    static int install(sqlite3* db, const char**, const sqlite3_api_routines*)
    {
        sqlite3_trace_v2(db, SQLITE_TRACE_STMT, &StatementCountTrap::onStatement, s_current);
        return SQLITE_OK;
    }
    static int onStatement(unsigned, void*, void* statement, void*)
    {
        // The trap in force now, not the one the connection was opened under: a connection may
        // outlive its trap (the sanitizer build caught the dangling pointer).
        StatementCountTrap* trap = s_current;
        // Only where this connection holds no lock at all (not inside a transaction, nor SQLite's own
        // reading of the schema), as between two statements of another process.
        sqlite3* db = sqlite3_db_handle(static_cast<sqlite3_stmt*>(statement));
        if (trap && !trap->m_fired && sqlite3_txn_state(db, nullptr) == SQLITE_TXN_NONE
            && ++trap->m_seen == trap->m_statement) {
            trap->m_fired = true;
            trap->m_competitor();
        }
        return 0;
    }

    static inline StatementCountTrap* s_current = nullptr;
    int m_statement;
    std::function<void()> m_competitor;
    int m_seen = 0;
    bool m_fired = false;
};

} // namespace

void TestStore::manyProcessesCreateOneNewDatabase_data()
{
    QTest::addColumn<bool>("anotherCreatorHoldsTheLock");
    QTest::addColumn<int>("rounds");
    // Let go at the same moment (the Python clients) or as fast as they start (`reprise run`).
    QTest::newRow("all at once") << false << 6;
    // Another creator (an import into a new file, a migration) holds the write lock as they start:
    // they wait for it, and then all go at once.
    QTest::newRow("while another creator holds the lock") << true << 2;
}

void TestStore::manyProcessesCreateOneNewDatabase()
{
    QFETCH(bool, anotherCreatorHoldsTheLock);
    QFETCH(int, rounds);
    constexpr int kEach = 3; // `reprise run` processes and as many Python clients, per round
    for (int round = 0; round < rounds; ++round) {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("new/runs.db"));
        QVERIFY(QDir().mkpath(dir.filePath(QStringLiteral("new"))));
        sqlite3* holder = nullptr;
        if (anotherCreatorHoldsTheLock) {
            QCOMPARE(sqlite3_open(path.toUtf8().constData(), &holder), SQLITE_OK);
            QCOMPARE(sqlite3_exec(holder, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
        }
        std::vector<std::unique_ptr<QProcess>> creators;
        for (int i = 0; i < kEach; ++i)
            creators.push_back(startCreator(true, path));
        for (auto& creator : creators)
            QVERIFY2(creator->waitForStarted(30000), qPrintable(creator->errorString()));
        for (int i = 0; i < kEach; ++i)
            creators.push_back(startCreator(false, path));
        for (auto& creator : creators) {
            if (creator->program() == QStringLiteral(REPRISE_PYTHON))
                openGate(*creator);
        }
        if (holder) {
            // Held until they have all given up (what they did at once before: SQLite does not wait
            // for this lock by itself) or for at most a second, far below their busy timeouts.
            QDeadlineTimer held(1000);
            for (auto& creator : creators)
                creator->waitForFinished(int(held.remainingTime()));
            sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr);
            sqlite3_close(holder);
        }
        for (auto& creator : creators) {
            QVERIFY(creator->state() == QProcess::NotRunning || creator->waitForFinished(120000));
            const QByteArray errors = creator->readAllStandardError();
            QVERIFY2(creator->exitStatus() == QProcess::NormalExit && creator->exitCode() == 0,
                qPrintable(QStringLiteral("round %1, %2: exit code %3: %4")
                               .arg(round)
                               .arg(creator->program())
                               .arg(creator->exitCode())
                               .arg(QString::fromUtf8(errors.right(400)))));
        }
        QCOMPARE(rawCount(path, "SELECT count(*) FROM runs"), 2 * kEach);
        QCOMPARE(rawCount(path, "PRAGMA user_version"), qint64(latestSchemaVersion()));
    }
}

void TestStore::theHeaderIsReadFromOneSnapshot_data()
{
    QTest::addColumn<int>("statement");
    // 2..5: the last ones outside a transaction (the WAL switch, its settings, BEGIN IMMEDIATE).
    for (int statement = 2; statement <= 5; ++statement)
        QTest::addRow("another process creates it before statement %d", statement) << statement;
}

void TestStore::theHeaderIsReadFromOneSnapshot()
{
    // Another process creates the same new database (schema, application id, version, a run) between
    // two statements of this open: the header read before must not be taken for a foreign database,
    // and the migration must find the schema there.
    QFETCH(int, statement);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("runs.db"));
    QByteArray competitorErrors;
    int competitorExit = -1;
    Result<RunStore> store = Error { {}, {} };
    {
        StatementCountTrap trap(statement, [&] {
            auto competitor = startCreator(false, path);
            competitor->waitForFinished(120000);
            competitorExit = competitor->exitCode();
            competitorErrors = competitor->readAllStandardError();
        });
        store = RunStore::open(path, OpenMode::Create);
        QVERIFY(trap.fired());
    }
    QVERIFY2(competitorExit == 0, competitorErrors.constData());
    QVERIFY2(store, qPrintable(store ? QString() : store.error().message));
    QCOMPARE(store->database().schemaVersion(), latestSchemaVersion());
    QVERIFY(store->createRun(sampleRun()));
    QCOMPARE(rawCount(path, "SELECT count(*) FROM runs"), 2);
}

void TestStore::aLockedNewDatabaseReportsTheTimeWaited()
{
    // Another connection holds the write lock of a new file: switching it to WAL waits for that lock
    // up to the busy timeout (SQLite itself gives up at once there), and says how long it waited.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("runs.db"));
    sqlite3* holder = nullptr;
    QCOMPARE(sqlite3_open(path.toUtf8().constData(), &holder), SQLITE_OK);
    QCOMPARE(sqlite3_exec(holder, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    QElapsedTimer timer;
    timer.start();
    auto store = RunStore::open(path, OpenMode::Create, { 300 });
    const qint64 elapsedMs = timer.elapsed();
    sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(holder);
    QVERIFY(!store);
    const QString message = store.error().message;
    const auto match
        = QRegularExpression(QStringLiteral("locked by another process \\(waited (\\d+) ms\\)")).match(message);
    QVERIFY2(match.hasMatch(), qPrintable(message));
    const qint64 waitedMs = match.captured(1).toLongLong();
    QVERIFY2(waitedMs >= 300, qPrintable(message)); // it waited the whole timeout
    QVERIFY2(waitedMs <= elapsedMs, qPrintable(message + QStringLiteral(" (open took %1 ms)").arg(elapsedMs)));
    // Once the lock is free, the same open creates the database.
    QVERIFY(RunStore::open(path, OpenMode::Create, { 300 }));
}

void TestStore::recoversAbandonedRunsOnlyWhereWritable()
{
    QTemporaryDir dir;
    QProcess gone;
    gone.start(QStringLiteral("true"));
    QVERIFY(gone.waitForFinished());
    NewRun dead = sampleRun();
    dead.host = localHostName();
    dead.pid = gone.processId() > 0 ? gone.processId() : 999999;
    NewRun alive = dead;
    alive.pid = QCoreApplication::applicationPid();

    const QString path = dir.filePath(QStringLiteral("runs.db"));
    RunRef deadRef;
    RunRef aliveRef;
    {
        auto store = RunStore::open(path, OpenMode::Create);
        QVERIFY(store);
        deadRef = *store->createRun(dead);
        aliveRef = *store->createRun(alive);
    }
    auto recovered = recoverAbandonedRunsIfWritable(path);
    QVERIFY2(recovered, qPrintable(recovered ? QString() : recovered.error().message));
    QCOMPARE(*recovered, 1);
    {
        auto reader = RunStore::open(path, OpenMode::ReadOnly);
        QVERIFY(reader);
        QCOMPARE(toString(reader->loadRun(deadRef)->status), toString(RunStatus::Killed));
        QCOMPARE(toString(reader->loadRun(aliveRef)->status), toString(RunStatus::Running));
    }
    QCOMPARE(*recoverAbandonedRunsIfWritable(path), 0); // nothing left to do

    // An older schema is left as it is: looking at it neither migrates nor writes it.
    const QString older = dir.filePath(QStringLiteral("v1.db"));
    rawExec(older, schemaMigrations().front().sql);
    rawExec(older,
        QStringLiteral("PRAGMA user_version = 1; PRAGMA application_id = 1380995667;"
                       "INSERT INTO projects(id, name, created_at) VALUES (1, 'old', 0);"
                       "INSERT INTO runs(uuid, project_id, name, status, start_time, host, pid) VALUES "
                       "('00112233445566778899aabbccddeeff', 1, 'old', 'running', 5, '%1', %2);")
            .arg(localHostName())
            .arg(dead.pid)
            .toUtf8()
            .constData());
    QCOMPARE(*recoverAbandonedRunsIfWritable(older), 0);
    QCOMPARE(rawCount(older, "PRAGMA user_version"), 1);
    QCOMPARE(rawCount(older, "SELECT count(*) FROM runs WHERE status = 'running'"), 1);

    // A missing file is not created, an empty one stays empty, another program's database untouched.
    const QString missing = dir.filePath(QStringLiteral("missing.db"));
    QCOMPARE(*recoverAbandonedRunsIfWritable(missing), 0);
    QVERIFY(!QFileInfo::exists(missing));
    const QString empty = dir.filePath(QStringLiteral("empty.db"));
    {
        QFile file(empty);
        QVERIFY(file.open(QIODevice::WriteOnly));
    }
    (void)recoverAbandonedRunsIfWritable(empty);
    QCOMPARE(QFileInfo(empty).size(), 0);
    const QString foreign = dir.filePath(QStringLiteral("mlflow.db"));
    rawExec(
        foreign, "CREATE TABLE runs(status TEXT, host TEXT, pid INTEGER); INSERT INTO runs VALUES ('running', '', 1)");
    QVERIFY(!recoverAbandonedRunsIfWritable(foreign));
    QCOMPARE(rawCount(foreign, "PRAGMA user_version"), 0);
}

QTEST_GUILESS_MAIN(TestStore)
#include "tst_store.moc"
