// Two users' runs synced into one real PostgreSQL team store, browsed in the window as one table beside
// a local database: compared side by side, verified against each other, rerun into one's own database.

#include "charts/metric_chart.h"
#include "compare/compare_view.h"
#include "launch/rerun_queue.h"
#include "main_window.h"
#include "rerun/report_view.h"
#include "rerun/rerun_dialog.h"
#include "rerun/rerun_panel.h"
#include "rerun_actions.h"
#include "run_actions.h"
#include "run_filter_proxy.h"
#include "run_table_model.h"
#include "runs/run_browser.h"
#include "sources/sources_panel.h"
#include "store/run_store.h"
#include "support/loss_run.h"
#include "support/test_postgres.h"
#include "team/pg_connection.h"
#include "team/team_edits.h"
#include "team/team_schema.h"
#include "team/team_sync.h"

#include <QCheckBox>
#include <QFileInfo>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

using namespace reprise;

namespace {

/// A finished run of `uuid` recorded by `user` on `host`: lr and a 50-step loss that depends on lr only.
void recordRun(
    const QString& path, const QString& uuid, const QString& user, const QString& host, double lr, double start)
{
    NewRun run;
    run.uuid = uuid;
    run.project = QStringLiteral("digits");
    run.name = user + QStringLiteral("'s run");
    run.user = user;
    run.host = host;
    run.startTime = start;
    run.launch.argv = { QStringLiteral("sh"), QStringLiteral("-c"), QStringLiteral("echo training") };
    run.launch.workingDir = QFileInfo(path).absolutePath();
    QVERIFY(test::recordLossRun(path, run, lr));
}

} // namespace

class TestTeamWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void twoUsersRunsAreOneTableComparedVerifiedAndRerun();
    void ownRunsAreChangedInTheStoreOthersRefused();
    void aRunClaimingTheUserIsStillAnotherLogins();
    void serverDownKeepsTheRunsAndReconnects();
    void aLargeStoreShowsItsNewestRunsFirst();
    void sessionsRememberTheStoreNeverAPassword();
    void cleanupTestCase();

private:
    test::TestPostgres m_server;
    QTemporaryDir m_dir;
};

void TestTeamWindow::initTestCase()
{
    qputenv("XDG_CONFIG_HOME", m_dir.filePath(QStringLiteral("config")).toUtf8());
    qputenv("XDG_CACHE_HOME", m_dir.filePath(QStringLiteral("cache")).toUtf8());
    QCoreApplication::setOrganizationName(QStringLiteral("reprise-test"));
    QCoreApplication::setApplicationName(QStringLiteral("reprise-team-window"));
    // Reruns of a team store's runs go to the user's own database: this one.
    qputenv("REPRISE_DB", m_dir.filePath(QStringLiteral("mine.db")).toUtf8());
    QString error;
    QVERIFY2(m_server.start(error), qPrintable(error));
    QVERIFY2(m_server.createDatabase(QStringLiteral("team"), error), qPrintable(error));
    auto admin = PgConnection::connect(m_server.location(QStringLiteral("team")));
    QVERIFY(admin);
    QVERIFY(initTeamStore(*admin));
    QVERIFY2(m_server.addLogin(QStringLiteral("alice"), QStringLiteral("reprise_writer"), error), qPrintable(error));
    QVERIFY2(m_server.addLogin(QStringLiteral("bob"), QStringLiteral("reprise_writer"), error), qPrintable(error));
}

void TestTeamWindow::cleanupTestCase() { m_server.stop(); }

