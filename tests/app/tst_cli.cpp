// The command line end to end: real `reprise` processes, real Python scripts using the client,
// real git repositories and real signals, all in temporary folders.

#include "../widgets/hostile_run.h"
#include "cli_process.h"
#include "store/run_store.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>
#include <sqlite3.h>

namespace {

/// Waits until `process` printed `marker` on stdout.
bool waitForOutput(QProcess& process, const QByteArray& marker, QByteArray& seen)
{
    for (int i = 0; i < 600 && !seen.contains(marker); ++i) {
        process.waitForReadyRead(100);
        seen += process.readAllStandardOutput();
        if (process.state() == QProcess::NotRunning)
            break;
    }
    return seen.contains(marker);
}

const QByteArray kTrainScript = R"(import os, sys, reprise
with reprise.start_run(project="digits", name="from-code", params={"lr": 0.01, "seed": 1}) as run:
    print("lr is", run.params["lr"], "args", sys.argv[1:])
    for i in range(1000):
        run.log_metric("loss", 1.0 / (i + 1), step=i)
    run.log_metric("loss", float("nan"), step=1000)
    run.log_metrics({"acc": 0.9, "f1": 0.8}, step=3)
    with open("clean.csv", "w") as f:
        f.write("a,b\n1,2\n")
    with run.step("prepare", outputs=["clean.csv"]):
        pass
    with run.step("train", inputs=["clean.csv"], outputs=["model.pkl"]):
        open("model.pkl", "w").write("weights")
    run.log_artifact("model.pkl")
    run.log_dataset("train", {"age": [31, 45, None, 27], "city": ["Oslo", "Lima", "Oslo", "Pune"]}, role="train")
    run.set_tag("team", "vision")
    print("to stderr", file=sys.stderr)
)";

/// Logs 500 points, flushes, says "ready", then waits to be killed.
const QByteArray kLongScript = R"(import sys, time, reprise
run = reprise.start_run(project="long", params={"seed": 3})
for i in range(500):
    run.log_metric("loss", 1.0 / (i + 1), step=i)
run.flush()
print("ready", flush=True)
time.sleep(120)
)";

} // namespace

class TestCli : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void screenshotOfAFolderNamedLikeADatabase();
    void recordsAPythonScriptInAGitRepository();
    void exitCodePassesThrough_data();
    void exitCodePassesThrough();
    void commandThatCannotStart_data();
    void commandThatCannotStart();
    void killedRecorderIsMarkedKilledOnNextOpen();
    void terminatedRecorderForwardsTheSignal();
    void killedClientIsMarkedKilledOnNextOpen();
    void badDatabases_data();
    void badDatabases();
    void lockedDatabase();
    void usageErrors_data();
    void usageErrors();
    void listsAndFilters();
    void listShowsLocalStartTimesAcrossClockChanges();
    void hostileTextIsEscapedOnTheTerminal_data();
    void hostileTextIsEscapedOnTheTerminal();
    void hostileTextStaysExactInJson_data();
    void hostileTextStaysExactInJson();
    void demoIsDeterministicAndRealistic();
    void demoBeyond320RunsKeepsItsPoints();
    void printsPipelineDags();
    void profilesCsvFilesAndComparesThem();
    void readersNeverWriteAnEmptyFile_data();
    void readersNeverWriteAnEmptyFile();
    void damagedValuesFailCleanly_data();
    void damagedValuesFailCleanly();
    void unreadablePageFailsCleanly();
};

void TestCli::recordsAPythonScriptInAGitRepository()
{
    QTemporaryDir dir;
    const QString repo = dir.filePath(QStringLiteral("repo"));
    QDir().mkpath(repo);
    git(repo, { "init", "-q", "-b", "main" });
    git(repo, { "config", "user.email", "test@example.com" });
    git(repo, { "config", "user.name", "Test" });
    writeFile(repo + "/train.py", kTrainScript);
    git(repo, { "add", "train.py" });
    git(repo, { "commit", "-q", "-m", "first" });
    const QString commit = gitOutput(repo, { "rev-parse", "HEAD" });
    // An uncommitted change: the patch must be recorded.
    writeFile(repo + "/train.py", kTrainScript + "# tuned by hand\n");

    const QString db = dir.filePath(QStringLiteral("runs.db"));
    QProcessEnvironment env = baseEnvironment();
    env.insert(QStringLiteral("MY_API_TOKEN"), QStringLiteral("s3cr3t"));
    env.insert(QStringLiteral("AWS_SECRET_ACCESS_KEY"), QStringLiteral("s3cr3t"));
    env.insert(QStringLiteral("PYTHONHASHSEED"), QStringLiteral("0"));
    const Outcome o = runReprise({ "run", "--db", db, "--project", "digits", "--param", "lr=0.5", "--", REPRISE_PYTHON,
                                     "train.py", "--epochs", "3" },
        repo, env);
    QVERIFY2(o.exitCode == 0, qPrintable(o.err));
    QVERIFY(o.out.contains(QStringLiteral("lr is 0.5 args ['--epochs', '3']"))); // tee'd to our stdout
    QVERIFY(o.err.contains(QStringLiteral("to stderr")));
    const QString id = runIdFrom(o.err);
    QVERIFY2(!id.isEmpty(), qPrintable(o.err));

    const QJsonObject run = showJson(db, id.left(8));
    QCOMPARE(run["id"].toString(), id);
    QCOMPARE(run["status"].toString(), QStringLiteral("finished"));
    QCOMPARE(run["exit_code"].toInt(), 0);
    QCOMPARE(run["project"].toString(), QStringLiteral("digits"));
    QCOMPARE(run["name"].toString(), QStringLiteral("from-code")); // the code's name beats the guessed one
    const QJsonObject launch = run["launch"].toObject();
    QCOMPARE(launch["argv"].toArray().size(), 4);
    QCOMPARE(launch["argv"].toArray()[1].toString(), QStringLiteral("train.py"));
    QCOMPARE(QDir(launch["cwd"].toString()).canonicalPath(), QDir(repo).canonicalPath());
    const QJsonObject recordedEnv = launch["env"].toObject();
    QCOMPARE(recordedEnv["PYTHONHASHSEED"].toString(), QStringLiteral("0"));
    QVERIFY(!recordedEnv.contains(QStringLiteral("MY_API_TOKEN")));
    QVERIFY(!recordedEnv.contains(QStringLiteral("AWS_SECRET_ACCESS_KEY")));
    QVERIFY(!QJsonDocument(run).toJson().contains("s3cr3t"));
    const QJsonObject gitInfo = run["git"].toObject();
    QCOMPARE(gitInfo["commit"].toString(), commit);
    QCOMPARE(gitInfo["branch"].toString(), QStringLiteral("main"));
    QVERIFY(gitInfo["dirty"].toBool());
    QVERIFY(gitInfo["patch"].toString().contains(QStringLiteral("+# tuned by hand")));
    QVERIFY(!run["user"].toString().isEmpty());
    QVERIFY(!run["host"].toString().isEmpty());
    QVERIFY(run["ended"].toDouble() >= run["started"].toDouble());

    const QJsonObject params = run["params"].toObject();
    QCOMPARE(params["lr"].toDouble(), 0.5); // --param overrides the code's default
    QCOMPARE(params["seed"].toInt(), 1);
    const QJsonObject metrics = run["metrics"].toObject();
    QCOMPARE(metrics["loss"].toObject()["count"].toInt(), 1001);
    QCOMPARE(metrics["loss"].toObject()["value"].toString(), QStringLiteral("nan"));
    QCOMPARE(metrics["acc"].toObject()["value"].toDouble(), 0.9);
    QCOMPARE(run["tags"].toObject()["team"].toString(), QStringLiteral("vision"));
    const QJsonArray steps = run["steps"].toArray();
    QCOMPARE(steps.size(), 2);
    QCOMPARE(steps[1].toObject()["status"].toString(), QStringLiteral("finished"));
    const QString produced = steps[0].toObject()["outputs"].toArray()[0].toObject()["hash"].toString();
    QVERIFY(produced.startsWith(QStringLiteral("sha256:")));
    QCOMPARE(steps[1].toObject()["inputs"].toArray()[0].toObject()["hash"].toString(), produced);
    const QJsonArray datasets = run["datasets"].toArray();
    QCOMPARE(datasets.size(), 1);
    QCOMPARE(datasets[0].toObject()["rows"].toInt(), 4);
    const QJsonArray profiles = datasets[0].toObject()["profiles"].toArray();
    QCOMPARE(profiles[0].toObject()["type"].toString(), QStringLiteral("numeric"));
    QCOMPARE(profiles[0].toObject()["missing"].toInt(), 1);
    QCOMPARE(profiles[1].toObject()["type"].toString(), QStringLiteral("categorical"));
    QString output;
    for (const auto& chunk : run["output"].toArray())
        output += chunk.toObject()["data"].toString();
    QVERIFY(output.contains(QStringLiteral("lr is 0.5")));
    QVERIFY(output.contains(QStringLiteral("to stderr")));

    // The full history, exactly, as CSV.
    const Outcome csv = runReprise({ "metrics", id, "loss", "--db", db, "--csv" });
    QCOMPARE(csv.exitCode, 0);
    const QStringList lines = csv.out.trimmed().split(u'\n');
    QCOMPARE(lines.size(), 1002);
    QCOMPARE(lines[0], QStringLiteral("step,value,time"));
    QVERIFY(lines[1].startsWith(QStringLiteral("0,1,")));
    QVERIFY(lines[1001].startsWith(QStringLiteral("1000,nan,")));
    const Outcome keys = runReprise({ "metrics", id, "--db", db, "--json" });
    QCOMPARE(QJsonDocument::fromJson(keys.out.toUtf8()).array().size(), 3);
}

