// The window's two bundle actions driven as a user drives them, with the real `reprise`:
// Runs ▸ Export Reproduction Bundle… writes a bundle that the bundle reader (and `reprise rerun
// --bundle`) accepts; File ▸ Open a Bundle… shows the rerun draft dialog (command, params, where it is
// recorded, untrusted: a confirmation needed), Cancel writes and runs nothing, and Rerun with an edited
// param and an allowed variable starts `reprise rerun --bundle`, which records the rerun with the
// bundled run as its parent. A file that is no bundle is refused in a message box.

#include "bundle/run_bundle.h"
#include "bundle_actions.h"
#include "cli_process.h"
#include "example_repository.h"
#include "main_window.h"
#include "rerun/rerun_dialog.h"
#include "runs/run_browser.h"
#include "sources/sources_panel.h"
#include "store/run_store.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace reprise;

namespace {

/// Answers the next modal file dialog with `path`, as a user picking it and pressing Open or Save.
void answerFileDialog(const QString& path)
{
    auto* timer = new QTimer(qApp);
    timer->setInterval(20);
    QObject::connect(timer, &QTimer::timeout, timer, [timer, path] {
        // The modal dialog shown, found even before the platform has made it the active one.
        auto* dialog = qobject_cast<QFileDialog*>(QApplication::activeModalWidget());
        for (QWidget* widget : QApplication::topLevelWidgets()) {
            if (!dialog && qobject_cast<QFileDialog*>(widget) && widget->isVisible())
                dialog = qobject_cast<QFileDialog*>(widget);
        }
        if (!dialog || !dialog->isVisible())
            return;
        timer->stop();
        timer->deleteLater();
        QVERIFY(dialog->testOption(QFileDialog::DontUseNativeDialog)); // the dialog that reads no file
        dialog->selectFile(path);
        // Typed in the file name field as well: selectFile() alone was lost now and then while the
        // dialog's model was still loading the folder (Open then did nothing, and the test waited).
        if (auto* name = dialog->findChild<QLineEdit*>(QStringLiteral("fileNameEdit")))
            name->setText(path);
        static_cast<QDialog*>(dialog)->accept(); // QFileDialog::accept(), what its Open/Save button does
    });
    timer->start();
}

/// Closes the next modal message box; returns its text through `text`.
void closeMessageBox(QString* text)
{
    auto* timer = new QTimer(qApp);
    timer->setInterval(20);
    QObject::connect(timer, &QTimer::timeout, timer, [timer, text] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (!box || !box->isVisible())
            return;
        timer->stop();
        timer->deleteLater();
        *text = box->text();
        box->button(QMessageBox::Close)->click();
    });
    timer->start();
}

QStringList unpackedFolders(const QString& tmp)
{
    return QDir(tmp).entryList({ QStringLiteral("reprise-bundle-*") }, QDir::AllEntries | QDir::NoDotAndDotDot);
}

int row(QTableWidget* table, int column, const QString& text)
{
    for (int r = 0; r < table->rowCount(); ++r)
        if (table->item(r, column) && table->item(r, column)->text() == text)
            return r;
    return -1;
}

bool anyLabelContains(const QWidget* widget, const QString& text)
{
    for (const QLabel* label : widget->findChildren<QLabel*>())
        if (label->isVisible() && label->text().contains(text))
            return true;
    return false;
}

} // namespace

class TestBundleWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void exportWritesABundleTheReaderAccepts();
    void openShowsTheDraftCancelWritesNothingRerunRecords();
    void notABundleIsRefused();

private:
    BundleActions* bundleActions(MainWindow& window) const;
    /// Shows the draft of `bundle` through File ▸ Open a Bundle….
    RerunDialog* openDraft(MainWindow& window, const QString& bundle) const;

    QTemporaryDir m_dir;
    QString m_repo;
    QString m_db;
    QString m_run;
    QString m_bundle;
    QString m_pythonPath;
};

