// The local copy of a team store brought up to date in place (team_mirror.cpp), against a real
// PostgreSQL 15 server the test starts itself (tests/support).

#include "demo/demo_generator.h"
#include "store/database.h"
#include "store/offered_run_table.h"
#include "store/run_store.h"
#include "store/run_table.h"
#include "store/run_table_loader.h"
#include "store/source_summary.h"
#include "store/statement.h"
#include "support/test_postgres.h"
#include "team/pg_connection.h"
#include "team/team_mirror.h"
#include "team/team_run_table.h"
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

/// Every row of every table of a Reprise database, sorted, as text: two copies of one store
/// snapshot give the same text (the copy keeps the store's ids).
QString dumpCopy(const QString& path)
{
    auto store = RunStore::open(path, OpenMode::ReadOnly);
    if (!store)
        return u"error: "_s + store.error().message;
    QStringList lines;
    for (const QString& table : teamTables()) {
        auto st = store->database().prepare(QStringLiteral("SELECT * FROM %1").arg(table).toUtf8().constData());
        if (!st)
            return u"error: "_s + st.error().message;
        QStringList rows;
        const int columns = sqlite3_column_count(st->handle());
        st->forEachRow([&] {
            QStringList cells;
            for (int c = 0; c < columns; ++c) {
                switch (sqlite3_column_type(st->handle(), c)) {
                case SQLITE_NULL:
                    cells << u"NULL"_s;
                    break;
                case SQLITE_INTEGER:
                    cells << u"i"_s + QString::number(sqlite3_column_int64(st->handle(), c));
                    break;
                case SQLITE_FLOAT:
                    cells << u"r"_s + QString::number(sqlite3_column_double(st->handle(), c), 'g', 17);
                    break;
                case SQLITE_BLOB:
                    cells << u"b"_s
                            + QString::fromLatin1(
                                QByteArray(static_cast<const char*>(sqlite3_column_blob(st->handle(), c)),
                                    sqlite3_column_bytes(st->handle(), c))
                                    .toHex());
                    break;
                default:
                    cells << u"t"_s + st->text(c);
                }
            }
            rows << cells.join(u'|');
        });
        rows.sort();
        lines << table + u": "_s + QString::number(rows.size()) << rows;
    }
    return lines.join(u'\n');
}

int countRows(const QString& path, const char* sql)
{
    auto store = RunStore::open(path, OpenMode::ReadOnly);
    if (!store)
        return -1;
    auto st = store->database().prepare(sql);
    if (!st || st->step() != SQLITE_ROW)
        return -1;
    return int(st->int64(0));
}

QString readStamp(const QString& cache)
{
    QFile file(cache + u".changes"_s);
    return file.open(QIODevice::ReadOnly) ? QString::fromLatin1(file.readAll()) : QString();
}

} // namespace

class TestTeamMirror : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void incrementalRefreshBringsExactlyTheStoresRows();
    void runTableFirstThenHistoriesInPlace();
    void theServersRunTableIsTheCopys();
    void aChangeCommittedAfterTheSnapshotIsNotMissed();
    void killedRefreshLeavesAUsableCopy();
    void truncatedTableAndRemadeStoreMakeTheCopyAnew();
    void cleanupTestCase();

private:
    /// A new team store (database `name`, initialised) and its admin connection.
    PgConnection newStore(const QString& name);
    /// A demo database of `runs` runs (deterministic for a seed).
    QString demoDatabase(const QString& name, quint64 seed, int runs);
    /// Syncs the local database `path` into `db` as `login`.
    void sync(const QString& path, const QString& db, const QString& login);
    /// The copy of `location` made from nothing in a cache folder of its own (`tag`).
    QString freshCopy(const QString& location, const QString& tag);
    /// Uses `folder` as XDG_CACHE_HOME from now on.
    void useCache(const QString& folder) { qputenv("XDG_CACHE_HOME", m_dir.filePath(folder).toUtf8()); }

    test::TestPostgres m_server;
    QTemporaryDir m_dir;
};