void TestCli::exitCodePassesThrough_data()
{
    QTest::addColumn<QStringList>("command");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("status");
    QTest::newRow("success") << QStringList { "true" } << 0 << "finished";
    QTest::newRow("exit 3") << QStringList { "sh", "-c", "exit 3" } << 3 << "failed";
    QTest::newRow("python exception") << QStringList { REPRISE_PYTHON, "-c", "raise SystemExit('boom')" } << 1
                                      << "failed";
    QTest::newRow("crash") << QStringList { "sh", "-c", "kill -SEGV $$" } << 128 + SIGSEGV << "failed";
    QTest::newRow("killed by a signal") << QStringList { "sh", "-c", "kill -KILL $$" } << 128 + SIGKILL << "killed";
}

void TestCli::exitCodePassesThrough()
{
    QFETCH(QStringList, command);
    QFETCH(int, exitCode);
    QFETCH(QString, status);
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("runs.db"));
    const Outcome o = runReprise(QStringList { "run", "--db", db, "--" } + command, dir.path());
    QCOMPARE(o.exitCode, exitCode);
    const QJsonObject run = showJson(db, runIdFrom(o.err));
    QCOMPARE(run["status"].toString(), status);
    QCOMPARE(run["exit_code"].toInt(), exitCode);
}

void TestCli::commandThatCannotStart_data()
{
    QTest::addColumn<QString>("program");
    QTest::addColumn<int>("exitCode");
    QTest::newRow("not found") << "no-such-program-for-reprise" << 127;
    QTest::newRow("not executable") << "data.txt" << 126;
}

void TestCli::commandThatCannotStart()
{
    QFETCH(QString, program);
    QFETCH(int, exitCode);
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("data.txt")), "not a program\n");
    const QString db = dir.filePath(QStringLiteral("runs.db"));
    const QString path = program == QLatin1String("data.txt") ? dir.filePath(program) : program;
    const Outcome o = runReprise({ "run", "--db", db, "--", path, "arg" }, dir.path());
    QCOMPARE(o.exitCode, exitCode);
    QVERIFY2(o.err.contains(QStringLiteral("reprise: cannot start '") + path + u'\''), qPrintable(o.err));
    QVERIFY(o.err.contains(QStringLiteral("hint: ")));
    // The attempt is on record as a failed run, with the reason in its output.
    const QJsonObject run = showJson(db, runIdFrom(o.err));
    QCOMPARE(run["status"].toString(), QStringLiteral("failed"));
    QVERIFY(run["output"].toArray()[0].toObject()["data"].toString().contains(QStringLiteral("cannot start")));
}

/// Starts `reprise run` on the long script in `dir` and waits until it has logged its points.
void startLongRecording(QProcess& recorder, const QTemporaryDir& dir, const QString& db)
{
    writeFile(dir.filePath(QStringLiteral("long.py")), kLongScript);
    recorder.setProcessEnvironment(baseEnvironment());
    recorder.setWorkingDirectory(dir.path());
    recorder.start(QStringLiteral(REPRISE_BIN), { "run", "--db", db, "--", REPRISE_PYTHON, "long.py" });
    QByteArray seen;
    QVERIFY2(waitForOutput(recorder, "ready", seen), seen.constData());
}

void TestCli::killedRecorderIsMarkedKilledOnNextOpen()
{
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("runs.db"));
    QProcess recorder;
    startLongRecording(recorder, dir, db);
    if (QTest::currentTestFailed())
        return;
    ::kill(pid_t(recorder.processId()), SIGKILL);
    QVERIFY(recorder.waitForFinished());
    const QString id = runIdFrom(QString::fromUtf8(recorder.readAllStandardError()));
    QVERIFY(!id.isEmpty());
    // The child got SIGTERM from the kernel (parent death) and must be gone soon.
    QJsonObject run;
    for (int i = 0; i < 100; ++i) {
        run = showJson(db, id);
        if (run["status"].toString() != QLatin1String("running"))
            break;
        QTest::qWait(100);
    }
    QCOMPARE(run["status"].toString(), QStringLiteral("killed"));
    QCOMPARE(run["metrics"].toObject()["loss"].toObject()["count"].toInt(), 500);
    QVERIFY(!run["ended"].isNull());
    const Outcome check = runReprise({ "ls", "--db", db, "--filter", "status = killed" });
    QCOMPARE(check.exitCode, 0);
    QVERIFY(check.out.contains(id.left(8)));
}

void TestCli::terminatedRecorderForwardsTheSignal()
{
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("runs.db"));
    QProcess recorder;
    startLongRecording(recorder, dir, db);
    if (QTest::currentTestFailed())
        return;
    recorder.terminate();
    QVERIFY(recorder.waitForFinished(30000));
    QCOMPARE(recorder.exitStatus(), QProcess::NormalExit);
    QCOMPARE(recorder.exitCode(), 128 + SIGTERM);
    const QString id = runIdFrom(QString::fromUtf8(recorder.readAllStandardError()));
    const QJsonObject run = showJson(db, id);
    QCOMPARE(run["status"].toString(), QStringLiteral("killed"));
    QCOMPARE(run["exit_code"].toInt(), 128 + SIGTERM);
    QCOMPARE(run["metrics"].toObject()["loss"].toObject()["count"].toInt(), 500);
    QString output;
    for (const auto& chunk : run["output"].toArray())
        output += chunk.toObject()["data"].toString();
    QVERIFY(output.contains(QStringLiteral("ready")));
}

