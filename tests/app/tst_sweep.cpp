// Sweeps end to end: the digits example (real scikit-learn training through the Python client) in a
// real git repository, recorded by `reprise run`, then swept over a 3 × 3 grid at its old commit, two
// members at a time, each in its own worktree; a sweep cancelled midway; seeded random draws; and
// each way a sweep can be refused, with its message. `reprise importance` over the sweep's runs.

#include "../core/recorded_run.h"
#include "cli_process.h"
#include "example_repository.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <csignal>
#include <unistd.h>

namespace {

QJsonObject jsonOf(const Outcome& o) { return QJsonDocument::fromJson(o.out.toUtf8()).object(); }

/// The runs of `db` tagged with sweep `id`.
QList<reprise::RunRecord> membersOf(const QString& db, const QString& id)
{
    QList<reprise::RunRecord> out;
    auto store = reprise::RunStore::open(db, reprise::OpenMode::ReadOnly);
    if (!store)
        return out;
    auto table = reprise::loadRunTable(store->database());
    if (!table)
        return out;
    for (const QString& uuid : table->uuids) {
        auto run = store->loadRun(uuid);
        if (run && run->tags.value(QStringLiteral("sweep.id")) == id)
            out << *run;
    }
    return out;
}

int runCount(const QString& db)
{
    auto store = reprise::RunStore::open(db, reprise::OpenMode::ReadOnly);
    auto table
        = store ? reprise::loadRunTable(store->database()) : reprise::Result<reprise::RunTable>(reprise::Error {});
    return table ? int(table->rowCount()) : -1;
}

} // namespace

class TestSweep : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void gridSweepRecordsEveryMemberAsARerun();
    void importanceOverTheSweep();
    void randomDrawsAreReproducible();
    void dryRunListsMembersAndRunsNothing();
    void overAThousandMembersNeedsConfirmation();
    void badInputSaysWhatAndWhatToDo_data();
    void badInputSaysWhatAndWhatToDo();
    void untrustedSourceNeedsConfirmation();
    void cancelledMidwayRecordsRunningKilledAndStartsNoMore();
    void backgroundSweepRecordsUnderThePrintedId();

private:
    QTemporaryDir m_dir;
    QString m_repo;
    QString m_db;
    QString m_original;
    QString m_firstCommit;
    QString m_sweep; ///< the 3 × 3 grid's id
};

void TestSweep::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QProcess probe;
    probe.start(QStringLiteral(REPRISE_PYTHON), { "-c", "import sklearn" });
    QVERIFY(probe.waitForFinished(60000));
    QVERIFY2(probe.exitCode() == 0,
        REPRISE_PYTHON " cannot import sklearn: install Debian's python3-sklearn (setup.sh does)");
    m_repo = m_dir.filePath(QStringLiteral("digits"));
    m_db = m_dir.filePath(QStringLiteral("runs.db"));
    m_original = recordExampleThenChangeIt(m_repo, m_db, m_firstCommit);
    QVERIFY(!m_original.isEmpty());
}

