// The run table for people who live in it (issue 19): columns scoped to the runs in view (pinned ones
// stay), params and metrics grouped and told apart, status and name kept in view while scrolling
// sideways; and no empty "default" project in the sources panel after `reprise run`.

#include "../models/run_table_builder.h"
#include "jobs/job_controller.h"
#include "run_filter_proxy.h"
#include "run_table_model.h"
#include "runs/run_browser.h"
#include "sources/source_registry.h"
#include "sources/sources_panel.h"
#include "store/run_store.h"
#include "store/run_table.h"

#include <QHeaderView>
#include <QLineEdit>
#include <QProcess>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTextDocument>
#include <QTreeWidget>

using namespace reprise;
using namespace reprise::test;

namespace {

/// Two kinds of runs: "vision" ones with lr, seed and a val_acc metric, "tabular" ones with
/// num_leaves, a param lr and a metric lr (a schedule's last value).
std::shared_ptr<const RunTable> twoProjects()
{
    QList<RunSpec> runs;
    for (int i = 0; i < 6; ++i) {
        RunSpec r;
        r.id = QStringLiteral("%1").arg(i, 32, 16, QLatin1Char('a'));
        r.start = 1000 - i;
        r.end = r.start + 60;
        if (i < 3) {
            r.name = QStringLiteral("vision-%1").arg(i);
            r.params = { { "lr", "0.1" }, { "seed", QString::number(i) } };
            r.metrics = { { "val_acc", 0.8 + i / 100.0 } };
        } else {
            r.name = QStringLiteral("tabular-%1").arg(i);
            r.params = { { "num_leaves", "31" }, { "lr", "0.05" } };
            r.metrics = { { "lr", 0.001 * i }, { "auc", 0.7 } };
        }
        runs << r;
    }
    return makeTable(runs);
}

int columnOf(RunBrowser& browser, const QString& id)
{
    for (int c = 0; c < browser.model()->columnCount(); ++c) {
        if (browser.columnId(c) == id)
            return c;
    }
    return -1;
}

bool shown(RunBrowser& browser, const QString& id) { return !browser.view()->isColumnHidden(columnOf(browser, id)); }

QString plain(const QString& html)
{
    QTextDocument document;
    document.setHtml(html);
    return document.toPlainText();
}

} // namespace

class TestRunTableView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void columnsFollowTheRunsInView();
    void metricsShownAsLatestBestOrAtStep();
    void paramsAndMetricsAreGroupedAndNamed();
    void statusAndNameStayInViewWhileScrolling();
    void noEmptyDefaultProjectAfterReprisRun();
};

void TestRunTableView::initTestCase()
{
    // Settings of this test only, never the user's.
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("reprise-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_run_table_view"));
    QSettings().clear();
}