void TestCli::killedClientIsMarkedKilledOnNextOpen()
{
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("long.py")), kLongScript);
    const QString db = dir.filePath(QStringLiteral("runs.db"));
    QProcess client;
    QProcessEnvironment env = baseEnvironment();
    env.insert(QStringLiteral("REPRISE_DB"), db);
    client.setProcessEnvironment(env);
    client.setWorkingDirectory(dir.path());
    client.start(QStringLiteral(REPRISE_PYTHON), { "long.py" });
    QByteArray seen;
    QVERIFY2(waitForOutput(client, "ready", seen), client.readAllStandardError().constData());
    ::kill(pid_t(client.processId()), SIGKILL);
    QVERIFY(client.waitForFinished());
    const Outcome list = runReprise({ "ls", "--db", db, "--json" });
    QCOMPARE(list.exitCode, 0);
    const QJsonArray runs = QJsonDocument::fromJson(list.out.toUtf8()).array();
    QCOMPARE(runs.size(), 1);
    QCOMPARE(runs[0].toObject()["status"].toString(), QStringLiteral("killed"));
    QCOMPARE(runs[0].toObject()["params"].toObject()["seed"].toString(), QStringLiteral("3"));
    const Outcome csv = runReprise({ "metrics", runs[0].toObject()["id"].toString(), "loss", "--db", db, "--csv" });
    QCOMPARE(csv.out.trimmed().split(u'\n').size(), 501);
    // The database is intact.
    sqlite3* raw = nullptr;
    sqlite3_open(db.toUtf8().constData(), &raw);
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(raw, "PRAGMA integrity_check", -1, &stmt, nullptr);
    QCOMPARE(sqlite3_step(stmt), SQLITE_ROW);
    QCOMPARE(QByteArray(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))), QByteArray("ok"));
    sqlite3_finalize(stmt);
    sqlite3_close(raw);
}

void TestCli::badDatabases_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QStringList>("command");
    QTest::addColumn<QString>("message");
    const QStringList ls { "ls" };
    const QStringList run { "run", "--", "true" };
    QTest::newRow("missing, ls") << "missing" << ls << "no such database";
    QTest::newRow("text file, ls") << "text" << ls << "not a SQLite database";
    QTest::newRow("text file, run") << "text" << run << "not a SQLite database";
    QTest::newRow("truncated, ls") << "truncated" << ls << "damaged";
    QTest::newRow("truncated, run") << "truncated" << run << "damaged";
    QTest::newRow("newer schema, run") << "newer" << run << "newer Reprise";
    QTest::newRow("foreign sqlite, run") << "foreign" << run << "not a Reprise run database";
    QTest::newRow("a folder, ls") << "folder" << ls << "not a file";
}

void TestCli::badDatabases()
{
    QFETCH(QString, kind);
    QFETCH(QStringList, command);
    QFETCH(QString, message);
    QTemporaryDir dir;
    QString db = dir.filePath(QStringLiteral("runs.db"));
    if (kind == QLatin1String("text")) {
        writeFile(db, QByteArray("this is not a database\n").repeated(100));
    } else if (kind == QLatin1String("truncated") || kind == QLatin1String("newer")) {
        QVERIFY(runReprise({ "demo", "--out", db, "--runs", "8" }).exitCode == 0);
        if (kind == QLatin1String("truncated")) {
            QFile f(db);
            QVERIFY(f.resize(f.size() / 3));
        } else {
            sqlite3* raw = nullptr;
            sqlite3_open(db.toUtf8().constData(), &raw);
            sqlite3_exec(raw, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
            sqlite3_close(raw);
        }
    } else if (kind == QLatin1String("foreign")) {
        sqlite3* raw = nullptr;
        sqlite3_open(db.toUtf8().constData(), &raw);
        sqlite3_exec(raw, "CREATE TABLE experiments(id INTEGER)", nullptr, nullptr, nullptr);
        sqlite3_close(raw);
    } else if (kind == QLatin1String("folder")) {
        QDir().mkpath(db);
    }
    const QByteArray before = [&] {
        QFile f(db);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }();
    const Outcome o = runReprise(QStringList { command.first(), "--db", db } + command.mid(1), dir.path());
    QCOMPARE(o.exitCode, 1);
    QVERIFY2(o.err.startsWith(QStringLiteral("reprise: ") + db + QStringLiteral(": ")), qPrintable(o.err));
    QVERIFY2(o.err.contains(message), qPrintable(o.err));
    QVERIFY2(o.err.contains(QStringLiteral("\nhint: ")), qPrintable(o.err));
    QCOMPARE(o.err.count(u'\n'), 2); // one line, one hint: no noise
    const QByteArray after = [&] {
        QFile f(db);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }();
    QCOMPARE(after, before); // nothing written, nothing created
    QCOMPARE(QFileInfo::exists(db), kind != QLatin1String("missing"));
}

void TestCli::lockedDatabase()
{
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("runs.db"));
    QCOMPARE(runReprise({ "run", "--db", db, "--", "true" }).exitCode, 0);
    sqlite3* raw = nullptr;
    sqlite3_open(db.toUtf8().constData(), &raw);
    QCOMPARE(sqlite3_exec(raw, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    QProcessEnvironment env = baseEnvironment();
    env.insert(QStringLiteral("REPRISE_BUSY_TIMEOUT_MS"), QStringLiteral("300"));
    const Outcome o = runReprise({ "run", "--db", db, "--", "true" }, dir.path(), env);
    sqlite3_exec(raw, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(raw);
    QCOMPARE(o.exitCode, 1);
    QVERIFY2(o.err.contains(QStringLiteral("locked by another process")), qPrintable(o.err));
    QVERIFY(o.err.contains(QStringLiteral("hint: ")));
    // Readers are not blocked by a writer (WAL), and the database still has exactly one run.
    const Outcome list = runReprise({ "ls", "--db", db, "--json" });
    QCOMPARE(list.exitCode, 0);
    QCOMPARE(QJsonDocument::fromJson(list.out.toUtf8()).array().size(), 1);
}

void TestCli::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("message");
    QTest::newRow("malformed filter") << QStringList { "ls", "--filter", "lr < and" } << 2
                                      << "expected a value after '<'";
    QTest::newRow("filter caret") << QStringList { "ls", "--filter", "lr 0.1" } << 2 << "\n     ^";
    QTest::newRow("unknown run") << QStringList { "show", "abcdef123456" } << 1 << "no such run";
    QTest::newRow("short id") << QStringList { "show", "abc" } << 1 << "at least 6";
    QTest::newRow("unknown metric") << QStringList { "metrics", "RUN", "nope" } << 1 << "no metric 'nope'";
    QTest::newRow("run without command") << QStringList { "run" } << 2 << "no command given";
    QTest::newRow("bad param") << QStringList { "run", "--param", "lr", "--", "true" } << 2 << "expected k=v";
    QTest::newRow("unknown option") << QStringList { "ls", "--frobnicate" } << 2 << "frobnicate";
    QTest::newRow("unknown command") << QStringList { "frobnicate" } << 2 << "no such command";
    QTest::newRow("demo without out") << QStringList { "demo" } << 2 << "--out PATH is required";
    QTest::newRow("demo over a file") << QStringList { "demo", "--out", "DB" } << 1 << "already exists";
}

void TestCli::usageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QString, message);
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("runs.db"));
    const Outcome first = runReprise({ "run", "--db", db, "--", "true" }, dir.path());
    QCOMPARE(first.exitCode, 0);
    for (QString& a : args) {
        if (a == QLatin1String("RUN"))
            a = runIdFrom(first.err);
        if (a == QLatin1String("DB"))
            a = db;
    }
    if (args.first() != QLatin1String("frobnicate") && args.first() != QLatin1String("demo"))
        args.insert(1, QStringLiteral("--db=") + db);
    const Outcome o = runReprise(args, dir.path());
    QCOMPARE(o.exitCode, exitCode);
    QVERIFY2(o.err.startsWith(QStringLiteral("reprise: ")), qPrintable(o.err));
    QVERIFY2(o.err.contains(message), qPrintable(o.err));
}

