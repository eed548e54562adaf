// What a chart tells on hover and under it: the readout's smoothed and logged values with step and
// wall time, framed beside the cursor (never over it); runs that did not log the metric listed under
// the chart; a metric logged once per run drawn as one dot per run; the title is the metric's name.

#include "chart_test_support.h"

#include <QApplication>
#include <QListWidget>
#include <QMouseEvent>
#include <QTemporaryDir>
#include <cmath>

using namespace reprise;
using namespace reprise::test;

namespace {

MetricChart* chartOf(CompareView& view, const QString& key)
{
    for (MetricChart* c : view.charts()) {
        if (c->plainTitle() == key)
            return c;
    }
    return nullptr;
}

void hover(MetricChart* chart, QPointF at)
{
    QMouseEvent move(
        QEvent::MouseMove, at, chart->viewport()->mapToGlobal(at), Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(chart->viewport(), &move);
}

} // namespace

class TestChartReadout : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void readoutHasSmoothedAndLoggedValues();
    void readoutNeverCoversTheCursor();
    void missingRunsAreListedAndTheTitleIsTheMetric();
    void onePointPerRunIsADotPerRun();

private:
    QTemporaryDir m_dir;
    QString m_db;
    QList<RunRecord> m_runs;
    std::vector<double> m_lossA, m_lossB;
};

void TestChartReadout::initTestCase()
{
    for (int i = 0; i < 100; ++i) {
        m_lossA.push_back(1.0 / (1 + i) + (i % 2) * 0.05);
        m_lossB.push_back(2.0 / (1 + i));
    }
    m_db = m_dir.filePath(QStringLiteral("readout.db"));
    m_runs = writeRuns(m_db,
        {
            { QStringLiteral("run-a"), {},
                { { QStringLiteral("loss"), m_lossA }, { QStringLiteral("final"), { 0.91 } } } },
            { QStringLiteral("run-b"), {},
                { { QStringLiteral("loss"), m_lossB }, { QStringLiteral("final"), { 0.87 } } } },
            { QStringLiteral("run-c"), {}, { { QStringLiteral("final"), { 0.95 } } } },
        });
    QCOMPARE(m_runs.size(), 3);
}

