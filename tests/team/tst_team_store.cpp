// The team store against a real PostgreSQL 15 server the test starts itself (tests/support).

#include "demo/demo_generator.h"
#include "jobs/job_controller.h"
#include "sources/source_registry.h"
#include "store/database.h"
#include "store/run_store.h"
#include "store/run_table.h"
#include "store/statement.h"
#include "support/test_postgres.h"
#include "team/pg_connection.h"
#include "team/team_location.h"
#include "team/team_mirror.h"
#include "team/team_schema.h"
#include "team/team_sync.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <sqlite3.h>

using namespace reprise;
using namespace Qt::StringLiterals;

/// Fails with the error's text when a Result holds one (QVERIFY2 would build the message even on success).
#define QVERIFY_RESULT(result)                                                                                         \
    do {                                                                                                               \
        if (!(result))                                                                                                 \
            QFAIL(qPrintable((result).error().text()));                                                                \
    } while (false)

namespace {

/// Every row of the team store with its surrogate ids replaced by what they stand for (run uuid,
/// key and project names, step names, artifact paths), sorted: two stores holding the same runs
/// give the same text however their ids were drawn.
QString canonicalDump(const PgConnection& conn)
{
    const QStringList queries = {
        "SELECT r.uuid, p.name, pr.uuid, to_jsonb(r) - 'id' - 'project_id' - 'parent_id' FROM reprise.runs r "
        "JOIN reprise.projects p ON p.id = r.project_id LEFT JOIN reprise.runs pr ON pr.id = r.parent_id",
        "SELECT r.uuid, to_jsonb(t) - 'run_id' FROM reprise.params t JOIN reprise.runs r ON r.id = t.run_id",
        "SELECT r.uuid, to_jsonb(t) - 'run_id' FROM reprise.tags t JOIN reprise.runs r ON r.id = t.run_id",
        "SELECT r.uuid, to_jsonb(t) - 'run_id' FROM reprise.run_output t JOIN reprise.runs r ON r.id = t.run_id",
        "SELECT r.uuid, k.name, to_jsonb(t) - 'run_id' - 'key_id' FROM reprise.metrics t JOIN reprise.runs r ON r.id = "
        "t.run_id JOIN reprise.metric_keys k ON k.id = t.key_id",
        "SELECT r.uuid, k.name, to_jsonb(t) - 'run_id' - 'key_id' FROM reprise.metric_latest t JOIN reprise.runs r ON "
        "r.id "
        "= t.run_id JOIN reprise.metric_keys k ON k.id = t.key_id",
        "SELECT r.uuid, k.name, t.count, md5(t.steps), md5(t.vals), md5(t.times) FROM reprise.metric_packed t JOIN "
        "reprise.runs r ON r.id = t.run_id JOIN reprise.metric_keys k ON k.id = t.key_id",
        "SELECT r.uuid, to_jsonb(t) - 'id' - 'run_id' FROM reprise.steps t JOIN reprise.runs r ON r.id = t.run_id",
        "SELECT r.uuid, to_jsonb(t) - 'id' - 'run_id' FROM reprise.artifacts t JOIN reprise.runs r ON r.id = t.run_id",
        "SELECT r.uuid, s.name, a.path, io.direction FROM reprise.step_io io JOIN reprise.steps s ON s.id = io.step_id "
        "JOIN reprise.artifacts a ON a.id = io.artifact_id JOIN reprise.runs r ON r.id = s.run_id",
        "SELECT r.uuid, a.name, b.name FROM reprise.step_edges e JOIN reprise.steps a ON a.id = e.from_step "
        "JOIN reprise.steps b ON b.id = e.to_step JOIN reprise.runs r ON r.id = a.run_id",
        "SELECT r.uuid, to_jsonb(t) - 'id' - 'run_id' FROM reprise.datasets t JOIN reprise.runs r ON r.id = t.run_id",
        "SELECT r.uuid, d.name, to_jsonb(f) - 'dataset_id' FROM reprise.feature_profiles f JOIN reprise.datasets d ON "
        "d.id = f.dataset_id JOIN reprise.runs r ON r.id = d.run_id",
        "SELECT r.uuid, o.login FROM reprise_meta.run_owners o JOIN reprise.runs r ON r.id = o.run_id",
        "SELECT name FROM reprise.metric_keys",
        "SELECT name FROM reprise.projects",
    };
    QStringList lines;
    for (const QString& sql : queries) {
        auto result = conn.query(sql);
        if (!result)
            return QStringLiteral("error: ") + result.error().message;
        QStringList rows;
        for (int r = 0; r < result->rows(); ++r) {
            QStringList cells;
            for (int c = 0; c < result->columns(); ++c)
                cells << (result->isNull(r, c) ? QStringLiteral("NULL") : result->text(r, c));
            rows << cells.join(u'|');
        }
        rows.sort();
        lines << sql.left(40) + QStringLiteral(": ") + QString::number(rows.size()) << rows;
    }
    return lines.join(u'\n');
}

qint64 count(const PgConnection& conn, const QString& sql)
{
    auto result = conn.query(sql);
    return result ? result->int64(0, 0) : -1;
}

struct CliOutcome {
    int exitCode = -1;
    bool crashed = false;
    QString out;
    QString err;
};

CliOutcome runReprise(
    const QStringList& args, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment())
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(REPRISE_BIN), args);
    p.waitForFinished(300000);
    return { p.exitCode(), p.exitStatus() != QProcess::NormalExit, QString::fromUtf8(p.readAllStandardOutput()),
        QString::fromUtf8(p.readAllStandardError()) };
}

} // namespace