void TestCli::listsAndFilters()
{
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("runs.db"));
    for (const char* lr : { "0.1", "0.01", "0.001" })
        QCOMPARE(runReprise({ "run", "--db", db, "--project", "sweep", "--param",
                                QStringLiteral("lr=") + QLatin1String(lr), "--", "true" },
                     dir.path())
                     .exitCode,
            0);
    QCOMPARE(runReprise({ "run", "--db", db, "--project", "other", "--", "false" }, dir.path()).exitCode, 1);
    const Outcome all = runReprise({ "ls", "--db", db, "--json" });
    QCOMPARE(QJsonDocument::fromJson(all.out.toUtf8()).array().size(), 4);
    const Outcome some = runReprise({ "ls", "--db", db, "--json", "--filter", "lr <= 0.01 and status = finished" });
    const QJsonArray runs = QJsonDocument::fromJson(some.out.toUtf8()).array();
    QCOMPARE(runs.size(), 2);
    QCOMPARE(runs[0].toObject()["params"].toObject()["lr"].toString(), QStringLiteral("0.001")); // newest first
    const Outcome project = runReprise({ "ls", "--db", db, "--project", "other" });
    QCOMPARE(project.exitCode, 0);
    QVERIFY(project.out.contains(QStringLiteral("failed")));
    QVERIFY(project.out.contains(QStringLiteral("1 of 4 runs")));
    const Outcome limited = runReprise({ "ls", "--db", db, "--limit", "2" });
    QVERIFY(limited.out.contains(QStringLiteral("2 shown of 4 matching")));
    // The default database comes from $REPRISE_DB.
    QProcessEnvironment env = baseEnvironment();
    env.insert(QStringLiteral("REPRISE_DB"), db);
    const Outcome fromEnv = runReprise({ "ls", "--json" }, dir.path(), env);
    QCOMPARE(QJsonDocument::fromJson(fromEnv.out.toUtf8()).array().size(), 4);

    // `optimize`: a database made here has its indexes by key; one without them (an earlier
    // version's) gets them, and the filter finds the same runs.
    QVERIFY(runReprise({ "optimize", "--db", db }).out.contains(QStringLiteral("already optimized")));
    const Outcome before = runReprise({ "ls", "--db", db, "--filter", "lr <= 0.01 and status = finished" });
    QVERIFY2(before.out.contains(QStringLiteral("2 of 4 runs")), qPrintable(before.out + before.err));
    sqlite3* raw = nullptr;
    QCOMPARE(sqlite3_open(db.toUtf8().constData(), &raw), SQLITE_OK);
    const int dropped = sqlite3_exec(raw, "DROP INDEX params_by_key", nullptr, nullptr, nullptr);
    sqlite3_close(raw);
    QCOMPARE(dropped, SQLITE_OK);
    const Outcome optimized = runReprise({ "optimize", "--db", db });
    QCOMPARE(optimized.exitCode, 0);
    QVERIFY2(optimized.out.contains(QStringLiteral("indexes by key built")), qPrintable(optimized.out + optimized.err));
    QCOMPARE(runReprise({ "ls", "--db", db, "--filter", "lr <= 0.01 and status = finished" }).out, before.out);
    // A database of many runs without them: `ls` says how to get them, on stderr only.
    QCOMPARE(sqlite3_open(db.toUtf8().constData(), &raw), SQLITE_OK);
    QCOMPARE(sqlite3_exec(raw,
                 "DROP INDEX params_by_key; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < "
                 "20000) INSERT INTO runs(id, uuid, project_id, name, status, start_time) SELECT 100 + i, "
                 "printf('%032x', i), (SELECT min(id) FROM projects), 'bulk', 'finished', 0 FROM n",
                 nullptr, nullptr, nullptr),
        SQLITE_OK);
    sqlite3_close(raw);
    const Outcome hinted = runReprise({ "ls", "--db", db, "--filter", "lr <= 0.01 and status = finished" });
    QCOMPARE(hinted.exitCode, 0);
    QVERIFY2(hinted.out.contains(QStringLiteral("2 of 20004 runs")), qPrintable(hinted.out));
    QVERIFY2(hinted.err.contains(QStringLiteral("reprise optimize --db")), qPrintable(hinted.err));
    QVERIFY(!runReprise({ "ls", "--db", db }).err.contains(QStringLiteral("optimize"))); // no param compared
    const Outcome missing = runReprise({ "optimize", "--db", dir.filePath(QStringLiteral("none.db")) });
    QCOMPARE(missing.exitCode, 1);
    QVERIFY(missing.err.contains(QStringLiteral("no such database")));
    QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("none.db"))));
}

void TestCli::listShowsLocalStartTimesAcrossClockChanges()
{
    // `ls` writes many start times at once without asking Qt each time; around the changes of
    // clock in Berlin it must still say what the local clock said.
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("runs.db"));
    const QList<std::pair<QString, QString>> times { // UTC -> local in Berlin
        { "2026-03-29T00:59:59Z", "2026-03-29 01:59:59" }, { "2026-03-29T01:00:00Z", "2026-03-29 03:00:00" },
        { "2026-03-29T01:30:07Z", "2026-03-29 03:30:07" }, { "2026-10-25T00:30:00Z", "2026-10-25 02:30:00" },
        { "2026-10-25T01:30:00Z", "2026-10-25 02:30:00" }, { "2028-02-29T22:59:59Z", "2028-02-29 23:59:59" },
        { "2028-02-29T23:00:00Z", "2028-03-01 00:00:00" }, { "1970-01-02T00:00:00Z", "1970-01-02 01:00:00" }
    };
    {
        auto store = reprise::RunStore::open(db, reprise::OpenMode::Create);
        QVERIFY(store);
        for (const auto& [utc, local] : times) {
            reprise::NewRun run;
            run.name = local;
            run.startTime = double(QDateTime::fromString(utc, Qt::ISODate).toSecsSinceEpoch());
            QVERIFY(store->createRun(run));
        }
    }
    QProcessEnvironment env = baseEnvironment();
    env.insert(QStringLiteral("TZ"), QStringLiteral("Europe/Berlin"));
    // A filter, so that the runs are found by SQLite and printed by the quick path.
    const Outcome list = runReprise({ "ls", "--db", db, "--filter", "started >= 0" }, dir.path(), env);
    QCOMPARE(list.exitCode, 0);
    // Each run is named after the local time expected in its STARTED column.
    int checked = 0;
    for (const QString& line : list.out.split(u'\n')) {
        const QString name = line.mid(39, 19);
        if (std::any_of(times.begin(), times.end(), [&](const auto& t) { return t.second == name; })) {
            QCOMPARE(line.mid(68, 19), name);
            ++checked;
        }
    }
    QCOMPARE(checked, int(times.size()));
}

namespace {

/// Why `text` could not be printed on a terminal as it is, or an empty string: a control byte other
/// than a line break or tab, DEL, a C1 control, or a bidirectional control.
QString terminalProblem(const QString& text)
{
    const QByteArray bytes = text.toUtf8();
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        const auto b = quint8(bytes[i]);
        if ((b < 0x20 && b != '\n' && b != '\t') || b == 0x7F)
            return QStringLiteral("byte 0x%1 at %2").arg(b, 2, 16, QLatin1Char('0')).arg(i);
    }
    for (QChar c : text) {
        const char16_t u = c.unicode();
        if ((u >= 0x80 && u < 0xA0) || (u >= 0x202A && u <= 0x202E) || (u >= 0x2066 && u <= 0x2069) || u == 0x200E
            || u == 0x200F)
            return QStringLiteral("U+%1").arg(uint(u), 4, 16, QLatin1Char('0'));
    }
    return {};
}

} // namespace

