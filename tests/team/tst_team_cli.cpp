// The team store from the command line, as a user runs it: `reprise sync --watch` following a running
// run and stopped by a signal, `reprise run --sync-to` (a real Python script logging through the
// client) with a store that is there, refuses or is down, and passwords in the desktop keyring
// (`reprise team login/logout`). A real PostgreSQL 15 server the test starts itself (tests/support);
// the real executable through QProcess; waits poll the store (QTRY_*), nothing depends on the clock.

#include "store/run_store.h"
#include "support/test_postgres.h"
#include "team/pg_connection.h"
#include "team/team_schema.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <csignal>

using namespace reprise;
using namespace Qt::StringLiterals;

#define QVERIFY_RESULT(result)                                                                                         \
    do {                                                                                                               \
        if (!(result))                                                                                                 \
            QFAIL(qPrintable((result).error().text()));                                                                \
    } while (false)

namespace {

constexpr int kWaitMs = 60000; // generous: the machine may be busy

qint64 count(const PgConnection& conn, const QString& sql)
{
    auto result = conn.query(sql);
    return result && result->rows() > 0 ? result->int64(0, 0) : -1;
}

QString text(const PgConnection& conn, const QString& sql)
{
    auto result = conn.query(sql);
    return result && result->rows() > 0 ? result->text(0, 0) : QString();
}

/// Metric points of every run in the store, whether still rows or packed.
qint64 points(const PgConnection& conn)
{
    return count(conn,
        u"SELECT (SELECT count(*) FROM reprise.metrics) + (SELECT coalesce(sum(count), 0) FROM reprise.metric_packed)"_s);
}

struct CliOutcome {
    int exitCode = -1;
    bool crashed = false;
    QString out;
    QString err;
};

CliOutcome runProgram(
    const QString& program, const QStringList& args, const QProcessEnvironment& env, const QByteArray& input = {})
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(program, args);
    if (!input.isNull()) {
        p.write(input);
        p.closeWriteChannel();
    }
    if (!p.waitForFinished(300000))
        p.kill();
    p.waitForFinished();
    return { p.exitCode(), p.exitStatus() != QProcess::NormalExit, QString::fromUtf8(p.readAllStandardOutput()),
        QString::fromUtf8(p.readAllStandardError()) };
}

CliOutcome runReprise(const QStringList& args, const QProcessEnvironment& env, const QByteArray& input = {})
{
    return runProgram(QStringLiteral(REPRISE_BIN), args, env, input);
}

/// A Python script for `reprise run`: logs 10 points through the client, says so in `ready`, waits
/// for `go` (the test's answer once it saw them in the store), logs 10 more and exits with 7.
const char* kLiveScript = R"(import os, sys, time
import reprise
ready, go = sys.argv[1], sys.argv[2]
with reprise.start_run() as run:
    for step in range(10):
        run.log_metric("loss", 1.0 / (step + 1), step=step)
    run.flush()
    print("first half", flush=True)
    open(ready, "w").close()
    for _ in range(3000):  # at most 5 minutes, should the test never answer
        if os.path.exists(go):
            break
        time.sleep(0.1)
    for step in range(10, 20):
        run.log_metric("loss", 1.0 / (step + 1), step=step)
print("second half", flush=True)
sys.exit(7)
)";

} // namespace

class TestTeamCli : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void watchFollowsARunningRunAndStopsOnSignals();
    void runSyncToPushesTheRunWhileItRuns();
    void runSyncToAStoreThatIsDownOrRefuses();
    void noKeyringSaysWhatToDo();
    void keyringRoundTrip();
    void cleanupTestCase();

private:
    PgConnection newStore(const QString& name);
    PgConnection connectAs(const QString& db, const QString& login);
    /// The environment of the program: a home of the test's own, no password file, no keyring.
    QProcessEnvironment environment() const;

    test::TestPostgres m_server;
    QTemporaryDir m_dir;
};

void TestTeamCli::initTestCase()
{
    QString error;
    QVERIFY2(m_server.start(error), qPrintable(error));
    QVERIFY2(m_server.createDatabase(QStringLiteral("roles"), error), qPrintable(error));
    auto admin = PgConnection::connect(m_server.location(QStringLiteral("roles")));
    QVERIFY_RESULT(admin);
    auto init = initTeamStore(*admin);
    QVERIFY_RESULT(init);
    QVERIFY2(m_server.addLogin(QStringLiteral("alice"), QStringLiteral("reprise_writer"), error), qPrintable(error));
    QVERIFY2(m_server.addLogin(QStringLiteral("carol"), QStringLiteral("reprise_reader"), error), qPrintable(error));
    QVERIFY2(
        m_server.addLogin(QStringLiteral("dana"), QStringLiteral("reprise_writer"), error, QStringLiteral("s3cret")),
        qPrintable(error));
}

