// Reruns end to end: the digits example (real scikit-learn training through the Python client) in a
// real git repository, recorded by `reprise run`, rerun at its old commit in a worktree, verified;
// then each way a rerun can be impossible, with its message.

#include "cli_process.h"
#include "example_repository.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>
#include <sqlite3.h>
#include <unistd.h>

namespace {

void sql(const QString& db, const QByteArray& statement)
{
    sqlite3* handle = nullptr;
    QCOMPARE(sqlite3_open(QFile::encodeName(db).constData(), &handle), SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(handle, statement.constData(), nullptr, nullptr, &error);
    const QString message = QString::fromUtf8(error ? error : "");
    sqlite3_free(error);
    sqlite3_close(handle);
    QVERIFY2(rc == SQLITE_OK, qPrintable(message));
}

/// The first column of the first row of a query, as text.
QString scalar(const QString& db, const QByteArray& query)
{
    sqlite3* handle = nullptr;
    sqlite3_open_v2(QFile::encodeName(db).constData(), &handle, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* statement = nullptr;
    QString out;
    if (sqlite3_prepare_v2(handle, query.constData(), -1, &statement, nullptr) == SQLITE_OK
        && sqlite3_step(statement) == SQLITE_ROW)
        out = QString::fromUtf8(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0)));
    sqlite3_finalize(statement);
    sqlite3_close(handle);
    return out;
}

QJsonObject jsonOf(const Outcome& o) { return QJsonDocument::fromJson(o.out.toUtf8()).object(); }

} // namespace

class TestRerun : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void rerunsTheOldCommitInAWorktreeAndReproduces();
    void paramEditDivergesAtTheRightStep();
    void inPlaceRunsTheNewCodeAndSaysWhereItParts();
    void backgroundRerunRecordsUnderThePrintedId();
    void dryRunShowsEverythingAndRunsNothing();
    void workingDirThatNoLongerExists();
    void commitMissingFromTheRepository();
    void patchThatNoLongerApplies();
    void programNotInstalled();
    void runWithoutLaunchSpec();
    void untrustedSourceNeedsConfirmation();
    void untrustedSourceShowsThePatchAndHoldsBackLoaderVariables();
    void recordedCommitThatIsNotACommitId();
    void verifyIncomparableAndUsage();

private:
    QTemporaryDir m_dir;
    QString m_repo;
    QString m_db;
    QString m_original; ///< the example recorded at the first commit
    QString m_firstCommit;
};

void TestRerun::initTestCase()
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
    QVERIFY(gitOutput(m_repo, { "rev-parse", "HEAD" }) != m_firstCommit);
}