class TestTeamStore : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void schemaIsTheSqliteSchema();
    void initIsSafeToRepeatAndRefusesANewerStore();
    void twoUsersSyncIntoOneStoreAndASecondSyncAddsNothing();
    void runningRunsSyncIncrementally();
    void readerCannotChangeAnything();
    void writersEditOnlyTheirOwnRuns();
    void killedSyncLeavesTheRowsOfOneSync();
    void badLocationsSayWhatToDo();
    void passwordsAnywhereInALocationAreFound();
    void readersSeeTheStoreThroughACopy();
    void windowSourceFollowsTheStore();
    void hostileTextAndARemadeStore();
    void cleanupTestCase();

private:
    /// A new team store (database `name`, initialised) and its admin connection.
    PgConnection newStore(const QString& name);
    PgConnection connectAs(const QString& db, const QString& login);
    /// A demo database of `runs` runs (deterministic for a seed).
    QString demoDatabase(const QString& name, quint64 seed, int runs);

    test::TestPostgres m_server;
    QTemporaryDir m_dir;
};

void TestTeamStore::initTestCase()
{
    QString error;
    QVERIFY2(m_server.start(error), qPrintable(error));
    // Roles are the server's: made once by a first init, then granted to the test's logins.
    QVERIFY2(m_server.createDatabase(QStringLiteral("roles"), error), qPrintable(error));
    auto admin = PgConnection::connect(m_server.location(QStringLiteral("roles")));
    QVERIFY_RESULT(admin);
    auto init = initTeamStore(*admin);
    QVERIFY_RESULT(init);
    QVERIFY2(m_server.addLogin(QStringLiteral("alice"), QStringLiteral("reprise_writer"), error), qPrintable(error));
    QVERIFY2(m_server.addLogin(QStringLiteral("bob"), QStringLiteral("reprise_writer"), error), qPrintable(error));
    QVERIFY2(m_server.addLogin(QStringLiteral("carol"), QStringLiteral("reprise_reader"), error), qPrintable(error));
    QVERIFY2(
        m_server.addLogin(QStringLiteral("dana"), QStringLiteral("reprise_writer"), error, QStringLiteral("s3cret")),
        qPrintable(error));
}

void TestTeamStore::cleanupTestCase() { m_server.stop(); }

PgConnection TestTeamStore::newStore(const QString& name)
{
    QString error;
    if (!m_server.createDatabase(name, error))
        qFatal("%s", qPrintable(error));
    auto conn = PgConnection::connect(m_server.location(name));
    if (!conn)
        qFatal("%s", qPrintable(conn.error().text()));
    auto init = initTeamStore(*conn);
    if (!init)
        qFatal("%s", qPrintable(init.error().text()));
    return std::move(*conn);
}

PgConnection TestTeamStore::connectAs(const QString& db, const QString& login)
{
    auto conn = PgConnection::connect(m_server.location(db, login));
    if (!conn)
        qFatal("%s", qPrintable(conn.error().text()));
    return std::move(*conn);
}

QString TestTeamStore::demoDatabase(const QString& name, quint64 seed, int runs)
{
    const QString path = m_dir.filePath(name);
    DemoOptions options;
    options.path = path;
    options.runs = runs;
    options.seed = seed;
    options.overwrite = true;
    auto demo = generateDemo(options);
    if (!demo)
        qFatal("%s", qPrintable(demo.error().text()));
    return path;
}