void TestChartReadout::readoutHasSmoothedAndLoggedValues()
{
    CompareView view;
    view.resize(1200, 700);
    view.show();
    QVERIFY(shown(view, [&] {
        view.setRuns(m_db, m_runs);
        view.setKeys({ QStringLiteral("loss"), QStringLiteral("final") });
    }));
    QVERIFY(shown(view, [&] { view.setSmoothing(0.6); }));
    MetricChart* loss = chartOf(view, QStringLiteral("loss"));
    QVERIFY(loss);
    const QString text = loss->readoutAt(51);
    const QStringList lines = text.split(u'\n');
    QCOMPARE(lines.size(), 3); // header, run-a, run-b (run-c did not log loss)
    QCOMPARE(lines[0], QStringLiteral("Run\tSmoothed\tValue\tStep\tTime"));
    // TensorBoard's smoothing at step 51, and the value as logged, side by side.
    const std::vector<double> smoothA = debiasedEma(m_lossA, 0.6), smoothB = debiasedEma(m_lossB, 0.6);
    const QStringList a = lines[1].startsWith(QStringLiteral("run-a")) ? lines[1].split(u'\t') : lines[2].split(u'\t');
    QCOMPARE(a.size(), 5);
    QCOMPARE(a[1].toDouble(), QString::number(smoothA[51], 'g', 6).toDouble());
    QCOMPARE(a[2].toDouble(), QString::number(m_lossA[51], 'g', 6).toDouble());
    QVERIFY(a[1] != a[2]);
    QCOMPARE(a[3], QStringLiteral("51"));
    QCOMPARE(a[4], QDateTime::fromSecsSinceEpoch(1051).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
    // Sorted by the value shown, highest first: run-b's loss is the higher one.
    QVERIFY2(lines[1].startsWith(QStringLiteral("run-b")) == (smoothB[51] > smoothA[51]), qPrintable(text));
}

void TestChartReadout::readoutNeverCoversTheCursor()
{
    CompareView view;
    view.resize(1200, 700);
    view.show();
    QVERIFY(shown(view, [&] {
        view.setRuns(m_db, m_runs);
        view.setKeys({ QStringLiteral("loss") });
    }));
    MetricChart* loss = chartOf(view, QStringLiteral("loss"));
    QVERIFY(loss);
    const QRectF plot = loss->chart()->plotArea();
    for (double f : { 0.05, 0.5, 0.97 }) {
        const QPointF at(plot.left() + f * plot.width(), plot.center().y());
        hover(loss, at);
        const QRectF box = loss->readoutBox();
        QVERIFY2(!box.isEmpty(), qPrintable(QString::number(f)));
        // Beside the cursor line, never across it, and inside the chart.
        QVERIFY2(box.right() < at.x() || box.left() > at.x(), qPrintable(QString::number(f)));
        QVERIFY(QRectF(loss->rect()).contains(box));
    }
    const QImage image = loss->grab().toImage();
    image.save(QStringLiteral("/tmp/tst_chart_readout_hover.png"));
}

void TestChartReadout::missingRunsAreListedAndTheTitleIsTheMetric()
{
    CompareView view;
    view.resize(1200, 700);
    view.show();
    QVERIFY(shown(view, [&] {
        view.setRuns(m_db, m_runs);
        view.setKeys({ QStringLiteral("loss"), QStringLiteral("final") });
    }));
    MetricChart* loss = chartOf(view, QStringLiteral("loss"));
    QVERIFY(loss);
    QCOMPARE(loss->chart()->title(), QStringLiteral("loss"));
    QCOMPARE(loss->missing(), QStringList { curveLabel(m_runs[2]) });
    QVERIFY2(loss->footnote().startsWith(QStringLiteral("not logged by: run-c")), qPrintable(loss->footnote()));
    QCOMPARE(loss->xTitle(), QStringLiteral("step"));
    QCOMPARE(loss->yTitle(), QStringLiteral("loss"));
    MetricChart* final = chartOf(view, QStringLiteral("final"));
    QVERIFY(final);
    QVERIFY(final->missing().isEmpty());
    // A run that logged none of the charted metrics is still in the legend, and says so.
    QVERIFY(shown(view, [&] { view.setKeys({ QStringLiteral("loss") }); }));
    QCOMPARE(view.legend()->count(), 3);
    QCOMPARE(view.legend()->item(2)->text(), curveLabel(m_runs[2]) + QStringLiteral(" (none of these metrics)"));
}

void TestChartReadout::onePointPerRunIsADotPerRun()
{
    CompareView view;
    view.resize(1200, 700);
    view.show();
    QVERIFY(shown(view, [&] {
        view.setRuns(m_db, m_runs);
        view.setKeys({ QStringLiteral("final") });
    }));
    MetricChart* final = chartOf(view, QStringLiteral("final"));
    QVERIFY(final);
    QVERIFY(final->perRun());
    QCOMPARE(int(final->curves().size()), 3);
    // Each run on its own place along x, its one point drawn.
    for (std::size_t i = 0; i < 3; ++i) {
        QCOMPARE(final->drawn(i).raw.x.size(), std::size_t(1));
        QCOMPARE(final->drawn(i).raw.x.front(), double(i));
    }
    // ... as a dot of the run's colour (a filled disc: many pixels of exactly that colour).
    const QImage image = final->grab().toImage();
    image.save(QStringLiteral("/tmp/tst_chart_readout_dots.png"));
    for (const ChartCurve& c : final->curves()) {
        int pixels = 0;
        for (int y = 0; y < image.height(); ++y) {
            for (int x = 0; x < image.width(); ++x)
                pixels += (image.pixel(x, y) & 0xffffffU) == (c.colour.rgb() & 0xffffffU);
        }
        QVERIFY2(pixels >= 30, qPrintable(c.label + QStringLiteral(": %1 pixels").arg(pixels)));
    }
    // Hovering a run's place names that run with its step.
    const QString text = final->readoutAt(2);
    QCOMPARE(text.count(u'\n'), 1);
    QVERIFY2(text.contains(QStringLiteral("run-c")) && text.contains(QStringLiteral("0.95")), qPrintable(text));
}

QTEST_MAIN(TestChartReadout)
#include "tst_chart_readout.moc"