void TestTeamMirror::initTestCase()
{
    QString error;
    QVERIFY2(m_server.start(error), qPrintable(error));
    QVERIFY2(m_server.createDatabase(QStringLiteral("roles"), error), qPrintable(error));
    auto admin = PgConnection::connect(m_server.location(QStringLiteral("roles")));
    QVERIFY_RESULT(admin);
    QVERIFY_RESULT(initTeamStore(*admin));
    QVERIFY2(m_server.addLogin(QStringLiteral("alice"), QStringLiteral("reprise_writer"), error), qPrintable(error));
    QVERIFY2(m_server.addLogin(QStringLiteral("bob"), QStringLiteral("reprise_writer"), error), qPrintable(error));
    QVERIFY2(m_server.addLogin(QStringLiteral("carol"), QStringLiteral("reprise_reader"), error), qPrintable(error));
}

void TestTeamMirror::cleanupTestCase()
{
    qunsetenv("XDG_CACHE_HOME");
    m_server.stop();
}

PgConnection TestTeamMirror::newStore(const QString& name)
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

QString TestTeamMirror::demoDatabase(const QString& name, quint64 seed, int runs)
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

void TestTeamMirror::sync(const QString& path, const QString& db, const QString& login)
{
    auto store = RunStore::open(path, OpenMode::ReadOnly);
    auto conn = PgConnection::connect(m_server.location(db, login));
    if (!store || !conn)
        qFatal("cannot sync %s", qPrintable(path));
    TeamSync syncer(store->database(), *conn);
    auto summary = syncer.sync();
    if (!summary)
        qFatal("%s", qPrintable(summary.error().text()));
}

QString TestTeamMirror::freshCopy(const QString& location, const QString& tag)
{
    const QByteArray before = qgetenv("XDG_CACHE_HOME");
    useCache(u"fresh-"_s + tag);
    auto mirror = refreshTeamMirror(location);
    qputenv("XDG_CACHE_HOME", before);
    if (!mirror)
        qFatal("%s", qPrintable(mirror.error().text()));
    return mirror->cache;
}