void TestRerun::rerunsTheOldCommitInAWorktreeAndReproduces()
{
    const Outcome o = runReprise({ "rerun", m_original.left(8), "--db", m_db, "--wait", "--json" }, m_dir.path());
    QVERIFY2(o.exitCode == 0, qPrintable(o.err + o.out));
    const QJsonObject result = jsonOf(o);
    QCOMPARE(result[QLatin1String("draft")][QLatin1String("worktree")].toBool(), true);
    const QJsonObject report = result[QLatin1String("report")].toObject();
    QCOMPARE(report[QLatin1String("verdict")].toString(), QStringLiteral("reproduced"));
    QCOMPARE(report[QLatin1String("exact")].toBool(), true);
    QCOMPARE(report[QLatin1String("metrics")].toArray().size(), 7);
    for (const auto& m : report[QLatin1String("metrics")].toArray())
        QCOMPARE(m[QLatin1String("state")].toString(), QStringLiteral("identical"));
    // The pipeline's files are bit-identical, and called so.
    int identical = 0;
    for (const auto& a : report[QLatin1String("artifacts")].toArray())
        identical += a[QLatin1String("bit_identical")].toBool() ? 1 : 0;
    QCOMPARE(identical, report[QLatin1String("artifacts")].toArray().size());
    QVERIFY(identical >= 10);

    // The new run: a rerun of the original, at the old commit, run in a worktree that is gone now.
    const QString rerun = result[QLatin1String("run")].toString();
    const QJsonObject shown = showJson(m_db, rerun);
    QCOMPARE(shown[QLatin1String("kind")].toString(), QStringLiteral("rerun"));
    // The example's start_run(project="digits") moved the recorded run there; the rerun followed it.
    QCOMPARE(shown[QLatin1String("project")].toString(), QStringLiteral("digits"));
    QCOMPARE(shown[QLatin1String("parent")].toString(), m_original);
    QCOMPARE(shown[QLatin1String("git")][QLatin1String("commit")].toString(), m_firstCommit);
    QCOMPARE(shown[QLatin1String("git")][QLatin1String("root")].toString(), m_repo);
    QCOMPARE(shown[QLatin1String("launch")][QLatin1String("cwd")].toString(), m_repo);
    // The Python client recorded the runtime: the interpreter and scikit-learn's version.
    QVERIFY(!shown[QLatin1String("runtime")][QLatin1String("python")].toString().isEmpty());
    QVERIFY(!shown[QLatin1String("packages")][QLatin1String("scikit-learn")].toString().isEmpty());
    QCOMPARE(shown[QLatin1String("tags")][QLatin1String("rerun.mode")].toString(), QStringLiteral("worktree"));
    const QString worktree = shown[QLatin1String("tags")][QLatin1String("rerun.worktree")].toString();
    QVERIFY(worktree.startsWith(QDir::tempPath()));
    QVERIFY(!QFileInfo::exists(worktree));
    QCOMPARE(gitOutput(m_repo, { "worktree", "list" }).count(u'\n'), 0); // the main work tree only
    // The original repository's working tree was not touched.
    QVERIFY(gitOutput(m_repo, { "status", "--porcelain" }).isEmpty());
}

void TestRerun::paramEditDivergesAtTheRightStep()
{
    const Outcome o = runReprise(
        { "rerun", m_original, "--db", m_db, "--wait", "--json", "--set", "lr_drop_epoch=5" }, m_dir.path());
    QVERIFY2(o.exitCode == 3, qPrintable(o.err + o.out));
    const QJsonObject result = jsonOf(o);
    QCOMPARE(result[QLatin1String("draft")][QLatin1String("edited")].toArray().first().toString(),
        QStringLiteral("lr_drop_epoch"));
    const QJsonObject report = result[QLatin1String("report")].toObject();
    QCOMPARE(report[QLatin1String("verdict")].toString(), QStringLiteral("diverged"));
    // The rate is first cut at epoch 5 instead of 12: every epoch metric parts there, "lr" first by name.
    QCOMPARE(report[QLatin1String("first_divergence")][QLatin1String("step")].toInt(), 5);
    QCOMPARE(report[QLatin1String("first_divergence")][QLatin1String("metric")].toString(), QStringLiteral("lr"));
    for (const auto& m : report[QLatin1String("metrics")].toArray()) {
        if (m[QLatin1String("key")].toString().startsWith(QLatin1String("test/")))
            continue; // logged once, after training
        QCOMPARE(m[QLatin1String("state")].toString(), QStringLiteral("diverged"));
        QCOMPARE(m[QLatin1String("first_step")].toInt(), 5);
    }
    bool paramDifference = false;
    for (const auto& d : report[QLatin1String("differences")].toArray())
        paramDifference |= d[QLatin1String("area")] == QStringLiteral("params")
            && d[QLatin1String("name")] == QStringLiteral("lr_drop_epoch")
            && d[QLatin1String("a")] == QStringLiteral("12") && d[QLatin1String("b")] == QStringLiteral("5");
    QVERIFY(paramDifference);

    // The edited param reached the program through run.params and was recorded.
    // (with the recorded types: a float stays a float)
    const QByteArray run = result[QLatin1String("run")].toString().toLatin1();
    QCOMPARE(scalar(m_db,
                 "SELECT value || ':' || vtype FROM params WHERE key = 'lr_drop_epoch' AND run_id = "
                 "(SELECT id FROM runs WHERE uuid = '"
                     + run + "')"),
        QStringLiteral("5:int"));
    QCOMPARE(scalar(m_db,
                 "SELECT value || ':' || vtype FROM params WHERE key = 'lr_drop_factor' AND run_id = "
                 "(SELECT id FROM runs WHERE uuid = '"
                     + run + "')"),
        QStringLiteral("10.0:float"));
}