void TestTeamStore::schemaIsTheSqliteSchema()
{
    // One source of truth: the team schema is the SQLite migrations in PostgreSQL's dialect, so both
    // have the same tables with the same columns in the same order, of corresponding types.
    const PgConnection team = newStore(QStringLiteral("schema"));
    const QString local = m_dir.filePath(QStringLiteral("schema.db"));
    auto store = RunStore::open(local, OpenMode::Create);
    QVERIFY(store);
    const QHash<QString, QString> pgType
        = { { "INTEGER", "bigint" }, { "REAL", "double precision" }, { "TEXT", "text" }, { "BLOB", "bytea" } };
    QStringList sqliteTables;
    auto tables = store->database().prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
    QVERIFY(tables);
    tables->forEachRow([&] { sqliteTables << tables->text(0); });
    auto pgTables = team.query(QStringLiteral("SELECT table_name FROM information_schema.tables WHERE table_schema = "
                                              "'reprise' ORDER BY table_name COLLATE \"C\""));
    QVERIFY(pgTables);
    QStringList teamTables;
    for (int r = 0; r < pgTables->rows(); ++r)
        teamTables << pgTables->text(r, 0);
    QCOMPARE(teamTables, sqliteTables);
    QVERIFY(sqliteTables.size() >= 15);
    for (const QString& table : sqliteTables) {
        QStringList mine;
        auto columns
            = store->database().prepare(QStringLiteral("PRAGMA table_info(%1)").arg(table).toUtf8().constData());
        QVERIFY(columns);
        columns->forEachRow(
            [&] { mine << columns->text(1) + u' ' + pgType.value(columns->text(2), columns->text(2)); });
        auto theirs
            = team.query(QStringLiteral("SELECT column_name || ' ' || data_type FROM information_schema.columns "
                                        "WHERE table_schema = 'reprise' AND table_name = $1 ORDER BY ordinal_position"),
                { table.toUtf8() });
        QVERIFY(theirs);
        QStringList team;
        for (int r = 0; r < theirs->rows(); ++r)
            team << theirs->text(r, 0);
        QCOMPARE(team, mine);
    }
    // And every table has row-level security (a new table without an access rule is refused by init).
    QCOMPARE(count(team,
                 QStringLiteral("SELECT count(*) FROM pg_class WHERE relnamespace = 'reprise'::regnamespace "
                                "AND relkind = 'r' AND NOT relrowsecurity")),
        0);
}

void TestTeamStore::initIsSafeToRepeatAndRefusesANewerStore()
{
    const PgConnection team = newStore(QStringLiteral("again"));
    auto second = initTeamStore(team);
    QVERIFY_RESULT(second);
    QCOMPARE(second->fromVersion, latestSchemaVersion());
    auto version = checkTeamSchema(team);
    QVERIFY(version);
    QCOMPARE(*version, latestSchemaVersion());

    QVERIFY(team.exec(QStringLiteral("UPDATE reprise_meta.schema_version SET version = version + 1")));
    auto newer = checkTeamSchema(team);
    QVERIFY(!newer);
    QVERIFY2(
        newer.error().message.contains(QStringLiteral("newer than this Reprise")), qPrintable(newer.error().message));
    QVERIFY(newer.error().message.contains(QStringLiteral("team store reprise_admin@")));
    auto refused = initTeamStore(team);
    QVERIFY(!refused);
    QVERIFY(refused.error().message.contains(QStringLiteral("newer than this Reprise")));

    // A database without a store says how to make one.
    QString error;
    QVERIFY(m_server.createDatabase(QStringLiteral("empty"), error));
    auto empty = PgConnection::connect(m_server.location(QStringLiteral("empty")));
    QVERIFY(empty);
    auto none = checkTeamSchema(*empty);
    QVERIFY(!none);
    QVERIFY(none.error().hint.contains(QStringLiteral("reprise team init")));
}

void TestTeamStore::twoUsersSyncIntoOneStoreAndASecondSyncAddsNothing()
{
    newStore(QStringLiteral("two_users"));
    const QString aliceDb = demoDatabase(QStringLiteral("alice.db"), 1, 12);
    const QString bobDb = demoDatabase(QStringLiteral("bob.db"), 2, 9);
    const QString target = QStringLiteral("two_users");

    qint64 localPoints = 0;
    for (const auto& [login, path] :
        { std::pair { QStringLiteral("alice"), aliceDb }, std::pair { QStringLiteral("bob"), bobDb } }) {
        auto store = RunStore::open(path, OpenMode::ReadOnly);
        QVERIFY(store);
        auto points = store->database().prepare("SELECT sum(count) FROM metric_latest");
        QVERIFY(points && points->step() == SQLITE_ROW);
        localPoints += points->int64(0);
        const PgConnection conn = connectAs(target, login);
        TeamSync sync(store->database(), conn);
        auto first = sync.sync();
        QVERIFY_RESULT(first);
        QCOMPARE(first->added, login == QLatin1String("alice") ? 12 : 9);
        QCOMPARE(first->unchanged, 0);
        QVERIFY(first->points > 0);
        auto second = sync.sync();
        QVERIFY_RESULT(second);
        QCOMPARE(second->added, 0);
        QCOMPARE(second->updated, 0);
        QCOMPARE(second->unchanged, first->added);
    }
    const PgConnection admin = connectAs(target, QStringLiteral("reprise_admin"));
    QCOMPARE(count(admin, QStringLiteral("SELECT count(*) FROM reprise.runs")), 21);
    QCOMPARE(count(admin, QStringLiteral("SELECT count(*) FROM reprise_meta.run_owners WHERE login = 'alice'")), 12);
    QCOMPARE(count(admin, QStringLiteral("SELECT count(*) FROM reprise_meta.run_owners WHERE login = 'bob'")), 9);
    QCOMPARE(count(admin, QStringLiteral("SELECT sum(count) FROM reprise.metric_latest")), localPoints);
    // Every point once, packed or as a row (running runs' histories go packed, unlike locally).
    QCOMPARE(count(admin,
                 QStringLiteral("SELECT (SELECT coalesce(sum(count), 0) FROM reprise.metric_packed) + "
                                "(SELECT count(*) FROM reprise.metrics)")),
        localPoints);
    // Every other table holds as many rows as the two local databases together.
    for (const QString& table : teamTables()) {
        if (table == QLatin1String("metrics") || table == QLatin1String("metric_packed"))
            continue;
        qint64 local = 0;
        for (const QString& path : { aliceDb, bobDb }) {
            auto store = RunStore::open(path, OpenMode::ReadOnly);
            auto rows
                = store->database().prepare(QStringLiteral("SELECT count(*) FROM %1").arg(table).toUtf8().constData());
            QVERIFY(rows && rows->step() == SQLITE_ROW);
            local += rows->int64(0);
        }
        if (table == QLatin1String("projects") || table == QLatin1String("metric_keys"))
            QVERIFY(count(admin, QStringLiteral("SELECT count(*) FROM reprise.%1").arg(table)) <= local);
        else
            QCOMPARE(count(admin, QStringLiteral("SELECT count(*) FROM reprise.%1").arg(table)), local);
    }
}