void TestTeamMirror::incrementalRefreshBringsExactlyTheStoresRows()
{
    // A copy brought up to date in place holds exactly what a copy made from nothing holds: runs
    // added, edited, grown, packed, removed, and another user's pipeline replaced.
    const PgConnection admin = newStore(QStringLiteral("inc"));
    useCache(u"inc-cache"_s);
    const QString aliceDb = demoDatabase(QStringLiteral("inc-alice.db"), 41, 6);
    sync(aliceDb, u"inc"_s, u"alice"_s);
    const QString reader = m_server.location(QStringLiteral("inc"), QStringLiteral("carol"));
    auto first = refreshTeamMirror(reader);
    QVERIFY_RESULT(first);
    QVERIFY(first->remade);
    QCOMPARE(dumpCopy(first->cache), dumpCopy(freshCopy(reader, u"inc-0"_s)));

    // Nothing changed: the copy is left as it is.
    auto again = refreshTeamMirror(reader);
    QVERIFY_RESULT(again);
    QVERIFY(!again->refreshed);

    // Bob adds runs; Alice renames one, tags it, and a running run of hers grows then finishes
    // (its history replaced by the packed form); the administrator removes one of her runs.
    const QString bobDb = demoDatabase(QStringLiteral("inc-bob.db"), 42, 4);
    sync(bobDb, u"inc"_s, u"bob"_s);
    qint64 growing = 0;
    {
        auto local = RunStore::open(aliceDb, OpenMode::ReadWrite);
        QVERIFY_RESULT(local);
        auto table = loadRunTable(local->database());
        QVERIFY_RESULT(table);
        const qint64 renamed = local->resolveRun(table->uuids.front())->rowId;
        QVERIFY(local->setName(renamed, u"renamed\ttab"_s));
        QVERIFY(local->setTags(renamed, { { u"stage"_s, u"prod"_s } }));
        NewRun run;
        run.name = u"growing"_s;
        auto made = local->createRun(run);
        QVERIFY_RESULT(made);
        growing = made->rowId;
        QVERIFY(local->logMetric(growing, u"loss"_s, std::vector<qint64> { 0, 1, 2 },
            std::vector<double> { 3.0, std::nan(""), 1.0 }, std::vector<double> { 1.0, 2.0, 3.0 }));
    }
    sync(aliceDb, u"inc"_s, u"alice"_s);
    auto second = refreshTeamMirror(reader);
    QVERIFY_RESULT(second);
    QVERIFY(second->refreshed && !second->remade);
    QCOMPARE(second->changedRuns, 4 + 2); // bob's four, the renamed run and the new one
    // Their uuids, for a window showing the copy to read just those runs again.
    QCOMPARE(second->changedUuids.size(), 6);
    QCOMPARE(countRows(second->cache,
                 u"SELECT count(*) FROM runs WHERE name IN ('renamed\ttab', 'growing') AND uuid IN ('%1')"_s
                     .arg(second->changedUuids.join(u"', '"_s))
                     .toUtf8()
                     .constData()),
        2);
    QCOMPARE(dumpCopy(second->cache), dumpCopy(freshCopy(reader, u"inc-1"_s)));

    {
        auto local = RunStore::open(aliceDb, OpenMode::ReadWrite);
        QVERIFY(local->logMetric(growing, u"loss"_s, std::vector<qint64> { 3, 4 }, std::vector<double> { 0.5, 0.25 },
            std::vector<double> { 4.0, 5.0 }));
        QVERIFY(local->finishRun(growing, RunStatus::Finished, 0, 10.0));
    }
    sync(aliceDb, u"inc"_s, u"alice"_s);
    QVERIFY(admin.exec(u"DELETE FROM reprise.feature_profiles WHERE dataset_id IN (SELECT id FROM reprise.datasets "
                       u"WHERE run_id = (SELECT min(id) FROM reprise.runs));"
                       u"DELETE FROM reprise.step_io WHERE step_id IN (SELECT id FROM reprise.steps WHERE run_id = "
                       u"(SELECT min(id) FROM reprise.runs));"
                       u"DELETE FROM reprise.step_edges WHERE from_step IN (SELECT id FROM reprise.steps WHERE run_id "
                       u"= (SELECT min(id) FROM reprise.runs));"_s));
    for (const char* table : { "steps", "artifacts", "datasets", "params", "tags", "metrics", "metric_latest",
             "metric_packed", "run_output" })
        QVERIFY(admin.exec(
            u"DELETE FROM reprise.%1 WHERE run_id = (SELECT min(id) FROM reprise.runs)"_s.arg(QLatin1String(table))));
    auto removed = admin.query(u"SELECT uuid FROM reprise.runs WHERE id = (SELECT min(id) FROM reprise.runs)"_s);
    QVERIFY(removed && removed->rows() == 1);
    QVERIFY(admin.exec(u"DELETE FROM reprise.runs WHERE id = (SELECT min(id) FROM reprise.runs)"_s));
    auto third = refreshTeamMirror(reader);
    QVERIFY_RESULT(third);
    QVERIFY(third->refreshed && !third->remade);
    QCOMPARE(third->changedRuns, 2);
    // The removed run is named too (from the copy as it was).
    QCOMPARE(third->changedUuids.size(), 2);
    QVERIFY(third->changedUuids.contains(QString::fromUtf8(removed->bytes(0, 0))));
    QCOMPARE(countRows(third->cache, "SELECT count(*) FROM runs"), 6 + 4 + 1 - 1);
    QCOMPARE(countRows(third->cache,
                 "SELECT count(*) FROM metric_packed WHERE run_id = (SELECT id FROM runs WHERE "
                 "name = 'growing')"),
        1);
    QCOMPARE(dumpCopy(third->cache), dumpCopy(freshCopy(reader, u"inc-2"_s)));
}

