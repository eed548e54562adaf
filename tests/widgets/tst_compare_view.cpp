// The Compare view off-screen on a real database: charts per key, exact decimation at pixel
// resolution, smoothing, linked zoom, log axis with non-positive values, NaN marks, readout.

#include "charts/compare_view.h"
#include "store/run_store.h"

#include <QApplication>
#include <QLineSeries>
#include <QScatterSeries>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QValueAxis>
#include <QWheelEvent>
#include <cmath>

using namespace reprise;

namespace {

bool shown(CompareView& view, const std::function<void()>& request)
{
    request();
    // A result can arrive before a wait() would start: poll the count instead.
    for (int i = 0; i < 400 && view.isBusy(); ++i)
        QTest::qWait(50);
    return !view.isBusy();
}

} // namespace

class TestCompareView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void chartsPerKeyAtPixelResolution();
    void smoothingAndLinkedZoom();
    void logAxisAndNonFiniteValues();
    void noRunsNoMetrics();

private:
    QTemporaryDir m_dir;
    QString m_db;
    QList<RunRecord> m_runs;
};

void TestCompareView::initTestCase()
{
    m_db = m_dir.filePath(QStringLiteral("c.db"));
    auto store = RunStore::open(m_db, OpenMode::Create);
    QVERIFY(store);
    for (int r = 0; r < 3; ++r) {
        NewRun run;
        run.name = QStringLiteral("seed-%1").arg(r);
        run.startTime = 1000 + r;
        auto ref = store->createRun(run);
        QVERIFY(ref);
        // 300,000 points of loss with one spike per run; a short "acc" only for runs 0 and 1.
        const std::size_t n = 300000;
        std::vector<qint64> steps(n);
        std::vector<double> values(n), times(n);
        for (std::size_t i = 0; i < n; ++i) {
            steps[i] = qint64(i);
            values[i] = 1.0 / (1 + double(i) / 1000) + 0.01 * std::sin(double(i));
            times[i] = run.startTime + double(i) * 0.1;
        }
        values[100000 + std::size_t(r) * 1000] = 50; // a spike that must stay visible
        values[200000] = std::numeric_limits<double>::quiet_NaN();
        values[200001] = -1; // not drawable on a log axis
        QVERIFY(store->logMetric(ref->rowId, QStringLiteral("loss"), steps, values, times));
        if (r < 2) {
            const std::vector<qint64> s { 0, 1, 2 };
            const std::vector<double> v { 0.1, 0.5, 0.9 }, t { 1, 2, 3 };
            QVERIFY(store->logMetric(ref->rowId, QStringLiteral("acc"), s, v, t));
        }
        m_runs << *store->loadRun(*ref);
    }
}

void TestCompareView::chartsPerKeyAtPixelResolution()
{
    CompareView view;
    view.resize(1300, 800);
    view.show();
    QVERIFY(shown(view, [&] { view.setRuns(m_db, m_runs); }));
    QCOMPARE(view.availableKeys(), (QStringList { "acc", "loss" }));
    QCOMPARE(view.charts().size(), 2);
    MetricChart* loss = nullptr;
    for (MetricChart* c : view.charts()) {
        if (c->chart()->title().startsWith(QStringLiteral("loss")))
            loss = c;
    }
    QVERIFY(loss);
    QCOMPARE(int(loss->curves().size()), 3);
    // Never more than 4 points per pixel column per series handed to QtCharts, and it says so.
    // (The plot is narrower than the widget; the widget's width bounds every layout it went through.)
    const int columns = loss->width();
    for (int count : loss->drawnPointCounts())
        QVERIFY2(count <= 2 * 4 * std::max(100, columns) && count > 100, qPrintable(QString::number(count)));
    QVERIFY(loss->note().contains(QStringLiteral("drawn at pixel resolution")));
    // Every spike is on screen: the raw curves painted hold the exact extremes.
    for (std::size_t i = 0; i < loss->curves().size(); ++i) {
        const DrawnCurve& drawn = loss->drawn(i);
        QVERIFY(drawn.visible);
        QCOMPARE(*std::max_element(drawn.raw.y.begin(), drawn.raw.y.end()), 50.0);
    }
    // Stable colours: one per run, the same in every chart.
    QCOMPARE(loss->curves()[0].colour, runColour(m_runs[0].uuid));
    QVERIFY(loss->curves()[0].colour != loss->curves()[1].colour);
    // ... and across sessions: the colour depends on the id alone (this value is fixed on purpose).
    QCOMPARE(runColour(QStringLiteral("645c70d555d7463ef1acda30f41183e8")).name(), QStringLiteral("#25b73b"));
    // The readout names each run's value at the nearest step.
    const QString readout = loss->readoutAt(100000);
    QCOMPARE(readout.count(u'\n'), 2);
    QVERIFY(readout.contains(QStringLiteral("seed-0")));
    QImage image = view.grab().toImage();
    QVERIFY(!image.isNull());
}