void TestSweep::gridSweepRecordsEveryMemberAsARerun()
{
    // HEAD moved on since the run: every member runs the old commit in a worktree of its own.
    const Outcome o = runReprise({ "sweep", m_original.left(8), "--db", m_db, "--grid", "lr=0.001,0.01,0.1", "--grid",
                                     "seed=0,1,2", "--set", "epochs=4", "--parallel", "2", "--wait", "--json" },
        m_dir.path());
    QVERIFY2(o.exitCode == 0, qPrintable(o.err + o.out));
    const QJsonObject result = jsonOf(o);
    m_sweep = result[QLatin1String("sweep")][QLatin1String("id")].toString();
    QCOMPARE(m_sweep.size(), 12);
    QCOMPARE(result[QLatin1String("sweep")][QLatin1String("size")].toInt(), 9);
    QCOMPARE(result[QLatin1String("draft")][QLatin1String("worktree")].toBool(), true);
    const QJsonArray listed = result[QLatin1String("members")].toArray();
    QCOMPARE(listed.size(), 9);
    for (const auto& member : listed)
        QCOMPARE(member[QLatin1String("state")].toString(), QStringLiteral("done"));

    const QList<reprise::RunRecord> members = membersOf(m_db, m_sweep);
    QCOMPARE(members.size(), 9);
    QSet<QString> combinations, indices;
    for (const reprise::RunRecord& run : members) {
        QCOMPARE(run.kind, QStringLiteral("rerun"));
        QCOMPARE(run.parentUuid, m_original);
        QCOMPARE(int(run.status), int(reprise::RunStatus::Finished));
        QCOMPARE(run.code.commit, m_firstCommit);
        QCOMPARE(run.tags.value(QStringLiteral("sweep.size")), QStringLiteral("9"));
        QCOMPARE(run.tags.value(QStringLiteral("sweep.params")), QStringLiteral("lr,seed"));
        QCOMPARE(run.tags.value(QStringLiteral("rerun.mode")), QStringLiteral("worktree"));
        indices.insert(run.tags.value(QStringLiteral("sweep.index")));
        // The params the member ran with: the grid's, the fixed edit, the rest as recorded.
        QCOMPARE(run.params.value(QStringLiteral("epochs")).value, QStringLiteral("4"));
        QCOMPARE(run.params.value(QStringLiteral("lr_drop_epoch")).value, QStringLiteral("12"));
        combinations.insert(
            run.params.value(QStringLiteral("lr")).value + u'/' + run.params.value(QStringLiteral("seed")).value);
        // Index i is lr (outer loop) × seed (inner loop).
        const int index = run.tags.value(QStringLiteral("sweep.index")).toInt();
        const QStringList lrs { "0.001", "0.01", "0.1" };
        QCOMPARE(run.params.value(QStringLiteral("lr")).value.toDouble(), lrs[index / 3].toDouble());
        QCOMPARE(run.params.value(QStringLiteral("seed")).value, QString::number(index % 3));
    }
    QCOMPARE(combinations.size(), 9);
    QCOMPARE(indices.size(), 9);
    // Every worktree was removed once its member succeeded.
    const QStringList worktrees
        = gitOutput(m_repo, { "worktree", "list", "--porcelain" }).split(u'\n').filter(QStringLiteral("worktree "));
    QCOMPARE(worktrees.size(), 1);
    QVERIFY(databaseIntact(m_db));
}

void TestSweep::importanceOverTheSweep()
{
    QVERIFY(!m_sweep.isEmpty());
    const Outcome o = runReprise({ "importance", "--db", m_db, "--sweep", m_sweep, "--metric", "val/loss", "--json" });
    QVERIFY2(o.exitCode == 0, qPrintable(o.err + o.out));
    const QJsonObject result = jsonOf(o);
    QCOMPARE(result[QLatin1String("runs_in_scope")].toInt(), 9);
    QCOMPARE(result[QLatin1String("runs_missing_metric")].toInt(), 0);
    QCOMPARE(result[QLatin1String("forest")][QLatin1String("method")].toString(), QStringLiteral("impurity"));
    QSet<QString> varying;
    for (const auto& p : result[QLatin1String("params")].toArray())
        if (!p[QLatin1String("importance")].isNull())
            varying.insert(p[QLatin1String("param")].toString());
    QCOMPARE(varying, (QSet<QString> { "lr", "seed" }));
    // Over the whole database (the original as well), and a metric nobody logged.
    const Outcome all = runReprise({ "importance", "--db", m_db, "--metric", "val/loss" });
    QVERIFY2(all.exitCode == 0, qPrintable(all.err));
    QVERIFY2(all.out.contains("lr"), qPrintable(all.out));
    const Outcome missing = runReprise({ "importance", "--db", m_db, "--metric", "val/acc" });
    QCOMPARE(missing.exitCode, 1);
    QVERIFY2(missing.err.contains("metric 'val/acc'") && missing.err.contains("val/accuracy"), qPrintable(missing.err));
}

void TestSweep::randomDrawsAreReproducible()
{
    const auto draw = [this](const QString& seed) {
        const Outcome o = runReprise({ "sweep", m_original, "--db", m_db, "--random", "lr=loguniform:1e-4:1e-1",
            "--random", "alpha=uniform:0:0.001", "--random", "epochs=uniform:2:9", "--samples", "6", "--seed", seed,
            "--dry-run", "--json" });
        if (o.exitCode != 0)
            qWarning() << o.err;
        return jsonOf(o)[QLatin1String("members")].toArray();
    };
    const QJsonArray first = draw(QStringLiteral("7"));
    QCOMPARE(first.size(), 6);
    QCOMPARE(draw(QStringLiteral("7")), first);
    QVERIFY(draw(QStringLiteral("8")) != first);
    for (const auto& member : first) {
        const QJsonObject params = member[QLatin1String("params")].toObject();
        const double lr = params[QLatin1String("lr")].toString().toDouble();
        QVERIFY(lr >= 1e-4 && lr <= 1e-1);
        bool isInt = false;
        const int epochs = params[QLatin1String("epochs")].toString().toInt(&isInt);
        QVERIFY2(isInt && epochs >= 2 && epochs <= 9, qPrintable(params[QLatin1String("epochs")].toString()));
    }
}

