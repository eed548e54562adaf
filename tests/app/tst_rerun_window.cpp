// Reruns from the window, off-screen: the draft dialog, the queue with its live log and Cancel,
// the reproduction report; on the digits example in a real git repository.

#include "example_repository.h"
#include "files/file_dialogs.h"
#include "import/source_reader.h"
#include "launch/rerun_queue.h"
#include "main_window.h"
#include "rerun/report_view.h"
#include "rerun/rerun_dialog.h"
#include "rerun/rerun_panel.h"
#include "rerun_actions.h"
#include "runs/run_browser.h"
#include "store/run_store.h"
#include "store/run_table.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFileSystemModel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <unistd.h>

using namespace reprise;

namespace {

/// The runs of a database whose parent is `parent`.
QList<RunRecord> childrenOf(const QString& db, const QString& parent)
{
    QList<RunRecord> out;
    auto store = RunStore::open(db, OpenMode::ReadOnly);
    if (!store)
        return out;
    auto table = loadRunTable(store->database());
    if (!table)
        return out;
    for (const QString& id : table->uuids) {
        auto run = store->loadRun(id);
        if (run && run->parentUuid == parent)
            out << *run;
    }
    return out;
}

/// With $REPRISE_SCREENSHOT_DIR set, saves `widget` there as NAME.png (for the docs, and to look at).
void saveScreenshot(QWidget* widget, const QString& name)
{
    const QString dir = qEnvironmentVariable("REPRISE_SCREENSHOT_DIR");
    if (!dir.isEmpty())
        QVERIFY(widget->grab().save(dir + u'/' + name + QStringLiteral(".png")));
}

/// Waits until the window shows its source's runs.
bool waitForRuns(MainWindow& window)
{
    return QTest::qWaitFor(
        [&] { return !window.isLoading() && window.runBrowser()->view()->model()->rowCount() > 0; }, 20000);
}

} // namespace

class TestRerunWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void rerunFromTheWindowReproduces();
    void paramEditedInTheDraftDiverges();
    void untrustedSourceNeedsTheConfirmation();
    void problemOffersAWayForward();
    void cancelStopsARunningRerunAndQueueRunsOneAtATime();
    void verifyTwoSelectedRuns();
    void rerunAfterAFileDialogListedTheDatabaseKeepsEveryRow();

private:
    /// Opens the draft of `runId` in `window`; the dialog, or nullptr.
    RerunDialog* openDraft(MainWindow& window, const QString& runId);
    /// Clicks Run and waits until the job ends; returns the job.
    const RerunJob* runAndWait(MainWindow& window, RerunDialog* dialog);

    QTemporaryDir m_dir;
    QString m_repo;
    QString m_db;
    QString m_original;
    QString m_firstCommit;
};

void TestRerunWindow::initTestCase()
{
    QVERIFY(m_dir.isValid());
    qputenv("XDG_CONFIG_HOME", m_dir.filePath(QStringLiteral("config")).toUtf8());
    // Reruns of read-only sources are recorded in the default database: keep it in the test's folder.
    qputenv("REPRISE_DB", m_dir.filePath(QStringLiteral("local.db")).toUtf8());
    m_repo = m_dir.filePath(QStringLiteral("digits"));
    m_db = m_dir.filePath(QStringLiteral("runs.db"));
    m_original = recordExampleThenChangeIt(m_repo, m_db, m_firstCommit);
    QVERIFY2(!m_original.isEmpty(), "the digits example did not record (is python3-sklearn installed?)");
}

RerunDialog* TestRerunWindow::openDraft(MainWindow& window, const QString& runId)
{
    if (!waitForRuns(window))
        return nullptr;
    window.selectRuns({ runId });
    if (window.runBrowser()->selectedRunIds() != QStringList { runId })
        return nullptr;
    // The action is off while a draft loads on a worker: waited for, not read at once.
    QAction* rerun = window.rerunActions()->rerunAction();
    if (!QTest::qWaitFor([&] { return rerun->isEnabled(); }, 20000))
        return nullptr;
    rerun->trigger();
    (void)QTest::qWaitFor([&] { return window.rerunActions()->dialog() != nullptr; }, 20000);
    return window.rerunActions()->dialog();
}