void TestTeamMirror::theServersRunTableIsTheCopys()
{
    // Read straight from the server (what the window shows before a copy exists), the run table
    // is the one the copy gives, cell for cell: two users' runs, a running one, a rerun, tags.
    (void)newStore(QStringLiteral("direct"));
    useCache(u"direct-cache"_s);
    sync(demoDatabase(QStringLiteral("direct-alice.db"), 51, 30), u"direct"_s, u"alice"_s);
    sync(demoDatabase(QStringLiteral("direct-bob.db"), 52, 12), u"direct"_s, u"bob"_s);
    const QString reader = m_server.location(QStringLiteral("direct"), QStringLiteral("carol"));
    auto direct = readTeamRunTable(reader);
    QVERIFY_RESULT(direct);
    auto mirror = refreshTeamMirror(reader);
    QVERIFY_RESULT(mirror);
    auto copy = RunStore::open(mirror->cache, OpenMode::ReadOnly);
    QVERIFY_RESULT(copy);
    auto table = loadRunTable(copy->database());
    QVERIFY_RESULT(table);
    const RunTable& a = *direct;
    const RunTable& b = *table;
    QCOMPARE(a.rowCount(), size_t(42));
    QCOMPARE(a.uuids, b.uuids);
    for (TextColumn RunTable::*c : { &RunTable::projects, &RunTable::names, &RunTable::statuses, &RunTable::kinds,
             &RunTable::users, &RunTable::hosts, &RunTable::commits, &RunTable::branches, &RunTable::parents }) {
        for (size_t r = 0; r < a.rowCount(); ++r) {
            QCOMPARE((a.*c).at(r), (b.*c).at(r));
            QCOMPARE((a.*c).has(r), (b.*c).has(r));
        }
    }
    const auto same = [](double x, double y) { return (std::isnan(x) && std::isnan(y)) || x == y; };
    for (size_t r = 0; r < a.rowCount(); ++r) {
        QVERIFY(same(a.startTimes[r], b.startTimes[r]) && same(a.endTimes[r], b.endTimes[r]));
        QVERIFY(a.dirty[r] == b.dirty[r] && a.starred[r] == b.starred[r] && a.archived[r] == b.archived[r]);
    }
    for (std::vector<ValueColumn> RunTable::*values : { &RunTable::params, &RunTable::tags }) {
        QCOMPARE((a.*values).size(), (b.*values).size());
        for (size_t c = 0; c < (a.*values).size(); ++c) {
            QCOMPARE((a.*values)[c].key, (b.*values)[c].key);
            for (size_t r = 0; r < a.rowCount(); ++r) {
                QCOMPARE((a.*values)[c].text.at(r), (b.*values)[c].text.at(r));
                QVERIFY(same((a.*values)[c].number(r), (b.*values)[c].number(r)));
            }
        }
    }
    QVERIFY(!a.params.empty() && !a.metrics.empty());
    QCOMPARE(a.metrics.size(), b.metrics.size());
    for (size_t c = 0; c < a.metrics.size(); ++c) {
        QCOMPARE(a.metrics[c].key, b.metrics[c].key);
        QCOMPARE(a.metrics[c].present, b.metrics[c].present);
        for (size_t r = 0; r < a.rowCount(); ++r)
            QVERIFY2(same(a.metrics[c].values[r], b.metrics[c].values[r]), qPrintable(a.metrics[c].key));
    }
    // Sorting by any column gives the same order (the ranks were built the same way).
    QCOMPARE(a.names.sortRanks, b.names.sortRanks);
    // Offered for a copy still being made: the window's table and the panel's counts come from it,
    // and whoever reads the copy itself is told to wait; once the file is there, it is read.
    const QString making = m_dir.filePath(QStringLiteral("making/copy.db"));
    offerRunTable(making, std::make_shared<const RunTable>(a));
    const LoadedRunTable shown = loadRunTableAt(making, false);
    QVERIFY_RESULT(shown.runs);
    QCOMPARE(shown.runs->uuids, a.uuids);
    auto counted = loadSourceSummary(making);
    QVERIFY_RESULT(counted);
    QCOMPARE(counted->runs(), 42);
    auto early = RunStore::open(making, OpenMode::ReadOnly);
    QVERIFY(!early);
    QVERIFY2(early.error().message.contains(QStringLiteral("still being made")), qPrintable(early.error().message));
    QVERIFY(QDir().mkpath(QFileInfo(making).absolutePath()));
    QVERIFY(QFile::copy(mirror->cache, making));
    QVERIFY(!offeredRunTable(making));
    QCOMPARE(loadRunTableAt(making, false).runs->rowCount(), size_t(42));

    // A store that is not there: one message naming it.
    auto missing = readTeamRunTable(m_server.location(QStringLiteral("nowhere"), QStringLiteral("carol")));
    QVERIFY(!missing);
    QVERIFY2(missing.error().message.contains(QStringLiteral("nowhere")), qPrintable(missing.error().message));
}