void TestCompareView::smoothingAndLinkedZoom()
{
    CompareView view;
    view.resize(1300, 800);
    view.show();
    QVERIFY(shown(view, [&] { view.setRuns(m_db, m_runs); }));
    QVERIFY(view.charts().first()->curves()[0].smoothed); // smoothing is on by default
    QVERIFY(shown(view, [&] { view.setSmoothing(0); }));
    QVERIFY(!view.charts().first()->curves()[0].smoothed);
    QVERIFY(shown(view, [&] { view.setSmoothing(0.9); }));
    const ChartCurve& c = view.charts().first()->curves()[0];
    QVERIFY(c.smoothed);
    const std::vector<double> expected = debiasedEma(*c.y, 0.9);
    QCOMPARE(c.smoothed->size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i)
        QVERIFY((*c.smoothed)[i] == expected[i] || (std::isnan((*c.smoothed)[i]) && std::isnan(expected[i])));
    // Zooming one chart moves the other.
    MetricChart* a = view.charts()[0];
    MetricChart* b = view.charts()[1];
    QSignalSpy redrawn(b, &MetricChart::redrawn);
    QWheelEvent wheel(QPointF(a->width() / 2.0, a->height() / 2.0),
        a->mapToGlobal(QPointF(a->width() / 2.0, a->height() / 2.0)), QPoint(), QPoint(0, 240), Qt::NoButton,
        Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(a->viewport(), &wheel);
    QTRY_VERIFY_WITH_TIMEOUT(redrawn.count() > 0, 10000); // may report before a wait() could start
    auto range = [](MetricChart* chart) {
        auto* axis = qobject_cast<QValueAxis*>(chart->chart()->axes(Qt::Horizontal).first());
        return std::pair { axis->min(), axis->max() };
    };
    QTRY_COMPARE_WITH_TIMEOUT(range(b), range(a), 10000);
    QVERIFY(range(a).second - range(a).first < 300000 * 0.9);
    a->resetZoom();
    QTRY_COMPARE_WITH_TIMEOUT(range(b).first, 0.0, 10000);
}

void TestCompareView::logAxisAndNonFiniteValues()
{
    CompareView view;
    view.resize(1300, 800);
    view.show();
    QVERIFY(shown(view, [&] {
        view.setRuns(m_db, m_runs);
        view.setKeys({ QStringLiteral("loss") });
    }));
    MetricChart* loss = view.charts().first();
    QSignalSpy redrawn(loss, &MetricChart::redrawn);
    view.setLogY(true);
    QTRY_VERIFY_WITH_TIMEOUT(redrawn.count() > 0, 10000); // may report before a wait() could start
    QVERIFY2(loss->note().contains(QStringLiteral("not shown on the log axis")), qPrintable(loss->note()));
    QVERIFY(loss->note().contains(QStringLiteral("NaN/inf marked")));
    for (QAbstractSeries* s : loss->chart()->series()) {
        if (auto* marks = qobject_cast<QScatterSeries*>(s))
            QVERIFY(marks->count() >= 1);
    }
}

void TestCompareView::noRunsNoMetrics()
{
    CompareView view;
    RunRecord bare;
    bare.uuid = QStringLiteral("0123456789abcdef0123456789abcdef");
    QVERIFY(shown(view, [&] { view.setRuns(m_db, { bare }); }));
    QVERIFY(view.message().contains(QStringLiteral("logged no metrics")));
    QVERIFY(view.charts().isEmpty());
}

QTEST_MAIN(TestCompareView)
#include "tst_compare_view.moc"