void TestTeamCli::cleanupTestCase() { m_server.stop(); }

PgConnection TestTeamCli::newStore(const QString& name)
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

PgConnection TestTeamCli::connectAs(const QString& db, const QString& login)
{
    auto conn = PgConnection::connect(m_server.location(db, login));
    if (!conn)
        qFatal("%s", qPrintable(conn.error().text()));
    return std::move(*conn);
}

QProcessEnvironment TestTeamCli::environment() const
{
    auto env = QProcessEnvironment::systemEnvironment();
    const QString home = m_dir.filePath(QStringLiteral("home"));
    QDir().mkpath(home);
    env.insert(QStringLiteral("HOME"), home);
    env.insert(QStringLiteral("XDG_CACHE_HOME"), home + QStringLiteral("/cache"));
    env.insert(QStringLiteral("XDG_DATA_HOME"), home + QStringLiteral("/data"));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home + QStringLiteral("/config"));
    env.insert(QStringLiteral("PGPASSFILE"), home + QStringLiteral("/no-pgpass"));
    // No desktop keyring: no session bus, and a runtime folder without one.
    env.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"));
    const QString runtime = home + QStringLiteral("/run");
    QDir().mkpath(runtime);
    QFile::setPermissions(runtime, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), runtime);
    return env;
}

void TestTeamCli::watchFollowsARunningRunAndStopsOnSignals()
{
    newStore(QStringLiteral("watched"));
    const PgConnection admin = connectAs(QStringLiteral("watched"), QStringLiteral("reprise_admin"));
    const QString dbPath = m_dir.filePath(QStringLiteral("watched.db"));
    auto store = RunStore::open(dbPath, OpenMode::Create);
    QVERIFY(store);
    NewRun spec;
    spec.project = QStringLiteral("live");
    spec.name = QStringLiteral("still going");
    spec.startTime = 1700000000;
    auto run = store->createRun(spec);
    QVERIFY(run);
    qint64 logged = 0;
    const auto log = [&](qint64 n) {
        std::vector<qint64> steps;
        std::vector<double> values, times;
        for (qint64 s = logged; s < logged + n; ++s) {
            steps.push_back(s);
            values.push_back(1.0 / double(s + 1));
            times.push_back(1700000000.0 + double(s));
        }
        logged += n;
        return bool(store->logMetric(run->rowId, QStringLiteral("loss"), steps, values, times));
    };
    QVERIFY(log(100));

    const QString target = m_server.location(QStringLiteral("watched"), QStringLiteral("alice"));
    const QStringList args = { "sync", "--db", dbPath, "--to", target, "--watch" };
    for (const int signo : { SIGINT, SIGTERM }) {
        QProcess watch;
        watch.setProcessEnvironment(environment());
        watch.start(QStringLiteral(REPRISE_BIN), args);
        QVERIFY(watch.waitForStarted());
        // Everything logged so far arrives, then each new batch while the run goes on.
        QTRY_COMPARE_WITH_TIMEOUT(points(admin), logged, kWaitMs);
        QCOMPARE(text(admin, u"SELECT status FROM reprise.runs"_s), u"running"_s);
        for (int batch = 0; batch < 3; ++batch) {
            QVERIFY(log(50));
            QTRY_COMPARE_WITH_TIMEOUT(points(admin), logged, kWaitMs);
        }
        if (signo == SIGTERM) {
            // Stopped while there is something new to push: the run's transaction is whole or absent.
            QVERIFY(log(50));
            QVERIFY(store->finishRun(run->rowId, RunStatus::Finished, 0, 1700000500));
        }
        QCOMPARE(::kill(pid_t(watch.processId()), signo), 0);
        QVERIFY(watch.waitForFinished(kWaitMs));
        const QString err = QString::fromUtf8(watch.readAllStandardError());
        QCOMPARE(watch.exitStatus(), QProcess::NormalExit);
        QVERIFY2(watch.exitCode() == 0, qPrintable(err));
        const qint64 seen = points(admin);
        QVERIFY2(seen == logged || seen == logged - 50, qPrintable(QString::number(seen)));
    }
    // Nothing half-written: one more sync completes what the last pass had not, and then there is
    // nothing new; the store holds the finished run with every point, packed.
    const CliOutcome last = runReprise({ "sync", "--db", dbPath, "--to", target }, environment());
    QVERIFY2(last.exitCode == 0, qPrintable(last.err));
    const CliOutcome again = runReprise({ "sync", "--db", dbPath, "--to", target }, environment());
    QVERIFY2(again.out.contains(u"nothing new (1 run(s) already there)"_s), qPrintable(again.out + again.err));
    QCOMPARE(points(admin), logged);
    QCOMPARE(count(admin, u"SELECT count(*) FROM reprise.metrics"_s), 0);
    QCOMPARE(text(admin, u"SELECT status FROM reprise.runs"_s), u"finished"_s);
}