void TestTeamMirror::runTableFirstThenHistoriesInPlace()
{
    // The window's first copy holds the run table only; the next refresh fills the histories in
    // place (same file), and the result is the full copy.
    newStore(QStringLiteral("first"));
    useCache(u"first-cache"_s);
    sync(demoDatabase(QStringLiteral("first.db"), 51, 5), u"first"_s, u"alice"_s);
    const QString reader = m_server.location(QStringLiteral("first"), QStringLiteral("carol"));
    auto quick = refreshTeamMirror(reader, TeamCopyDepth::RunTableFirst);
    QVERIFY_RESULT(quick);
    QVERIFY(quick->remade && quick->runTableOnly);
    QCOMPARE(countRows(quick->cache, "SELECT count(*) FROM runs"), 5);
    QVERIFY(countRows(quick->cache, "SELECT count(*) FROM params") > 0);
    QVERIFY(countRows(quick->cache, "SELECT count(*) FROM metric_latest") > 0);
    QCOMPARE(countRows(quick->cache, "SELECT count(*) FROM metrics"), 0);
    QCOMPARE(countRows(quick->cache, "SELECT count(*) FROM steps"), 0);
    // Asking for the run table again changes nothing.
    auto still = refreshTeamMirror(reader, TeamCopyDepth::RunTableFirst);
    QVERIFY_RESULT(still);
    QVERIFY(!still->refreshed && still->runTableOnly);
    // A change and the histories in one refresh.
    sync(demoDatabase(QStringLiteral("first-2.db"), 52, 2), u"first"_s, u"bob"_s);
    auto full = refreshTeamMirror(reader);
    QVERIFY_RESULT(full);
    QVERIFY(full->refreshed && !full->remade && !full->runTableOnly);
    QVERIFY(countRows(full->cache, "SELECT count(*) FROM metrics")
            + countRows(full->cache, "SELECT count(*) FROM metric_packed")
        > 0);
    QCOMPARE(dumpCopy(full->cache), dumpCopy(freshCopy(reader, u"first"_s)));
    QVERIFY(readStamp(full->cache).endsWith(u" full"_s));
}

void TestTeamMirror::aChangeCommittedAfterTheSnapshotIsNotMissed()
{
    // A writer's transaction in progress when the copy's snapshot was taken (its change counter
    // already moved) commits afterwards: the next refresh brings it. Comparing change counters
    // alone took the copy for up to date and never showed the run.
    const PgConnection admin = newStore(QStringLiteral("race"));
    useCache(u"race-cache"_s);
    sync(demoDatabase(QStringLiteral("race.db"), 61, 1), u"race"_s, u"alice"_s);
    const QString reader = m_server.location(QStringLiteral("race"), QStringLiteral("carol"));
    QVERIFY_RESULT(refreshTeamMirror(reader));
    auto writer = PgConnection::connect(m_server.location(u"race"_s, u"alice"_s));
    QVERIFY_RESULT(writer);
    QVERIFY(writer->begin());
    QVERIFY(writer->exec(u"UPDATE reprise.runs SET name = 'late' WHERE true"_s));
    auto during = refreshTeamMirror(reader); // the counter moved, the change is not visible yet
    QVERIFY_RESULT(during);
    QCOMPARE(countRows(during->cache, "SELECT count(*) FROM runs WHERE name = 'late'"), 0);
    QVERIFY(writer->commit());
    auto after = refreshTeamMirror(reader);
    QVERIFY_RESULT(after);
    QVERIFY(after->refreshed);
    QCOMPARE(countRows(after->cache, "SELECT count(*) FROM runs WHERE name = 'late'"), 1);
    QCOMPARE(dumpCopy(after->cache), dumpCopy(freshCopy(reader, u"race"_s)));
}