const RerunJob* TestRerunWindow::runAndWait(MainWindow& window, RerunDialog* dialog)
{
    RerunQueue* queue = window.rerunQueue();
    const qsizetype before = queue->jobIds().size();
    QTest::mouseClick(dialog->runButton(), Qt::LeftButton);
    if (!QTest::qWaitFor([&] { return queue->jobIds().size() > before; }, 5000))
        return nullptr;
    const int id = queue->jobIds().last();
    (void)QTest::qWaitFor([&] { return queue->job(id)->isFinal(); }, 120000);
    return queue->job(id);
}

void TestRerunWindow::rerunFromTheWindowReproduces()
{
    MainWindow window({ m_db });
    window.show();
    RerunDialog* dialog = openDraft(window, m_original);
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    // Everything that will execute is shown before anything does.
    QCOMPARE(dialog->commandText(), QStringLiteral(REPRISE_PYTHON " train.py"));
    QVERIFY(dialog->findChild<QLineEdit*>() != nullptr);
    QCOMPARE(dialog->draft().workingDir, m_repo);
    QVERIFY(dialog->draft().runsInWorktree());
    QVERIFY(dialog->problems().isEmpty());
    QVERIFY(!dialog->confirmation()->isVisible()); // the test's own database is trusted
    QVERIFY(dialog->runButton()->isEnabled());
    bool pythonPathShown = false;
    for (int row = 0; row < dialog->environmentTable()->rowCount(); ++row)
        pythonPathShown |= dialog->environmentTable()->item(row, 1)->text() == QStringLiteral("⚠ PYTHONPATH");
    QVERIFY(pythonPathShown);

    const RerunJob* job = runAndWait(window, dialog);
    QVERIFY(job);
    QCOMPARE(toString(job->state), QStringLiteral("done"));
    QVERIFY(job->report);
    QCOMPARE(int(job->report->verdict), int(Verdict::Reproduced));
    QVERIFY(job->report->exact);
    QVERIFY(job->worktree.isEmpty()); // removed after success

    RerunPanel* panel = window.rerunPanel();
    QCOMPARE(panel->selectedJob(), job->id);
    QVERIFY(panel->isVisible());
    QVERIFY2(panel->logText().contains(QStringLiteral("test accuracy")), qPrintable(panel->logText()));
    QVERIFY(panel->reportView()->verdictText().startsWith(QStringLiteral("REPRODUCED")));
    QVERIFY(panel->statusText().contains(QStringLiteral("exit code 0")));

    const QList<RunRecord> reruns = childrenOf(m_db, m_original);
    QCOMPARE(reruns.size(), 1);
    QCOMPARE(reruns.first().kind, QStringLiteral("rerun"));
    QCOMPARE(reruns.first().code.commit, m_firstCommit);
    QCOMPARE(reruns.first().uuid, job->runId);
}