void TestBundleWindow::initTestCase()
{
    QVERIFY(m_dir.isValid());
    qputenv("XDG_CONFIG_HOME", m_dir.filePath(QStringLiteral("config")).toUtf8());
    qputenv("XDG_CACHE_HOME", m_dir.filePath(QStringLiteral("cache")).toUtf8());
    // A bundle opened with no database of the user's open reruns into the default one: here.
    qputenv("REPRISE_DB", m_dir.filePath(QStringLiteral("node/runs.db")).toUtf8());
    QCoreApplication::setOrganizationName(QStringLiteral("reprise-test"));
    QCoreApplication::setApplicationName(QStringLiteral("reprise-test"));

    // The laptop: a repository of one small program, a run of it recorded with a param and a
    // PYTHONPATH (a variable that changes which code runs: held back in a rerun from a bundle).
    m_repo = m_dir.filePath(QStringLiteral("laptop/tiny"));
    m_db = m_dir.filePath(QStringLiteral("laptop/runs.db"));
    initRepository(m_repo);
    writeFile(m_repo + QStringLiteral("/train.py"),
        "import os\nprint('lr', os.environ.get('REPRISE_PARAMS', ''))\n"
        "print('pythonpath', os.environ.get('PYTHONPATH', '(none)'))\n");
    commitAll(m_repo, QStringLiteral("tiny program"));
    m_pythonPath = m_dir.filePath(QStringLiteral("laptop/pylib"));
    QProcessEnvironment env = baseEnvironment();
    env.insert(QStringLiteral("PYTHONPATH"), m_pythonPath);
    const Outcome recorded = runReprise(
        { "run", "--db", m_db, "--name", "tiny", "--param", "lr=0.1", "--", REPRISE_PYTHON, "train.py" }, m_repo, env);
    QVERIFY2(recorded.exitCode == 0, qPrintable(recorded.err));
    m_run = runIdFrom(recorded.err);
    QVERIFY(!m_run.isEmpty());
}

BundleActions* TestBundleWindow::bundleActions(MainWindow& window) const
{
    auto* actions = window.findChild<BundleActions*>();
    if (actions)
        actions->setProgram(QStringLiteral(REPRISE_BIN)); // the test runs as its own executable
    return actions;
}

RerunDialog* TestBundleWindow::openDraft(MainWindow& window, const QString& bundle) const
{
    BundleActions* actions = bundleActions(window);
    if (!actions)
        return nullptr;
    answerFileDialog(bundle);
    actions->openAction()->trigger();
    (void)QTest::qWaitFor([&] { return actions->dialog() != nullptr; }, 30000);
    return actions->dialog();
}

void TestBundleWindow::exportWritesABundleTheReaderAccepts()
{
    MainWindow window({ m_db });
    window.show();
    QTRY_COMPARE_WITH_TIMEOUT(window.runBrowser()->model()->rowCount(), 1, 30000);
    BundleActions* actions = bundleActions(window);
    QVERIFY(actions);
    QSignalSpy exported(actions, &BundleActions::exported);

    // Nothing selected: it says what to do, and asks for no file.
    QVERIFY(window.runBrowser()->selectedRunIds().isEmpty());
    actions->exportAction()->trigger();
    QVERIFY(exported.isEmpty());

    window.selectRuns({ m_run });
    QCOMPARE(window.runBrowser()->selectedRunIds(), QStringList { m_run });
    const QString file = m_dir.filePath(QStringLiteral("laptop/tiny.reprise.tar"));
    answerFileDialog(file);
    actions->exportAction()->trigger();
    // QSignalSpy::wait() is not used for the actions' results: a continuation whose work is already
    // done runs at once, inside the action (Qt 6.4's QFuture::then with a context object).
    QTRY_VERIFY_WITH_TIMEOUT(!exported.isEmpty(), 60000);
    QCOMPARE(exported.first().at(0).toString(), file);
    QVERIFY2(exported.first().at(1).toString().isEmpty(), qPrintable(exported.first().at(1).toString()));

    // The reader accepts it: the run, its code as a git bundle, its param.
    auto bundle = openRunBundle(file);
    QVERIFY2(bundle, qPrintable(bundle ? QString() : bundle.error().text()));
    QCOMPARE(bundle->record.uuid, m_run);
    QCOMPARE(bundle->codeKind, QStringLiteral("git-bundle"));
    QCOMPARE(bundle->codeName, QStringLiteral("tiny"));
    QCOMPARE(bundle->record.params.value(QStringLiteral("lr")).value, QStringLiteral("0.1"));
    // And so does `reprise rerun --bundle` (a dry run: nothing runs).
    const Outcome dry = runReprise(
        { "rerun", "--bundle", file, "--db", m_dir.filePath(QStringLiteral("dry.db")), "--dry-run", "--json" });
    QVERIFY2(dry.exitCode == 0, qPrintable(dry.err));
    QVERIFY(!QFileInfo::exists(m_dir.filePath(QStringLiteral("dry.db"))));

    // Over all sources the run is exported from the database holding it.
    const QString other = m_dir.filePath(QStringLiteral("laptop/other.db"));
    QCOMPARE(runReprise({ "run", "--db", other, "--", "true" }, m_repo, baseEnvironment()).exitCode, 0);
    MainWindow both({ m_db, other });
    both.show();
    QTRY_VERIFY_WITH_TIMEOUT(
        both.currentSource() == SourcesPanel::allSources() && both.runBrowser()->model()->rowCount() == 2, 30000);
    BundleActions* acrossActions = bundleActions(both);
    QSignalSpy across(acrossActions, &BundleActions::exported);
    both.selectRuns({ m_run });
    const QString acrossFile = m_dir.filePath(QStringLiteral("laptop/across.reprise.tar"));
    answerFileDialog(acrossFile);
    acrossActions->exportAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!across.isEmpty(), 60000);
    QVERIFY2(across.first().at(1).toString().isEmpty(), qPrintable(across.first().at(1).toString()));
    QCOMPARE(openRunBundle(acrossFile)->record.uuid, m_run);

    // The node gets only the bundle: the laptop's repository and database go.
    m_bundle = m_dir.filePath(QStringLiteral("node/tiny.reprise.tar"));
    QVERIFY(QDir().mkpath(QFileInfo(m_bundle).absolutePath()));
    QVERIFY(QFile::copy(file, m_bundle));
}