void TestCli::hostileTextIsEscapedOnTheTerminal_data()
{
    QTest::addColumn<QStringList>("args"); // FIRST and SECOND stand for the two runs' ids
    QTest::addColumn<QStringList>("shown"); // what stdout must contain
    QTest::addColumn<QString>("shownOnStderr");
    const QString first = QStringLiteral("FIRST"), second = QStringLiteral("SECOND");
    // Columns are cut to their width after escaping: a name's first 27 visible characters and "…".
    QTest::newRow("ls") << QStringList { "ls" }
                        << QStringList { hostile::nameShown().left(27) + QChar(0x2026),
                               hostile::name2Shown().left(27) + QChar(0x2026),
                               hostile::projectShown().left(15) + QChar(0x2026) }
                        << QString();
    QTest::newRow("ls with a param column")
        << QStringList { "ls", "--filter", "lr > 0" } << QStringList { "0.01" } << QString();
    QTest::newRow("show") << QStringList { "show", first }
                          << QStringList { QStringLiteral("name      ") + hostile::nameShown() + u'\n',
                                 QStringLiteral("project   ") + hostile::projectShown() + u'\n',
                                 QStringLiteral("  ") + hostile::paramKeyShown() + QStringLiteral(" = ")
                                     + hostile::paramValueShown() + QStringLiteral("0\n"),
                                 QStringLiteral("  team = ") + hostile::tagValueShown() + u'\n',
                                 QStringLiteral("  ") + hostile::metricKeyShown() + QStringLiteral(" = "),
                                 QStringLiteral("  ") + hostile::stepNameShown() + QStringLiteral(" [finished]"),
                                 QStringLiteral("  \\x1b[2J\\x1b]0;pwned\\x07hello\\u202e\n  second\n"),
                                 QStringLiteral("notes     first line\n") + hostile::nameShown() }
                          << QString();
    QTest::newRow("show the second run") << QStringList { "show", second }
                                         << QStringList { QStringLiteral("name      ") + hostile::name2Shown() + u'\n' }
                                         << QString();
    QTest::newRow("metrics") << QStringList { "metrics", first } << QStringList { hostile::metricKeyShown() + u' ' }
                             << QString();
    QTest::newRow("metrics as CSV") << QStringList { "metrics", first, "--csv" }
                                    << QStringList { u'\n' + hostile::metricKeyShown() + QStringLiteral(",0.8,3,4\n") }
                                    << QString();
    QTest::newRow("a history") << QStringList { "metrics", first, hostile::metricKey() }
                               << QStringList { QStringLiteral("STEP") } << QString();
    QTest::newRow("an unknown key quoted in the error")
        << QStringList { "metrics", first, QStringLiteral("nokey\x1b]0;x\x07") + hostile::rlo() } << QStringList {}
        << QStringLiteral("nokey\\x1b]0;x\\x07\\u202e");
    QTest::newRow("dag") << QStringList { "dag", first }
                         << QStringList { QStringLiteral("<b>prep</b>\\\\x1b[2J\\\\u202epets") } << QString();
    QTest::newRow("drift") << QStringList { "drift", "--reference", first + QStringLiteral(":train"), "--current",
        second }
                           << QStringList { QStringLiteral("reference ") + hostile::nameShown()
                                      + QStringLiteral(":train"),
                                  hostile::featureShown() }
                           << QString();
    QTest::newRow("verify") << QStringList { "verify", first, second }
                            << QStringList { hostile::nameShown(), hostile::name2Shown(), hostile::paramKeyShown() }
                            << QString();
}

void TestCli::hostileTextIsEscapedOnTheTerminal()
{
    QFETCH(QStringList, args);
    QFETCH(QStringList, shown);
    QFETCH(QString, shownOnStderr);
    QTemporaryDir dir;
    const hostile::Database db = hostile::write(dir.filePath(QStringLiteral("hostile.db")));
    QVERIFY(!db.second.isEmpty());
    args.replaceInStrings(QStringLiteral("FIRST"), db.first).replaceInStrings(QStringLiteral("SECOND"), db.second);
    const Outcome o = runReprise(args + QStringList { "--db", db.path }, dir.path());
    QVERIFY2(o.exitCode >= 0 && o.exitCode != 2, qPrintable(o.err));
    // Nothing from the database drives the terminal, on stdout or stderr ...
    QVERIFY2(terminalProblem(o.out).isEmpty(), qPrintable(terminalProblem(o.out) + u'\n' + o.out));
    QVERIFY2(terminalProblem(o.err).isEmpty(), qPrintable(terminalProblem(o.err) + u'\n' + o.err));
    // ... and it is all there, as visible escapes.
    for (const QString& expected : std::as_const(shown))
        QVERIFY2(o.out.contains(expected), qPrintable(expected + QStringLiteral("\n---\n") + o.out));
    QVERIFY2(o.err.contains(shownOnStderr), qPrintable(o.err));
}

void TestCli::hostileTextStaysExactInJson_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::newRow("ls") << QStringList { "ls", "--json" };
    QTest::newRow("show") << QStringList { "show", "FIRST", "--json" };
    QTest::newRow("metrics") << QStringList { "metrics", "FIRST", "--json" };
    QTest::newRow("a history") << QStringList { "metrics", "FIRST", "HOSTILE_KEY", "--json" };
}

void TestCli::hostileTextStaysExactInJson()
{
    QFETCH(QStringList, args);
    QTemporaryDir dir;
    const hostile::Database db = hostile::write(dir.filePath(QStringLiteral("hostile.db")));
    args.replaceInStrings(QStringLiteral("FIRST"), db.first)
        .replaceInStrings(QStringLiteral("HOSTILE_KEY"), hostile::metricKey());
    const Outcome o = runReprise(args + QStringList { "--db", db.path }, dir.path());
    QCOMPARE(o.exitCode, 0);
    // What JSON would leave raw and a terminal could obey or hide (DEL, C1, bidirectional controls)
    // is written as \uXXXX too.
    QVERIFY2(terminalProblem(o.out).isEmpty(), qPrintable(terminalProblem(o.out)));
    // JSON escapes control characters itself (ESC as \u001b): no raw control byte on stdout.
    const QByteArray bytes = o.out.toUtf8();
    for (char b : bytes)
        QVERIFY2(quint8(b) >= 0x20 || b == '\n', qPrintable(QString::number(quint8(b), 16)));
    QVERIFY(o.out.contains(QStringLiteral("\\u001b")));
    // ... and the values read back exactly.
    const QJsonDocument document = QJsonDocument::fromJson(bytes);
    QVERIFY(!document.isNull());
    if (args.first() == QLatin1String("ls")) {
        QStringList names;
        for (const QJsonValue& run : document.array())
            names << run.toObject()[QStringLiteral("name")].toString();
        QVERIFY(names.contains(hostile::name()) && names.contains(hostile::name2()));
    } else if (args.first() == QLatin1String("show")) {
        const QJsonObject run = document.object();
        QCOMPARE(run[QStringLiteral("name")].toString(), hostile::name());
        QCOMPARE(run[QStringLiteral("project")].toString(), hostile::project());
        QCOMPARE(
            run[QStringLiteral("params")].toObject()[hostile::paramKey()].toString(), hostile::paramValue() + u'0');
        QCOMPARE(run[QStringLiteral("tags")].toObject()[QStringLiteral("team")].toString(), hostile::tagValue());
        QVERIFY(o.out.contains(QStringLiteral("\\u202e\\u007f\\u009b")));
        QCOMPARE(run[QStringLiteral("output")].toArray().first().toObject()[QStringLiteral("data")].toString(),
            hostile::output());
    } else if (args.size() == 4) { // one key's history
        QCOMPARE(document.object()[QStringLiteral("key")].toString(), hostile::metricKey());
        QCOMPARE(document.object()[QStringLiteral("values")].toArray().size(), 4);
    } else {
        QStringList keys;
        for (const QJsonValue& metric : document.array())
            keys << metric.toObject()[QStringLiteral("key")].toString();
        QVERIFY(keys.contains(hostile::metricKey()));
    }
}

