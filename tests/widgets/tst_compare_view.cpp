// The Compare view off-screen on a real database: charts per key, exact decimation at pixel
// resolution, smoothing, linked zoom, log axis with non-positive values, NaN marks, readout.

#include "compare/compare_view.h"
#include "compare/parallel_coordinates.h"
#include "compare/scatter_plot.h"
#include "hostile_run.h"
#include "store/database.h"
#include "store/run_store.h"
#include "store/run_table.h"
#include "text/display_text.h"

#include <QApplication>
#include <QComboBox>
#include <QLegendMarker>
#include <QLineSeries>
#include <QListWidget>
#include <QScatterSeries>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTextDocument>
#include <QValueAxis>
#include <QWheelEvent>
#include <QXmlStreamReader>
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
    void cancelStopsTheLoad();
    void groupsWithBandsAndParamsDiff();
    void parallelCoordinatesAndScatterBrush();
    void exportsAndLiveRefresh();
    void hostileHistories();
    void hostileTextIsShownAsPlainText();

private:
    /// Four runs: lr 0.1 / 0.2 × seed 0 / 1, metric "m" at steps 0..2 with hand-picked values.
    QList<RunRecord> sweep(const QString& path);

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
    // ... given in selection order from the palette (tst_chart_colours checks how far apart they are).
    QCOMPARE(loss->curves()[0].colour, RunPalette::slotColour(0));
    // The readout names each run's value at the nearest step.
    const QString readout = loss->readoutAt(100000);
    QCOMPARE(readout.count(u'\n'), 3); // a header, then a line per run
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
    // Kept as float (the line drawn over the raw points): TensorBoard's EMA, rounded to float.
    const std::vector<double> expected = debiasedEma(*c.y, 0.9);
    QCOMPARE(c.smoothed->size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i)
        QVERIFY((*c.smoothed)[i] == float(expected[i]) || (std::isnan((*c.smoothed)[i]) && std::isnan(expected[i])));
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
    QSignalSpy redrawnA(a, &MetricChart::redrawn);
    a->resetZoom();
    QTRY_COMPARE_WITH_TIMEOUT(range(b).first, 0.0, 10000);
    // The plot area follows the new tick labels once `a` has redrawn: only then is it where the
    // band will be dragged.
    QTRY_VERIFY_WITH_TIMEOUT(redrawnA.count() > 0, 10000);
    // A rubber band dragged over the middle third of the plot zooms both charts to about that third.
    const QRectF plot = a->chart()->plotArea();
    const QPoint from(int(plot.left() + plot.width() / 3), int(plot.center().y()));
    const QPoint to(int(plot.left() + plot.width() * 2 / 3), int(plot.center().y()) + 10);
    QSignalSpy zoomed(a, &MetricChart::xRangeChanged);
    QTest::mousePress(a->viewport(), Qt::LeftButton, {}, from);
    QMouseEvent drag(QEvent::MouseMove, QPointF(to), a->viewport()->mapToGlobal(QPointF(to)), Qt::NoButton,
        Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(a->viewport(), &drag);
    QTest::mouseRelease(a->viewport(), Qt::LeftButton, {}, to);
    QCOMPARE(zoomed.count(), 1);
    const double lo = zoomed.first().at(0).toDouble(), hi = zoomed.first().at(1).toDouble();
    QVERIFY2(std::abs(lo - 100000) < 3000 && std::abs(hi - 200000) < 3000,
        qPrintable(QStringLiteral("%1 %2").arg(lo).arg(hi)));
    QTRY_COMPARE_WITH_TIMEOUT(range(b), range(a), 10000);
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

void TestCompareView::cancelStopsTheLoad()
{
    CompareView view;
    view.resize(1200, 700);
    view.show();
    QSignalSpy ready(&view, &CompareView::ready);
    view.setRuns(m_db, m_runs);
    QVERIFY(view.isBusy());
    view.cancel();
    QVERIFY(!view.isBusy());
    QCOMPARE(ready.count(), 1);
    QVERIFY(view.message().startsWith(QStringLiteral("Cancelled")));
    // The cancelled load's result never arrives as charts.
    QTest::qWait(1500);
    QVERIFY(view.charts().isEmpty());
    QVERIFY(view.message().startsWith(QStringLiteral("Cancelled")));
    // Cancelling when idle does nothing; loading again works.
    view.cancel();
    QCOMPARE(ready.count(), 1);
    QVERIFY(shown(view, [&] { view.setKeys({ QStringLiteral("loss") }); }));
    QCOMPARE(view.charts().size(), 1);
}

QList<RunRecord> TestCompareView::sweep(const QString& path)
{
    auto store = RunStore::open(path, OpenMode::Create);
    const std::vector<std::vector<double>> values { { 1, 2, 3 }, { 3, 4, 5 }, { 10, 10, 10 }, { 20, 30, 40 } };
    QList<RunRecord> runs;
    for (int r = 0; r < 4; ++r) {
        NewRun run;
        run.name = QStringLiteral("sweep-%1").arg(r);
        run.startTime = 2000 + r;
        run.params.insert(
            QStringLiteral("lr"), ParamValue::infer(r < 2 ? QStringLiteral("0.1") : QStringLiteral("0.2")));
        run.params.insert(QStringLiteral("seed"), ParamValue::infer(QString::number(r % 2)));
        run.params.insert(QStringLiteral("epochs"), ParamValue::infer(QStringLiteral("3")));
        auto ref = store->createRun(run);
        if (!ref)
            return {};
        const std::vector<qint64> steps { 0, 1, 2 };
        const std::vector<double> times { 1, 2, 3 };
        if (!store->logMetric(ref->rowId, QStringLiteral("m"), steps, values[std::size_t(r)], times))
            return {};
        runs << *store->loadRun(*ref);
    }
    return runs;
}

void TestCompareView::groupsWithBandsAndParamsDiff()
{
    const QString path = m_dir.filePath(QStringLiteral("sweep.db"));
    const QList<RunRecord> runs = sweep(path);
    QCOMPARE(runs.size(), 4);
    CompareView view;
    view.resize(1200, 700);
    view.show();
    view.setSmoothing(0);
    QVERIFY(shown(view, [&] { view.setRuns(path, runs); }));
    QCOMPARE(view.legend()->count(), 4);
    QVERIFY(view.groupings().contains(QStringLiteral("except:seed")));
    QVERIFY(view.groupings().contains(QStringLiteral("param:lr")));
    QVERIFY(!view.groupings().contains(QStringLiteral("param:epochs"))); // the same everywhere

    // Same params except the seed: two groups of two, mean ± sample std step by step.
    QVERIFY(shown(view, [&] { view.setGroupBy(QStringLiteral("except:seed")); }));
    QCOMPARE(view.legend()->count(), 2);
    const auto& groups = view.charts().first()->curves();
    QCOMPARE(int(groups.size()), 2);
    QCOMPARE(groups[0].label, QStringLiteral("lr=0.1 (n=2)"));
    QCOMPARE(*groups[0].y, (std::vector<double> { 2, 3, 4 })); // (1+3)/2, (2+4)/2, (3+5)/2
    QCOMPARE(*groups[1].y, (std::vector<double> { 15, 20, 25 }));
    // std of {1, 3} is √2; of {10, 20} is √50.
    QVERIFY(std::abs((*groups[0].bandLow)[0] - (2 - std::sqrt(2.0))) < 1e-12);
    QVERIFY(std::abs((*groups[1].bandHigh)[0] - (15 + std::sqrt(50.0))) < 1e-12);
    QCOMPARE(view.charts().first()->drawn(0).bandHigh.x.size(), std::size_t(3)); // the band is painted
    QVERIFY(shown(view, [&] { view.setBand(CompareView::Band::MinMax); }));
    QCOMPARE(*view.charts().first()->curves()[1].bandLow, (std::vector<double> { 10, 10, 10 }));
    QCOMPARE(*view.charts().first()->curves()[1].bandHigh, (std::vector<double> { 20, 30, 40 }));
    // Smoothing applies to the group means.
    QVERIFY(shown(view, [&] { view.setSmoothing(0.5); }));
    const ChartCurve& smoothed = view.charts().first()->curves()[0];
    QVERIFY(smoothed.smoothed);
    const std::vector<double> ema = debiasedEma(*smoothed.y, 0.5);
    QCOMPARE(*smoothed.smoothed, std::vector<float>(ema.begin(), ema.end()));
    // Back to one line per run.
    QVERIFY(shown(view, [&] { view.setGroupBy(QString()); }));
    QCOMPARE(int(view.charts().first()->curves().size()), 4);

    // Params side by side: lr and seed differ (highlighted); epochs and the commit do not.
    QTableWidget* table = view.paramsTable();
    QCOMPARE(table->columnCount(), 4);
    QStringList rows;
    for (int r = 0; r < table->rowCount(); ++r)
        rows << table->verticalHeaderItem(r)->text();
    QCOMPARE(rows, (QStringList { "(commit)", "epochs", "lr", "seed" }));
    QCOMPARE(table->item(2, 3)->text(), QStringLiteral("0.2"));
    QVERIFY(table->item(2, 0)->background().style() != Qt::NoBrush);
    QVERIFY(table->item(1, 0)->background().style() == Qt::NoBrush);
    view.setOnlyDifferences(true);
    QCOMPARE(table->rowCount(), 2);
    QCOMPARE(table->verticalHeaderItem(0)->text(), QStringLiteral("lr"));
}

void TestCompareView::parallelCoordinatesAndScatterBrush()
{
    const QString path = m_dir.filePath(QStringLiteral("plots.db"));
    const QList<RunRecord> runs = sweep(path);
    QCOMPARE(runs.size(), 4);
    auto db = Database::open(path, OpenMode::ReadOnly);
    QVERIFY(db);
    auto table = loadRunTable(**db);
    QVERIFY(table);
    const PlotTable plots = plotTable(*table, { 0, 1, 2, 3 });
    QVERIFY(plots.field(QStringLiteral("lr")) && plots.field(QStringLiteral("m")));
    QVERIFY(!plots.field(QStringLiteral("epochs"))); // constant: no axis

    ParallelCoordinates parallel;
    parallel.resize(800, 400);
    parallel.show();
    parallel.setTable(plots);
    parallel.setColourMetric(QStringLiteral("m"));
    QCOMPARE(parallel.axisNames(), (QStringList { "lr", "seed", "m" }));
    QCOMPARE(parallel.brushedRunIds().size(), 4);
    parallel.setBrush(QStringLiteral("lr"), 0.15, 0.25);
    QStringList expected { runs[2].uuid, runs[3].uuid };
    QStringList brushed = parallel.brushedRunIds();
    std::sort(brushed.begin(), brushed.end());
    std::sort(expected.begin(), expected.end());
    QCOMPARE(brushed, expected);
    // Brushes combine: and the final m ≥ 20 leaves run 3 alone.
    parallel.setBrush(QStringLiteral("m"), 20, 100);
    QCOMPARE(parallel.brushedRunIds(), QStringList { runs[3].uuid });
    // Dragging along the first axis (lr, at the plot's left edge) from the top to the middle
    // brushes the upper half of lr: the two lr = 0.2 runs.
    parallel.clearBrushes();
    QSignalSpy spy(&parallel, &ParallelCoordinates::runsBrushed);
    QTest::mousePress(&parallel, Qt::LeftButton, {}, QPoint(60, 20)); // above the axis: its top
    QMouseEvent move(QEvent::MouseMove, QPointF(60, 200), parallel.mapToGlobal(QPointF(60, 200)), Qt::NoButton,
        Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&parallel, &move);
    QTest::mouseRelease(&parallel, Qt::LeftButton, {}, QPoint(60, 200));
    QCOMPARE(spy.count(), 1);
    brushed = spy.first().first().toStringList();
    std::sort(brushed.begin(), brushed.end());
    QCOMPARE(brushed, expected);
    QVERIFY(!parallel.grab().toImage().isNull());

    ScatterPlot scatter;
    scatter.resize(600, 400);
    scatter.show();
    scatter.setTable(plots);
    scatter.setFields(QStringLiteral("lr"), QStringLiteral("m"), QStringLiteral("seed"));
    QCOMPARE(scatter.pointCount(), 4);
    QCOMPARE(scatter.runsIn(0.15, 0.25, -1e9, 1e9).size(), 2);
    QSignalSpy picked(&scatter, &ScatterPlot::runsBrushed);
    QTest::mousePress(&scatter, Qt::LeftButton, {}, QPoint(2, 2));
    QMouseEvent drag(QEvent::MouseMove, QPointF(598, 398), scatter.mapToGlobal(QPointF(598, 398)), Qt::NoButton,
        Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&scatter, &drag);
    QTest::mouseRelease(&scatter, Qt::LeftButton, {}, QPoint(598, 398));
    QCOMPARE(picked.count(), 1);
    QCOMPARE(picked.first().first().toStringList().size(), 4);
    // A log axis leaves out nothing here (all positive) and keeps every point.
    scatter.setLog(true, true);
    QCOMPARE(scatter.pointCount(), 4);
}

void TestCompareView::exportsAndLiveRefresh()
{
    const QString path = m_dir.filePath(QStringLiteral("live.db"));
    const QList<RunRecord> runs = sweep(path);
    CompareView view;
    view.resize(1200, 700);
    view.show();
    QVERIFY(shown(view, [&] { view.setRuns(path, runs); }));

    // Pictures with legends, and every visible point as CSV.
    const QString png = m_dir.filePath(QStringLiteral("charts.png"));
    const QString svg = m_dir.filePath(QStringLiteral("charts.svg"));
    QSignalSpy exported(&view, &CompareView::exported);
    view.exportCharts(png);
    QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, 10000);
    QCOMPARE(exported.last().at(1).toString(), QString());
    view.exportCharts(svg);
    QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 2, 10000);
    QCOMPARE(exported.last().at(1).toString(), QString());
    QImage picture(png);
    QVERIFY(!picture.isNull() && picture.width() > 100);
    QFile svgFile(svg);
    QVERIFY(svgFile.open(QIODevice::ReadOnly));
    const QByteArray svgText = svgFile.readAll();
    QVERIFY(svgText.contains("<svg") && svgText.contains("sweep-0"));
    // An unwritable place is reported with its path.
    const QString nowhere = m_dir.filePath(QStringLiteral("no/such/dir/x.png"));
    view.exportCharts(nowhere);
    QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 3, 10000);
    QVERIFY(exported.last().at(1).toString().contains(nowhere));
    const QString csv = m_dir.filePath(QStringLiteral("points.csv"));
    exported.clear();
    view.exportCsv(csv);
    QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, 10000);
    QCOMPARE(exported.first().at(1).toString(), QString());
    QFile csvFile(csv);
    QVERIFY(csvFile.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = csvFile.readAll().trimmed().split('\n');
    QCOMPARE(lines.first(), QByteArray("run_id,run,metric,x,value"));
    QCOMPARE(lines.size(), 1 + 4 * 3);
    QVERIFY(lines.contains(
        '"' + runs[3].uuid.toUtf8() + "\",\"sweep-3 · " + runs[3].uuid.left(6).toUtf8() + "\",\"m\",2,40"));

    // Live: a running run logs more points; a refresh extends its curve and keeps the zoom.
    MetricChart* chart = view.charts().first();
    QSignalSpy redrawn(chart, &MetricChart::redrawn);
    chart->setXRange(0, 1);
    QTRY_VERIFY_WITH_TIMEOUT(redrawn.count() > 0, 10000);
    {
        auto store = RunStore::open(path, OpenMode::ReadWrite);
        QVERIFY(store);
        const std::vector<qint64> steps { 3, 4, 5, 6 };
        const std::vector<double> values { 6, 7, 8, 9 }, times { 4, 5, 6, 7 };
        QVERIFY(store->logMetric(store->resolveRun(runs[0].uuid)->rowId, QStringLiteral("m"), steps, values, times));
    }
    QVERIFY(shown(view, [&] { view.refresh(); }));
    QCOMPARE(view.charts().first(), chart); // the same chart, updated in place
    QCOMPARE(chart->curves()[0].x->size(), std::size_t(7));
    QCOMPARE(chart->visibleLow(), 0.0);
    QCOMPARE(chart->visibleHigh(), 1.0);
}