void TestSweep::dryRunListsMembersAndRunsNothing()
{
    const int before = runCount(m_db);
    const Outcome o = runReprise({ "sweep", m_original, "--db", m_db, "--grid", "lr=0.001,0.01", "--grid", "seed=0,1,2",
        "--random", "alpha=choice:0.0001,0.001", "--samples", "2", "--dry-run" });
    QVERIFY2(o.exitCode == 0, qPrintable(o.err));
    QVERIFY2(o.out.contains("12 members"), qPrintable(o.out));
    QVERIFY2(o.out.contains("command:") && o.out.contains("train.py"), qPrintable(o.out));
    QCOMPARE(o.out.count(QRegularExpression(QStringLiteral("\\n\\s+\\d+\\s+0\\.0"))), 12);
    QCOMPARE(runCount(m_db), before);
}

void TestSweep::overAThousandMembersNeedsConfirmation()
{
    const int before = runCount(m_db);
    QStringList seeds;
    for (int i = 0; i < 501; ++i)
        seeds << QString::number(i);
    const Outcome o = runReprise(
        { "sweep", m_original, "--db", m_db, "--grid", "seed=" + seeds.join(u','), "--grid", "lr=0.01,0.1", "--wait" });
    QCOMPARE(o.exitCode, 1);
    QVERIFY2(o.err.contains("1002 members is over 1000") && o.err.contains("--yes"), qPrintable(o.err));
    QCOMPARE(runCount(m_db), before);
    // Over the hard limit, --yes does not help.
    const Outcome huge = runReprise({ "sweep", m_original, "--db", m_db, "--grid", "seed=" + seeds.join(u','), "--grid",
        "lr=" + seeds.join(u','), "--yes", "--wait" });
    QCOMPARE(huge.exitCode, 2);
    QVERIFY2(huge.err.contains("too large"), qPrintable(huge.err));
    QCOMPARE(runCount(m_db), before);
}

void TestSweep::badInputSaysWhatAndWhatToDo_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("message");
    QTest::addColumn<QString>("hint");
    QTest::newRow("no equals") << QStringList { "--grid", "lr" } << 2 << "--grid 'lr': expected KEY="
                               << "lr=0.001";
    QTest::newRow("empty value") << QStringList { "--grid", "lr=0.1,,0.2" } << 2 << "an empty value"
                                 << "e.g.";
    QTest::newRow("twice") << QStringList { "--grid", "lr=0.1", "--random", "lr=uniform:0:1" } << 2
                           << "'lr' is swept twice"
                           << "one --grid or --random";
    QTest::newRow("unknown param") << QStringList { "--grid", "learning_rate=0.1" } << 2
                                   << "param 'learning_rate' is not a param of run"
                                   << "check the spelling";
    QTest::newRow("wrong type") << QStringList { "--grid", "epochs=3,four" } << 2 << "'four' is not a value of type int"
                                << "epochs=20";
    QTest::newRow("distribution") << QStringList { "--random", "lr=normal:0:1" } << 2 << "unknown distribution 'normal'"
                                  << "loguniform:A:B";
    QTest::newRow("bounds") << QStringList { "--random", "lr=uniform:1:0.1" } << 2 << "lower bound must be below"
                            << "e.g.";
    QTest::newRow("log of zero") << QStringList { "--random", "lr=loguniform:0:1" } << 2 << "bounds above 0"
                                 << "uniform";
    QTest::newRow("samples without random") << QStringList { "--grid", "lr=0.1", "--samples", "5" } << 2 << "--samples"
                                            << "--random";
    QTest::newRow("nothing") << QStringList {} << 2 << "nothing to sweep"
                             << "--grid";
    QTest::newRow("both modes") << QStringList { "--grid", "lr=0.1", "--at-commit", "--in-place" } << 2
                                << "exclude each other"
                                << "";
    QTest::newRow("parallel") << QStringList { "--grid", "lr=0.1", "--parallel", "0" } << 2 << "--parallel '0'"
                              << "--parallel 2";
}