void TestCli::demoIsDeterministicAndRealistic()
{
    QTemporaryDir dir;
    const QString a = dir.filePath(QStringLiteral("a.db"));
    const QString b = dir.filePath(QStringLiteral("b.db"));
    QCOMPARE(runReprise({ "demo", "--out", a, "--runs", "40", "--seed", "7" }).exitCode, 0);
    QCOMPARE(runReprise({ "demo", "--out", b, "--runs", "40", "--seed", "7" }).exitCode, 0);
    // Same seed, same runs: everything but the growing duration of runs still running.
    auto listing = [&](const QString& db) {
        QJsonArray runs = QJsonDocument::fromJson(runReprise({ "ls", "--db", db, "--json" }).out.toUtf8()).array();
        for (auto&& v : runs) {
            QJsonObject r = v.toObject();
            r.remove(QStringLiteral("duration"));
            v = r;
        }
        return runs;
    };
    const QJsonArray listA = listing(a);
    QCOMPARE(listing(b), listA);
    QCOMPARE(listA.size(), 40);

    const QString full = dir.filePath(QStringLiteral("demo.db"));
    const Outcome made = runReprise({ "demo", "--out", full });
    QCOMPARE(made.exitCode, 0);
    QVERIFY(!QFile::exists(full + QStringLiteral(".partial")));
    const QJsonArray runs = QJsonDocument::fromJson(runReprise({ "ls", "--db", full, "--json" }).out.toUtf8()).array();
    QVERIFY(runs.size() >= 300);
    QSet<QString> projects, statuses;
    int reruns = 0;
    QString longRun;
    for (const auto& v : runs) {
        const QJsonObject r = v.toObject();
        projects << r["project"].toString();
        statuses << r["status"].toString();
        if (r["kind"].toString() == QLatin1String("rerun") && !r["parent"].toString().isEmpty())
            ++reruns;
        if (r["project"].toString() == QLatin1String("cifar-resnet")
            && r["status"].toString() == QLatin1String("finished")
            && r["metrics"].toObject().contains(QStringLiteral("loss")) && longRun.isEmpty()) {
            const QJsonObject detail = showJson(full, r["id"].toString());
            if (detail["metrics"].toObject()["loss"].toObject()["count"].toInt() >= 100000)
                longRun = r["id"].toString();
        }
    }
    QVERIFY(projects.size() >= 4);
    QVERIFY(statuses.contains(QStringLiteral("running")));
    QVERIFY(statuses.contains(QStringLiteral("failed")));
    QVERIFY(statuses.contains(QStringLiteral("killed")));
    QVERIFY(reruns >= 3);
    QVERIFY2(!longRun.isEmpty(), "a 100k-step history");
    // Pipelines with artifacts and datasets with drifting profiles.
    const QJsonArray churn = QJsonDocument::fromJson(
        runReprise({ "ls", "--db", full, "--json", "--project", "churn-forecast" }).out.toUtf8())
                                 .array();
    QVERIFY(!churn.isEmpty());
    const QJsonObject pipeline = showJson(full, churn.last().toObject()["id"].toString());
    QCOMPARE(pipeline["steps"].toArray().size(), 6);
    QVERIFY(pipeline["datasets"].toArray().size() >= 2);
    auto meanCharges = [](const QJsonObject& run) {
        for (const auto& p : run["datasets"].toArray()[1].toObject()["profiles"].toArray()) {
            if (p.toObject()["feature"].toString() == QLatin1String("monthly_charges"))
                return p.toObject()["stats"].toObject()["mean"].toDouble();
        }
        return -1.0;
    };
    const double early = meanCharges(pipeline);
    const double lateMean = meanCharges(showJson(full, churn.first().toObject()["id"].toString()));
    QVERIFY(early > 0);
    QVERIFY2(lateMean > early + 10, "monthly_charges drifts upward over time");
}

void TestCli::demoBeyond320RunsKeepsItsPoints()
{
    // More runs thin each history (same steps, fewer points) so the demo's points stay those of 320
    // runs and its time grows with the runs alone; --history asks for another share.
    QTemporaryDir dir;
    const auto pointsOf = [](const Outcome& made) {
        static const QRegularExpression points(QStringLiteral(R"((\d+) metric points)"));
        return points.match(made.out).captured(1).toLongLong();
    };
    const Outcome base = runReprise({ "demo", "--out", dir.filePath(QStringLiteral("320.db")) });
    QCOMPARE(base.exitCode, 0);
    const QString big = dir.filePath(QStringLiteral("3200.db"));
    const Outcome more = runReprise({ "demo", "--out", big, "--runs", "3200" });
    QCOMPARE(more.exitCode, 0);
    QVERIFY(more.out.contains(QStringLiteral("3200 runs")));
    const qint64 basePoints = pointsOf(base), morePoints = pointsOf(more);
    QVERIFY2(basePoints > 1000000 && morePoints < 2 * basePoints,
        qPrintable(QStringLiteral("%1 vs %2").arg(basePoints).arg(morePoints)));
    // A long cifar history still runs to ~100k steps, one point in ten kept.
    const QJsonArray cifar = QJsonDocument::fromJson(
        runReprise({ "ls", "--db", big, "--json", "--project", "cifar-resnet", "--filter", "status = finished" })
            .out.toUtf8())
                                 .array();
    bool longRun = false;
    for (const auto& v : cifar) {
        const QJsonObject loss = showJson(big, v.toObject()["id"].toString())["metrics"].toObject()["loss"].toObject();
        if (loss["count"].toInt() >= 9000 && loss["step"].toInteger() >= 99000)
            longRun = true;
        if (longRun)
            break;
    }
    QVERIFY2(longRun, "a 100k-step history, thinned");
    const Outcome wrong = runReprise({ "demo", "--out", dir.filePath(QStringLiteral("x.db")), "--history", "1.5" });
    QCOMPARE(wrong.exitCode, 2);
    QVERIFY2(wrong.err.contains(QStringLiteral("--history '1.5'")), qPrintable(wrong.err));
}