void TestTeamCli::runSyncToPushesTheRunWhileItRuns()
{
    newStore(QStringLiteral("live_run"));
    const PgConnection admin = connectAs(QStringLiteral("live_run"), QStringLiteral("reprise_admin"));
    const QString script = m_dir.filePath(QStringLiteral("live.py"));
    {
        QFile file(script);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(kLiveScript);
    }
    const QString ready = m_dir.filePath(QStringLiteral("live.ready"));
    const QString go = m_dir.filePath(QStringLiteral("live.go"));
    const QString dbPath = m_dir.filePath(QStringLiteral("live_run.db"));
    auto env = environment();
    env.insert(QStringLiteral("PYTHONPATH"), QStringLiteral(REPRISE_CLIENT_DIR));
    QProcess run;
    run.setProcessEnvironment(env);
    run.start(QStringLiteral(REPRISE_BIN),
        { "run", "--db", dbPath, "--project", "team", "--sync-to",
            m_server.location(QStringLiteral("live_run"), QStringLiteral("alice")), "--", REPRISE_PYTHON, script, ready,
            go });
    QVERIFY(run.waitForStarted());
    // While the script waits, its first points and output are in the store, the run still running.
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(ready), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(points(admin), 10, kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(
        text(admin, u"SELECT string_agg(data, '') FROM reprise.run_output"_s).contains(u"first half"_s), kWaitMs);
    QCOMPARE(text(admin, u"SELECT status FROM reprise.runs"_s), u"running"_s);
    QVERIFY(run.state() == QProcess::Running);
    {
        QFile(go).open(QIODevice::WriteOnly);
    }

    QVERIFY(run.waitForFinished(kWaitMs));
    const QString err = QString::fromUtf8(run.readAllStandardError());
    QCOMPARE(run.exitStatus(), QProcess::NormalExit);
    QVERIFY2(run.exitCode() == 7, qPrintable(err)); // the command's own
    QVERIFY2(!err.contains(u"warning"_s), qPrintable(err));
    // When `reprise run` has returned, the store has the finished run: end, exit code, every point,
    // all its output, as the local database has it.
    QCOMPARE(text(admin, u"SELECT status FROM reprise.runs"_s), u"failed"_s);
    QCOMPARE(count(admin, u"SELECT exit_code FROM reprise.runs"_s), 7);
    QCOMPARE(count(admin, u"SELECT count(*) FROM reprise.runs WHERE end_time IS NOT NULL"_s), 1);
    QCOMPARE(points(admin), 20);
    QCOMPARE(
        text(admin, u"SELECT p.name FROM reprise.projects p JOIN reprise.runs r ON r.project_id = p.id"_s), u"team"_s);
    const QString output = text(admin, u"SELECT string_agg(data, '' ORDER BY seq) FROM reprise.run_output"_s);
    QVERIFY2(output.contains(u"first half"_s) && output.contains(u"second half"_s), qPrintable(output));
    const CliOutcome again = runReprise(
        { "sync", "--db", dbPath, "--to", m_server.location(QStringLiteral("live_run"), QStringLiteral("alice")) },
        environment());
    QVERIFY2(again.out.contains(u"nothing new (1 run(s) already there)"_s), qPrintable(again.out + again.err));
}

void TestTeamCli::runSyncToAStoreThatIsDownOrRefuses()
{
    newStore(QStringLiteral("refusing"));
    const QString dbPath = m_dir.filePath(QStringLiteral("offline.db"));
    const QString down = QStringLiteral("host=%1/nowhere dbname=x user=alice").arg(m_dir.path());
    const QString reader = m_server.location(QStringLiteral("refusing"), QStringLiteral("carol"));
    const QString newer = m_server.location(QStringLiteral("refusing"), QStringLiteral("alice"));
    struct Case {
        QString store;
        QString expected; ///< in the warning
    };
    const QList<Case> cases = {
        { down, u"cannot connect"_s },
        { reader, u"GRANT reprise_writer"_s },
    };
    int runs = 0;
    for (const Case& c : cases) {
        const CliOutcome o = runReprise(
            { "run", "--db", dbPath, "--sync-to", c.store, "--", "sh", "-c", "echo recorded anyway; exit 5" },
            environment());
        ++runs;
        QVERIFY2(!o.crashed, qPrintable(o.err));
        QCOMPARE(o.exitCode, 5); // the command's, whatever the store did
        QVERIFY2(o.out.contains(u"recorded anyway"_s), qPrintable(o.out));
        QVERIFY2(o.err.contains(u"warning: "_s) && o.err.contains(c.expected), qPrintable(o.err));
        QVERIFY2(o.err.contains(u"reprise sync --db"_s) && o.err.contains(u"--to '"_s), qPrintable(o.err));
        QCOMPARE(o.err.count(u"warning: "_s), 1); // said once
        // Recorded locally all the same.
        const CliOutcome list = runReprise({ "ls", "--db", dbPath, "--json" }, environment());
        QCOMPARE(QJsonDocument::fromJson(list.out.toUtf8()).array().size(), runs);
    }
    const PgConnection admin = connectAs(QStringLiteral("refusing"), QStringLiteral("reprise_admin"));
    QCOMPARE(count(admin, u"SELECT count(*) FROM reprise.runs"_s), 0);
    // A store of a newer schema than this Reprise: refused, the run goes on.
    QVERIFY(admin.exec(u"UPDATE reprise_meta.schema_version SET version = version + 1"_s));
    const CliOutcome o
        = runReprise({ "run", "--db", dbPath, "--sync-to", newer, "--", "sh", "-c", "exit 0" }, environment());
    QCOMPARE(o.exitCode, 0);
    QVERIFY2(o.err.contains(u"warning: "_s) && o.err.contains(u"update Reprise"_s), qPrintable(o.err));
    QCOMPARE(count(admin, u"SELECT count(*) FROM reprise.runs"_s), 0);
    // A location that is no team store is a usage error before anything runs.
    const CliOutcome usage = runReprise(
        { "run", "--db", dbPath, "--sync-to", m_dir.filePath(u"file.db"_s), "--", "sh", "-c", "echo should not run" },
        environment());
    QCOMPARE(usage.exitCode, 2);
    QVERIFY(!usage.out.contains(u"should not run"_s));
}

void TestTeamCli::noKeyringSaysWhatToDo()
{
    // No D-Bus session (as in CI): login says there is no keyring and points at ~/.pgpass, before
    // asking for a password; a login that needs one says the same when it connects.
    newStore(QStringLiteral("no_keyring"));
    const QString dana = m_server.location(QStringLiteral("no_keyring"), QStringLiteral("dana"));
    const CliOutcome login = runReprise({ "team", "login", dana }, environment(), "s3cret\n");
    QCOMPARE(login.exitCode, 1);
    QVERIFY2(login.err.contains(u"no desktop keyring"_s) && login.err.contains(u"~/.pgpass"_s), qPrintable(login.err));
    QVERIFY(!login.err.contains(u"s3cret"_s));
    const CliOutcome logout = runReprise({ "team", "logout", dana }, environment());
    QCOMPARE(logout.exitCode, 1);
    QVERIFY2(logout.err.contains(u"no desktop keyring"_s), qPrintable(logout.err));

    auto local = RunStore::open(m_dir.filePath(u"no_keyring.db"_s), OpenMode::Create);
    QVERIFY(local);
    const CliOutcome sync
        = runReprise({ "sync", "--db", m_dir.filePath(u"no_keyring.db"_s), "--to", dana }, environment());
    QCOMPARE(sync.exitCode, 1);
    QVERIFY2(sync.err.contains(u"no password supplied"_s), qPrintable(sync.err));
    QVERIFY2(sync.err.contains(u"no desktop keyring"_s) && sync.err.contains(u"~/.pgpass"_s), qPrintable(sync.err));
    QVERIFY2(!sync.err.contains(u"hint: hint:"_s), qPrintable(sync.err));
    // Nothing was written anywhere under the home folder (no plain-file fallback).
    const QStringList written
        = QDir(m_dir.filePath(u"home"_s)).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot, QDir::Name);
    QVERIFY2(written.isEmpty(), qPrintable(written.join(u',')));
}