void TestTeamStore::runningRunsSyncIncrementally()
{
    newStore(QStringLiteral("running"));
    const PgConnection alice = connectAs(QStringLiteral("running"), QStringLiteral("alice"));
    auto store = RunStore::open(m_dir.filePath(QStringLiteral("running.db")), OpenMode::Create);
    QVERIFY(store);
    NewRun spec;
    spec.project = QStringLiteral("live");
    spec.name = QStringLiteral("still going");
    spec.startTime = 1700000000;
    spec.params.insert(QStringLiteral("lr"), ParamValue::infer(QStringLiteral("0.1")));
    auto run = store->createRun(spec);
    QVERIFY(run);
    const auto log = [&](qint64 from, qint64 to) {
        std::vector<qint64> steps;
        std::vector<double> values, times;
        for (qint64 s = from; s < to; ++s) {
            steps.push_back(s);
            values.push_back(s == 7 ? std::nan("") : 1.0 / double(s + 1));
            times.push_back(1700000000.0 + double(s));
        }
        return store->logMetric(run->rowId, QStringLiteral("loss"), steps, values, times);
    };
    QVERIFY(log(0, 100));
    QVERIFY(store->appendOutput(
        run->rowId, { OutputChunk { QStringLiteral("stdout"), 1700000000.5, QStringLiteral("epoch 1\n") } }));
    TeamSync sync(store->database(), alice);
    auto first = sync.sync();
    QVERIFY_RESULT(first);
    QCOMPARE(first->added, 1);
    QCOMPARE(first->points, 100);
    // A history the store has not seen goes packed: one row of blobs, no row per point.
    QCOMPARE(count(alice, QStringLiteral("SELECT count(*) FROM reprise.metrics")), 0);
    QCOMPARE(count(alice, QStringLiteral("SELECT count FROM reprise.metric_packed")), 100);
    QCOMPARE(count(alice, QStringLiteral("SELECT octet_length(vals) FROM reprise.metric_packed")), 800);

    QVERIFY(log(100, 150));
    QVERIFY(store->appendOutput(
        run->rowId, { OutputChunk { QStringLiteral("stdout"), 1700000001.5, QStringLiteral("epoch 2\n") } }));
    QVERIFY(store->setName(run->rowId, QStringLiteral("renamed")));
    auto second = sync.sync();
    QVERIFY_RESULT(second);
    QCOMPARE(second->updated, 1);
    QCOMPARE(second->points, 50); // only the new ones, as rows after the packed part
    QCOMPARE(count(alice, QStringLiteral("SELECT count(*) FROM reprise.metrics")), 50);
    QCOMPARE(count(alice, QStringLiteral("SELECT min(seq) FROM reprise.metrics")), 100);
    QCOMPARE(count(alice, QStringLiteral("SELECT count FROM reprise.metric_packed")), 100);
    // Read back as one history, NaN kept, through the store's local copy as the window reads it.
    {
        qputenv("XDG_CACHE_HOME", m_dir.filePath(QStringLiteral("running-cache")).toUtf8());
        auto copy = refreshTeamMirror(m_server.location(QStringLiteral("running"), QStringLiteral("alice")));
        QVERIFY_RESULT(copy);
        auto mirrored = RunStore::open(copy->cache, OpenMode::ReadOnly);
        QVERIFY(mirrored);
        auto history = mirrored->loadMetric(*mirrored->resolveRun(run->uuid), QStringLiteral("loss"));
        QVERIFY_RESULT(history);
        QCOMPARE(history->size(), size_t(150));
        for (size_t i = 0; i < 150; ++i) {
            QCOMPARE(history->steps[i], qint64(i));
            QVERIFY(i == 7 ? std::isnan(history->values[i]) : history->values[i] == 1.0 / double(i + 1));
        }
    }
    QCOMPARE(count(alice, QStringLiteral("SELECT count(*) FROM reprise.run_output")), 2);
    QCOMPARE(count(alice, QStringLiteral("SELECT count(*) FROM reprise.runs WHERE name = 'renamed'")), 1);

    // Finishing packs the histories: the store packs them too and drops its rows.
    QVERIFY(store->finishRun(run->rowId, RunStatus::Finished, 0, 1700000200));
    auto third = sync.sync();
    QVERIFY_RESULT(third);
    QCOMPARE(third->updated, 1);
    QCOMPARE(third->points, 150);
    QCOMPARE(count(alice, QStringLiteral("SELECT count(*) FROM reprise.metrics")), 0);
    QCOMPARE(count(alice, QStringLiteral("SELECT count FROM reprise.metric_packed")), 150);
    QCOMPARE(count(alice, QStringLiteral("SELECT count(*) FROM reprise.runs WHERE status = 'finished'")), 1);
    auto fourth = sync.sync();
    QVERIFY(fourth);
    QCOMPARE(fourth->unchanged, 1);
}

