// Closing the compare view while its work runs: the histories of 20 runs × 200,000 points are still
// being read (or derived, or exported) on worker threads when the view is destroyed. Nothing may be
// delivered to the destroyed view; the pools finish; no crash (run under the sanitizer build too).

#include "compare/compare_view.h"
#include "compute_pool.h"
#include "store/run_store.h"

#include <QApplication>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>
#include <cmath>

using namespace reprise;

class TestCompareViewClose : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void closeWhileLoading_data();
    void closeWhileLoading();
    void closeWhileExporting();

private:
    /// Waits until no job of either pool runs, then delivers whatever they posted.
    static void drainPools();

    QTemporaryDir m_dir;
    QString m_db;
    QList<RunRecord> m_runs;
};

void TestCompareViewClose::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_db = m_dir.filePath(QStringLiteral("large.db"));
    auto store = RunStore::open(m_db, OpenMode::Create);
    QVERIFY(store);
    const std::size_t n = 200000;
    std::vector<qint64> steps(n);
    std::vector<double> values(n), times(n);
    for (int r = 0; r < 20; ++r) {
        NewRun run;
        run.name = QStringLiteral("run-%1").arg(r);
        run.startTime = 1000 + r;
        run.params.insert(QStringLiteral("seed"), ParamValue::infer(QString::number(r % 4)));
        run.params.insert(
            QStringLiteral("lr"), ParamValue::infer(r < 10 ? QStringLiteral("0.1") : QStringLiteral("0.2")));
        auto ref = store->createRun(run);
        QVERIFY(ref);
        for (std::size_t i = 0; i < n; ++i) {
            steps[i] = qint64(i);
            values[i] = 1.0 / (1 + double(i) / 1000) + 0.01 * std::sin(double(i + std::size_t(r)));
            times[i] = run.startTime + double(i) * 0.01;
        }
        QVERIFY(store->storeHistory(ref->rowId, QStringLiteral("loss"), steps, values, times));
        QVERIFY(store->storeHistory(ref->rowId, QStringLiteral("acc"), steps, values, times));
        QVERIFY(store->finishRun(ref->rowId, RunStatus::Finished, 0, run.startTime + 2000));
        m_runs << *store->loadRun(*ref);
    }
}

void TestCompareViewClose::drainPools()
{
    // The outer job (global pool) waits for its per-run reads (compute pool): wait for it first.
    QThreadPool::globalInstance()->waitForDone();
    computePool()->waitForDone();
    QThreadPool::globalInstance()->waitForDone();
    // Whatever a worker posted (a finished watcher, a continuation) is delivered, or dropped with its receiver.
    QCoreApplication::sendPostedEvents();
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    QCoreApplication::processEvents();
}

void TestCompareViewClose::closeWhileLoading_data()
{
    QTest::addColumn<QString>("when");
    QTest::newRow("reading the histories") << "load";
    QTest::newRow("reading again (live refresh)") << "refresh";
    QTest::newRow("grouping the loaded histories") << "derive";
    QTest::newRow("a newer load replaced an older one") << "reload";
}

void TestCompareViewClose::closeWhileLoading()
{
    QFETCH(QString, when);
    auto* view = new CompareView;
    view->resize(1200, 700);
    view->show();
    QSignalSpy ready(view, &CompareView::ready);
    if (when != QLatin1String("load")) {
        // Loaded and drawn once first.
        view->setRuns(m_db, m_runs);
        QTRY_VERIFY_WITH_TIMEOUT(!view->isBusy(), 60000);
        QCOMPARE(view->charts().size(), 2);
    }
    ready.clear();
    if (when == QLatin1String("load"))
        view->setRuns(m_db, m_runs);
    else if (when == QLatin1String("refresh"))
        view->refresh();
    else if (when == QLatin1String("derive"))
        view->setGroupBy(QStringLiteral("except:seed"));
    else {
        view->setKeys({ QStringLiteral("loss") });
        view->setKeys({ QStringLiteral("acc") });
    }
    // The work is in flight: the view waits for it, and a worker holds it.
    QVERIFY(view->isBusy());
    QVERIFY(QThreadPool::globalInstance()->activeThreadCount() > 0);
    QCOMPARE(ready.count(), 0);
    view->close();
    delete view;
    drainPools();
    QCOMPARE(QThreadPool::globalInstance()->activeThreadCount(), 0);
    QCOMPARE(computePool()->activeThreadCount(), 0);
}

void TestCompareViewClose::closeWhileExporting()
{
    auto* view = new CompareView;
    view->resize(1200, 700);
    view->show();
    view->setRuns(m_db, m_runs);
    QTRY_VERIFY_WITH_TIMEOUT(!view->isBusy(), 60000);
    QSignalSpy exported(view, &CompareView::exported);
    const QString csv = m_dir.filePath(QStringLiteral("points.csv"));
    const QString png = m_dir.filePath(QStringLiteral("charts.png"));
    view->exportCsv(csv); // 8 million rows
    view->exportCharts(png);
    delete view;
    drainPools();
    QCOMPARE(exported.count(), 0); // nothing was reported to the view that is gone
    // The files were written all the same: the workers held copies, not the view.
    QVERIFY(QFileInfo(csv).size() > 8 * 1000 * 1000);
    QVERIFY(QFileInfo(png).size() > 1000);
}

QTEST_MAIN(TestCompareViewClose)
#include "tst_compare_view_close.moc"
