// A DVC project's run is dated by the commit of its dvc.lock when the project is a git repository (files
// copied or checked out later have new modification times), else by the lock file's modification time.

#include "import/source_reader.h"
#include "launch/git_info.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace reprise;

namespace {

void writeFile(const QString& path, const QByteArray& bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(bytes);
}

// One stage, in dvc.yaml's and dvc.lock's documented formats.
const char* const kPipeline = "stages:\n  train:\n    cmd: python train.py\n    deps:\n      - data.csv\n"
                              "    outs:\n      - model.pkl\n";

QByteArray lock(const char* modelHash)
{
    return QByteArray("schema: '2.0'\nstages:\n  train:\n    cmd: python train.py\n    deps:\n    - path: data.csv\n"
                      "      md5: 22a1a2931c8370d3aeedd7183606fd7f\n      size: 120\n    outs:\n    - path: model.pkl\n"
                      "      md5: ")
        + modelHash + "\n      size: 1878\n";
}

/// Commits everything in `repo` as of `when` (UTC, ISO 8601).
bool commitAll(const QString& repo, const QString& when)
{
    const QStringList identity { QStringLiteral("-c"), QStringLiteral("user.name=Test"), QStringLiteral("-c"),
        QStringLiteral("user.email=test@example.org") };
    const QStringList dates { QStringLiteral("GIT_AUTHOR_DATE=") + when, QStringLiteral("GIT_COMMITTER_DATE=") + when };
    return runGit(repo, { QStringLiteral("add"), QStringLiteral("-A") }).ok
        && runGit(repo,
            identity + QStringList { QStringLiteral("commit"), QStringLiteral("-q"), QStringLiteral("-m"), when }, {},
            dates)
               .ok;
}

double startOf(const QString& project)
{
    const Result<ImportedSource> read = readDvcProject(project, {});
    if (!read || read->runs.isEmpty())
        return -1;
    return read->runs.first().run.startTime;
}

double secondsOf(const char* iso)
{
    return double(QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODate).toSecsSinceEpoch());
}

void setModified(const QString& path, const char* iso)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadWrite));
    QVERIFY(file.setFileTime(
        QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODate), QFileDevice::FileModificationTime));
}

} // namespace

class TestDvcDates : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void datedByTheLockCommit_data();
    void datedByTheLockCommit();
    void notARepositoryUsesTheFileTime();
};

void TestDvcDates::datedByTheLockCommit_data()
{
    QTest::addColumn<QString>("subfolder");
    QTest::newRow("project at the repository's root") << QString();
    QTest::newRow("project in a folder of the repository") << QStringLiteral("pipelines/churn");
}

void TestDvcDates::datedByTheLockCommit()
{
    QFETCH(QString, subfolder);
    if (!runGit(QDir::tempPath(), { QStringLiteral("--version") }).ok)
        QSKIP("git is not installed");
    QTemporaryDir dir;
    const QString repo = dir.path();
    const QString project = subfolder.isEmpty() ? repo : repo + u'/' + subfolder;
    QVERIFY(runGit(repo, { QStringLiteral("init"), QStringLiteral("-q") }).ok);
    writeFile(project + QStringLiteral("/dvc.yaml"), kPipeline);
    writeFile(project + QStringLiteral("/dvc.lock"), lock("0b1d4ab4e9bf2a4e7b0b3b8dc2b4e1a1"));
    writeFile(repo + QStringLiteral("/README"), "first\n");
    QVERIFY(commitAll(repo, QStringLiteral("2024-01-02T03:04:05Z")));
    // The files were written (and could have been copied or checked out) long after the commit.
    setModified(project + QStringLiteral("/dvc.lock"), "2026-06-01T00:00:00Z");
    QCOMPARE(startOf(project), secondsOf("2024-01-02T03:04:05Z"));

    // A later commit that leaves dvc.lock alone does not move the date; one that changes it does.
    writeFile(repo + QStringLiteral("/README"), "second\n");
    QVERIFY(commitAll(repo, QStringLiteral("2024-01-09T00:00:00Z")));
    QCOMPARE(startOf(project), secondsOf("2024-01-02T03:04:05Z"));
    writeFile(project + QStringLiteral("/dvc.lock"), lock("1c2e5bc5fac04b5f8c4c4c9ed3c5f2b2"));
    QVERIFY(commitAll(repo, QStringLiteral("2024-02-03T10:00:00Z")));
    QCOMPARE(startOf(project), secondsOf("2024-02-03T10:00:00Z"));

    // A lock changed since its commit is a state no commit has: its own modification time.
    writeFile(project + QStringLiteral("/dvc.lock"), lock("9d2e5bc5fac04b5f8c4c4c9ed3c5f2b2"));
    setModified(project + QStringLiteral("/dvc.lock"), "2025-05-05T05:05:05Z");
    QCOMPARE(startOf(project), secondsOf("2025-05-05T05:05:05Z"));
}

void TestDvcDates::notARepositoryUsesTheFileTime()
{
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("dvc.yaml")), kPipeline);
    writeFile(dir.filePath(QStringLiteral("dvc.lock")), lock("0b1d4ab4e9bf2a4e7b0b3b8dc2b4e1a1"));
    setModified(dir.filePath(QStringLiteral("dvc.lock")), "2025-03-04T01:02:03Z");
    QCOMPARE(startOf(dir.path()), secondsOf("2025-03-04T01:02:03Z"));
}

QTEST_GUILESS_MAIN(TestDvcDates)
#include "tst_dvc_dates.moc"