void TestTeamStore::readerCannotChangeAnything()
{
    newStore(QStringLiteral("read_only"));
    const QString db = demoDatabase(QStringLiteral("reader.db"), 3, 4);
    {
        auto store = RunStore::open(db, OpenMode::ReadOnly);
        const PgConnection alice = connectAs(QStringLiteral("read_only"), QStringLiteral("alice"));
        QVERIFY(TeamSync(store->database(), alice).sync());
    }
    const PgConnection admin = connectAs(QStringLiteral("read_only"), QStringLiteral("reprise_admin"));
    const QString before = canonicalDump(admin);
    const PgConnection carol = connectAs(QStringLiteral("read_only"), QStringLiteral("carol"));
    QVERIFY(count(carol, QStringLiteral("SELECT count(*) FROM reprise.runs")) == 4); // reads
    // Straight through the database, not through Reprise: every kind of change is refused.
    const QStringList attempts = {
        "UPDATE reprise.runs SET name = 'mine now'",
        "DELETE FROM reprise.metric_latest",
        "INSERT INTO reprise.projects (name, created_at) VALUES ('x', 0)",
        "INSERT INTO reprise.metric_keys (name) VALUES ('x')",
        "UPDATE reprise.params SET value = '1'",
        "DELETE FROM reprise.feature_profiles",
        "TRUNCATE reprise.metrics",
        "INSERT INTO reprise_meta.run_owners SELECT id, 'carol' FROM reprise.runs",
        "UPDATE reprise_meta.schema_version SET version = 99",
        "DROP TABLE reprise.tags",
        "ALTER TABLE reprise.runs DISABLE ROW LEVEL SECURITY",
    };
    for (const QString& sql : attempts) {
        auto st = carol.exec(sql);
        QVERIFY2(!st, qPrintable(sql));
        QVERIFY2(carol.lastState() == "42501",
            qPrintable(sql + QStringLiteral(": ") + QString::fromLatin1(carol.lastState())));
    }
    // Syncing a run of her own as a reader fails with the grant to ask for.
    auto store = RunStore::open(demoDatabase(QStringLiteral("reader-own.db"), 7, 1), OpenMode::ReadOnly);
    auto sync = TeamSync(store->database(), carol).sync();
    QVERIFY(!sync);
    QVERIFY2(sync.error().hint.contains(QStringLiteral("GRANT reprise_writer")), qPrintable(sync.error().text()));
    QCOMPARE(canonicalDump(admin), before);
}

void TestTeamStore::writersEditOnlyTheirOwnRuns()
{
    newStore(QStringLiteral("owners"));
    const QString db = demoDatabase(QStringLiteral("owners.db"), 4, 3);
    auto store = RunStore::open(db, OpenMode::ReadOnly);
    const PgConnection alice = connectAs(QStringLiteral("owners"), QStringLiteral("alice"));
    QVERIFY(TeamSync(store->database(), alice).sync());
    const PgConnection admin = connectAs(QStringLiteral("owners"), QStringLiteral("reprise_admin"));
    const QString before = canonicalDump(admin);

    const PgConnection bob = connectAs(QStringLiteral("owners"), QStringLiteral("bob"));
    // Row-level security hides alice's rows from bob's changes: nothing matches, nothing changes.
    for (const QString& sql :
        { u"UPDATE reprise.runs SET name = 'bob was here', starred = 1"_qs, u"DELETE FROM reprise.metric_packed"_qs,
            u"DELETE FROM reprise.step_io"_qs, u"UPDATE reprise.tags SET value = 'x'"_qs }) {
        auto result = bob.query(sql);
        QVERIFY2(result, qPrintable(sql));
    }
    // Adding rows to her run is refused outright.
    auto sneaky = bob.exec(QStringLiteral(
        "INSERT INTO reprise.tags (run_id, key, value) SELECT id, 'owner', 'bob' FROM reprise.runs LIMIT 1"));
    QVERIFY(!sneaky);
    QCOMPARE(bob.lastState(), QByteArray("42501"));
    QCOMPARE(canonicalDump(admin), before);
    // Bob syncing the same database (a copy of her runs) leaves her runs as they are, and says so.
    auto sync = TeamSync(store->database(), bob).sync();
    QVERIFY_RESULT(sync);
    QCOMPARE(sync->notOwned, 3);
    QCOMPARE(canonicalDump(admin), before);
    // Alice may edit hers.
    QVERIFY(alice.exec(QStringLiteral("UPDATE reprise.runs SET starred = 1")));
    QCOMPARE(count(admin, QStringLiteral("SELECT count(*) FROM reprise.runs WHERE starred = 1")), 3);
}