void TestRerunWindow::paramEditedInTheDraftDiverges()
{
    MainWindow window({ m_db });
    window.show();
    RerunDialog* dialog = openDraft(window, m_original);
    QVERIFY(dialog);
    QTableWidget* params = dialog->paramsTable();
    int row = -1;
    for (int r = 0; r < params->rowCount(); ++r)
        if (params->item(r, 0)->text() == QStringLiteral("lr_drop_epoch"))
            row = r;
    QVERIFY(row >= 0);
    params->item(row, 2)->setText(QStringLiteral("5")); // as the item delegate commits an edit
    QTRY_COMPARE(dialog->draft().editedParams().keys(), QList<QString> { QStringLiteral("lr_drop_epoch") });
    QCOMPARE(dialog->draft().params.value(QStringLiteral("lr_drop_epoch")).type, QStringLiteral("int"));

    const RerunJob* job = runAndWait(window, dialog);
    QVERIFY(job && job->report);
    QCOMPARE(int(job->report->verdict), int(Verdict::Diverged));
    QCOMPARE(job->report->firstStep, qint64(5));
    QCOMPARE(job->report->firstMetric, QStringLiteral("lr"));
    QVERIFY(window.rerunPanel()->reportView()->verdictText().contains(QStringLiteral("'lr' parts first, at step 5")));
    QVERIFY(window.rerunPanel()->jobList()->currentItem()->text().contains(QStringLiteral("[lr_drop_epoch]")));
}

void TestRerunWindow::untrustedSourceNeedsTheConfirmation()
{
    // A copy of the database that is not the user's own: another owner (as root), else read-only.
    const QString shared = m_dir.filePath(QStringLiteral("team.db"));
    QVERIFY(QFile::copy(m_db, shared));
    if (::getuid() == 0)
        QCOMPARE(::chown(QFile::encodeName(shared).constData(), 65534, 65534), 0);
    else
        QVERIFY(QFile::setPermissions(shared, QFileDevice::ReadOwner | QFileDevice::ReadGroup));

    MainWindow window({ shared });
    window.show();
    RerunDialog* dialog = openDraft(window, m_original);
    QVERIFY(dialog);
    QVERIFY(dialog->draft().untrusted);
    QVERIFY(dialog->confirmation()->isVisible());
    QVERIFY(dialog->problems().isEmpty());
    // Loader variables of an untrusted source are shown, and not applied until ticked one by one.
    QTableWidget* environment = dialog->environmentTable();
    int pythonPath = -1;
    for (int row = 0; row < environment->rowCount(); ++row)
        if (environment->item(row, 1)->text() == QStringLiteral("⚠ PYTHONPATH"))
            pythonPath = row;
    QVERIFY(pythonPath >= 0);
    QCOMPARE(environment->item(pythonPath, 0)->checkState(), Qt::Unchecked);
    QVERIFY(dialog->draft().heldBack.contains(QStringLiteral("PYTHONPATH")));
    QVERIFY(!dialog->draft().appliedEnvironment().contains(QStringLiteral("PYTHONPATH")));
    environment->item(pythonPath, 0)->setCheckState(Qt::Checked);
    QVERIFY(dialog->draft().appliedEnvironment().contains(QStringLiteral("PYTHONPATH")));
    QVERIFY(dialog->patchSummaryText().startsWith(QStringLiteral("No uncommitted changes")));
    saveScreenshot(dialog, QStringLiteral("rerun-draft"));
    // Nothing runs before the confirmation: the button is disabled, and clicking it does nothing.
    QVERIFY(!dialog->runButton()->isEnabled());
    QTest::mouseClick(dialog->runButton(), Qt::LeftButton);
    QVERIFY(dialog->isVisible());
    QCOMPARE(window.rerunQueue()->jobIds().size(), 0);
    dialog->confirmation()->setChecked(true);
    QVERIFY(dialog->runButton()->isEnabled());
    dialog->confirmation()->setChecked(false);
    QVERIFY(!dialog->runButton()->isEnabled());
    dialog->reject();
}