void TestRerun::inPlaceRunsTheNewCodeAndSaysWhereItParts()
{
    const Outcome o = runReprise({ "rerun", m_original, "--db", m_db, "--wait", "--in-place" }, m_dir.path());
    QVERIFY2(o.exitCode == 3, qPrintable(o.err + o.out));
    QVERIFY(o.out.contains(QStringLiteral("runs in place, in the current tree")));
    // The new code cuts the rate by 20 instead of 10 from epoch 12.
    QVERIFY2(o.out.contains(QStringLiteral("Verdict: DIVERGED — 'lr' parts first, at step 12.")), qPrintable(o.out));
    QVERIFY(o.out.contains(QStringLiteral("code         commit")));
}

void TestRerun::backgroundRerunRecordsUnderThePrintedId()
{
    const Outcome o = runReprise({ "rerun", m_original, "--db", m_db, "--json" }, m_dir.path());
    QVERIFY2(o.exitCode == 0, qPrintable(o.err));
    const QString id = jsonOf(o)[QLatin1String("run")].toString();
    QCOMPARE(id.size(), 32);
    QString status;
    for (int i = 0; i < 1200 && status != QLatin1String("finished"); ++i) {
        QTest::qWait(100);
        const Outcome shown = runReprise({ "show", id, "--db", m_db, "--json" });
        status = shown.exitCode == 0 ? jsonOf(shown)[QLatin1String("status")].toString() : QString();
    }
    QCOMPARE(status, QStringLiteral("finished"));
    const Outcome verify = runReprise({ "verify", m_original, id, "--db", m_db });
    QCOMPARE(verify.exitCode, 0);
    QVERIFY(verify.out.contains(QStringLiteral("Verdict: REPRODUCED")));
}

void TestRerun::dryRunShowsEverythingAndRunsNothing()
{
    const QString before = scalar(m_db, "SELECT count(*) FROM runs");
    const Outcome o = runReprise({ "rerun", m_original, "--db", m_db, "--dry-run", "--set", "seed=7" }, m_dir.path());
    QCOMPARE(o.exitCode, 0);
    QVERIFY(o.out.contains(QStringLiteral("command:      ") + REPRISE_PYTHON + QStringLiteral(" train.py")));
    QVERIFY(o.out.contains(QStringLiteral("working dir:  ") + m_repo));
    QVERIFY(o.out.contains(QStringLiteral("runs commit ") + m_firstCommit.left(10)));
    QVERIFY(o.out.contains(QStringLiteral("param:        seed=7   (edited; recorded 0)")));
    QVERIFY(o.out.contains(QStringLiteral("PYTHONPATH=") + REPRISE_CLIENT_DIR + QStringLiteral("   <- changes")));
    QCOMPARE(scalar(m_db, "SELECT count(*) FROM runs"), before);
    // A malformed edit is a usage error.
    QCOMPARE(runReprise({ "rerun", m_original, "--db", m_db, "--dry-run", "--set", "seed" }).exitCode, 2);
}