void TestCli::printsPipelineDags()
{
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("demo.db"));
    QCOMPARE(runReprise({ "demo", "--out", db, "--runs", "40" }).exitCode, 0);
    const QJsonArray churn = QJsonDocument::fromJson(
        runReprise({ "ls", "--db", db, "--json", "--project", "churn-forecast" }).out.toUtf8())
                                 .array();
    QVERIFY(churn.size() >= 2);
    const QString newer = churn[0].toObject()["id"].toString();
    const QString older = churn[1].toObject()["id"].toString();

    const Outcome dot = runReprise({ "dag", newer, "--db", db });
    QCOMPARE(dot.exitCode, 0);
    QVERIFY(dot.out.startsWith(QStringLiteral("digraph \"churn-forecast/")));
    QVERIFY(dot.out.contains(QStringLiteral("rankdir=LR;")));
    QVERIFY(dot.out.contains(QStringLiteral("\"load\" -> \"validate\" [label=\"data/raw.parquet ")));
    QCOMPARE(dot.out.count(QStringLiteral(" -> ")), 6);
    QVERIFY(dot.out.trimmed().endsWith(u'}'));

    const Outcome json = runReprise({ "dag", newer.left(8), "--db", db, "--format", "json" });
    QCOMPARE(json.exitCode, 0);
    const QJsonObject graph = QJsonDocument::fromJson(json.out.toUtf8()).object();
    QCOMPARE(graph["run"].toString(), newer);
    const QJsonArray nodes = graph["nodes"].toArray();
    QCOMPARE(nodes.size(), 6);
    QCOMPARE(graph["edges"].toArray().size(), 6);
    QMap<QString, int> layer;
    for (const auto& n : nodes) {
        const QJsonObject o = n.toObject();
        layer.insert(o["key"].toString(), o["layer"].toInt());
        QVERIFY(o.contains(QStringLiteral("x")) && o.contains(QStringLiteral("y")));
        QCOMPARE(o["kind"].toString(), QStringLiteral("step"));
    }
    for (const auto& e : graph["edges"].toArray()) {
        const QJsonObject o = e.toObject();
        QVERIFY(layer[o["to"].toString()] > layer[o["from"].toString()]);
        QVERIFY(o["points"].toArray().size() >= 2);
    }
    QCOMPARE(graph["crossings"].toInt(), 0);

    const Outcome artifacts = runReprise({ "dag", newer, "--db", db, "--format", "json", "--artifacts" });
    QVERIFY(QJsonDocument::fromJson(artifacts.out.toUtf8()).object()["nodes"].toArray().size() > 6);

    const Outcome diff = runReprise({ "dag", newer, "--db", db, "--format", "json", "--diff", older });
    QCOMPARE(diff.exitCode, 0);
    const QJsonObject diffGraph = QJsonDocument::fromJson(diff.out.toUtf8()).object();
    // Every demo run reads fresh raw data: the runs part at the first step.
    QCOMPARE(diffGraph["first_divergence"].toString(), QStringLiteral("load"));
    for (const auto& n : diffGraph["nodes"].toArray())
        QVERIFY(!n.toObject()["change"].toString().isEmpty());

    // Bad input: a run without steps, an unknown format.
    const QJsonArray digits = QJsonDocument::fromJson(
        runReprise({ "ls", "--db", db, "--json", "--project", "digits", "--limit", "1" }).out.toUtf8())
                                  .array();
    const Outcome none = runReprise({ "dag", digits[0].toObject()["id"].toString(), "--db", db });
    QCOMPARE(none.exitCode, 1);
    QVERIFY(none.err.contains(QStringLiteral("no pipeline steps recorded")));
    QVERIFY(none.err.contains(QStringLiteral("hint: ")));
    QCOMPARE(runReprise({ "dag", newer, "--db", db, "--format", "svg" }).exitCode, 2);
}

void TestCli::profilesCsvFilesAndComparesThem()
{
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("runs.db"));
    const Outcome made = runReprise({ "run", "--db", db, "--", "true" }, dir.path());
    const QString run = runIdFrom(made.err);
    QByteArray reference = "age,city,note\n", current = "age,city,note\n";
    for (int i = 0; i < 400; ++i) {
        reference += QByteArray::number(20 + i % 40) + (i % 3 ? ",Oslo," : ",Lima,") + "\"a, quoted\"\n";
        current += QByteArray::number(35 + i % 40) + (i % 2 ? ",Oslo," : ",Pune,") + (i % 7 ? "x" : "") + "\n";
    }
    writeFile(dir.filePath(QStringLiteral("reference.csv")), reference);
    writeFile(dir.filePath(QStringLiteral("current.csv")), current);
    for (const char* name : { "reference", "current" }) {
        const Outcome o = runReprise({ "profile", dir.filePath(QString::fromLatin1(name) + QStringLiteral(".csv")),
            "--db", db, "--run", run.left(8), "--role", QString::fromLatin1(name) });
        QCOMPARE(o.exitCode, 0);
        QVERIFY(o.out.contains(QStringLiteral("(400 rows, 3 features)")));
    }
    const QJsonObject shown = showJson(db, run);
    const QJsonArray datasets = shown["datasets"].toArray();
    QCOMPARE(datasets.size(), 2);
    QVERIFY(datasets[0].toObject()["hash"].toString().startsWith(QStringLiteral("sha256:")));
    QCOMPARE(datasets[0].toObject()["profiles"].toArray()[0].toObject()["type"].toString(), QStringLiteral("numeric"));

    const Outcome drift = runReprise({ "drift", "--db", db, "--reference", run + QStringLiteral(":reference"),
        "--current", run + QStringLiteral(":current"), "--json" });
    QCOMPARE(drift.exitCode, 0);
    const QJsonObject report = QJsonDocument::fromJson(drift.out.toUtf8()).object();
    const QJsonArray features = report["datasets"].toArray()[0].toObject()["features"].toArray();
    QCOMPARE(features.size(), 3);
    QMap<QString, QJsonObject> byName;
    for (const auto& f : features)
        byName.insert(f.toObject()["feature"].toString(), f.toObject());
    QCOMPARE(byName["age"]["test"].toString(), QStringLiteral("ks")); // 400 reference rows
    QVERIFY(byName["age"]["drifted"].toBool());
    QCOMPARE(byName["city"]["test"].toString(), QStringLiteral("z")); // the reference has two cities
    QVERIFY(byName["city"]["drifted"].toBool());
    QVERIFY(report["datasets"].toArray()[0].toObject()["drifted"].toBool());
    const Outcome text = runReprise({ "drift", "--db", db, "--reference", run + QStringLiteral(":reference"),
        "--current", run + QStringLiteral(":current"), "--test", "age=wasserstein" });
    QVERIFY(text.out.contains(QStringLiteral("wasserstein")));
    QVERIFY(text.out.contains(QStringLiteral("DATASET DRIFT")));

    // Ragged rows: refused with the line, nothing recorded.
    writeFile(dir.filePath(QStringLiteral("ragged.csv")), "a,b\n1,2\n3,4,5\n");
    const Outcome ragged
        = runReprise({ "profile", dir.filePath(QStringLiteral("ragged.csv")), "--db", db, "--run", run });
    QCOMPARE(ragged.exitCode, 1);
    QVERIFY2(
        ragged.err.contains(QStringLiteral("ragged.csv:3: 3 fields, but the header has 2")), qPrintable(ragged.err));
    QCOMPARE(showJson(db, run)["datasets"].toArray().size(), 2);
    // Bytes that are not UTF-8: said, and replaced.
    writeFile(dir.filePath(QStringLiteral("latin1.csv")), "city\nM\xfcnchen\nOslo\n");
    const Outcome latin1
        = runReprise({ "profile", dir.filePath(QStringLiteral("latin1.csv")), "--db", db, "--run", run });
    QCOMPARE(latin1.exitCode, 0);
    QVERIFY(latin1.err.contains(QStringLiteral("not valid UTF-8")));
    // A dataset that is not there.
    const Outcome missing
        = runReprise({ "drift", "--db", db, "--reference", run + QStringLiteral(":nope"), "--current", run });
    QCOMPARE(missing.exitCode, 1);
    QVERIFY(missing.err.contains(QStringLiteral("no dataset 'nope'")));
    QVERIFY(missing.err.contains(QStringLiteral("its datasets: reference, current")));
    QCOMPARE(runReprise({ "drift", "--db", db, "--reference", run }).exitCode, 2);
}

