// The main window driven off-screen on a real demo database.

#include "main_window.h"
#include "run_filter_proxy.h"
#include "run_table_model.h"
#include "runs/run_browser.h"
#include "runs/run_details.h"

#include <QImage>
#include <QLineEdit>
#include <QProcess>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace reprise;

class TestMainWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void browsesFiltersSortsAndSelects();
    void emptyDatabaseShowsWelcome();
    void badDatabaseShowsABanner();
    void screenshotIsNotBlank();

private:
    QTemporaryDir m_dir;
    QString m_demo;
};

void TestMainWindow::initTestCase()
{
    m_demo = m_dir.filePath(QStringLiteral("demo.db"));
    QProcess demo;
    demo.start(QStringLiteral(REPRISE_BIN), { "demo", "--out", m_demo, "--runs", "60" });
    QVERIFY(demo.waitForFinished(120000));
    QCOMPARE(demo.exitCode(), 0);
}

void TestMainWindow::browsesFiltersSortsAndSelects()
{
    MainWindow window({ m_demo });
    QSignalSpy loaded(&window, &MainWindow::runsLoaded);
    window.show();
    QVERIFY(loaded.wait(30000));
    QVERIFY(window.bannerText().isEmpty());
    QVERIFY(!window.isShowingWelcome());
    RunBrowser* browser = window.runBrowser();
    QCOMPARE(browser->model()->rowCount(), 60);

    QTest::keyClicks(browser->filterEdit(), QStringLiteral("project = digits and status = finished"));
    const int filtered = browser->proxy()->rowCount();
    QVERIFY(filtered > 0 && filtered < 60);
    for (int r = 0; r < filtered; ++r)
        QCOMPARE(browser->proxy()->index(r, RunTableModel::ProjectColumn).data().toString(), QStringLiteral("digits"));

    browser->view()->sortByColumn(RunTableModel::DurationColumn, Qt::AscendingOrder);
    double previous = -1;
    for (int r = 0; r < filtered; ++r) {
        const double d = browser->proxy()->index(r, RunTableModel::DurationColumn).data(RunTableModel::SortRole).toDouble();
        QVERIFY(d >= previous);
        previous = d;
    }

    QSignalSpy selection(browser, &RunBrowser::selectionChanged);
    QSignalSpy details(&window, &MainWindow::detailsLoaded);
    const QString first = browser->proxy()->index(0, 0).data(RunTableModel::RunIdRole).toString();
    const QString second = browser->proxy()->index(1, 0).data(RunTableModel::RunIdRole).toString();
    browser->view()->selectRow(0);
    QTest::mouseClick(browser->view()->viewport(), Qt::LeftButton, Qt::ControlModifier,
        browser->view()->visualRect(browser->proxy()->index(1, 1)).center());
    QVERIFY(!selection.isEmpty());
    const QStringList ids = selection.last().first().toStringList();
    QCOMPARE(ids.size(), 2);
    QVERIFY(ids.contains(first) && ids.contains(second));
    QVERIFY(details.wait(10000) || !details.isEmpty());
    const QString text = window.runDetails()->text();
    QVERIFY2(text.contains(QStringLiteral("command   python train_digits.py")), qPrintable(text));
    QVERIFY(text.contains(QStringLiteral("params")));
    QVERIFY(text.contains(QStringLiteral("  lr = ")));

    // A malformed filter is reported inline; the table keeps the last good filter.
    browser->filterEdit()->setText(QStringLiteral("lr <"));
    QCOMPARE(browser->proxy()->rowCount(), filtered);
}

void TestMainWindow::emptyDatabaseShowsWelcome()
{
    const QString empty = m_dir.filePath(QStringLiteral("empty.db"));
    QProcess run;
    run.start(QStringLiteral(REPRISE_BIN), { "run", "--db", empty, "--", "true" });
    QVERIFY(run.waitForFinished());
    // Now delete that run's rows so the database is valid but empty.
    QProcess wipe;
    wipe.start(QStringLiteral("sqlite3"), { empty, "DELETE FROM run_output; DELETE FROM runs;" });
    if (!wipe.waitForFinished() || wipe.exitCode() != 0)
        QSKIP("sqlite3 shell not available");
    MainWindow window({ empty });
    QSignalSpy loaded(&window, &MainWindow::runsLoaded);
    QVERIFY(loaded.wait(30000));
    QVERIFY(window.isShowingWelcome());
    QVERIFY(window.bannerText().isEmpty());
}

void TestMainWindow::badDatabaseShowsABanner()
{
    const QString bad = m_dir.filePath(QStringLiteral("notes.txt"));
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray("not a database\n").repeated(100));
    f.close();
    MainWindow window({ bad });
    QSignalSpy loaded(&window, &MainWindow::runsLoaded);
    QVERIFY(loaded.wait(30000));
    QVERIFY2(window.bannerText().contains(QStringLiteral("not a SQLite database")), qPrintable(window.bannerText()));
}

void TestMainWindow::screenshotIsNotBlank()
{
    const QString png = m_dir.filePath(QStringLiteral("shot.png"));
    QProcess shot;
    shot.start(QStringLiteral(REPRISE_BIN), { "--screenshot", png, "--db", m_demo, "--size", "1200x800" });
    QVERIFY(shot.waitForFinished(60000));
    QCOMPARE(shot.exitCode(), 0);
    QImage image(png);
    QCOMPARE(image.size(), QSize(1200, 800));
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 7) {
        for (int x = 0; x < image.width(); x += 7)
            colours.insert(image.pixel(x, y));
    }
    QVERIFY2(colours.size() > 20, "the screenshot shows more than a blank window");
}

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