void TestRerun::workingDirThatNoLongerExists()
{
    const QString gone = m_dir.filePath(QStringLiteral("gone"));
    QVERIFY(QDir().mkpath(gone));
    const Outcome recorded = runReprise({ "run", "--db", m_db, "--", REPRISE_PYTHON, "-c", "print('hello')" }, gone);
    QCOMPARE(recorded.exitCode, 0);
    const QString id = runIdFrom(recorded.err);
    QVERIFY(QDir(gone).removeRecursively());

    Outcome o = runReprise({ "rerun", id, "--db", m_db, "--wait" }, m_dir.path());
    QCOMPARE(o.exitCode, 1);
    QVERIFY2(o.err.contains(QStringLiteral("working dir '") + gone + QStringLiteral("' no longer exists")),
        qPrintable(o.err));
    QVERIFY(o.err.contains(QStringLiteral("hint: choose a directory to run in (--cwd DIR)")));
    QCOMPARE(
        scalar(m_db,
            "SELECT count(*) FROM runs WHERE parent_id = (SELECT id FROM runs WHERE uuid = '" + id.toLatin1() + "')"),
        QStringLiteral("0"));

    // The way forward works. (The command logs no metric: the verdict is incomparable, exit 4.)
    o = runReprise({ "rerun", id, "--db", m_db, "--wait", "--cwd", m_dir.path() }, m_dir.path());
    QVERIFY2(o.exitCode == 4, qPrintable(o.err));
    QVERIFY(o.out.contains(QStringLiteral("Verdict: INCOMPARABLE — neither run logged a metric.")));
    QVERIFY(o.out.contains(QStringLiteral("hello")));
}

void TestRerun::commitMissingFromTheRepository()
{
    const QString repo = m_dir.filePath(QStringLiteral("rewritten"));
    QVERIFY(QDir().mkpath(repo));
    writeFile(repo + QStringLiteral("/job.py"), "print('version one')\n");
    initRepository(repo);
    commitAll(repo, QStringLiteral("one"));
    const QString lost = gitOutput(repo, { "rev-parse", "HEAD" });
    const Outcome recorded = runReprise({ "run", "--db", m_db, "--", REPRISE_PYTHON, "job.py" }, repo);
    const QString id = runIdFrom(recorded.err);
    // History is rewritten and the old commit garbage-collected.
    writeFile(repo + QStringLiteral("/job.py"), "print('version two')\n");
    git(repo, { "add", "-A" });
    git(repo, { "commit", "-q", "--amend", "-m", "two" });
    git(repo, { "reflog", "expire", "--expire=now", "--all" });
    git(repo, { "gc", "-q", "--prune=now" });
    QVERIFY(gitOutput(repo, { "cat-file", "-t", lost }).isEmpty());

    Outcome o = runReprise({ "rerun", id, "--db", m_db, "--wait" }, m_dir.path());
    QCOMPARE(o.exitCode, 1);
    QVERIFY2(o.err.contains(
                 QStringLiteral("commit ") + lost.left(10) + QStringLiteral(" is not in repository '") + repo + u'\''),
        qPrintable(o.err));
    QVERIFY(o.err.contains(QStringLiteral("hint: fetch it (git fetch --all), or run in place (--in-place)")));

    o = runReprise({ "rerun", id, "--db", m_db, "--wait", "--in-place" }, m_dir.path());
    QVERIFY2(o.exitCode == 4, qPrintable(o.err)); // ran; no metrics to compare
    QVERIFY(o.out.contains(QStringLiteral("version two")));
}

