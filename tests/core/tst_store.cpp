// The run store: round-trips, schema versions and migrations, refusals, crash recovery, run table.

#include "store/run_edits.h"
#include "store/run_store.h"
#include "store/run_table.h"
#include "store/schema.h"

#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QScopeGuard>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <limits>
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

QTEST_GUILESS_MAIN(TestStore)
#include "tst_store.moc"
