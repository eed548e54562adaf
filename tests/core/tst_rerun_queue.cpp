// The rerun queue's worker when the queue is destroyed (the window closes): the destructor never
// waits for a slow git step, the worker finishes on its own thread, and the database stays
// consistent (a running rerun recorded as killed). Real git repositories, real processes.

#include "../app/cli_process.h"
#include "launch/rerun_draft.h"
#include "launch/rerun_queue.h"
#include "recorded_run.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>
#include <memory>

using namespace reprise;

class TestRerunQueue : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void destroyingInsideASlowGitStepDoesNotWaitForIt();
    void destroyingDuringARunningCommandRecordsItKilled();
    void destroyingAnIdleQueueEndsItsThread();
    void destroyingQueuesWhoseWorkersEndAtOnce();
    void aRerunThatCannotGoBackToItsTeamStoreIsKept();
};

void TestRerunQueue::destroyingInsideASlowGitStepDoesNotWaitForIt()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString repo = dir.filePath(QStringLiteral("repo"));
    QVERIFY(QDir().mkpath(repo));
    git(repo, { "init", "-q" });
    git(repo, { "config", "user.email", "test@example.org" });
    git(repo, { "config", "user.name", "Test" });
    writeFile(repo + QStringLiteral("/job.sh"), "exit 0\n");
    git(repo, { "add", "-A" });
    git(repo, { "commit", "-q", "-m", "job" });
    // The worktree's checkout is the slow git step: git runs this hook inside `git worktree add`.
    // It says it began, waits for the test to release it (30 s at most), then says it ended.
    const QString entered = dir.filePath(QStringLiteral("entered"));
    const QString release = dir.filePath(QStringLiteral("release"));
    const QString done = dir.filePath(QStringLiteral("done"));
    const QString hook = repo + QStringLiteral("/.git/hooks/post-checkout");
    writeFile(hook,
        QStringLiteral("#!/bin/sh\ntouch '%1'\ni=0\nwhile [ ! -e '%2' ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); "
                       "done\ntouch '%3'\n")
            .arg(entered, release, done)
            .toUtf8());
    QVERIFY(QFile::setPermissions(hook, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));

    const QString db = dir.filePath(QStringLiteral("runs.db"));
    const QString original = recordFinishedRun(db, { "sh", "job.sh" }, repo);
    QVERIFY(!original.isEmpty());
    auto store = RunStore::open(db, OpenMode::ReadOnly);
    QVERIFY(store);
    RerunDraft draft = makeRerunDraft(*store->loadRun(original), db);
    draft.mode = CodeMode::AtCommit; // in a temporary worktree: `git worktree add` runs the hook

    const int threadsBefore = RerunQueue::activeWorkerThreads();
    auto queue = std::make_unique<RerunQueue>();
    const int job = queue->enqueue(draft);
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(entered), 20000);
    QCOMPARE(toString(queue->job(job)->state), QStringLiteral("preparing"));

    // The window closes while the worker is inside git: the destructor returns without waiting
    // for git (the hook is still waiting for its release).
    queue.reset();
    QVERIFY2(!QFileInfo::exists(done), "the destructor waited for the git step to finish");

    // The worker finishes the step on its own thread, starts nothing, removes the worktree it
    // made, and its thread ends and is deleted.
    writeFile(release, {});
    QTRY_COMPARE_WITH_TIMEOUT(RerunQueue::activeWorkerThreads(), threadsBefore, 30000);
    QVERIFY(QFileInfo::exists(done));
    const QStringList worktrees
        = gitOutput(repo, { "worktree", "list", "--porcelain" }).split(u'\n').filter(QStringLiteral("worktree "));
    QCOMPARE(worktrees.size(), 1); // the repository itself
    // Nothing ran, nothing is left half-recorded.
    QVERIFY(rerunsOf(db, original).isEmpty());
    QVERIFY(databaseIntact(db));
}