void TestRerun::patchThatNoLongerApplies()
{
    const QString repo = m_dir.filePath(QStringLiteral("patched"));
    QVERIFY(QDir().mkpath(repo));
    writeFile(repo + QStringLiteral("/job.py"), "print('committed')\n");
    initRepository(repo);
    commitAll(repo, QStringLiteral("one"));
    writeFile(repo + QStringLiteral("/job.py"), "print('uncommitted')\n");
    const Outcome recorded = runReprise({ "run", "--db", m_db, "--", REPRISE_PYTHON, "job.py" }, repo);
    const QString id = runIdFrom(recorded.err);
    QVERIFY(recorded.out.contains(QStringLiteral("uncommitted")));

    // The recorded patch is rerun faithfully: the commit with the uncommitted change applied.
    writeFile(repo + QStringLiteral("/job.py"), "print('committed')\n");
    Outcome o = runReprise({ "rerun", id, "--db", m_db, "--wait" }, m_dir.path());
    QVERIFY2(o.exitCode == 4, qPrintable(o.err)); // ran; no metrics to compare
    QVERIFY(o.out.contains(QStringLiteral("with the recorded uncommitted changes applied")));
    QVERIFY(o.out.contains(QStringLiteral("uncommitted\n")));

    // A patch whose context is not in the commit (here: edited in the database) does not apply.
    sql(m_db,
        "UPDATE runs SET git_patch = replace(git_patch, '-print(''committed'')', '-print(''elsewhere'')') "
        "WHERE uuid = '"
            + id.toLatin1() + "'");
    o = runReprise({ "rerun", id, "--db", m_db, "--wait" }, m_dir.path());
    QCOMPARE(o.exitCode, 1);
    QVERIFY2(o.err.contains(QStringLiteral("the recorded uncommitted changes no longer apply to commit ")),
        qPrintable(o.err));
    QVERIFY(o.err.contains(QStringLiteral("hint: run in place (--in-place)")));
    QCOMPARE(gitOutput(repo, { "worktree", "list" }).count(u'\n'), 0);
}

void TestRerun::programNotInstalled()
{
    const Outcome recorded
        = runReprise({ "run", "--db", m_db, "--", "reprise-no-such-trainer", "--epochs", "3" }, m_dir.path());
    QCOMPARE(recorded.exitCode, 127);
    const QString id = runIdFrom(recorded.err);
    const Outcome o = runReprise({ "rerun", id, "--db", m_db, "--wait" }, m_dir.path());
    QCOMPARE(o.exitCode, 1);
    QVERIFY2(o.err.contains(QStringLiteral("program 'reprise-no-such-trainer' is not installed (not found on PATH)")),
        qPrintable(o.err));
    QVERIFY(o.err.contains(QStringLiteral("hint: install it")));
}

void TestRerun::runWithoutLaunchSpec()
{
    const Outcome recorded = runReprise({ "run", "--db", m_db, "--", REPRISE_PYTHON, "-c", "pass" }, m_dir.path());
    const QString id = runIdFrom(recorded.err);
    // What an importer leaves: no command, no working dir.
    sql(m_db, "UPDATE runs SET argv = '[]', cwd = '', kind = 'import' WHERE uuid = '" + id.toLatin1() + "'");
    const Outcome o = runReprise({ "rerun", id, "--db", m_db }, m_dir.path());
    QCOMPARE(o.exitCode, 1);
    QVERIFY2(o.err.contains(QStringLiteral("has no launch spec")), qPrintable(o.err));
    QVERIFY(o.err.contains(QStringLiteral("hint: rerun it by hand and record it with `reprise run -- CMD`")));
}

void TestRerun::untrustedSourceNeedsConfirmation()
{
    // A database that is not the user's own: another owner (as root), or not writable.
    const QString shared = m_dir.filePath(QStringLiteral("shared.db"));
    const Outcome recorded
        = runReprise({ "run", "--db", shared, "--", REPRISE_PYTHON, "-c", "print('ran')" }, m_dir.path());
    const QString id = runIdFrom(recorded.err);
    QVERIFY(!id.isEmpty());
    if (::getuid() == 0)
        QCOMPARE(::chown(QFile::encodeName(shared).constData(), 65534, 65534), 0);
    else
        QVERIFY(QFile::setPermissions(shared, QFileDevice::ReadOwner | QFileDevice::ReadGroup));

    QStringList args { "rerun", id, "--db", shared, "--wait" };
    if (::getuid() != 0)
        args << "--into" << m_db; // a read-only source cannot hold the rerun
    Outcome o = runReprise(args, m_dir.path());
    QCOMPARE(o.exitCode, 1);
    QVERIFY(o.out.contains(QStringLiteral("UNTRUSTED:")));
    QVERIFY2(o.err.contains(QStringLiteral("is untrusted")), qPrintable(o.err));
    QVERIFY(o.err.contains(QStringLiteral("confirm with --yes")));
    QVERIFY(!o.out.contains(QStringLiteral("ran\n")));

    o = runReprise(args << "--yes", m_dir.path());
    QVERIFY2(o.exitCode == 4, qPrintable(o.err)); // ran; no metrics to compare
    QVERIFY(o.out.contains(QStringLiteral("ran\n")));
}