void TestTeamWindow::aLargeStoreShowsItsNewestRunsFirst()
{
    // 1,500 runs (run-1 oldest … run-1500 newest) with a param and a metric, written on the server.
    QString error;
    QVERIFY2(m_server.createDatabase(QStringLiteral("large"), error), qPrintable(error));
    auto admin = PgConnection::connect(m_server.location(QStringLiteral("large")));
    QVERIFY(admin);
    QVERIFY(initTeamStore(*admin));
    for (const char* sql :
        { "INSERT INTO reprise.projects (id, name, created_at) VALUES (1, 'big', 0)",
            "INSERT INTO reprise.metric_keys (id, name) VALUES (1, 'acc')",
            "INSERT INTO reprise.runs (id, uuid, project_id, name, status, start_time, end_time, user_name, host) "
            "SELECT g, md5(g::text), 1, 'run-' || g, 'finished', 1.7e9 + g * 60.0, 1.7e9 + g * 60.0 + 30, 'me', "
            "'here' FROM generate_series(1, 1500) g",
            "INSERT INTO reprise.params (run_id, key, value, vtype) SELECT g, 'lr', ((g % 50) / 1000.0)::float8::text, "
            "'float' FROM generate_series(1, 1500) g",
            "INSERT INTO reprise.metric_latest (run_id, key_id, step, value, time, count) SELECT g, 1, 10, g / "
            "1500.0, 1.7e9, 1 FROM generate_series(1, 1500) g",
            "SELECT setval(pg_get_serial_sequence('reprise.runs', 'id'), 1500)" })
        QVERIFY2(admin->exec(QString::fromLatin1(sql)), sql);

    MainWindow window({ m_server.location(QStringLiteral("large")) });
    RunBrowser* browser = window.runBrowser();
    QSignalSpy loaded(&window, &MainWindow::runsLoaded);
    int firstRows = -1;
    QString firstStatus, firstTop, firstLr;
    connect(&window, &MainWindow::runsShown, this, [&] {
        if (firstRows >= 0 || browser->model()->rowCount() == 0)
            return;
        firstRows = browser->model()->rowCount();
        firstStatus = window.statusText();
        firstTop = browser->proxy()->index(0, RunTableModel::NameColumn).data().toString();
        firstLr = browser->proxy()->index(0, RunTableModel::FixedColumnCount).data().toString();
    });
    // Read as every run arrives: a reload may follow at once (the copy made meanwhile), saying "Loading…".
    QString loadedStatus;
    connect(&window, &MainWindow::runsLoaded, this, [&] {
        if (loadedStatus.isEmpty())
            loadedStatus = window.statusText();
    });
    window.show();
    QVERIFY(loaded.wait(60000));
    // The newest thousand first, with their params, then every run.
    QCOMPARE(firstRows, 1000);
    QCOMPARE(firstTop, QStringLiteral("run-1500"));
    QCOMPARE(firstLr, QStringLiteral("0"));
    QVERIFY2(firstStatus.contains(QStringLiteral("newest 1000 of 1500 runs")), qPrintable(firstStatus));
    QCOMPARE(browser->model()->rowCount(), 1500);
    QVERIFY2(loadedStatus.startsWith(QStringLiteral("1500 runs")), qPrintable(loadedStatus));
}