void TestTeamStore::killedSyncLeavesTheRowsOfOneSync()
{
    // The reference: one uninterrupted sync.
    newStore(QStringLiteral("reference"));
    const QString db = demoDatabase(QStringLiteral("killed.db"), 5, 6);
    auto env = QProcessEnvironment::systemEnvironment();
    const CliOutcome reference = runReprise(
        { "sync", "--db", db, "--to", m_server.location(QStringLiteral("reference"), QStringLiteral("alice")) });
    QVERIFY2(reference.exitCode == 0, qPrintable(reference.err));
    const QString expected = canonicalDump(connectAs(QStringLiteral("reference"), QStringLiteral("reprise_admin")));
    QVERIFY(expected.contains(QStringLiteral("alice")));

    // Killed (SIGKILL) before its 1st, 2nd, … statement to the server, each time followed by a
    // sync that completes it: every point of a sync is a kill point once.
    newStore(QStringLiteral("killed"));
    const QString target = m_server.location(QStringLiteral("killed"), QStringLiteral("alice"));
    const PgConnection admin = connectAs(QStringLiteral("killed"), QStringLiteral("reprise_admin"));
    int killPoints = 0;
    for (int point = 1; point < 2000; point += 1 + point / 40) {
        env.insert(QStringLiteral("REPRISE_SYNC_KILL_AFTER"), QString::number(point));
        const CliOutcome killed = runReprise({ "sync", "--db", db, "--to", target }, env);
        if (!killed.crashed) {
            QVERIFY2(killed.exitCode == 0, qPrintable(killed.err));
            break; // the sync had fewer statements: it ran to the end
        }
        ++killPoints;
        // Nothing half-visible: every run in the store has its metric_latest rows and its runs row.
        QCOMPARE(count(admin,
                     QStringLiteral("SELECT count(*) FROM reprise.runs r WHERE NOT EXISTS (SELECT 1 FROM "
                                    "reprise.metric_latest l WHERE l.run_id = r.id)")),
            0);
    }
    QVERIFY2(killPoints > 20, qPrintable(QString::number(killPoints)));
    qInfo("sync killed at %d points", killPoints);
    env.remove(QStringLiteral("REPRISE_SYNC_KILL_AFTER"));
    const CliOutcome last = runReprise({ "sync", "--db", db, "--to", target }, env);
    QVERIFY2(last.exitCode == 0, qPrintable(last.err));
    QCOMPARE(canonicalDump(admin), expected);
    const CliOutcome again = runReprise({ "sync", "--db", db, "--to", target }, env);
    QVERIFY(again.out.contains(QStringLiteral("nothing new (6 run(s) already there)")));
}

void TestTeamStore::passwordsAnywhereInALocationAreFound()
{
    // Every way libpq takes a password: such a location is never remembered, and never named whole.
    const QStringList holding { QStringLiteral("postgresql://dana:pw@db.example/team"),
        QStringLiteral("postgres://dana:pw@h1,h2/team"), QStringLiteral("postgresql://dana@db/team?password=pw"),
        QStringLiteral("postgresql://dana@db/team?sslpassword=pw"),
        QStringLiteral("postgresql://dana@db/team?%70assword=pw"), QStringLiteral("host=db password=pw"),
        QStringLiteral("host=db sslpassword=pw"), QStringLiteral("host=db PASSWORD = 'p w'"),
        QStringLiteral("dbname=postgresql://dana:pw@db/team"), QStringLiteral("host=db dbname='host=x password=pw'") };
    for (const QString& location : holding) {
        QVERIFY2(teamLocationHasPassword(location), qPrintable(location));
        QVERIFY2(!describeTeamLocation(location).contains(QStringLiteral("pw")),
            qPrintable(location + QStringLiteral(" → ") + describeTeamLocation(location)));
    }
    const QStringList clean { QStringLiteral("postgresql://dana@db.example/team"),
        QStringLiteral("host=db dbname=team user=dana passfile=/home/dana/.pgpass"), QStringLiteral("service=team") };
    for (const QString& location : clean)
        QVERIFY2(!teamLocationHasPassword(location), qPrintable(location));
    // A dbname that is a location is named by what it connects to.
    QCOMPARE(
        describeTeamLocation(QStringLiteral("dbname=postgresql://dana:pw@db/team")), QStringLiteral("dana@db/team"));
}

