// The charts without a mouse: Tab reaches every chart and control of the compare view, a focused chart
// is ringed in the highlight colour (the style drew nothing for it), and its keys zoom (+/-), pan
// (arrows), show everything (Home) and copy (Ctrl+C) — the x range of the linked charts following.

#include "chart_test_support.h"

#include <QApplication>
#include <QClipboard>
#include <QListWidget>
#include <QSignalSpy>
#include <QTemporaryDir>

using namespace reprise;
using namespace reprise::test;

class TestChartKeyboard : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void tabReachesEveryChartAndControl();
    void aFocusedChartIsRinged();
    void keysZoomPanResetAndCopy();

private:
    bool showTwoCharts(CompareView& view);

    QTemporaryDir m_dir;
    QString m_db;
    QList<RunRecord> m_runs;
};

void TestChartKeyboard::initTestCase()
{
    std::vector<double> loss, acc;
    for (int i = 0; i < 101; ++i) {
        loss.push_back(1.0 / (1 + i));
        acc.push_back(1.0 - 1.0 / (1 + i));
    }
    m_db = m_dir.filePath(QStringLiteral("keys.db"));
    m_runs = writeRuns(m_db,
        { { QStringLiteral("run-a"), {}, { { QStringLiteral("loss"), loss }, { QStringLiteral("acc"), acc } } } });
    QCOMPARE(m_runs.size(), 1);
}

bool TestChartKeyboard::showTwoCharts(CompareView& view)
{
    view.resize(1100, 600);
    view.show();
    view.activateWindow();
    if (!QTest::qWaitForWindowActive(&view))
        return false;
    return shown(view, [&] {
        view.setRuns(m_db, m_runs);
        view.setKeys({ QStringLiteral("loss"), QStringLiteral("acc") });
    }) && view.charts().size() == 2;
}

void TestChartKeyboard::tabReachesEveryChartAndControl()
{
    CompareView view;
    QVERIFY(showTwoCharts(view));
    // Walk the Tab chain once round from the first chart: both charts and the chart controls are in it.
    view.charts().first()->setFocus(Qt::TabFocusReason);
    QSet<QWidget*> reached;
    QList<QWidget*> walk;
    for (int i = 0; i < 60; ++i) {
        QWidget* at = QApplication::focusWidget();
        QVERIFY(at);
        reached.insert(at);
        walk << at;
        QTest::keyClick(at, Qt::Key_Tab);
    }
    for (MetricChart* chart : view.charts())
        QVERIFY2(reached.contains(chart), qPrintable(chart->plainTitle()));
    // No stop that shows nothing: the area scrolling the charts is not one.
    for (QWidget* w : reached)
        QVERIFY2(!w->inherits("QScrollArea"), w->metaObject()->className());
    // Reading order: x (a combo box) before log y (the check box); the legend, then the charts.
    const auto firstOf = [&](const char* kind) {
        for (qsizetype i = 0; i < walk.size(); ++i) {
            if (walk[i]->inherits(kind))
                return i;
        }
        return qsizetype(-1);
    };
    QVERIFY(firstOf("QComboBox") < firstOf("QCheckBox"));
    const qsizetype legend = walk.indexOf(static_cast<QWidget*>(view.legend()));
    QVERIFY(legend >= 0);
    QCOMPARE(walk.value(legend + 1), static_cast<QWidget*>(view.charts().first()));
    QCOMPARE(walk.value(legend + 2), static_cast<QWidget*>(view.charts().last()));
    for (const char* kind : { "QComboBox", "QCheckBox", "QSlider" }) {
        bool any = false;
        for (QWidget* w : reached)
            any = any || w->inherits(kind);
        QVERIFY2(any, kind);
    }
}