void TestRunTableView::metricsShownAsLatestBestOrAtStep()
{
    // Three runs whose val_loss falls then rises again (overfitting): their best is not their last.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("runs.db"));
    {
        auto store = RunStore::open(path, OpenMode::Create);
        QVERIFY(store);
        for (int i = 0; i < 3; ++i) {
            NewRun run;
            run.uuid = QStringLiteral("%1").arg(i + 1, 32, 16, QLatin1Char('0'));
            run.project = QStringLiteral("vision");
            run.name = QStringLiteral("run-%1").arg(i);
            run.startTime = 1000 + i;
            auto ref = store->createRun(run);
            QVERIFY(ref);
            QList<MetricPoint> points;
            for (int step = 0; step <= 20; ++step) {
                const double loss = 1.0 + 0.01 * (step - 10 - i) * (step - 10 - i) - 0.1 * i; // lowest at 10 + i
                points << MetricPoint { QStringLiteral("val_loss"), step, loss, 1000.0 + step };
            }
            QVERIFY(store->logMetrics(ref->rowId, points));
            QVERIFY(store->finishRun(ref->rowId, RunStatus::Finished, 0, 1100));
        }
    }
    auto store = RunStore::open(path, OpenMode::ReadOnly);
    auto table = loadRunTable(store->database());
    QVERIFY(table);
    RunBrowser browser;
    browser.showRuns(path, std::make_shared<const RunTable>(*table), 2e9);
    const int column = columnOf(browser, QStringLiteral("metric:val_loss"));
    auto valueOf = [&](const QString& name) {
        for (int r = 0; r < browser.proxy()->rowCount(); ++r) {
            if (browser.proxy()->index(r, RunTableModel::NameColumn).data().toString() == name)
                return browser.proxy()->index(r, column).data(RunTableModel::SortRole).toDouble();
        }
        return -1.0;
    };
    QCOMPARE(valueOf("run-1"), 1.0 + 0.01 * 81 - 0.1); // the latest: step 20
    // The best, lowest: each run's minimum, at its own step; the header says so.
    QSignalSpy shown(&browser, &RunBrowser::metricReadingsShown);
    // The read may land before the call returns (a quick worker): then it was signalled already.
    auto choose = [&](const MetricReading& reading) {
        shown.clear();
        browser.setMetricReading(QStringLiteral("val_loss"), reading);
        return shown.count() > 0 || shown.wait(10000);
    };
    QVERIFY(choose(MetricReading { MetricReading::Kind::Min, 0 }));
    QCOMPARE(valueOf("run-0"), 1.0);
    QCOMPARE(valueOf("run-1"), 0.9);
    QCOMPARE(valueOf("run-2"), 0.8);
    QCOMPARE(browser.model()->headerData(column, Qt::Horizontal).toString(), QStringLiteral("val_loss (min)"));
    // Sorting follows the value shown.
    browser.view()->sortByColumn(column, Qt::AscendingOrder);
    QCOMPARE(browser.proxy()->index(0, RunTableModel::NameColumn).data().toString(), QStringLiteral("run-2"));
    // At a step: the value logged there.
    QVERIFY(choose(MetricReading { MetricReading::Kind::AtStep, 5 }));
    QCOMPARE(valueOf("run-0"), 1.0 + 0.01 * 25);
    QCOMPARE(browser.model()->headerData(column, Qt::Horizontal).toString(), QStringLiteral("val_loss (@ 5)"));
    // Remembered per metric: a new window shows val_loss the same way.
    QVERIFY(choose(MetricReading { MetricReading::Kind::Max, 0 }));
    RunBrowser again;
    QCOMPARE(int(again.metricReading(QStringLiteral("val_loss")).kind), int(MetricReading::Kind::Max));
    QSignalSpy againShown(&again, &RunBrowser::metricReadingsShown);
    again.showRuns(path, std::make_shared<const RunTable>(*table), 2e9);
    QVERIFY(againShown.count() > 0 || againShown.wait(10000));
    QCOMPARE(again.model()->headerData(column, Qt::Horizontal).toString(), QStringLiteral("val_loss (max)"));
    // Back to the latest.
    browser.setMetricReading(QStringLiteral("val_loss"), MetricReading {});
    QCOMPARE(browser.model()->headerData(column, Qt::Horizontal).toString(), QStringLiteral("val_loss"));
    QCOMPARE(valueOf("run-1"), 1.0 + 0.01 * 81 - 0.1);
}

void TestRunTableView::columnsFollowTheRunsInView()
{
    RunBrowser browser;
    browser.resize(1280, 400);
    browser.show();
    browser.showRuns(QStringLiteral("a.db"), twoProjects(), 2e9);
    // Everything in view: every column has a value somewhere.
    for (const char* id : { "param:lr", "param:seed", "param:num_leaves", "metric:val_acc", "metric:auc" })
        QVERIFY2(shown(browser, QString::fromLatin1(id)), id);
    // The vision runs only: the tabular runs' columns go, the shared ones stay.
    browser.filterEdit()->setText(QStringLiteral("name ~ \"^vision\""));
    QCOMPARE(browser.proxy()->rowCount(), 3);
    QTRY_VERIFY(!shown(browser, QStringLiteral("param:num_leaves")));
    QVERIFY(!shown(browser, QStringLiteral("metric:auc")));
    QVERIFY(!shown(browser, QStringLiteral("metric:lr")));
    QVERIFY(shown(browser, QStringLiteral("param:lr")) && shown(browser, QStringLiteral("param:seed")));
    QVERIFY(shown(browser, QStringLiteral("metric:val_acc")));
    // A pinned column stays whatever is in view.
    browser.setPinnedColumns({ QStringLiteral("metric:auc") });
    QVERIFY(shown(browser, QStringLiteral("metric:auc")));
    QVERIFY(!shown(browser, QStringLiteral("param:num_leaves")));
    // Back to everything: the columns come back.
    browser.filterEdit()->clear();
    QTRY_VERIFY(shown(browser, QStringLiteral("param:num_leaves")));
    QVERIFY(shown(browser, QStringLiteral("metric:lr")));
}