void TestTeamCli::keyringRoundTrip()
{
    // A real Secret Service: gnome-keyring-daemon in a D-Bus session of its own for every call
    // (tests/team/with_keyring.sh), its keyring files in the test's folder.
    const QString dbusRunSession = QStandardPaths::findExecutable(u"dbus-run-session"_s);
    const QString daemon = QStandardPaths::findExecutable(u"gnome-keyring-daemon"_s);
    if (dbusRunSession.isEmpty() || daemon.isEmpty())
        QSKIP("dbus-run-session or gnome-keyring-daemon is not installed (./setup.sh installs them)");
    newStore(QStringLiteral("keyring"));
    const PgConnection admin = connectAs(QStringLiteral("keyring"), QStringLiteral("reprise_admin"));
    const QString dana = m_server.location(QStringLiteral("keyring"), QStringLiteral("dana"));
    auto env = environment();
    env.insert(QStringLiteral("REPRISE_TEST_KEYRING_PASSWORD"), QStringLiteral("unlock-the-test-keyring"));
    const QString wrapper = QStringLiteral(REPRISE_SOURCE_DIR "/tests/team/with_keyring.sh");
    const auto withKeyring = [&](const QStringList& args, const QByteArray& input = {}) {
        return runProgram(dbusRunSession, QStringList { "--", wrapper, REPRISE_BIN } + args, env, input);
    };

    // A wrong password: refused by the server, nothing stored.
    const CliOutcome wrong = withKeyring({ "team", "login", dana }, "not-it\n");
    QCOMPARE(wrong.exitCode, 1);
    QVERIFY2(wrong.err.contains(u"password authentication failed"_s) && wrong.err.contains(u"nothing stored"_s),
        qPrintable(wrong.err));
    QVERIFY(!wrong.err.contains(u"not-it"_s));
    const CliOutcome none = withKeyring({ "team", "logout", dana });
    QVERIFY2(none.exitCode == 0 && none.out.contains(u"held no password"_s), qPrintable(none.out + none.err));

    // The right one: kept, then found by every later connection (sync, run --sync-to's thread).
    const CliOutcome right = withKeyring({ "team", "login", dana }, "s3cret\n");
    QVERIFY2(right.exitCode == 0 && right.out.contains(u"password kept in the desktop keyring"_s),
        qPrintable(right.out + right.err));
    QVERIFY(!right.out.contains(u"s3cret"_s) && !right.err.contains(u"s3cret"_s));
    const QString dbPath = m_dir.filePath(u"keyring.db"_s);
    const CliOutcome run
        = withKeyring({ "run", "--db", dbPath, "--sync-to", dana, "--", "sh", "-c", "echo via the keyring" });
    QVERIFY2(run.exitCode == 0 && !run.err.contains(u"warning"_s), qPrintable(run.err));
    QCOMPARE(count(admin, u"SELECT count(*) FROM reprise_meta.run_owners WHERE login = 'dana'"_s), 1);
    const CliOutcome sync = withKeyring({ "sync", "--db", dbPath, "--to", dana });
    QVERIFY2(sync.exitCode == 0 && sync.out.contains(u"nothing new"_s), qPrintable(sync.out + sync.err));
    // The password is in the keyring's own file, not in any file of Reprise's.
    const CliOutcome grep = runProgram(u"grep"_s, { "-rl", "s3cret", m_dir.filePath(u"home"_s) }, env);
    QVERIFY2(grep.out.isEmpty(), qPrintable(grep.out));

    // Logged out: the entry is gone and a connection says how to log in again.
    const CliOutcome logout = withKeyring({ "team", "logout", dana });
    QVERIFY2(logout.exitCode == 0 && logout.out.contains(u"password removed"_s), qPrintable(logout.out + logout.err));
    const CliOutcome after = withKeyring({ "sync", "--db", dbPath, "--to", dana });
    QCOMPARE(after.exitCode, 1);
    QVERIFY2(after.err.contains(u"reprise team login"_s), qPrintable(after.err));
}

QTEST_GUILESS_MAIN(TestTeamCli)
#include "tst_team_cli.moc"