void TestRerunWindow::problemOffersAWayForward()
{
    const QString gone = m_dir.filePath(QStringLiteral("gone"));
    QVERIFY(QDir().mkpath(gone));
    const Outcome recorded = runReprise({ "run", "--db", m_db, "--", REPRISE_PYTHON, "-c", "print('hi')" }, gone);
    const QString id = runIdFrom(recorded.err);
    QVERIFY(QDir(gone).removeRecursively());

    MainWindow window({ m_db });
    window.show();
    RerunDialog* dialog = openDraft(window, id);
    QVERIFY(dialog);
    QCOMPARE(dialog->problems().size(), 1);
    QVERIFY(dialog->problemText().contains(QStringLiteral("no longer exists")));
    saveScreenshot(dialog, QStringLiteral("rerun-problem"));
    QVERIFY(!dialog->runButton()->isEnabled());
    bool offered = false;
    for (QPushButton* button : dialog->findChildren<QPushButton*>())
        offered |= button->text() == QStringLiteral("Choose Directory…");
    QVERIFY(offered);

    dialog->chooseDirectory(m_dir.path());
    QTRY_VERIFY(!dialog->isChecking());
    QVERIFY(dialog->problems().isEmpty());
    QCOMPARE(dialog->draft().workingDir, m_dir.path());
    QVERIFY(dialog->runButton()->isEnabled());
    const RerunJob* job = runAndWait(window, dialog);
    QVERIFY(job);
    QCOMPARE(toString(job->state), QStringLiteral("done"));
    QVERIFY(window.rerunPanel()->logText().contains(QStringLiteral("hi")));
}