void TestTeamWindow::twoUsersRunsAreOneTableComparedVerifiedAndRerun()
{
    const QString aliceRun(32, u'a'), bobRun(32, u'b'), aliceOther(32, u'c');
    const QString aliceDb = m_dir.filePath(QStringLiteral("mine.db"));
    const QString bobDb = m_dir.filePath(QStringLiteral("bob.db"));
    // The user (alice, on this machine) and bob elsewhere train the same config.
    recordRun(aliceDb, aliceRun, qEnvironmentVariable("USER"), localHostName(), 0.05, 1000);
    recordRun(aliceDb, aliceOther, qEnvironmentVariable("USER"), localHostName(), 0.5, 1100);
    recordRun(bobDb, bobRun, QStringLiteral("bob"), QStringLiteral("bobs-laptop"), 0.05, 2000);
    for (const auto& [db, login] :
        { std::pair { aliceDb, QStringLiteral("alice") }, std::pair { bobDb, QStringLiteral("bob") } }) {
        auto local = RunStore::open(db, OpenMode::ReadOnly);
        auto team = PgConnection::connect(m_server.location(QStringLiteral("team"), login));
        QVERIFY(local && team);
        auto synced = TeamSync(local->database(), *team).sync();
        QVERIFY(synced);
    }
    // Only alice's "other" run is not in the store yet: it stays local.
    const QString store = m_server.location(QStringLiteral("team"), QStringLiteral("alice"));

    MainWindow window({ aliceDb, store });
    window.resize(1400, 900);
    window.show();
    RunBrowser* browser = window.runBrowser();
    QTRY_VERIFY_WITH_TIMEOUT(window.currentSource() == SourcesPanel::allSources() && !window.isLoading()
            && browser->model()->rowCount() == 3,
        60000);
    // One row per run: alice's synced run shows once, held by both sources.
    QMap<QString, QString> sources;
    for (int r = 0; r < browser->proxy()->rowCount(); ++r)
        sources.insert(browser->proxy()->index(r, 0).data(RunTableModel::RunIdRole).toString(),
            browser->proxy()->index(r, RunTableModel::SourceColumn).data().toString());
    const QString teamName = QStringLiteral("alice@[%1]/team").arg(m_server.socketDir());
    QCOMPARE(sources.value(bobRun), teamName);
    QCOMPARE(sources.value(aliceRun), QStringLiteral("mine.db, ") + teamName);
    browser->filterEdit()->setText(QStringLiteral("source ~ \"/team$\" and user = bob"));
    QCOMPARE(browser->proxy()->rowCount(), 1);
    browser->filterEdit()->clear();

    // Alice's run (from her file) and bob's (from the store's copy) side by side.
    window.showView(QStringLiteral("compare"));
    window.selectRuns({ aliceRun, bobRun });
    CompareView* compare = window.compareView();
    // (The store's copy may bring histories after the run table: the charts follow when they come.)
    const auto pointsShown = [compare] {
        if (compare->isBusy() || compare->charts().isEmpty())
            return QList<size_t> {};
        QList<size_t> sizes;
        for (const ChartCurve& curve : compare->charts().first()->curves())
            sizes << curve.y->size();
        return sizes;
    };
    QTRY_COMPARE_WITH_TIMEOUT(pointsShown(), (QList<size_t> { 50, 50 }), 30000);
    QCOMPARE(compare->legend()->count(), 2);

    // Verified against each other, through the database of each.
    window.rerunActions()->verify({ bobRun, aliceRun });
    QTRY_VERIFY_WITH_TIMEOUT(
        window.rerunPanel()->reportView()->verdictText().startsWith(QStringLiteral("REPRODUCED")), 30000);

    // Rerunning bob's run: recorded in alice's own database, its original named, and confirmed
    // first (someone else recorded it); her own run from the store needs no confirmation.
    QSignalSpy shown(window.rerunActions(), &RerunActions::dialogShown);
    window.selectRuns({ bobRun });
    window.rerunActions()->rerun(bobRun);
    QTRY_COMPARE_WITH_TIMEOUT(shown.size(), 1, 30000);
    RerunDialog* dialog = window.rerunActions()->dialog();
    QVERIFY(dialog);
    QCOMPARE(dialog->draft().target, aliceDb);
    QVERIFY(dialog->draft().untrusted);
    QVERIFY2(dialog->draft().trustReason.contains(QStringLiteral("recorded by bob on bobs-laptop")),
        qPrintable(dialog->draft().trustReason));
    QCOMPARE(dialog->draft().sourceLocation, window.sourceLocation(dialog->draft().source));
    // Confirmed and run: recorded in alice's database, then synced back beside its original.
    QVERIFY(!dialog->runButton()->isEnabled());
    dialog->confirmation()->setChecked(true);
    QVERIFY(dialog->runButton()->isEnabled());
    RerunQueue* queue = window.rerunQueue();
    QTest::mouseClick(dialog->runButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(queue->jobIds().size(), qsizetype(1), 10000);
    const int job = queue->jobIds().first();
    QTRY_VERIFY_WITH_TIMEOUT(queue->job(job)->isFinal(), 60000);
    QVERIFY2(queue->job(job)->error.isEmpty(), qPrintable(queue->job(job)->error));
    const QString rerun = queue->job(job)->runId;
    auto recorded = RunStore::open(aliceDb, OpenMode::ReadOnly)->loadRun(rerun);
    QVERIFY(recorded);
    QCOMPARE(recorded->tags.value(QStringLiteral("rerun.parent")), bobRun);
    QCOMPARE(recorded->tags.value(QStringLiteral("rerun.parent_source")), teamName);
    auto team = PgConnection::connect(m_server.location(QStringLiteral("team")));
    QVERIFY(team);
    auto there = team->query(QStringLiteral("SELECT t.value FROM reprise.runs r JOIN reprise.tags t ON t.run_id = r.id "
                                            "WHERE r.uuid = $1 AND t.key = 'rerun.parent'"),
        { rerun.toUtf8() });
    QVERIFY(there);
    QCOMPARE(there->rows(), 1);
    QCOMPARE(QString::fromUtf8(there->bytes(0, 0)), bobRun);
}

void TestTeamWindow::ownRunsAreChangedInTheStoreOthersRefused()
{
    // The store alone in a window of bob's: his run is renamed, starred and tagged in the store
    // itself (and seen again once the store says it changed); alice's run is refused by the store.
    const QString bobRun(32, u'b'), aliceRun(32, u'a');
    MainWindow window({ m_server.location(QStringLiteral("team"), QStringLiteral("bob")) });
    window.show();
    RunBrowser* browser = window.runBrowser();
    QTRY_VERIFY_WITH_TIMEOUT(!window.isLoading() && browser->model()->rowCount() >= 3, 60000);
    window.selectRuns({ bobRun });
    window.runActions()->rename(bobRun, QStringLiteral("bob's best"));
    window.runActions()->setTag({ bobRun }, QStringLiteral("review"), QStringLiteral("ok"));
    auto admin = PgConnection::connect(m_server.location(QStringLiteral("team")));
    QVERIFY(admin);
    const auto nameOf = [&](const QString& uuid) {
        auto row = admin->query(QStringLiteral("SELECT name FROM reprise.runs WHERE uuid = $1"), { uuid.toUtf8() });
        return row && row->rows() == 1 ? QString::fromUtf8(row->bytes(0, 0)) : QString();
    };
    QTRY_COMPARE_WITH_TIMEOUT(nameOf(bobRun), QStringLiteral("bob's best"), 20000);
    QTRY_VERIFY_WITH_TIMEOUT(
        admin->query(QStringLiteral("SELECT 1 FROM reprise.tags t JOIN reprise.runs r ON r.id = "
                                    "t.run_id WHERE r.uuid = $1 AND t.key = 'review'"),
                 { bobRun.toUtf8() })
                ->rows()
            == 1,
        20000);
    // The window shows it once the store's change reached its copy.
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (int r = 0; r < browser->proxy()->rowCount(); ++r)
                if (browser->proxy()->index(r, RunTableModel::NameColumn).data().toString()
                    == QStringLiteral("bob's best"))
                    return true;
            return false;
        }(),
        30000);
    // Undo goes back to the store too.
    window.runActions()->undoStack()->undo(); // the tag
    window.runActions()->undoStack()->undo(); // the name
    QTRY_COMPARE_WITH_TIMEOUT(nameOf(bobRun), QStringLiteral("bob's run"), 20000);

    const QString before = nameOf(aliceRun);
    window.runActions()->rename(aliceRun, QStringLiteral("taken"));
    QTRY_VERIFY_WITH_TIMEOUT(window.bannerText().contains(QStringLiteral("belongs to another login")), 20000);
    QCOMPARE(nameOf(aliceRun), before);
}