void TestTeamStore::badLocationsSayWhatToDo()
{
    // No server there.
    auto down = PgConnection::connect(QStringLiteral("host=%1/nowhere dbname=x user=alice").arg(m_dir.path()));
    QVERIFY(!down);
    QVERIFY2(down.error().message.contains(QStringLiteral("cannot connect")), qPrintable(down.error().message));
    QVERIFY(down.error().hint.contains(QStringLiteral("server is running")));
    // A password login without its password, then with a wrong one: never echoed back.
    newStore(QStringLiteral("passwords"));
    auto env = QProcessEnvironment::systemEnvironment();
    QFile passfile(m_dir.filePath(QStringLiteral("pgpass")));
    QVERIFY(passfile.open(QIODevice::WriteOnly));
    passfile.write("*:*:*:dana:wrong-one\n");
    passfile.close();
    passfile.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    env.insert(QStringLiteral("PGPASSFILE"), passfile.fileName());
    const QString local = demoDatabase(QStringLiteral("dana.db"), 6, 1);
    const QString danaStore = m_server.location(QStringLiteral("passwords"), QStringLiteral("dana"));
    const CliOutcome wrong = runReprise({ "sync", "--db", local, "--to", danaStore }, env);
    QCOMPARE(wrong.exitCode, 1);
    QVERIFY2(wrong.err.contains(QStringLiteral("password authentication failed")), qPrintable(wrong.err));
    QVERIFY(wrong.err.contains(QStringLiteral("~/.pgpass")));
    QVERIFY(!wrong.err.contains(QStringLiteral("wrong-one")));
    QVERIFY(passfile.open(QIODevice::WriteOnly | QIODevice::Truncate));
    passfile.write("*:*:*:dana:s3cret\n");
    passfile.close();
    const CliOutcome right = runReprise({ "sync", "--db", local, "--to", danaStore }, env);
    QVERIFY2(right.exitCode == 0, qPrintable(right.err));
    QVERIFY(right.out.contains(QStringLiteral("1 run(s) added")));
    // A password in a URI is not repeated in a message.
    const CliOutcome uri = runReprise({ "sync", "--db", local, "--to",
        QStringLiteral("postgresql://dana:topsecret@/passwords?host=%1/nowhere").arg(m_dir.path()) });
    QCOMPARE(uri.exitCode, 1);
    QVERIFY2(!uri.err.contains(QStringLiteral("topsecret")), qPrintable(uri.err));
    // Not a location at all.
    const CliOutcome usage = runReprise({ "sync", "--db", local, "--to", m_dir.filePath(QStringLiteral("file.db")) });
    QCOMPARE(usage.exitCode, 2);
    // A database without a team store.
    QString error;
    QVERIFY(m_server.createDatabase(QStringLiteral("not_a_store"), error));
    const CliOutcome bare = runReprise(
        { "sync", "--db", local, "--to", m_server.location(QStringLiteral("not_a_store"), QStringLiteral("alice")) });
    QCOMPARE(bare.exitCode, 1);
    QVERIFY2(bare.err.contains(QStringLiteral("reprise team init")), qPrintable(bare.err));
}

void TestTeamStore::readersSeeTheStoreThroughACopy()
{
    // Two users' runs in one store, listed as one table by a third (a reader) and verified
    // against each other, all through `--db LOCATION`.
    newStore(QStringLiteral("browse"));
    const QString aliceDb = demoDatabase(QStringLiteral("browse-alice.db"), 11, 5);
    const QString bobDb = demoDatabase(QStringLiteral("browse-bob.db"), 12, 4);
    QVERIFY(runReprise({ "sync", "--db", aliceDb, "--to", m_server.location(u"browse"_s, u"alice"_s) }).exitCode == 0);
    QVERIFY(runReprise({ "sync", "--db", bobDb, "--to", m_server.location(u"browse"_s, u"bob"_s) }).exitCode == 0);
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("XDG_CACHE_HOME"), m_dir.filePath(QStringLiteral("cache")));
    const QString store = m_server.location(QStringLiteral("browse"), QStringLiteral("carol"));
    const CliOutcome list = runReprise({ "ls", "--db", store, "--json" }, env);
    QVERIFY2(list.exitCode == 0, qPrintable(list.err));
    const QJsonArray runs = QJsonDocument::fromJson(list.out.toUtf8()).array();
    QCOMPARE(runs.size(), 9);
    const auto firstIdOf = [&](const QString& path) {
        auto local = RunStore::open(path, OpenMode::ReadOnly);
        auto table = loadRunTable(local->database());
        return table->uuids.front();
    };
    const QString a = firstIdOf(aliceDb), b = firstIdOf(bobDb);
    QStringList listed;
    for (const auto& run : runs)
        listed << run.toObject()[u"id"_s].toString();
    QVERIFY(listed.contains(a) && listed.contains(b));
    const CliOutcome show = runReprise({ "show", a.left(8), "--db", store, "--json" }, env);
    QVERIFY2(show.exitCode == 0, qPrintable(show.err));
    const CliOutcome verify = runReprise({ "verify", a.left(8), b.left(8), "--db", store, "--json" }, env);
    QVERIFY2(verify.exitCode == 0 || verify.exitCode == 3 || verify.exitCode == 4, qPrintable(verify.err));
    QVERIFY(verify.out.contains(u"\"verdict\""_s));
    // The copy is remade only when the store changed: a second read uses it as it is.
    const QString copy = m_dir.filePath(QStringLiteral("cache/reprise/team"));
    QVERIFY(QDir(copy).exists());
    const QDateTime made = QFileInfo(QDir(copy).entryInfoList({ "*.db" }).first()).lastModified();
    QVERIFY(runReprise({ "ls", "--db", store }, env).exitCode == 0);
    QCOMPARE(QFileInfo(QDir(copy).entryInfoList({ "*.db" }).first()).lastModified(), made);
    // A server that is not there: one clear line, exit 1.
    const CliOutcome down = runReprise({ "ls", "--db", u"host=%1/gone dbname=browse"_s.arg(m_dir.path()) }, env);
    QCOMPARE(down.exitCode, 1);
    QVERIFY2(down.err.contains(QStringLiteral("cannot connect")), qPrintable(down.err));
}