void TestTeamMirror::killedRefreshLeavesAUsableCopy()
{
    // `reprise ls --db LOCATION` killed (SIGKILL) after each table it copies, once while making the
    // copy and once while bringing it up to date: the copy left behind opens and holds what it held
    // (or the new state, when killed after the commit), and the next refresh makes it exact.
    newStore(QStringLiteral("kill"));
    const QString cacheHome = m_dir.filePath(u"kill-cache"_s);
    useCache(u"kill-cache"_s);
    sync(demoDatabase(QStringLiteral("kill.db"), 71, 3), u"kill"_s, u"alice"_s);
    const QString reader = m_server.location(QStringLiteral("kill"), QStringLiteral("carol"));
    const int tables = int(teamTables().size());
    const auto killedAt = [&](int point) {
        QProcess p;
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert(u"XDG_CACHE_HOME"_s, cacheHome);
        env.insert(u"REPRISE_TEAM_COPY_KILL_AFTER"_s, QString::number(point));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(REPRISE_BIN), { u"ls"_s, u"--db"_s, reader });
        p.waitForFinished(120000);
        return p.exitStatus() == QProcess::CrashExit;
    };
    const QString copy = teamMirrorPath(reader);
    // Making the copy: killed before the rename, there is none yet; after it, the copy has no
    // stamp yet and is made anew by the next refresh.
    for (int point = 1; point <= tables + 1; ++point) {
        QFile::remove(copy);
        QFile::remove(copy + u".changes"_s);
        QVERIFY2(killedAt(point), qPrintable(QString::number(point)));
        QVERIFY(!QFileInfo::exists(copy + u".changes"_s));
        QCOMPARE(QFileInfo::exists(copy), point > tables);
        auto mirror = refreshTeamMirror(reader);
        QVERIFY_RESULT(mirror);
        QCOMPARE(dumpCopy(mirror->cache), dumpCopy(freshCopy(reader, u"kill-a%1"_s.arg(point))));
    }
    // Bringing it up to date: every kill point leaves the copy before or after, never between.
    const QString before = dumpCopy(copy);
    const QString stampBefore = readStamp(copy);
    const QString saved = m_dir.filePath(u"kill-saved"_s);
    for (const char* suffix : { "", "-wal", ".changes" })
        QVERIFY(!QFileInfo::exists(copy + QLatin1String(suffix))
            || QFile::copy(copy + QLatin1String(suffix), saved + QLatin1String(suffix)));
    sync(demoDatabase(QStringLiteral("kill-2.db"), 72, 2), u"kill"_s, u"bob"_s);
    const QString after = dumpCopy(freshCopy(reader, u"kill-b"_s));
    QVERIFY(before != after);
    for (int point = 1; point <= tables + 1; ++point) {
        for (const char* suffix : { "", "-wal", "-shm", ".changes" }) {
            QFile::remove(copy + QLatin1String(suffix));
            if (QFileInfo::exists(saved + QLatin1String(suffix)))
                QVERIFY(QFile::copy(saved + QLatin1String(suffix), copy + QLatin1String(suffix)));
        }
        QVERIFY2(killedAt(point), qPrintable(QString::number(point)));
        const QString left = dumpCopy(copy);
        QVERIFY2(left == before || (point == tables + 1 && left == after), qPrintable(QString::number(point)));
        if (point <= tables)
            QCOMPARE(readStamp(copy), stampBefore);
        auto mirror = refreshTeamMirror(reader);
        QVERIFY_RESULT(mirror);
        QVERIFY(!mirror->remade);
        QCOMPARE(dumpCopy(mirror->cache), after);
    }
}

void TestTeamMirror::truncatedTableAndRemadeStoreMakeTheCopyAnew()
{
    const PgConnection admin = newStore(QStringLiteral("trunc"));
    useCache(u"trunc-cache"_s);
    sync(demoDatabase(QStringLiteral("trunc.db"), 81, 2), u"trunc"_s, u"alice"_s);
    const QString reader = m_server.location(QStringLiteral("trunc"), QStringLiteral("carol"));
    QVERIFY_RESULT(refreshTeamMirror(reader));
    QVERIFY(admin.exec(u"TRUNCATE reprise.run_output"_s));
    auto mirror = refreshTeamMirror(reader);
    QVERIFY_RESULT(mirror);
    QVERIFY(mirror->remade);
    QCOMPARE(countRows(mirror->cache, "SELECT count(*) FROM run_output"), 0);
    QCOMPARE(dumpCopy(mirror->cache), dumpCopy(freshCopy(reader, u"trunc"_s)));
}

QTEST_GUILESS_MAIN(TestTeamMirror)
#include "tst_team_mirror.moc"