void TestRerunWindow::cancelStopsARunningRerunAndQueueRunsOneAtATime()
{
    // A command that sleeps as long as a file says: 0 s when recorded, a minute when rerun.
    const QString dir = m_dir.filePath(QStringLiteral("sleeper"));
    QVERIFY(QDir().mkpath(dir));
    writeFile(dir + QStringLiteral("/seconds"), "0");
    const Outcome recorded = runReprise({ "run", "--db", m_db, "--", REPRISE_PYTHON, "-c",
                                            "import time; print('sleeping', flush=True); "
                                            "time.sleep(float(open('seconds').read()))" },
        dir);
    const QString id = runIdFrom(recorded.err);
    QVERIFY(!id.isEmpty());
    writeFile(dir + QStringLiteral("/seconds"), "60");

    MainWindow window({ m_db });
    window.show();
    RerunQueue* queue = window.rerunQueue();
    queue->setGracePeriod(1000);
    RerunDialog* dialog = openDraft(window, id);
    QVERIFY(dialog);
    auto draft = dialog->draft();
    dialog->reject();
    const int first = queue->enqueue(draft);
    const int second = queue->enqueue(draft);
    QTRY_COMPARE_WITH_TIMEOUT(toString(queue->job(first)->state), QStringLiteral("running"), 20000);
    QTRY_VERIFY_WITH_TIMEOUT(window.rerunPanel()->logText().contains(QStringLiteral("sleeping")), 20000);
    QCOMPARE(toString(queue->job(second)->state), QStringLiteral("queued")); // one at a time

    // The queued one is dropped at once; the running one is terminated.
    window.rerunPanel()->selectJob(second);
    QTest::mouseClick(window.rerunPanel()->cancelButton(), Qt::LeftButton);
    QCOMPARE(toString(queue->job(second)->state), QStringLiteral("cancelled"));
    window.rerunPanel()->selectJob(first);
    QVERIFY(window.rerunPanel()->cancelButton()->isEnabled());
    QTest::mouseClick(window.rerunPanel()->cancelButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(toString(queue->job(first)->state), QStringLiteral("cancelled"), 20000);
    const RerunJob* job = queue->job(first);
    QCOMPARE(int(job->outcome.status), int(RunStatus::Killed));
    auto store = RunStore::open(m_db, OpenMode::ReadOnly);
    QCOMPARE(int(store->loadRun(job->runId)->status), int(RunStatus::Killed));
    QCOMPARE(store->loadRun(job->runId)->parentUuid, id);
}

void TestRerunWindow::verifyTwoSelectedRuns()
{
    QList<RunRecord> reruns = childrenOf(m_db, m_original);
    QVERIFY(reruns.size() >= 2);
    // The rerun without edited params (the other one diverges).
    reruns.removeIf([](const RunRecord& r) { return r.tags.contains(QStringLiteral("rerun.edited")); });
    QCOMPARE(reruns.size(), 1);
    MainWindow window({ m_db });
    window.show();
    QVERIFY(waitForRuns(window));
    // The rerun first: the report still takes the original as A.
    window.selectRuns({ reruns.first().uuid, m_original });
    QVERIFY(window.rerunActions()->verifyAction()->isEnabled());
    QSignalSpy verified(window.rerunActions(), &RerunActions::verified);
    window.rerunActions()->verifyAction()->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(verified.count(), 1, 20000);
    ReportView* report = window.rerunPanel()->reportView();
    QVERIFY(report->verdictText().startsWith(QStringLiteral("REPRODUCED")));
    QVERIFY(report->artifactsText().startsWith(QStringLiteral("Bit-identical artifacts: 13 of 13")));
    QCOMPARE(report->metricsTable()->rowCount(), 7);

    // One run that is not a rerun: said, not guessed.
    window.selectRuns({ m_original });
    window.rerunActions()->verifyAction()->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(verified.count(), 2, 20000);
    QVERIFY(report->verdictText().contains(QStringLiteral("is not a rerun")));
}

void TestRerunWindow::rerunAfterAFileDialogListedTheDatabaseKeepsEveryRow()
{
    // What lost a rerun's record: File > Open listed the database's folder (Qt's dialog reads each
    // file to find its type, and closing that read drops SQLite's locks in this process); the rerun's
    // Python program then found the write-ahead log unused, reset it and deleted it under the window.
    MainWindow window({ m_db });
    window.show();
    QVERIFY(waitForRuns(window));
    {
        std::unique_ptr<QFileDialog> dialog(createFileDialog(&window, QStringLiteral("Open runs"), m_dir.path()));
        dialog->show();
        auto* model = dialog->findChild<QFileSystemModel*>();
        QVERIFY(model);
        for (const QString& name :
            { QStringLiteral("runs.db"), QStringLiteral("runs.db-wal"), QStringLiteral("runs.db-shm") })
            QTRY_VERIFY_WITH_TIMEOUT(!model->type(model->index(m_dir.filePath(name))).isEmpty(), 10000);
        dialog->reject();
    }
    // Detection of a source, under another spelling of the open database's path, reads nothing either.
    QCOMPARE(int(detectSource(m_dir.filePath(QStringLiteral("digits/../runs.db")))), int(SourceKind::Reprise));

    RerunDialog* dialog = openDraft(window, m_original);
    QVERIFY(dialog);
    const RerunJob* job = runAndWait(window, dialog);
    QVERIFY(job);
    QCOMPARE(toString(job->state), QStringLiteral("done"));
    QVERIFY2(QFileInfo::exists(m_db + QStringLiteral("-wal")), "the write-ahead log was deleted under the window");

    // Every row of the rerun is in the file: its end, its metrics, its output.
    auto store = RunStore::open(m_db, OpenMode::ReadOnly);
    QVERIFY(store);
    auto rerun = store->loadRun(job->runId);
    QVERIFY(rerun);
    QCOMPARE(int(rerun->status), int(RunStatus::Finished));
    auto original = store->loadRun(m_original);
    QVERIFY(original);
    auto ran = store->metricSummaries(*store->resolveRun(job->runId));
    auto recorded = store->metricSummaries(*store->resolveRun(m_original));
    QVERIFY(ran && recorded);
    QCOMPARE(ran->size(), recorded->size());
    for (qsizetype i = 0; i < ran->size(); ++i)
        QCOMPARE(ran->at(i).count, recorded->at(i).count);
    auto check = store->database().prepare("PRAGMA integrity_check");
    QVERIFY(check && check->step() == SQLITE_ROW);
    QCOMPARE(check->text(0), QStringLiteral("ok"));
}

QTEST_MAIN(TestRerunWindow)
#include "tst_rerun_window.moc"