void TestTeamStore::windowSourceFollowsTheStore()
{
    // The window's source of a team store shows its runs, and a run synced by someone else appears
    // by itself (LISTEN/NOTIFY remakes the copy; no polling).
    newStore(QStringLiteral("live"));
    qputenv("XDG_CACHE_HOME", m_dir.filePath(QStringLiteral("window-cache")).toUtf8());
    const QString first = demoDatabase(QStringLiteral("live-1.db"), 21, 2);
    QVERIFY(runReprise({ "sync", "--db", first, "--to", m_server.location(u"live"_s, u"alice"_s) }).exitCode == 0);
    JobController jobs;
    SourceRegistry registry(&jobs);
    QSignalSpy added(&registry, &SourceRegistry::sourceAdded);
    QSignalSpy changed(&registry, &SourceRegistry::dataChanged);
    const QString location = m_server.location(QStringLiteral("live"), QStringLiteral("carol"));
    registry.open(location, true);
    QTRY_COMPARE_WITH_TIMEOUT(added.size(), 1, 60000);
    const QString path = added.first().first().toString();
    QVERIFY(registry.info(path).kind == SourceKind::TeamStore);
    QCOMPARE(registry.info(path).name(), u"carol@[%1]/live"_s.arg(m_server.socketDir()));
    QTRY_COMPARE_WITH_TIMEOUT(registry.info(path).runs, 2, 60000);
    // Whether the listener is listening yet or not: a change before LISTEN is caught by the look it
    // takes once listening starts.
    const QString second = demoDatabase(QStringLiteral("live-2.db"), 22, 3);
    QVERIFY(runReprise({ "sync", "--db", second, "--to", m_server.location(u"live"_s, u"bob"_s) }).exitCode == 0);
    QTRY_VERIFY_WITH_TIMEOUT(!changed.isEmpty(), 60000);
    QTRY_COMPARE_WITH_TIMEOUT(registry.info(path).runs, 5, 60000);
    qunsetenv("XDG_CACHE_HOME");
}

void TestTeamStore::hostileTextAndARemadeStore()
{
    // Tabs, line breaks, backslashes, COPY's \N, markup and terminal escapes travel exactly both ways.
    newStore(QStringLiteral("remade"));
    const QString local = demoDatabase(QStringLiteral("hostile.db"), 31, 1);
    const QString hostile = u"tab\there\nnew\\line \\N <b>bold</b> \x1b[31mred\u202e"_s;
    {
        auto store = RunStore::open(local, OpenMode::ReadWrite);
        auto table = loadRunTable(store->database());
        QVERIFY(store->setName(store->resolveRun(table->uuids.front())->rowId, hostile));
    }
    const QString writer = m_server.location(QStringLiteral("remade"), QStringLiteral("alice"));
    QVERIFY(runReprise({ "sync", "--db", local, "--to", writer }).exitCode == 0);
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("XDG_CACHE_HOME"), m_dir.filePath(QStringLiteral("remade-cache")));
    const QString reader = m_server.location(QStringLiteral("remade"), QStringLiteral("carol"));
    const auto names = [&] {
        const CliOutcome list = runReprise({ "ls", "--db", reader, "--json" }, env);
        QStringList out;
        for (const auto& run : QJsonDocument::fromJson(list.out.toUtf8()).array())
            out << run.toObject()[u"name"_s].toString();
        return out;
    };
    QCOMPARE(names(), QStringList { hostile });
    // The store dropped and made again under the same name: its change counter starts over, and the
    // old copy must not be shown for it.
    QString error;
    QVERIFY2(m_server.psql(QStringLiteral("DROP DATABASE remade WITH (FORCE)"), error), qPrintable(error));
    newStore(QStringLiteral("remade"));
    const QString other = demoDatabase(QStringLiteral("remade-other.db"), 32, 1);
    QVERIFY(runReprise({ "sync", "--db", other, "--to", writer }).exitCode == 0);
    const QStringList after = names();
    QCOMPARE(after.size(), 1);
    QVERIFY(after.first() != hostile);
}

QTEST_GUILESS_MAIN(TestTeamStore)
#include "tst_team_store.moc"