void TestRunTableView::paramsAndMetricsAreGroupedAndNamed()
{
    RunBrowser browser;
    browser.resize(1280, 400);
    browser.show();
    browser.showRuns(QStringLiteral("a.db"), twoProjects(), 2e9);
    // A param lr and a metric lr: the headers say which is which, as the filter names them.
    const int param = columnOf(browser, QStringLiteral("param:lr")),
              metric = columnOf(browser, QStringLiteral("metric:lr"));
    QVERIFY(param >= 0 && metric >= 0);
    QCOMPARE(browser.model()->headerData(param, Qt::Horizontal).toString(), QStringLiteral("lr"));
    QVERIFY2(
        plain(browser.model()->headerData(param, Qt::Horizontal, Qt::ToolTipRole).toString()).startsWith("param.lr"),
        qPrintable(browser.model()->headerData(param, Qt::Horizontal, Qt::ToolTipRole).toString()));
    QVERIFY(
        plain(browser.model()->headerData(metric, Qt::Horizontal, Qt::ToolTipRole).toString()).startsWith("metric.lr"));
    browser.filterEdit()->setText(QStringLiteral("param.lr = 0.05"));
    QCOMPARE(browser.proxy()->rowCount(), 3);
    browser.filterEdit()->setText(QStringLiteral("metric.lr > 0.0045"));
    QCOMPARE(browser.proxy()->rowCount(), 1);
    browser.filterEdit()->clear();
    // Grouped under headers: the run's own columns, then Params, then Metrics.
    const QStringList groups = browser.view()->horizontalHeader()->property("groups").toStringList();
    QCOMPARE(groups, (QStringList { "Run", "Params", "Metrics" }));
    QVERIFY(browser.view()->horizontalHeader()->height() >= 2 * browser.fontMetrics().height());
}

void TestRunTableView::statusAndNameStayInViewWhileScrolling()
{
    RunBrowser browser;
    browser.resize(700, 400);
    browser.show();
    QVERIFY(QTest::qWaitForWindowExposed(&browser));
    browser.showRuns(QStringLiteral("a.db"), twoProjects(), 2e9);
    RunTableView* view = browser.view();
    QTRY_VERIFY(view->horizontalScrollBar()->maximum() > 0);
    const int y = view->horizontalHeader()->height() + view->rowHeight(0) / 2 + 2;
    const int nameX = view->columnViewportPosition(RunTableModel::NameColumn) + 10;
    QCOMPARE(
        view->indexAt(QPoint(nameX, y - view->horizontalHeader()->height())).column(), int(RunTableModel::NameColumn));
    // Scrolled all the way right: what is drawn at the name's place is still the name column.
    view->horizontalScrollBar()->setValue(view->horizontalScrollBar()->maximum());
    QTRY_VERIFY(view->columnViewportPosition(RunTableModel::NameColumn) < 0);
    QWidget* under = view->childAt(QPoint(view->frameWidth() + nameX, view->frameWidth() + y));
    QVERIFY(under);
    auto* table = qobject_cast<QTableView*>(under->parentWidget());
    QVERIFY2(table && table != view, under->metaObject()->className());
    const QModelIndex index
        = table->indexAt(table->viewport()->mapFrom(view, QPoint(view->frameWidth() + nameX, view->frameWidth() + y)));
    QCOMPARE(index.column(), int(RunTableModel::NameColumn));
    QCOMPARE(index.data().toString(), QStringLiteral("vision-0"));
    // It shares the selection: a click there selects the run in the table.
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(index).center());
    QCOMPARE(browser.selectedRunIds().size(), 1);
    // Back at the left edge the overlay is gone: the columns are where they belong.
    view->horizontalScrollBar()->setValue(0);
    QTRY_VERIFY(!table->isVisible());
}

void TestRunTableView::noEmptyDefaultProjectAfterReprisRun()
{
    // `reprise run` files the run under "default"; the Python client it starts names the run's project.
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("runs.db"));
    QProcess run;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("PYTHONPATH"), QStringLiteral(REPRISE_CLIENT_DIR));
    run.setProcessEnvironment(environment);
    run.start(QStringLiteral(REPRISE_BIN),
        { QStringLiteral("run"), QStringLiteral("--db"), db, QStringLiteral("--"), QStringLiteral(REPRISE_PYTHON),
            QStringLiteral("-c"),
            QStringLiteral("import reprise\nrun = reprise.start_run(project='vision')\nrun.log_metric('acc', 0.9)\n"
                           "run.finish()\n") });
    QVERIFY(run.waitForFinished(60000));
    QVERIFY2(run.exitCode() == 0, run.readAllStandardError().constData());

    JobController jobs;
    SourceRegistry sources(&jobs);
    SourcesPanel panel(&sources);
    sources.addDatabase(db);
    QTRY_VERIFY_WITH_TIMEOUT(panel.topLevelItemCount() == 1 && panel.topLevelItem(0)->childCount() > 0, 20000);
    QStringList projects;
    for (int i = 0; i < panel.topLevelItem(0)->childCount(); ++i)
        projects << panel.topLevelItem(0)->child(i)->text(0);
    QCOMPARE(projects, QStringList { QStringLiteral("vision  (1)") });
}

QTEST_MAIN(TestRunTableView)
#include "tst_run_table_view.moc"