void TestSweep::badInputSaysWhatAndWhatToDo()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QString, message);
    QFETCH(QString, hint);
    const int before = runCount(m_db);
    const Outcome o = runReprise(QStringList { "sweep", m_original, "--db", m_db, "--dry-run" } + args);
    QCOMPARE(o.exitCode, exitCode);
    QVERIFY2(o.err.contains(message), qPrintable(o.err));
    QVERIFY2(o.err.contains("hint:") || hint.isEmpty(), qPrintable(o.err));
    QVERIFY2(o.err.contains(hint), qPrintable(o.err));
    QCOMPARE(o.out, QString());
    QCOMPARE(runCount(m_db), before);
}

void TestSweep::untrustedSourceNeedsConfirmation()
{
    // An unknown run first.
    const Outcome unknown = runReprise({ "sweep", "abcdef12", "--db", m_db, "--grid", "lr=0.1" });
    QCOMPARE(unknown.exitCode, 1);
    QVERIFY2(unknown.err.contains("run 'abcdef12'") && unknown.err.contains("hint:"), qPrintable(unknown.err));

    // A database that is not the user's own (another owner, as root; else not writable) is a shared
    // source: its sweep needs a confirmation, and loader variables are held back.
    const QString shared = m_dir.filePath(QStringLiteral("shared.db"));
    QVERIFY(QFile::copy(m_db, shared));
    if (::getuid() == 0) {
        QCOMPARE(::chown(QFile::encodeName(shared).constData(), 65534, 65534), 0);
    } else {
        QVERIFY(QFile::setPermissions(shared, QFile::ReadOwner | QFile::ReadGroup));
        const Outcome readOnly = runReprise({ "sweep", m_original, "--db", shared, "--grid", "lr=0.1,0.2", "--wait" });
        QCOMPARE(readOnly.exitCode, 1);
        QVERIFY2(readOnly.err.contains("read-only") && readOnly.err.contains("--into"), qPrintable(readOnly.err));
    }
    const QString mine = m_dir.filePath(QStringLiteral("mine.db"));
    QStringList args { "sweep", m_original, "--db", shared, "--into", mine, "--grid", "seed=0,1", "--set", "epochs=1",
        "--wait" };
    const Outcome o = runReprise(args, m_dir.path());
    QCOMPARE(o.exitCode, 1);
    QVERIFY2(o.out.contains("UNTRUSTED"), qPrintable(o.out));
    QVERIFY2(o.out.contains("PYTHONPATH") && o.out.contains("NOT applied"), qPrintable(o.out));
    QVERIFY2(o.err.contains("not confirmed") && o.err.contains("--yes"), qPrintable(o.err));
    QVERIFY(!QFileInfo::exists(mine));

    // Confirmed: recorded in the user's database, the original named in tags (it is in another file).
    const Outcome confirmed = runReprise(args << "--yes"
                                              << "--allow-env"
                                              << "PYTHONPATH",
        m_dir.path());
    QVERIFY2(confirmed.exitCode == 0, qPrintable(confirmed.err + confirmed.out));
    auto store = reprise::RunStore::open(mine, reprise::OpenMode::ReadOnly);
    QVERIFY(store);
    auto table = reprise::loadRunTable(store->database());
    QVERIFY(table);
    QCOMPARE(int(table->rowCount()), 2);
    for (const QString& id : table->uuids) {
        auto run = store->loadRun(id);
        QVERIFY(run);
        QCOMPARE(run->tags.value(QStringLiteral("rerun.parent")), m_original);
        QVERIFY(!run->tags.value(QStringLiteral("sweep.id")).isEmpty());
    }
}

