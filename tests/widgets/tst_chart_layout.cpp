// The charts use the room they are given: rows share the height (no squashed or scrolled-away last
// chart) at 1280×720, 1920×1080 and 2560×1440; a Focus button asks for the whole window; every page
// follows the current selection (a run that leaves it leaves every page).

#include "chart_test_support.h"
#include "compare/parallel_coordinates.h"
#include "compare/scatter_plot.h"
#include "store/database.h"
#include "store/run_table.h"

#include <QApplication>
#include <QListWidget>
#include <QScrollArea>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QToolButton>
#include <cmath>

using namespace reprise;
using namespace reprise::test;

namespace {

QToolButton* focusButton(CompareView& view)
{
    for (QToolButton* b : view.findChildren<QToolButton*>()) {
        if (b->accessibleName() == QStringLiteral("Focus on the charts"))
            return b;
    }
    return nullptr;
}

} // namespace

class TestChartLayout : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void chartsFillTheArea_data();
    void chartsFillTheArea();
    void focusButtonAsksForTheWindow();
    void everyPageFollowsTheSelection();

private:
    QTemporaryDir m_dir;
    QString m_db;
    QList<RunRecord> m_runs;
};

void TestChartLayout::initTestCase()
{
    m_db = m_dir.filePath(QStringLiteral("layout.db"));
    std::vector<RunSpec> specs;
    for (int r = 0; r < 4; ++r) {
        RunSpec spec { QStringLiteral("run-%1").arg(r), { { QStringLiteral("lr"), QString::number(0.1 * (r + 1)) } },
            {} };
        for (const char* key : { "loss", "acc", "val_loss", "val_acc" }) {
            std::vector<double> v;
            for (int i = 0; i < 40; ++i)
                v.push_back(std::exp(-i / (10.0 + r)) + 0.01 * (i % 3));
            spec.metrics.push_back({ QString::fromLatin1(key), v });
        }
        specs.push_back(spec);
    }
    m_runs = writeRuns(m_db, specs);
    QCOMPARE(m_runs.size(), 4);
}

void TestChartLayout::chartsFillTheArea_data()
{
    QTest::addColumn<QSize>("window");
    QTest::addColumn<int>("keys");
    for (const QSize size : { QSize(1280, 720), QSize(1920, 1080), QSize(2560, 1440) }) {
        for (int keys : { 3, 4 }) {
            const QByteArray name = QByteArray::number(size.width()) + 'x' + QByteArray::number(size.height()) + ", "
                + QByteArray::number(keys) + " charts";
            QTest::newRow(name.constData()) << size << keys;
        }
    }
}

void TestChartLayout::chartsFillTheArea()
{
    QFETCH(QSize, window);
    QFETCH(int, keys);
    // In focus mode the compare view is the whole window (less its menu and status bars).
    CompareView view;
    view.resize(window.width(), window.height() - 60);
    view.show();
    const QStringList chosen = QStringList { "loss", "acc", "val_loss", "val_acc" }.mid(0, keys);
    QVERIFY(shown(view, [&] {
        view.setRuns(m_db, m_runs);
        view.setKeys(chosen);
    }));
    focusButton(view)->click();
    QApplication::processEvents();
    const QList<MetricChart*> charts = view.charts();
    QCOMPARE(charts.size(), keys);
    QWidget* viewport = charts.first()->parentWidget()->parentWidget();
    QVERIFY(qobject_cast<QScrollArea*>(viewport->parentWidget()));
    const QRect area = viewport->rect();
    int bottom = 0;
    for (MetricChart* chart : charts) {
        const QRect r(chart->mapTo(viewport, QPoint(0, 0)), chart->size());
        // Every chart on screen without scrolling, all rows the same height, sharing the height.
        QVERIFY2(area.contains(r),
            qPrintable(
                QStringLiteral("%1 not inside %2x%3").arg(chart->plainTitle()).arg(area.width()).arg(area.height())));
        QCOMPARE(chart->height(), charts.first()->height());
        QVERIFY2(chart->height() >= area.height() / 2 - 12, qPrintable(QString::number(chart->height())));
        QVERIFY2(chart->width() >= area.width() / 2 - 12, qPrintable(QString::number(chart->width())));
        bottom = std::max(bottom, r.bottom());
    }
    QVERIFY2(bottom >= area.bottom() - 24, qPrintable(QStringLiteral("%1 of %2").arg(bottom).arg(area.bottom())));
    // An odd last chart takes the whole row (not half a row beside a hole).
    if (keys % 2 == 1)
        QVERIFY(charts.last()->width() >= area.width() - 24);
    view.grab().save(
        QStringLiteral("/tmp/tst_chart_layout_%1x%2_%3.png").arg(window.width()).arg(window.height()).arg(keys));
}

void TestChartLayout::focusButtonAsksForTheWindow()
{
    CompareView view;
    view.resize(1280, 660);
    view.show();
    QVERIFY(shown(view, [&] { view.setRuns(m_db, m_runs); }));
    QSignalSpy spy(&view, &CompareView::focusModeRequested);
    QToolButton* focus = focusButton(view);
    QVERIFY(focus);
    const int before = view.charts().first()->width();
    focus->click();
    QCOMPARE(spy.size(), 1);
    QCOMPARE(spy.first().first().toBool(), true);
    QVERIFY(view.isFocusMode());
    QApplication::processEvents();
    QVERIFY2(view.charts().first()->width() > before, "the metric list collapses: the charts get wider");
    focus->click();
    QCOMPARE(spy.last().first().toBool(), false);
    // The window says what it did without a request coming back.
    view.setFocusMode(true);
    QCOMPARE(spy.size(), 2);
    QVERIFY(view.isFocusMode());
}

void TestChartLayout::everyPageFollowsTheSelection()
{
    CompareView view;
    view.resize(1200, 700);
    view.show();
    QVERIFY(shown(view, [&] { view.setRuns(m_db, m_runs.mid(0, 3)); }));
    // The plots over the filtered runs (all four) emphasise the three selected.
    auto db = Database::open(m_db, OpenMode::ReadOnly);
    QVERIFY(db);
    auto table = loadRunTable(**db);
    QVERIFY(table);
    view.setPlotTable(plotTable(*table, { 0, 1, 2, 3 }));
    QCOMPARE(view.scatter()->highlighted().size(), 3);
    // Run 2 leaves the selection: it leaves the charts, their legend, the params and the plots' emphasis.
    QList<RunRecord> two = m_runs.mid(0, 2);
    QVERIFY(shown(view, [&] { view.setRuns(m_db, two); }));
    const QStringList ids { two[0].uuid, two[1].uuid };
    for (MetricChart* chart : view.charts()) {
        QCOMPARE(int(chart->curves().size()), 2);
        for (const ChartCurve& c : chart->curves())
            QVERIFY(ids.contains(c.runId));
    }
    QCOMPARE(view.legend()->count(), 2);
    QCOMPARE(view.paramsTable()->columnCount(), 2);
    QCOMPARE(view.scatter()->highlighted(), ids);
    QCOMPARE(view.parallelCoordinates()->highlighted(), ids);
    // Nothing selected (another source, a filter hiding them): nothing stays anywhere.
    view.clear(QStringLiteral("Select runs"));
    QVERIFY(view.charts().isEmpty());
    QCOMPARE(view.legend()->count(), 0);
    QCOMPARE(view.paramsTable()->columnCount(), 0);
    QVERIFY(view.scatter()->highlighted().isEmpty());
    QVERIFY(view.parallelCoordinates()->highlighted().isEmpty());
}

QTEST_MAIN(TestChartLayout)
#include "tst_chart_layout.moc"