void TestRerun::untrustedSourceShowsThePatchAndHoldsBackLoaderVariables()
{
    // A shared database whose run carries an uncommitted patch and a loader variable: both are code
    // that would run behind a harmless-looking command.
    const QString repo = m_dir.filePath(QStringLiteral("hostile"));
    QVERIFY(QDir().mkpath(repo));
    writeFile(
        repo + QStringLiteral("/job.py"), "import os\nprint('mark=' + os.environ.get('REPRISE_MARK', 'unset'))\n");
    initRepository(repo);
    commitAll(repo, QStringLiteral("one"));
    writeFile(repo + QStringLiteral("/job.py"),
        "import os\nprint('mark=' + os.environ.get('REPRISE_MARK', 'unset'))\nprint('patched \\x1b[2J in')\n");
    const QString shared = m_dir.filePath(QStringLiteral("hostile.db"));
    const Outcome recorded = runReprise({ "run", "--db", shared, "--", REPRISE_PYTHON, "job.py" }, repo);
    const QString id = runIdFrom(recorded.err);
    QVERIFY(!id.isEmpty());
    sql(shared,
        "UPDATE runs SET env = json_set(env, '$.LD_PRELOAD', '/tmp/evil.so', '$.PYTHONSTARTUP', '/tmp/x.py', "
        "'$.REPRISE_MARK', 'plain', '$.TITLE', 'a\x1b]0;pwned\x07"
        "b') WHERE uuid = '"
            + id.toLatin1() + "'");
    if (::getuid() == 0)
        QCOMPARE(::chown(QFile::encodeName(shared).constData(), 65534, 65534), 0);
    else
        QVERIFY(QFile::setPermissions(shared, QFileDevice::ReadOwner | QFileDevice::ReadGroup));
    QStringList args { "rerun", id, "--db", shared, "--dry-run" };
    if (::getuid() != 0)
        args << "--into" << m_db;

    // Without --yes: the whole patch and every override, loader variables marked as not applied.
    Outcome o = runReprise(args, m_dir.path());
    QVERIFY2(o.exitCode == 0, qPrintable(o.err));
    QVERIFY2(o.out.contains(QStringLiteral("patch:        1 file changed, +1 \u22120 lines")), qPrintable(o.out));
    QVERIFY(o.out.contains(QStringLiteral("job.py  +1 \u22120")));
    QVERIFY(o.out.contains(QStringLiteral("----- recorded patch -----")));
    QVERIFY(o.out.contains(QStringLiteral("+print('patched \\x1b[2J in')")));
    QVERIFY(o.out.contains(QStringLiteral("LD_PRELOAD=/tmp/evil.so   <- NOT applied")));
    QVERIFY(o.out.contains(QStringLiteral("PYTHONSTARTUP=/tmp/x.py   <- NOT applied")));
    QVERIFY(o.out.contains(QStringLiteral("TITLE=a\\x1b]0;pwned\\x07b")));
    QVERIFY2(!o.out.contains(QChar(0x1b)) && !o.out.contains(QChar(0x07)), "a control character reached the terminal");
    QVERIFY(o.out.contains(QStringLiteral("REPRISE_MARK=plain\n")));

    // As JSON: what is held back, and the patch with its files.
    o = runReprise(QStringList(args) << "--json"
                                     << "--allow-env"
                                     << "PYTHONSTARTUP",
        m_dir.path());
    const QJsonObject draft = jsonOf(o).value(QStringLiteral("draft")).toObject();
    const QJsonArray heldBack = draft.value(QStringLiteral("environment_held_back")).toArray();
    QVERIFY(heldBack.contains(QStringLiteral("LD_PRELOAD")));
    QVERIFY(!heldBack.contains(QStringLiteral("PYTHONSTARTUP"))); // allowed
    QVERIFY(!heldBack.contains(QStringLiteral("REPRISE_MARK"))); // not a loader variable
    const QJsonObject patch = draft.value(QStringLiteral("patch")).toObject();
    QCOMPARE(patch.value(QStringLiteral("added")).toInt(), 1);
    QCOMPARE(patch.value(QStringLiteral("files")).toArray().first().toObject().value(QStringLiteral("path")).toString(),
        QStringLiteral("job.py"));
    QVERIFY(patch.value(QStringLiteral("text")).toString().contains(QStringLiteral("+print('patched")));

    o = runReprise(QStringList(args) << "--allow-env"
                                     << "NO_SUCH_VARIABLE",
        m_dir.path());
    QCOMPARE(o.exitCode, 2);
    QVERIFY(
        o.err.contains(QStringLiteral("--allow-env NO_SUCH_VARIABLE: the run recorded no such environment override")));
}

