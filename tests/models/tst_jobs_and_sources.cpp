// The window's background jobs and its open sources, without the window: JobController gives each
// job its own cancel and awaits them all when destroyed; SourceRegistry looks at what a path is on
// a worker and keeps the sources in the order they were opened.
#include "import/source_import.h"
#include "jobs/job_controller.h"
#include "sources/source_registry.h"
#include "store/run_store.h"
#include "store/run_table.h"

#include <QFileInfo>
#include <QSemaphore>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace reprise;

namespace {

const QString kFixtures = QStringLiteral(REPRISE_FIXTURES_DIR);
const QString kMlflowDb = kFixtures + QStringLiteral("/mlflow/mlflow/db_version_7ac759974ad8_with_metrics.sql");

int runCount(const QString& path)
{
    auto store = RunStore::open(path, OpenMode::ReadOnly);
    if (!store)
        return -1;
    auto table = loadRunTable(store->database());
    return table ? int(table->rowCount()) : -1;
}

} // namespace

class TestJobsAndSources : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void twoImportsCancelIndependently();
    void progressArrivesWithoutPolling();
    void destroyingTheControllerStopsAndAwaitsItsJobs();
    void sourcesAreLookedAtOnAWorkerInOrder();
    void anotherTrackersDataIsReadAsAJob();

private:
    QTemporaryDir m_dir;
};

void TestJobsAndSources::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(QFileInfo::exists(kMlflowDb), "fixtures missing: set REPRISE_FIXTURES");
    qputenv("XDG_CACHE_HOME", m_dir.filePath(QStringLiteral("cache")).toUtf8());
}

void TestJobsAndSources::twoImportsCancelIndependently()
{
    // Two imports of the same MLflow database into two databases. Each waits at a gate before it
    // starts, so the first is cancelled before it reads anything, whatever the machine's speed.
    const QString first = m_dir.filePath(QStringLiteral("first.db"));
    const QString second = m_dir.filePath(QStringLiteral("second.db"));
    for (const QString& path : { first, second })
        QVERIFY(RunStore::open(path, OpenMode::Create));
    JobController jobs;
    QSemaphore gate;
    auto importer = [&gate](const QString& target) {
        return [&gate, target](const ReadControl& control) {
            gate.acquire();
            ImportOptions options;
            options.control = control;
            return importSourceInto(kMlflowDb, target, options);
        };
    };
    QSignalSpy allFinished(&jobs, &JobController::allFinished);
    auto one = jobs.start(QStringLiteral("Importing into first"), importer(first));
    const quint64 oneId = jobs.lastStarted();
    auto two = jobs.start(QStringLiteral("Importing into second"), importer(second));
    QCOMPARE(jobs.jobs().size(), 2);
    jobs.cancel(oneId);
    QVERIFY(jobs.jobs().at(0).cancelling);
    QVERIFY(!jobs.jobs().at(1).cancelling);
    gate.release(2);
    one.waitForFinished();
    two.waitForFinished();
    QVERIFY(!one.result());
    QVERIFY2(one.result().error().message.contains(QStringLiteral("cancel")), qPrintable(one.result().error().message));
    QVERIFY2(two.result(), qPrintable(two.result() ? QString() : two.result().error().message));
    QCOMPARE(two.result()->runsAdded, 26);
    QCOMPARE(runCount(second), 26);
    QCOMPARE(runCount(first), 0); // nothing of the cancelled import
    QTRY_COMPARE(allFinished.count(), 1);
    QVERIFY(!jobs.isBusy());
}

void TestJobsAndSources::progressArrivesWithoutPolling()
{
    JobController jobs;
    QSemaphore reported, done;
    auto future = jobs.start(QStringLiteral("Counting"), [&](const ReadControl& control) {
        control.report(0.25);
        reported.release();
        done.acquire();
        control.report(0.75);
        return 7;
    });
    reported.acquire();
    QTRY_COMPARE(jobs.jobs().value(0).progress, 0.25);
    done.release();
    future.waitForFinished();
    QCOMPARE(future.result(), 7);
    QTRY_VERIFY(!jobs.isBusy());
}

void TestJobsAndSources::destroyingTheControllerStopsAndAwaitsItsJobs()
{
    // A job that runs until it is cancelled: the controller's destructor cancels it and returns
    // only once it has ended (the job then touches nothing of the controller's).
    std::atomic<bool> started { false }, ended { false };
    {
        JobController jobs;
        (void)jobs.start(QStringLiteral("Endless"), [&](const ReadControl& control) {
            started = true;
            while (!control.cancelled())
                QThread::msleep(2);
            ended = true;
            return 0;
        });
        QTRY_VERIFY(started.load());
    }
    QVERIFY(ended.load());
}

void TestJobsAndSources::sourcesAreLookedAtOnAWorkerInOrder()
{
    const QString a = m_dir.filePath(QStringLiteral("a.db"));
    const QString b = m_dir.filePath(QStringLiteral("b.db"));
    for (const QString& path : { a, b }) {
        auto store = RunStore::open(path, OpenMode::Create);
        QVERIFY(store);
        NewRun run;
        run.project = QStringLiteral("p");
        run.name = QFileInfo(path).baseName();
        QVERIFY(store->createRun(run));
    }
    JobController jobs;
    SourceRegistry sources(&jobs);
    QSignalSpy added(&sources, &SourceRegistry::sourceAdded);
    QSignalSpy idle(&sources, &SourceRegistry::idle);
    sources.open(a, false);
    sources.open(b, true);
    QTRY_COMPARE(added.count(), 2);
    QCOMPARE(sources.paths(), (QStringList { a, b }));
    QCOMPARE(added.at(0).at(0).toString(), a);
    QCOMPARE(added.at(1).at(1).toBool(), true);
    QTRY_VERIFY(idle.count() >= 1);
    QVERIFY(!sources.isOpening());
    QTRY_COMPARE(sources.info(a).runs, 1);
    QCOMPARE(int(sources.info(a).condition()), int(SourceCondition::Live));
    QCOMPARE(int(sources.info(b).kind), int(SourceKind::Reprise));
    // Opening what is open reports it again, at once; closing forgets it.
    sources.open(a, true);
    QCOMPARE(added.count(), 3);
    QSignalSpy removed(&sources, &SourceRegistry::sourceRemoved);
    sources.close(a);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(sources.paths(), QStringList { b });
}

void TestJobsAndSources::anotherTrackersDataIsReadAsAJob()
{
    JobController jobs;
    SourceRegistry sources(&jobs);
    QSignalSpy added(&sources, &SourceRegistry::sourceAdded);
    QSignalSpy jobsChanged(&jobs, &JobController::jobsChanged);
    sources.open(kMlflowDb, true);
    QTRY_VERIFY_WITH_TIMEOUT(!added.isEmpty() && !sources.isOpening() && !jobs.isBusy(), 30000);
    QVERIFY(jobsChanged.count() >= 2); // started, ended: the read was a job of the controller
    const QString cache = sources.paths().value(0);
    const SourceInfo info = sources.info(cache);
    QVERIFY(info.foreign);
    QCOMPARE(int(info.kind), int(SourceKind::MlflowDatabase));
    QCOMPARE(info.location, QFileInfo(kMlflowDb).absoluteFilePath());
    QCOMPARE(int(info.condition()), int(SourceCondition::ReadOnly));
    QTRY_COMPARE(sources.info(cache).runs, 26);
    QCOMPARE(sources.sourceFor(QFileInfo(kMlflowDb).absoluteFilePath()), cache);
}

QTEST_GUILESS_MAIN(TestJobsAndSources)
#include "tst_jobs_and_sources.moc"