namespace {

/// The first row of `sql` on the database at `path` (a raw connection, closed again), as text.
QStringList rawRow(const QString& path, const char* sql)
{
    sqlite3* raw = nullptr;
    sqlite3_open_v2(path.toUtf8().constData(), &raw, SQLITE_OPEN_READWRITE, nullptr);
    sqlite3_stmt* stmt = nullptr;
    QStringList row;
    if (sqlite3_prepare_v2(raw, sql, -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(stmt); ++c)
            row << QString::fromUtf8(reinterpret_cast<const char*>(sqlite3_column_text(stmt, c)));
    }
    sqlite3_finalize(stmt);
    sqlite3_close(raw);
    return row;
}

} // namespace

void TestCli::readersNeverWriteAnEmptyFile_data()
{
    QTest::addColumn<QStringList>("command");
    QTest::newRow("ls") << QStringList { "ls" };
    QTest::newRow("ls --json") << QStringList { "ls", "--json" };
    QTest::newRow("show") << QStringList { "show", "abcdef" };
    QTest::newRow("metrics") << QStringList { "metrics", "abcdef", "loss" };
    QTest::newRow("dag") << QStringList { "dag", "abcdef" };
}

void TestCli::readersNeverWriteAnEmptyFile()
{
    QFETCH(QStringList, command);
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("empty.db"));
    writeFile(db, QByteArray());
    const Outcome o = runReprise(QStringList { command.first(), "--db", db } + command.mid(1), dir.path());
    QCOMPARE(o.exitCode, 1);
    QVERIFY2(o.err.startsWith(QStringLiteral("reprise: ") + db + QStringLiteral(": an empty file, not a run database")),
        qPrintable(o.err));
    QVERIFY(o.err.contains(QStringLiteral("\nhint: ")));
    QCOMPARE(QFileInfo(db).size(), 0); // no schema written into it
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList { QStringLiteral("empty.db") });
}

void TestCli::damagedValuesFailCleanly_data()
{
    QTest::addColumn<QByteArray>("damage");
    QTest::addColumn<QString>("command");
    QTest::addColumn<QString>("message");
    const QByteArray packed2e61 = "UPDATE metric_packed SET count = 2305843009213693952, steps = x'', vals = x'', "
                                  "times = x'' WHERE run_id = %RUN AND key_id = %KEY";
    const QByteArray latest2e40
        = "UPDATE metric_latest SET count = 1099511627776 WHERE run_id = %RUN AND key_id = %KEY";
    QTest::newRow("packed count 2^61, empty blobs: metrics")
        << packed2e61 << "metrics"
        << "the stored history of %KEYNAME is damaged (count 2305843009213693952 does not match its 0-byte blob";
    QTest::newRow("packed count 2^61, empty blobs: metrics --json") << packed2e61 << "metrics --json"
                                                                    << "the stored history of %KEYNAME is damaged";
    QTest::newRow("latest count 2^40: metrics")
        << latest2e40 << "metrics"
        << "the stored history of %KEYNAME is damaged (count 1099511627776 in a";
    QTest::newRow("latest count 2^40: metrics --csv") << latest2e40 << "metrics --csv"
                                                      << "the stored history of %KEYNAME is damaged";
    QTest::newRow("profile count negative: show") << QByteArray(
        "UPDATE feature_profiles SET count = -5 WHERE dataset_id IN (SELECT id FROM datasets WHERE run_id "
        "= %RUN)") << "show"
                                                  << "is damaged (-5 values";
}

void TestCli::damagedValuesFailCleanly()
{
    QFETCH(QByteArray, damage);
    QFETCH(QString, command);
    QFETCH(QString, message);
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("runs.db"));
    QCOMPARE(runReprise({ "demo", "--out", db, "--runs", "8" }).exitCode, 0);
    // A run with a packed history and datasets.
    const QStringList target = rawRow(db,
        "SELECT r.id, r.uuid, k.id, k.name FROM metric_packed p JOIN runs r ON r.id = p.run_id JOIN metric_keys k ON "
        "k.id = p.key_id WHERE r.id IN (SELECT run_id FROM datasets) ORDER BY r.id, k.name LIMIT 1");
    QCOMPARE(target.size(), 4);
    damage.replace("%RUN", target[0].toUtf8()).replace("%KEY", target[2].toUtf8());
    sqlite3* raw = nullptr;
    sqlite3_open(db.toUtf8().constData(), &raw);
    QCOMPARE(sqlite3_exec(raw, damage.constData(), nullptr, nullptr, nullptr), SQLITE_OK);
    QVERIFY(sqlite3_changes(raw) >= 1);
    sqlite3_close(raw);
    QStringList args = command.split(u' ');
    args.insert(1, target[1]);
    if (args.first() == QLatin1String("metrics"))
        args.insert(2, target[3]);
    const Outcome o = runReprise(args + QStringList { "--db", db }, dir.path());
    QCOMPARE(o.exitCode, 1); // not 134: nothing aborts
    message.replace(QStringLiteral("%KEYNAME"), target[3]);
    QVERIFY2(o.err.startsWith(QStringLiteral("reprise: ") + db + QStringLiteral(": run ") + target[1] + u':'),
        qPrintable(o.err));
    QVERIFY2(o.err.contains(message), qPrintable(o.err));
    QVERIFY2(o.err.contains(QStringLiteral("\nhint: restore the database from a backup")), qPrintable(o.err));
    QCOMPARE(o.err.count(u'\n'), 2);
    QVERIFY(o.out.isEmpty());
}

void TestCli::unreadablePageFailsCleanly()
{
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("runs.db"));
    QCOMPARE(runReprise({ "demo", "--out", db, "--runs", "8" }).exitCode, 0);
    // The run whose params come last in the params table, and the last page of that table.
    const QString run = rawRow(db, "SELECT uuid FROM runs WHERE id = (SELECT max(run_id) FROM params)").value(0);
    const qint64 page = rawRow(db,
        "SELECT max(pageno) FROM dbstat WHERE name = 'params' AND pagetype = 'leaf' AND path = (SELECT "
        "max(path) FROM dbstat WHERE name = 'params' AND pagetype = 'leaf')")
                            .value(0)
                            .toLongLong();
    if (page <= 0)
        QSKIP("this SQLite has no dbstat table to find the pages of a table");
    const qint64 pageSize = rawRow(db, "PRAGMA page_size").value(0).toLongLong();
    QVERIFY(!QFileInfo::exists(db + QStringLiteral("-wal")));
    {
        QFile f(db); // no connection of this process has the file open now
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.seek((page - 1) * pageSize));
        f.write(QByteArray(int(pageSize), '\xa5'));
    }
    const Outcome o = runReprise({ "show", run, "--db", db, "--json" }, dir.path());
    QCOMPARE(o.exitCode, 1);
    QVERIFY2(o.err.startsWith(QStringLiteral("reprise: ") + db + QStringLiteral(": the database is damaged")),
        qPrintable(o.err));
    QVERIFY(o.out.isEmpty()); // not a run with some of its params missing
}

void TestCli::screenshotOfAFolderNamedLikeADatabase()
{
    // A folder named x.db is neither a database nor another tracker's data: the window says so and
    // is done loading (it used to wait for a load that never came, until the 60 s limit).
    QTemporaryDir dir;
    QVERIFY(QDir().mkpath(dir.filePath(QStringLiteral("x.db"))));
    const QString png = dir.filePath(QStringLiteral("s.png"));
    const Outcome o = runReprise({ "--db", dir.filePath(QStringLiteral("x.db")), "--screenshot", png }, dir.path());
    QVERIFY2(o.exitCode == 0, qPrintable(o.err));
    QVERIFY2(!o.err.contains(QStringLiteral("did not finish loading")), qPrintable(o.err));
    QVERIFY(QFileInfo(png).size() > 0);
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