void TestRerun::recordedCommitThatIsNotACommitId()
{
    // A commit recorded as a git option must never reach git as one.
    const QString repo = m_dir.filePath(QStringLiteral("options"));
    QVERIFY(QDir().mkpath(repo));
    writeFile(repo + QStringLiteral("/job.py"), "print('ran')\n");
    initRepository(repo);
    commitAll(repo, QStringLiteral("one"));
    const Outcome recorded = runReprise({ "run", "--db", m_db, "--", REPRISE_PYTHON, "job.py" }, repo);
    const QString id = runIdFrom(recorded.err);
    sql(m_db, "UPDATE runs SET git_commit = '--output=/tmp/reprise-owned' WHERE uuid = '" + id.toLatin1() + "'");
    const Outcome o = runReprise({ "rerun", id, "--db", m_db, "--at-commit", "--wait" }, m_dir.path());
    QCOMPARE(o.exitCode, 1);
    QVERIFY2(
        o.err.contains(QStringLiteral("records '--output=/tmp/reprise-owned' as its commit, which is not a commit id")),
        qPrintable(o.err));
    QVERIFY(!QFileInfo::exists(QStringLiteral("/tmp/reprise-owned")));
    QVERIFY(!o.out.contains(QStringLiteral("ran\n")));
}

void TestRerun::verifyIncomparableAndUsage()
{
    const Outcome a = runReprise({ "run", "--db", m_db, "--", REPRISE_PYTHON, "-c", "pass" }, m_dir.path());
    const Outcome o = runReprise({ "verify", m_original, runIdFrom(a.err), "--db", m_db, "--json" });
    QCOMPARE(o.exitCode, 4);
    QCOMPARE(jsonOf(o)[QLatin1String("verdict")].toString(), QStringLiteral("incomparable"));
    QCOMPARE(runReprise({ "verify", m_original, "--db", m_db }).exitCode, 2);
    QCOMPARE(runReprise({ "verify", m_original, m_original, "--db", m_db, "--abs-tol", "x" }).exitCode, 2);
    const Outcome unknown = runReprise({ "verify", m_original, "ffffffffff", "--db", m_db });
    QCOMPARE(unknown.exitCode, 1);
    QVERIFY(unknown.err.contains(QStringLiteral("ffffffffff")));
}

QTEST_GUILESS_MAIN(TestRerun)
#include "tst_rerun.moc"