void TestRerunQueue::destroyingDuringARunningCommandRecordsItKilled()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString work = dir.filePath(QStringLiteral("work")); // not a git work tree: runs in place
    QVERIFY(QDir().mkpath(work));
    const QString db = dir.filePath(QStringLiteral("runs.db"));
    const QString original = recordFinishedRun(db, { "sh", "-c", "echo $$ > pid; exec sleep 60" }, work);
    QVERIFY(!original.isEmpty());
    auto store = RunStore::open(db, OpenMode::ReadOnly);
    QVERIFY(store);
    RerunDraft draft = makeRerunDraft(*store->loadRun(original), db);
    draft.mode = CodeMode::InPlace;

    const int threadsBefore = RerunQueue::activeWorkerThreads();
    auto queue = std::make_unique<RerunQueue>();
    const int job = queue->enqueue(draft);
    const QString pidFile = work + QStringLiteral("/pid");
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(pidFile).size() > 0, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(toString(queue->job(job)->state), QStringLiteral("running"), 20000);
    QFile file(pidFile);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const pid_t pid = pid_t(file.readAll().trimmed().toLongLong());
    QVERIFY(pid > 0);

    queue.reset();
    QTRY_COMPARE_WITH_TIMEOUT(RerunQueue::activeWorkerThreads(), threadsBefore, 30000);
    // The command was killed (and reaped), and its run recorded as killed.
    QVERIFY(::kill(pid, 0) != 0);
    const QList<RunRecord> reruns = rerunsOf(db, original);
    QCOMPARE(reruns.size(), 1);
    QCOMPARE(int(reruns.first().status), int(RunStatus::Killed));
    QVERIFY(databaseIntact(db));
}

void TestRerunQueue::aRerunThatCannotGoBackToItsTeamStoreIsKept()
{
    // A rerun of a team store's run whose store is unreachable when it ends: recorded locally, and
    // the message says so with a command that syncs it later (never repeating a password).
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString work = dir.filePath(QStringLiteral("work"));
    QVERIFY(QDir().mkpath(work));
    const QString db = dir.filePath(QStringLiteral("runs.db"));
    const QString original = recordFinishedRun(db, { "sh", "-c", "echo ok" }, work);
    QVERIFY(!original.isEmpty());
    auto store = RunStore::open(db, OpenMode::ReadOnly);
    QVERIFY(store);
    for (const QString& location : { QStringLiteral("host=%1/nowhere dbname=team user=alice").arg(dir.path()),
             QStringLiteral("postgresql://alice:topsecret@/team?host=%1/nowhere").arg(dir.path()) }) {
        RerunDraft draft = makeRerunDraft(*store->loadRun(original), db);
        draft.mode = CodeMode::InPlace;
        draft.syncTo = location;
        draft.sourceLocation = QStringLiteral("alice@team");
        RerunQueue queue;
        const int job = queue.enqueue(draft);
        QTRY_VERIFY_WITH_TIMEOUT(queue.job(job)->isFinal(), 30000);
        const RerunJob* done = queue.job(job);
        QVERIFY2(done->error.contains(
                     QStringLiteral("recorded in %1 but was not synced to the team store alice@team").arg(db)),
            qPrintable(done->error));
        QVERIFY(!done->runId.isEmpty());
        QList<QString> recorded;
        for (const RunRecord& rerun : rerunsOf(db, original))
            recorded << rerun.uuid;
        QVERIFY(recorded.contains(done->runId));
        QVERIFY2(done->hint.startsWith(QStringLiteral("sync it later: reprise sync --db ")), qPrintable(done->hint));
        QVERIFY(
            !done->hint.contains(QStringLiteral("topsecret")) && !done->error.contains(QStringLiteral("topsecret")));
        if (location.startsWith(QLatin1String("host=")))
            QVERIFY2(done->hint.endsWith(QStringLiteral("--to '%1'").arg(location)), qPrintable(done->hint));
    }
    QVERIFY(databaseIntact(db));
}

void TestRerunQueue::destroyingAnIdleQueueEndsItsThread()
{
    const int threadsBefore = RerunQueue::activeWorkerThreads();
    {
        RerunQueue queue;
        QCOMPARE(RerunQueue::activeWorkerThreads(), threadsBefore + 1);
    }
    QTRY_COMPARE_WITH_TIMEOUT(RerunQueue::activeWorkerThreads(), threadsBefore, 10000);
}

void TestRerunQueue::destroyingQueuesWhoseWorkersEndAtOnce()
{
    // An idle worker ends its thread and is deleted there as soon as the destroyed queue asks it to
    // stop, possibly while the destructor still runs: the destructor must not touch the worker
    // after that (ASan found it reading a flag of a deleted worker in a loaded CI run; the race is
    // narrow, so this loop catches a regression only sometimes, under ASan).
    const int threadsBefore = RerunQueue::activeWorkerThreads();
    for (int i = 0; i < 300; ++i)
        RerunQueue queue;
    QTRY_COMPARE_WITH_TIMEOUT(RerunQueue::activeWorkerThreads(), threadsBefore, 30000);
}

QTEST_GUILESS_MAIN(TestRerunQueue)
#include "tst_rerun_queue.moc"