void TestCompareView::hostileHistories()
{
    // One point, only NaN, huge and tiny magnitudes, MLflow's ±1.797e308 infinities, step -1,
    // steps logged out of order and repeated: each drawn or explained, never a crash or a hang.
    const QString path = m_dir.filePath(QStringLiteral("hostile.db"));
    auto store = RunStore::open(path, OpenMode::Create);
    QVERIFY(store);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const std::vector<std::pair<std::vector<qint64>, std::vector<double>>> histories {
        { { 5 }, { 0.5 } },
        { { 0, 1, 2 }, { nan, nan, nan } },
        { { -1, 0, 1 }, { 1e300, -1e300, 1e300 } },
        { { 0, 1, 2 }, { 1e-300, 2e-300, 3e-300 } },
        { { 0, 1, 2 }, { 1.797e308, -1.797e308, 0 } },
        { { 3, 1, 2, 1 }, { 4, 1, 2, 9 } },
    };
    QList<RunRecord> runs;
    for (const auto& [steps, values] : histories) {
        auto ref = store->createRun(NewRun {});
        QVERIFY(ref);
        const std::vector<double> times(steps.size(), 1.0);
        QVERIFY(store->logMetric(ref->rowId, QStringLiteral("m"), steps, values, times));
        runs << *store->loadRun(*ref);
    }
    CompareView view;
    view.resize(1200, 700);
    view.show();
    for (const RunRecord& run : std::as_const(runs)) {
        QVERIFY(shown(view, [&] { view.setRuns(path, { run }); }));
        QCOMPARE(view.charts().size(), 1);
        MetricChart* chart = view.charts().first();
        const auto& axis = *qobject_cast<QValueAxis*>(chart->chart()->axes(Qt::Vertical).first());
        QVERIFY(std::isfinite(axis.min()) && std::isfinite(axis.max()) && axis.min() < axis.max());
        QVERIFY(!view.grab().toImage().isNull()); // paints
        QSignalSpy redrawn(chart, &MetricChart::redrawn);
        view.setLogY(true);
        QTRY_VERIFY_WITH_TIMEOUT(redrawn.count() > 0, 10000);
        QVERIFY(!view.grab().toImage().isNull());
        view.setLogY(false);
    }
    // The all-NaN history is marked, not silently empty.
    QVERIFY(shown(view, [&] { view.setRuns(path, { runs[1] }); }));
    QVERIFY(view.charts().first()->note().contains(QStringLiteral("NaN/inf marked")));
    // Out-of-order steps are drawn in step order (a repeated step keeps both values, in logging order).
    QVERIFY(shown(view, [&] { view.setRuns(path, { runs[5] }); }));
    QCOMPARE(*view.charts().first()->curves()[0].x, (std::vector<double> { 1, 1, 2, 3 }));
    QCOMPARE(*view.charts().first()->curves()[0].y, (std::vector<double> { 1, 9, 2, 4 }));
}