void TestBundleWindow::openShowsTheDraftCancelWritesNothingRerunRecords()
{
    QVERIFY2(!m_bundle.isEmpty(), "the export test wrote no bundle");
    // The laptop's window is gone; so are its repository and database.
    QVERIFY(QDir(m_dir.filePath(QStringLiteral("laptop"))).removeRecursively());
    const QString tmp = m_dir.filePath(QStringLiteral("node/tmp"));
    QVERIFY(QDir().mkpath(tmp));
    qputenv("TMPDIR", tmp.toUtf8());
    const QString target = QString::fromLocal8Bit(qgetenv("REPRISE_DB"));

    MainWindow window({});
    window.show();
    BundleActions* actions = bundleActions(window);
    QVERIFY(actions);
    QSignalSpy started(actions, &BundleActions::rerunStarted);
    QSignalSpy messages(actions, &BundleActions::message);

    // The draft in the window's rerun dialog: command, working dir in the code unpacked when it runs,
    // the bundle's commit, the params, where it is recorded; untrusted, so Rerun waits for a tick.
    RerunDialog* dialog = openDraft(window, m_bundle);
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    QCOMPARE(dialog->commandText(), QStringLiteral(REPRISE_PYTHON " train.py"));
    QVERIFY2(dialog->draft().workingDir.startsWith(tmp + QStringLiteral("/reprise-bundle-XXXXXX/tiny")),
        qPrintable(dialog->draft().workingDir));
    QCOMPARE(dialog->draft().target, target);
    QCOMPARE(dialog->draft().originalId, m_run);
    QVERIFY(dialog->isCodeFixed());
    QVERIFY(!dialog->modeChooser()->isEnabled());
    QVERIFY(anyLabelContains(dialog, QStringLiteral("from the bundle's git bundle")));
    QVERIFY(anyLabelContains(dialog, QStringLiteral("This rerun is untrusted: it comes from a bundle file")));
    QVERIFY(anyLabelContains(dialog, target));
    QTableWidget* params = dialog->paramsTable();
    const int lr = row(params, 0, QStringLiteral("lr"));
    QVERIFY(lr >= 0);
    QCOMPARE(params->item(lr, 1)->text(), QStringLiteral("0.1"));
    QTableWidget* environment = dialog->environmentTable();
    const int pythonPath = row(environment, 1, QStringLiteral("⚠ PYTHONPATH"));
    QVERIFY(pythonPath >= 0);
    QCOMPARE(environment->item(pythonPath, 0)->checkState(), Qt::Unchecked); // held back
    QCOMPARE(environment->item(pythonPath, 2)->text(), m_pythonPath);
    QVERIFY(dialog->confirmation()->isVisible());
    QVERIFY(!dialog->runButton()->isEnabled());
    QCOMPARE(dialog->runButton()->text(), QStringLiteral("Rerun"));
    if (const QByteArray keep = qgetenv("REPRISE_TEST_SCREENSHOTS"); !keep.isEmpty())
        dialog->grab().save(QString::fromLocal8Bit(keep) + QStringLiteral("/bundle-draft.png"));

    // Cancel: nothing unpacked, nothing recorded, nothing started.
    QTest::mouseClick(dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Cancel), Qt::LeftButton);
    QTRY_VERIFY(actions->dialog() == nullptr);
    QVERIFY(started.isEmpty());
    QVERIFY(!QFileInfo::exists(target));
    QCOMPARE(unpackedFolders(tmp), QStringList());

    // Again, with lr edited, PYTHONPATH allowed and the confirmation ticked: the rerun starts in
    // the background and is recorded in the default database, the bundled run as its parent.
    dialog = openDraft(window, m_bundle);
    QVERIFY(dialog);
    params = dialog->paramsTable();
    params->item(row(params, 0, QStringLiteral("lr")), 2)->setText(QStringLiteral("0.2")); // as the delegate commits
    QTRY_COMPARE(dialog->draft().editedParams().keys(), QList<QString> { QStringLiteral("lr") });
    environment = dialog->environmentTable();
    environment->item(row(environment, 1, QStringLiteral("⚠ PYTHONPATH")), 0)->setCheckState(Qt::Checked);
    QVERIFY(!dialog->draft().heldBack.contains(QStringLiteral("PYTHONPATH")));
    QTest::mouseClick(dialog->confirmation(), Qt::LeftButton);
    QVERIFY(dialog->runButton()->isEnabled());
    QTest::mouseClick(dialog->runButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!started.isEmpty(), 60000);
    const QString rerun = started.first().at(0).toString();
    QVERIFY2(started.first().at(1).toString().isEmpty(), qPrintable(started.first().at(1).toString()));
    QVERIFY(!rerun.isEmpty());
    QVERIFY2(messages.last().first().toString().startsWith(
                 QStringLiteral("Rerun from the bundle started as run ") + rerun.left(8)),
        qPrintable(messages.last().first().toString()));

    std::optional<RunRecord> record;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            auto store = RunStore::open(target, OpenMode::ReadOnly);
            if (!store)
                return false;
            auto run = store->loadRun(rerun);
            if (!run || run->status == RunStatus::Running)
                return false;
            record = *run;
            return true;
        }(),
        120000);
    QCOMPARE(int(record->status), int(RunStatus::Finished));
    QCOMPARE(record->parentUuid, m_run);
    QCOMPARE(record->params.value(QStringLiteral("lr")).value, QStringLiteral("0.2"));
    QCOMPARE(record->tags.value(QStringLiteral("rerun.mode")), QStringLiteral("bundle"));
    auto store = RunStore::open(target, OpenMode::ReadOnly);
    QVERIFY(store);
    auto original = store->loadRun(m_run);
    QVERIFY(original); // imported first, as the parent
    auto ref = store->resolveRun(rerun);
    QVERIFY(ref);
    auto output = store->loadOutput(*ref);
    QVERIFY(output);
    QString printed;
    for (const OutputChunk& chunk : *output)
        printed += chunk.data;
    QVERIFY2(printed.contains(QStringLiteral("pythonpath ") + m_pythonPath), qPrintable(printed)); // allowed
    QCOMPARE(unpackedFolders(tmp).size(), 1); // the rerun's own, kept for inspection
}

void TestBundleWindow::notABundleIsRefused()
{
    const QString fake = m_dir.filePath(QStringLiteral("node/not-a-bundle.tar"));
    QVERIFY(QDir().mkpath(QFileInfo(fake).absolutePath()));
    writeFile(fake, QByteArray(2048, 'x'));
    const QString tmp = m_dir.filePath(QStringLiteral("node/tmp-refused"));
    QVERIFY(QDir().mkpath(tmp));
    qputenv("TMPDIR", tmp.toUtf8());
    MainWindow window({});
    window.show();
    BundleActions* actions = bundleActions(window);
    QVERIFY(actions);
    QSignalSpy refused(actions, &BundleActions::refused);
    QString shown;
    closeMessageBox(&shown);
    answerFileDialog(fake);
    actions->openAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!refused.isEmpty(), 30000);
    QTRY_VERIFY(!shown.isEmpty());
    QVERIFY2(shown.contains(fake), qPrintable(shown));
    QVERIFY(actions->dialog() == nullptr);
    QCOMPARE(unpackedFolders(tmp), QStringList());
}

QTEST_MAIN(TestBundleWindow)
#include "tst_bundle_window.moc"