void TestTeamWindow::aRunClaimingTheUserIsStillAnotherLogins()
{
    // Bob syncs a run that says it was recorded by this user on this machine. The store knows bob
    // added it: rerunning it from alice's window asks first, and even the store's owner (who row-level
    // security does not hold) cannot change it through the window's edits.
    const QString forged(32, u'f');
    const QString forgedDb = m_dir.filePath(QStringLiteral("forged.db"));
    recordRun(forgedDb, forged, qEnvironmentVariable("USER"), localHostName(), 0.05, 3000);
    {
        auto local = RunStore::open(forgedDb, OpenMode::ReadOnly);
        auto team = PgConnection::connect(m_server.location(QStringLiteral("team"), QStringLiteral("bob")));
        QVERIFY(local && team);
        QVERIFY(TeamSync(local->database(), *team).sync());
    }
    MainWindow window({ m_server.location(QStringLiteral("team"), QStringLiteral("alice")) });
    window.show();
    QTRY_VERIFY_WITH_TIMEOUT(!window.isLoading() && window.runBrowser()->model()->rowCount() >= 4, 60000);
    QSignalSpy shown(window.rerunActions(), &RerunActions::dialogShown);
    window.selectRuns({ forged });
    window.rerunActions()->rerun(forged);
    QTRY_COMPARE_WITH_TIMEOUT(shown.size(), 1, 30000);
    RerunDialog* dialog = window.rerunActions()->dialog();
    QVERIFY(dialog);
    QVERIFY(dialog->draft().untrusted);
    QVERIFY2(dialog->draft().trustReason.contains(QStringLiteral("added by another login")),
        qPrintable(dialog->draft().trustReason));
    QVERIFY(!dialog->runButton()->isEnabled());
    dialog->reject();

    // The tables' owner connects as the server's superuser: its edits change only its own runs too.
    const Status edited = applyTeamRunEdits(m_server.location(QStringLiteral("team")),
        { RunEdit { forged, RunEdit::Field::Name, QString(), QStringLiteral("renamed by the owner") } });
    QVERIFY(!edited);
    QVERIFY2(edited.error().message.contains(QStringLiteral("belongs to another login")),
        qPrintable(edited.error().message));
    auto admin = PgConnection::connect(m_server.location(QStringLiteral("team")));
    QVERIFY(admin);
    auto name = admin->query(QStringLiteral("SELECT name FROM reprise.runs WHERE uuid = $1"), { forged.toUtf8() });
    QVERIFY(name && name->rows() == 1);
    QVERIFY(QString::fromUtf8(name->bytes(0, 0)) != QStringLiteral("renamed by the owner"));
}