void TestSweep::cancelledMidwayRecordsRunningKilledAndStartsNoMore()
{
    // A command that says it started, then waits: the first member is running when the sweep is cancelled.
    const QString work = m_dir.filePath(QStringLiteral("slow"));
    QVERIFY(QDir().mkpath(work));
    const QString db = m_dir.filePath(QStringLiteral("slow.db"));
    writeFile(work + QStringLiteral("/fast"), {}); // recorded quickly; the members wait
    const Outcome recorded = runReprise(
        { "run", "--db", db, "--param", "x=1", "--", "sh", "-c", "echo $$ >> started; [ -e fast ] || exec sleep 60" },
        work);
    QVERIFY2(recorded.exitCode == 0, qPrintable(recorded.err));
    const QString original = runIdFrom(recorded.err);
    QVERIFY(!original.isEmpty());
    QVERIFY(QFile::remove(work + QStringLiteral("/started")));
    QVERIFY(QFile::remove(work + QStringLiteral("/fast")));

    QProcess sweep;
    sweep.setProcessEnvironment(baseEnvironment());
    sweep.start(QStringLiteral(REPRISE_BIN),
        { "sweep", original, "--db", db, "--grid", "x=1,2,3,4", "--parallel", "1", "--wait", "--json" });
    QVERIFY(sweep.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(work + QStringLiteral("/started")).size() > 0, 30000);
    // The member's run is recorded before its command starts.
    QTRY_COMPARE_WITH_TIMEOUT(rerunsOf(db, original).size(), 1, 10000);
    ::kill(pid_t(sweep.processId()), SIGTERM);
    QVERIFY(sweep.waitForFinished(30000));
    QCOMPARE(sweep.exitCode(), 1);
    const QString err = QString::fromUtf8(sweep.readAllStandardError());
    QVERIFY2(err.contains("cancelled"), qPrintable(err));
    const QJsonObject result = QJsonDocument::fromJson(sweep.readAllStandardOutput()).object();
    QCOMPARE(result[QLatin1String("cancelled")].toBool(), true);
    const QJsonArray members = result[QLatin1String("members")].toArray();
    QCOMPARE(members.size(), 4);
    for (const auto& member : members)
        QCOMPARE(member[QLatin1String("state")].toString(), QStringLiteral("cancelled"));
    QVERIFY(!members[0][QLatin1String("run")].isNull());
    for (int i = 1; i < 4; ++i)
        QVERIFY(members[i][QLatin1String("run")].isNull());

    // The running member is recorded killed; the queued ones never started.
    const QList<reprise::RunRecord> reruns = rerunsOf(db, original);
    QCOMPARE(reruns.size(), 1);
    QCOMPARE(int(reruns.first().status), int(reprise::RunStatus::Killed));
    QCOMPARE(reruns.first().tags.value(QStringLiteral("sweep.index")), QStringLiteral("0"));
    QFile started(work + QStringLiteral("/started"));
    QVERIFY(started.open(QIODevice::ReadOnly));
    QCOMPARE(started.readAll().trimmed().split('\n').size(), 1);
    QVERIFY(databaseIntact(db));
}

void TestSweep::backgroundSweepRecordsUnderThePrintedId()
{
    const QString work = m_dir.filePath(QStringLiteral("quick"));
    QVERIFY(QDir().mkpath(work));
    const QString db = m_dir.filePath(QStringLiteral("quick.db"));
    const Outcome recorded = runReprise({ "run", "--db", db, "--param", "x=1", "--", "sh", "-c", "exit 0" }, work);
    QVERIFY2(recorded.exitCode == 0, qPrintable(recorded.err));
    const QString original = runIdFrom(recorded.err);
    const Outcome o = runReprise({ "sweep", original, "--db", db, "--grid", "x=1,2,3", "--parallel", "3", "--json" });
    QVERIFY2(o.exitCode == 0, qPrintable(o.err));
    const QJsonObject result = jsonOf(o);
    QCOMPARE(result[QLatin1String("status")].toString(), QStringLiteral("started"));
    QVERIFY(result[QLatin1String("pid")].toInteger() > 0);
    const QString id = result[QLatin1String("sweep")][QLatin1String("id")].toString();
    const auto finished = [&] {
        const QList<reprise::RunRecord> members = membersOf(db, id);
        return members.size() == 3 && std::all_of(members.begin(), members.end(), [](const reprise::RunRecord& r) {
            return r.status == reprise::RunStatus::Finished;
        });
    };
    QTRY_VERIFY_WITH_TIMEOUT(finished(), 60000);
    QSet<QString> values;
    for (const reprise::RunRecord& run : membersOf(db, id)) {
        QCOMPARE(run.parentUuid, original);
        values.insert(run.params.value(QStringLiteral("x")).value);
    }
    QCOMPARE(values, (QSet<QString> { "1", "2", "3" }));
}

QTEST_GUILESS_MAIN(TestSweep)
#include "tst_sweep.moc"