void TestChartKeyboard::aFocusedChartIsRinged()
{
    CompareView view;
    QVERIFY(showTwoCharts(view));
    MetricChart* chart = view.charts().first();
    view.charts().last()->setFocus(Qt::TabFocusReason);
    const QImage before = chart->viewport()->grab().toImage();
    chart->setFocus(Qt::TabFocusReason);
    QVERIFY(chart->hasFocus());
    const QImage ringed = chart->viewport()->grab().toImage();
    QCOMPARE(ringed.size(), before.size());
    // The ring runs round the whole edge: the middle of each side is the highlight colour, where the
    // unfocused chart had its background.
    const QColor highlight = chart->palette().color(QPalette::Highlight);
    const int w = ringed.width(), h = ringed.height();
    const QPoint sides[] = { { w / 2, 1 }, { w / 2, h - 2 }, { 1, h / 2 }, { w - 2, h / 2 } };
    for (const QPoint& p : sides) {
        const QColor got = ringed.pixelColor(p);
        QVERIFY2(std::abs(got.red() - highlight.red()) < 40 && std::abs(got.green() - highlight.green()) < 40
                && std::abs(got.blue() - highlight.blue()) < 40,
            qPrintable(QStringLiteral("(%1,%2): %3").arg(p.x()).arg(p.y()).arg(got.name())));
        QVERIFY(before.pixelColor(p) != got);
    }
    // Focus gone, ring gone.
    view.charts().last()->setFocus(Qt::TabFocusReason);
    QCOMPARE(chart->viewport()->grab().toImage().pixelColor(w / 2, 1), before.pixelColor(w / 2, 1));
}

void TestChartKeyboard::keysZoomPanResetAndCopy()
{
    CompareView view;
    QVERIFY(showTwoCharts(view));
    MetricChart* chart = view.charts().first();
    MetricChart* linked = view.charts().last();
    chart->setFocus(Qt::TabFocusReason);
    const double lo = chart->visibleLow(), hi = chart->visibleHigh();
    QVERIFY(hi > lo);
    const double span = hi - lo, center = (lo + hi) / 2;

    QSignalSpy ranges(chart, &MetricChart::xRangeChanged);
    QTest::keyClick(chart, Qt::Key_Plus);
    QCOMPARE(ranges.size(), 1);
    QVERIFY(qFuzzyCompare(chart->visibleHigh() - chart->visibleLow(), span / 2));
    QVERIFY(qFuzzyCompare((chart->visibleLow() + chart->visibleHigh()) / 2, center));
    QCOMPARE(linked->visibleLow(), chart->visibleLow()); // the other chart follows
    QCOMPARE(linked->visibleHigh(), chart->visibleHigh());

    const double zoomedLo = chart->visibleLow();
    QTest::keyClick(chart, Qt::Key_Right);
    QVERIFY(qFuzzyCompare(chart->visibleLow() - zoomedLo, span / 2 * 0.1));
    QTest::keyClick(chart, Qt::Key_Left, Qt::ShiftModifier); // a whole span back
    QVERIFY(qFuzzyCompare(chart->visibleLow() + 1, zoomedLo + span / 2 * 0.1 - span / 2 + 1));

    // Zooming out never goes past everything there is; Home shows everything.
    for (int i = 0; i < 5; ++i)
        QTest::keyClick(chart, Qt::Key_Minus);
    QCOMPARE(chart->visibleLow(), lo);
    QCOMPARE(chart->visibleHigh(), hi);
    QTest::keyClick(chart, Qt::Key_Plus);
    QTest::keyClick(chart, Qt::Key_Home);
    QCOMPARE(chart->visibleLow(), lo);
    QCOMPARE(linked->visibleHigh(), hi);

    QGuiApplication::clipboard()->clear();
    QTest::keyClick(chart, Qt::Key_C, Qt::ControlModifier);
    const QImage copied = QGuiApplication::clipboard()->image();
    QVERIFY(!copied.isNull());
    QVERIFY(copied.width() >= chart->width() / 2);
}

QTEST_MAIN(TestChartKeyboard)
#include "tst_chart_keyboard.moc"