void TestTeamWindow::serverDownKeepsTheRunsAndReconnects()
{
    MainWindow window({ m_server.location(QStringLiteral("team"), QStringLiteral("bob")) });
    window.show();
    RunBrowser* browser = window.runBrowser();
    QTRY_VERIFY_WITH_TIMEOUT(!window.isLoading() && browser->model()->rowCount() >= 3, 60000);
    const int runs = browser->model()->rowCount();
    const QString copy = window.currentSource();
    m_server.stop();
    // Said once, naming the store; the runs read stay on screen.
    QTRY_VERIFY_WITH_TIMEOUT(window.sourceLabel(copy).contains(QStringLiteral("unreachable")), 30000);
    QVERIFY2(window.bannerText().contains(QStringLiteral("bob@")), qPrintable(window.bannerText()));
    QCOMPARE(browser->model()->rowCount(), runs);
    QString error;
    QVERIFY2(m_server.resume(error), qPrintable(error));
    // Back by itself, and following the store again: a run synced meanwhile appears.
    QTRY_VERIFY_WITH_TIMEOUT(!window.sourceLabel(copy).contains(QStringLiteral("unreachable")), 30000);
    const QString later = m_dir.filePath(QStringLiteral("later.db"));
    recordRun(later, QString(32, u'e'), QStringLiteral("alice"), QStringLiteral("elsewhere"), 0.2, 5000);
    auto local = RunStore::open(later, OpenMode::ReadOnly);
    auto team = PgConnection::connect(m_server.location(QStringLiteral("team"), QStringLiteral("alice")));
    QVERIFY(local && team);
    QVERIFY(TeamSync(local->database(), *team).sync());
    QTRY_COMPARE_WITH_TIMEOUT(browser->model()->rowCount(), runs + 1, 30000);
}

void TestTeamWindow::sessionsRememberTheStoreNeverAPassword()
{
    const QString store = m_server.location(QStringLiteral("team"), QStringLiteral("bob"));
    const QString withPassword = store + QStringLiteral(" password=hunter2");
    {
        MainWindow window({}, MainWindow::Session::Restore);
        window.openSource(store);
        window.openSource(withPassword);
        QTRY_COMPARE_WITH_TIMEOUT(window.sources().size(), 2, 60000);
        window.close(); // saves the session
    }
    QSettings settings;
    QCOMPARE(settings.value(QStringLiteral("sources/open")).toStringList(), QStringList { store });
    QVERIFY(settings.value(QStringLiteral("sources/recent")).toStringList().contains(store));
    QFile file(settings.fileName());
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(!file.readAll().contains("hunter2"));
    // The next start follows the store again (not its local copy as a plain file).
    MainWindow restored({}, MainWindow::Session::Restore);
    QTRY_COMPARE_WITH_TIMEOUT(restored.sources().size(), 1, 60000);
    QCOMPARE(int(restored.sourceKind(restored.sources().first())), int(SourceKind::TeamStore));
    QCOMPARE(restored.sourceLocation(restored.sources().first()), describeTeamLocation(store));
    QTRY_VERIFY_WITH_TIMEOUT(restored.runBrowser()->model()->rowCount() >= 3, 60000);
}

QTEST_MAIN(TestTeamWindow)
#include "tst_team_window.moc"