void TestCompareView::hostileTextIsShownAsPlainText()
{
    QTemporaryDir dir;
    const hostile::Database db = hostile::write(dir.filePath(QStringLiteral("hostile.db")));
    auto store = RunStore::open(db.path, OpenMode::ReadOnly);
    QVERIFY(store);
    const QList<RunRecord> runs { *store->loadRun(db.first), *store->loadRun(db.second) };
    auto table = loadRunTable(store->database());
    QVERIFY(table);

    CompareView view;
    view.resize(1300, 800);
    view.show();
    QVERIFY(shown(view, [&] { view.setRuns(db.path, runs); }));
    view.setPlotTable(plotTable(*table, { 0, 1 }));
    QVERIFY(view.availableKeys().contains(hostile::metricKey()));

    // The chart of the hostile key: QtCharts renders its title and legend labels as HTML, so they
    // are given escaped; what the chart shows is the visible text.
    MetricChart* chart = nullptr;
    for (MetricChart* c : view.charts()) {
        if (c->property("metricKey").toString() == hostile::metricKey())
            chart = c;
    }
    QVERIFY(chart);
    QVERIFY2(chart->chart()->title().startsWith(hostile::metricKeyHtml()), qPrintable(chart->chart()->title()));
    QTextDocument title;
    title.setHtml(chart->chart()->title());
    QVERIFY(title.toPlainText().startsWith(hostile::metricKeyShown()));
    QCOMPARE(chart->accessibleName(), hostile::metricKeyShown());
    QStringList seriesNames;
    for (QAbstractSeries* series : chart->chart()->series())
        seriesNames << series->name();
    QVERIFY2(
        seriesNames.contains(hostile::nameHtml() + QStringLiteral(" · a1b2c3")), qPrintable(seriesNames.join(u'|')));
    for (const QString& name : std::as_const(seriesNames))
        QVERIFY2(!name.contains(u'<') && !hostile::hasRawControls(name), qPrintable(name));
    for (QLegendMarker* marker : chart->chart()->legend()->markers())
        QVERIFY(!marker->label().contains(u'<'));
    // The hover readout (plain text on the scene) names the runs visibly.
    const QString readout = chart->readoutAt(1);
    QVERIFY2(readout.contains(hostile::nameShown()) && !hostile::hasRawControls(readout), qPrintable(readout));

    // The shared legend, the key list and the group chooser: visible text, the real values as data.
    QCOMPARE(view.legend()->item(0)->text(), hostile::nameShown() + QStringLiteral(" · a1b2c3"));
    QListWidget* keys = nullptr;
    for (QListWidget* list : view.findChildren<QListWidget*>()) {
        if (list->accessibleName() == QStringLiteral("Metrics to chart"))
            keys = list;
    }
    QVERIFY(keys);
    bool listed = false;
    for (int i = 0; i < keys->count(); ++i) {
        QVERIFY(!hostile::hasRawControls(keys->item(i)->text()));
        if (keys->item(i)->data(Qt::UserRole).toString() == hostile::metricKey()) {
            QCOMPARE(keys->item(i)->text(), hostile::metricKeyShown());
            listed = true;
        }
    }
    QVERIFY(listed);
    QVERIFY(view.groupings().contains(QStringLiteral("param:") + hostile::paramKey()));
    for (QComboBox* box : view.findChildren<QComboBox*>()) {
        for (int i = 0; i < box->count(); ++i)
            QVERIFY2(!hostile::hasRawControls(box->itemText(i)), qPrintable(box->accessibleName()));
    }

    // Params side by side: headers and cells as visible text, tooltips literal.
    QTableWidget* params = view.paramsTable();
    QCOMPARE(params->horizontalHeaderItem(0)->text(), hostile::nameShown() + QStringLiteral("\na1b2c3d4"));
    int row = -1;
    for (int r = 0; r < params->rowCount(); ++r) {
        if (params->verticalHeaderItem(r)->text() == hostile::paramKeyShown())
            row = r;
    }
    QVERIFY(row >= 0);
    QCOMPARE(params->item(row, 0)->text(), hostile::paramValueShown() + u'0');
    QTextDocument tip;
    tip.setHtml(params->item(row, 0)->toolTip());
    QCOMPARE(tip.toPlainText(), hostile::paramValueShown() + u'0');

    // The scatter and parallel coordinates are fed the real field names through the choosers.
    view.showPage(QStringLiteral("scatter"));
    QVERIFY(view.scatter()->table().field(view.scatter()->xField()));
    QVERIFY(view.scatter()->table().field(view.scatter()->yField()));
    QVERIFY(!view.grab().toImage().isNull());

    // An SVG export stays well-formed XML, its title the visible keys.
    const QString svg = dir.filePath(QStringLiteral("hostile.svg"));
    QSignalSpy exported(&view, &CompareView::exported);
    view.showPage(QStringLiteral("charts"));
    view.exportCharts(svg);
    QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, 10000);
    QCOMPARE(exported.first().at(1).toString(), QString());
    QFile file(svg);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QXmlStreamReader xml(&file);
    QString svgTitle;
    while (!xml.atEnd()) {
        if (xml.readNext() == QXmlStreamReader::StartElement && xml.name() == QLatin1String("title"))
            svgTitle = xml.readElementText();
    }
    file.seek(0);
    const QList<QByteArray> svgLines = file.readAll().split('\n');
    QVERIFY2(!xml.hasError(),
        qPrintable(xml.errorString() + u' ' + QString::fromUtf8(svgLines.value(xml.lineNumber() - 1)).toHtmlEscaped()));
    QVERIFY2(svgTitle.contains(hostile::metricKeyShown()), qPrintable(svgTitle));
}

QTEST_MAIN(TestCompareView)
#include "tst_compare_view.moc"
