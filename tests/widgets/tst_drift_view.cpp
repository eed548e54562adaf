// The drift view off-screen: heat-map contents, ordering, problems, details, charts.

#include "analysis/feature_profile.h"
#include "drift/drift_view.h"
#include "hostile_run.h"

#include <QBarCategoryAxis>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QDateEdit>
#include <QDateTimeAxis>
#include <QDoubleSpinBox>
#include <QHeaderView>
#include <QLineSeries>
#include <QScatterSeries>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTextDocument>
#include <QToolTip>
#include <cmath>

using namespace reprise;

namespace {

std::vector<double> spread(int n, double mean, double width)
{
    std::vector<double> out;
    for (int i = 0; i < n; ++i)
        out.push_back(mean + width * (double(i % 97) / 96.0 - 0.5));
    return out;
}

RunRecord run(const QString& name, double start, double shift, bool newCategory)
{
    RunRecord r;
    r.name = name;
    r.uuid = QString::fromLatin1(name.toUtf8().toHex().leftJustified(32, '0'));
    r.startTime = start;
    DatasetRecord train;
    train.name = QStringLiteral("train");
    train.rows = 5000;
    train.profiles << profileNumeric("income", spread(2000, 50, 20), 0)
                   << profileNumeric("age", spread(2000, 40, 10), 0)
                   << profileCategorical("plan", QStringList { "basic", "pro" } + QStringList { "basic", "basic" }, 0);
    DatasetRecord batch;
    batch.name = QStringLiteral("batch");
    batch.rows = 800;
    QStringList plans;
    for (int i = 0; i < 800; ++i)
        plans << (newCategory && i % 2 ? QStringLiteral("enterprise")
                : i % 4                ? QStringLiteral("basic")
                                       : QStringLiteral("pro"));
    batch.profiles << profileNumeric("income", spread(800, 50 + shift, 20), 0)
                   << profileNumeric("age", spread(800, 40, 10), 0) << profileCategorical("plan", plans, 0)
                   << profileNumeric("only_in_batch", { 1, 2, 3 }, 0);
    r.datasets << train << batch;
    return r;
}

/// Noon UTC of 2026-03-01 plus `day` days, in seconds since the epoch.
double day(int day) { return QDateTime(QDate(2026, 3, 1), QTime(12, 0), Qt::UTC).toSecsSinceEpoch() + day * 86400.0; }

QString dateOf(double seconds) { return QDateTime::fromSecsSinceEpoch(qint64(seconds)).toString(u"yyyy-MM-dd"); }

/// `count` daily runs r00, r01, ...; income shifts by `shift(i)` in run i's batch.
QList<RunRecord> dailyRuns(int count, const std::function<double(int)>& shift)
{
    QList<RunRecord> runs;
    for (int i = 0; i < count; ++i)
        runs << run(QStringLiteral("r%1").arg(i, 2, 10, QLatin1Char('0')), day(i), shift(i), false);
    return runs;
}

QChartView* trendChart(DriftView& view)
{
    for (QChartView* c : view.findChildren<QChartView*>()) {
        if (c->accessibleName() == QLatin1String("Drift over time"))
            return c;
    }
    return nullptr;
}

template <typename Series> Series* seriesNamed(QChartView* chart, const QString& name)
{
    for (QAbstractSeries* s : chart->chart()->series()) {
        if (s->name() == name)
            return qobject_cast<Series*>(s);
    }
    return nullptr;
}

int rowOfFeature(QTableWidget* map, const QString& feature)
{
    for (int r = 1; r < map->rowCount(); ++r) {
        if (map->verticalHeaderItem(r)->text() == feature)
            return r;
    }
    return -1;
}

int shownColumns(QTableWidget* map)
{
    int n = 0;
    for (int c = 0; c < map->columnCount(); ++c)
        n += map->isColumnHidden(c) ? 0 : 1;
    return n;
}

bool shown(DriftView& view, const std::function<void()>& request)
{
    QSignalSpy ready(&view, &DriftView::ready);
    request();
    return ready.count() > 0 && !view.isBusy() ? true : ready.wait(10000);
}

} // namespace

class TestDriftView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void heatMapOfFeaturesByDatasets();
    void cellDetailsAndCharts();
    void runsWithoutDatasets();
    void testsShareAndEcdfAreTheUsersChoice();
    void cancelDropsTheComputation();
    void hostileNamesAreShownAsPlainText();
    void trendIsOnATimeAxisWithHover();
    void rerunsAreLeftOutOrMarked();
    void heatMapFitsAndNarrowsToATimeRange();
    void firstDriftedIsNamedPerFeature();
};

void TestDriftView::heatMapOfFeaturesByDatasets()
{
    DriftView view;
    view.resize(1200, 700);
    view.show();
    // Given newest first: the view orders by start time and takes the oldest run's train as reference.
    const QList<RunRecord> runs { run("r3", 300, 30, true), run("r1", 100, 0, false), run("r2", 200, 2, false) };
    QVERIFY(shown(view, [&] { view.setRuns(runs); }));
    QCOMPARE(view.referenceChooser()->currentText(), QStringLiteral("r1: train"));
    QCOMPARE(view.currentChooser()->currentText(), QStringLiteral("batch"));
    QTableWidget* map = view.heatMap();
    QCOMPARE(map->columnCount(), 3); // every run's batch, the reference run's own included
    QCOMPARE(map->rowCount(), 1 + 4); // the dataset row, then income, age, plan, only_in_batch
    QCOMPARE(map->horizontalHeaderItem(0)->text(), QStringLiteral("r1"));
    QCOMPARE(map->horizontalHeaderItem(2)->text(), QStringLiteral("r3"));
    // Most drifted first: income (shifted in r3) and plan (a new category in r3) lead, age follows.
    QStringList rows;
    for (int r = 1; r < map->rowCount(); ++r)
        rows << map->verticalHeaderItem(r)->text();
    QVERIFY2(rows.indexOf("age") > rows.indexOf("income") && rows.indexOf("age") > rows.indexOf("plan"),
        qPrintable(rows.join(u',')));
    auto cell = [&](const char* feature, int column) {
        return map->item(int(rows.indexOf(QString::fromLatin1(feature))) + 1, column);
    };
    QVERIFY(cell("income", 2)->text().endsWith(QStringLiteral("●")));
    QVERIFY(!cell("income", 0)->text().contains(QStringLiteral("●")));
    QVERIFY(cell("plan", 2)->text().endsWith(QStringLiteral("●")));
    QVERIFY(
        !cell("plan", 2)->text().startsWith(QStringLiteral("p "))); // 5,000 reference rows: a distance (Jensen-Shannon)
    // A feature the reference lacks is explained, not scored.
    QCOMPARE(cell("only_in_batch", 1)->text(), QStringLiteral("—"));
    QVERIFY(cell("only_in_batch", 1)->toolTip().contains(QStringLiteral("not in the reference")));
    // Colours: drifted cells are red-ish, quiet ones are not.
    QVERIFY(
        cell("income", 2)->background().color().red() > 200 && cell("income", 2)->background().color().green() < 120);
    QVERIFY(cell("age", 0)->background().color().green() > 200);
    QVERIFY(map->item(0, 2)->text().contains(QStringLiteral("●")));
    QVERIFY(view.message().contains(QStringLiteral("of 3 datasets drifted against r1: train")));
}

void TestDriftView::cancelDropsTheComputation()
{
    DriftView view;
    view.resize(1200, 700);
    view.show();
    QSignalSpy ready(&view, &DriftView::ready);
    view.setRuns({ run("a", 1, 0, false), run("b", 2, 25, false) });
    if (!view.isBusy())
        QSKIP("the drift was computed before it could be cancelled");
    view.cancel();
    QVERIFY(!view.isBusy());
    QVERIFY(view.message().startsWith(QStringLiteral("Cancelled")));
    const int readies = int(ready.count());
    QTest::qWait(1000);
    QCOMPARE(int(ready.count()), readies); // the cancelled result never lands
    QCOMPARE(view.heatMap()->rowCount(), 0);
    // Choosing again computes.
    QVERIFY(shown(view, [&] { view.setRuns({ run("a", 1, 0, false), run("b", 2, 25, false) }); }));
    QVERIFY(view.heatMap()->rowCount() > 0);
}

void TestDriftView::cellDetailsAndCharts()
{
    DriftView view;
    view.resize(1200, 700);
    view.show();
    QVERIFY(shown(view, [&] { view.setRuns({ run("a", 1, 0, false), run("b", 2, 25, false) }); }));
    QTableWidget* map = view.heatMap();
    int incomeRow = -1;
    for (int r = 1; r < map->rowCount(); ++r) {
        if (map->verticalHeaderItem(r)->text() == QLatin1String("income"))
            incomeRow = r;
    }
    QVERIFY(incomeRow > 0);
    view.selectCell(incomeRow, 1);
    const QString details = view.cellDetails();
    QVERIFY2(details.contains(QStringLiteral("test       wasserstein")), qPrintable(details)); // 5,000 reference rows
    QVERIFY(details.contains(QStringLiteral("DRIFTED")));
    const auto charts = view.findChildren<QChartView*>();
    QCOMPARE(charts.size(), 2);
    for (QChartView* chart : charts)
        QVERIFY(!chart->chart()->series().isEmpty());
}

void TestDriftView::runsWithoutDatasets()
{
    DriftView view;
    RunRecord bare;
    bare.name = QStringLiteral("bare");
    QVERIFY(shown(view, [&] { view.setRuns({ bare }); }));
    QVERIFY(view.message().contains(QStringLiteral("recorded a dataset")));
    QCOMPARE(view.heatMap()->rowCount(), 0);
    // No dates to narrow to: the range shows dashes (it showed 2000-01-01), and cannot be edited.
    for (QDateEdit* edit : view.findChildren<QDateEdit*>()) {
        QCOMPARE(edit->text(), QStringLiteral("—"));
        QVERIFY(!edit->isEnabled());
    }
    // One run only: nothing to compare against its own train but its batch.
    QVERIFY(shown(view, [&] { view.setRuns({ run("solo", 1, 0, false) }); }));
    QCOMPARE(view.heatMap()->columnCount(), 1);
    for (QDateEdit* edit : view.findChildren<QDateEdit*>()) {
        QVERIFY(edit->text() != QStringLiteral("—")); // a day (local time)
        QVERIFY(edit->isEnabled());
    }
}

void TestDriftView::testsShareAndEcdfAreTheUsersChoice()
{
    DriftView view;
    view.resize(1200, 700);
    view.show();
    QVERIFY(shown(view, [&] { view.setRuns({ run("a", 1, 0, false), run("b", 2, 25, false) }); }));
    auto rowOf = [&](const char* feature) {
        for (int r = 1; r < view.heatMap()->rowCount(); ++r) {
            if (view.heatMap()->verticalHeaderItem(r)->text() == QLatin1String(feature))
                return r;
        }
        return -1;
    };
    // Per-feature test: PSI instead of the default normalised Wasserstein.
    QVERIFY(shown(view, [&] { view.setTest(QStringLiteral("income"), DriftTest::Psi); }));
    QVERIFY(view.heatMap()->item(rowOf("income"), 1)->toolTip().startsWith(QStringLiteral("psi")));
    QVERIFY(shown(view, [&] { view.setTest(QStringLiteral("income"), DriftTest::Auto); }));
    QVERIFY(view.heatMap()->item(rowOf("income"), 1)->toolTip().startsWith(QStringLiteral("wasserstein")));
    // The share of drifted features that makes a dataset drift.
    const QString strict = view.heatMap()->item(0, 1)->text();
    QVERIFY(shown(view, [&] { view.shareChooser()->setValue(0.05); }));
    QVERIFY(view.heatMap()->item(0, 1)->text().endsWith(QStringLiteral("●")));
    QVERIFY(shown(view, [&] { view.shareChooser()->setValue(1.0); }));
    QVERIFY(!view.heatMap()->item(0, 1)->text().endsWith(QStringLiteral("●")));
    Q_UNUSED(strict);
    // ECDFs instead of histograms: two step lines from 0 to 1.
    view.selectCell(rowOf("income"), 1);
    view.ecdfToggle()->setChecked(true);
    QChartView* distribution = nullptr;
    for (QChartView* c : view.findChildren<QChartView*>()) {
        if (c->accessibleName() == QLatin1String("Distributions"))
            distribution = c;
    }
    QVERIFY(distribution);
    const auto series = distribution->chart()->series();
    QCOMPARE(series.size(), 2);
    auto* line = qobject_cast<QLineSeries*>(series.first());
    QVERIFY(line);
    QCOMPARE(line->points().first().y(), 0.0);
    QCOMPARE(line->points().last().y(), 1.0);
}

void TestDriftView::hostileNamesAreShownAsPlainText()
{
    QTemporaryDir dir;
    const hostile::Database db = hostile::write(dir.filePath(QStringLiteral("hostile.db")));
    auto store = RunStore::open(db.path, OpenMode::ReadOnly);
    QVERIFY(store);
    const QList<RunRecord> runs { *store->loadRun(db.second), *store->loadRun(db.first) };
    auto rendered = [](const QString& html) {
        QTextDocument document;
        document.setHtml(html);
        return document.toPlainText();
    };
    DriftView view;
    view.resize(1200, 700);
    view.show();
    QVERIFY(shown(view, [&] { view.setRuns(runs); }));
    QCOMPARE(view.referenceChooser()->currentText(), hostile::nameShown() + QStringLiteral(": train"));
    QCOMPARE(view.currentChooser()->currentText(), hostile::batchShown());
    QCOMPARE(view.currentChooser()->currentData().toString(), hostile::batchName()); // compared by its real name
    QTableWidget* map = view.heatMap();
    QCOMPARE(map->columnCount(), 1);
    QCOMPARE(map->horizontalHeaderItem(0)->text(), hostile::name2Shown());
    QCOMPARE(rendered(map->horizontalHeaderItem(0)->toolTip()),
        hostile::name2Shown() + u'\n' + hostile::batchShown() + u'\n'
            + QDateTime::fromMSecsSinceEpoch(qint64(runs[0].startTime * 1000)).toString(u"yyyy-MM-dd HH:mm") + u'\n'
            + db.second);
    int featureRow = -1, planRow = -1;
    for (int r = 1; r < map->rowCount(); ++r) {
        if (map->verticalHeaderItem(r)->text() == hostile::featureShown())
            featureRow = r;
        if (map->verticalHeaderItem(r)->text() == QLatin1String("plan"))
            planRow = r;
    }
    QVERIFY(featureRow > 0 && planRow > 0);
    QVERIFY2(view.message().contains(QStringLiteral("against ") + hostile::nameShown() + QStringLiteral(": train")),
        qPrintable(view.message()));
    QVERIFY(!hostile::hasRawControls(view.message()));

    // The charts of a cell: QtCharts renders titles and axis labels as HTML, so they are escaped.
    QChartView *trend = nullptr, *distribution = nullptr;
    for (QChartView* c : view.findChildren<QChartView*>())
        (c->accessibleName() == QLatin1String("Distributions") ? distribution : trend) = c;
    QVERIFY(trend && distribution);
    view.selectCell(featureRow, 0);
    QCOMPARE(distribution->chart()->title(), hostile::featureHtml());
    QCOMPARE(trend->chart()->title(), hostile::featureHtml() + QStringLiteral(" over time"));
    QVERIFY(view.cellDetails().startsWith(hostile::featureShown() + u'\n' + hostile::name2Shown()));
    QVERIFY(!hostile::hasRawControls(view.cellDetails()));
    view.ecdfToggle()->setChecked(true);
    QCOMPARE(distribution->chart()->title(), hostile::featureHtml() + QStringLiteral(" (ECDF)"));
    view.ecdfToggle()->setChecked(false);
    // A categorical feature: its categories are axis labels.
    view.selectCell(planRow, 0);
    auto* categories = qobject_cast<QBarCategoryAxis*>(distribution->chart()->axes(Qt::Horizontal).value(0));
    QVERIFY(categories);
    QVERIFY2(
        categories->categories().contains(hostile::categoryHtml()), qPrintable(categories->categories().join(u'|')));
    for (const QString& label : categories->categories())
        QVERIFY(!label.contains(u'<') && !hostile::hasRawControls(label));
    QVERIFY(!view.grab().toImage().isNull());
}

void TestDriftView::trendIsOnATimeAxisWithHover()
{
    DriftView view;
    view.resize(1280, 720);
    view.show();
    const QList<RunRecord> runs = dailyRuns(6, [](int i) { return 6.0 * i; });
    QVERIFY(shown(view, [&] { view.setRuns(runs); }));
    QTableWidget* map = view.heatMap();
    view.selectCell(rowOfFeature(map, QStringLiteral("income")), 5);
    QChartView* trend = trendChart(view);
    QVERIFY(trend);
    // x is the compared runs' start time (dates on the axis), not the dataset's number.
    auto* x = qobject_cast<QDateTimeAxis*>(trend->chart()->axes(Qt::Horizontal).value(0));
    QVERIFY(x);
    QVERIFY(
        x->min().toMSecsSinceEpoch() <= qint64(day(0) * 1000) && x->max().toMSecsSinceEpoch() >= qint64(day(5) * 1000));
    auto* line = seriesNamed<QLineSeries>(trend, QStringLiteral("statistic"));
    QVERIFY(line);
    QCOMPARE(line->count(), 6);
    for (int i = 0; i < 6; ++i)
        QCOMPARE(line->at(i).x(), day(i) * 1000);
    // Hovering a point names its run and date.
    QTest::qWait(50); // the chart lays itself out on the event loop
    const QPointF last = line->at(5);
    const QPoint at = trend->mapFromScene(trend->chart()->mapToPosition(last, line));
    QTest::mouseMove(trend->viewport(), at);
    QTRY_VERIFY(QToolTip::text().contains(QStringLiteral("r05")));
    QVERIFY2(QToolTip::text().contains(dateOf(day(5))), qPrintable(QToolTip::text()));
}

void TestDriftView::rerunsAreLeftOutOrMarked()
{
    DriftView view;
    view.resize(1280, 720);
    view.show();
    QList<RunRecord> runs = dailyRuns(5, [](int i) { return 8.0 * i; });
    // A rerun of r01 made on day 6 reads r01's data again: it would draw a false dip on day 6.
    RunRecord rerun = run(QStringLiteral("r01 (rerun)"), day(6), 8.0, false);
    rerun.parentUuid = runs[1].uuid;
    rerun.kind = QStringLiteral("rerun");
    runs << rerun;
    QVERIFY(shown(view, [&] { view.setRuns(runs); }));
    QTableWidget* map = view.heatMap();
    QCOMPARE(map->columnCount(), 5); // the rerun is left out by default
    QVERIFY2(view.message().contains(QStringLiteral("1 rerun left out")), qPrintable(view.message()));
    QCheckBox* reruns = nullptr;
    for (QCheckBox* box : view.findChildren<QCheckBox*>()) {
        if (box->accessibleName() == QLatin1String("Include reruns"))
            reruns = box;
    }
    QVERIFY(reruns);
    QVERIFY(!reruns->isChecked());
    QVERIFY(shown(view, [&] { reruns->setChecked(true); }));
    QCOMPARE(map->columnCount(), 6);
    // Marked: in the heat map's header and as its own series beside the line, never joined to it.
    QVERIFY(map->horizontalHeaderItem(5)->toolTip().contains(QStringLiteral("rerun of r01")));
    view.selectCell(rowOfFeature(map, QStringLiteral("income")), 4);
    QChartView* trend = trendChart(view);
    auto* line = seriesNamed<QLineSeries>(trend, QStringLiteral("statistic"));
    auto* marked = seriesNamed<QScatterSeries>(trend, QStringLiteral("rerun"));
    QVERIFY(line && marked);
    QCOMPARE(line->count(), 5);
    QCOMPARE(marked->count(), 1);
    QCOMPARE(marked->at(0).x(), day(6) * 1000);
}

void TestDriftView::heatMapFitsAndNarrowsToATimeRange()
{
    DriftView view;
    view.resize(1280, 720);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QVERIFY(shown(view, [&] { view.setRuns(dailyRuns(80, [](int i) { return i / 2.0; })); }));
    QTableWidget* map = view.heatMap();
    QCOMPARE(map->columnCount(), 80);
    // 80 datasets fit the width: no horizontal scrolling, headers grouped by date.
    QTRY_COMPARE(map->horizontalScrollBar()->maximum(), 0);
    const QStringList groups = map->horizontalHeader()->property("dateGroups").toStringList();
    QVERIFY2(!groups.isEmpty() && groups.size() < 80, qPrintable(groups.join(u',')));
    QVERIFY(groups.first().startsWith(QStringLiteral("2026")));
    QVERIFY(map->horizontalHeaderItem(10)->toolTip().contains(dateOf(day(10))));
    // Narrowed to days 20..39: twenty columns, the trend follows.
    QDateEdit *from = nullptr, *to = nullptr;
    for (QDateEdit* edit : view.findChildren<QDateEdit*>()) {
        if (edit->accessibleName() == QLatin1String("From date"))
            from = edit;
        if (edit->accessibleName() == QLatin1String("To date"))
            to = edit;
    }
    QVERIFY(from && to);
    QCOMPARE(from->date(), QDateTime::fromSecsSinceEpoch(qint64(day(0))).date());
    QCOMPARE(to->date(), QDateTime::fromSecsSinceEpoch(qint64(day(79))).date());
    from->setDate(QDateTime::fromSecsSinceEpoch(qint64(day(20))).date());
    to->setDate(QDateTime::fromSecsSinceEpoch(qint64(day(39))).date());
    QCOMPARE(shownColumns(map), 20);
    QVERIFY(map->isColumnHidden(19) && !map->isColumnHidden(20) && !map->isColumnHidden(39) && map->isColumnHidden(40));
    view.selectCell(rowOfFeature(map, QStringLiteral("income")), 30);
    auto* line = seriesNamed<QLineSeries>(trendChart(view), QStringLiteral("statistic"));
    QVERIFY(line);
    QCOMPARE(line->count(), 20);
    QVERIFY2(view.message().contains(QStringLiteral("of 20 datasets")), qPrintable(view.message()));
    // Wider columns once fewer are shown: their numbers are readable again.
    QTRY_VERIFY(map->columnWidth(20) > map->fontMetrics().horizontalAdvance(map->item(1, 20)->text()));
}

void TestDriftView::firstDriftedIsNamedPerFeature()
{
    DriftView view;
    view.resize(1280, 720);
    view.show();
    // income moves on day 6 and stays; age never does.
    QVERIFY(shown(view, [&] { view.setRuns(dailyRuns(10, [](int i) { return i >= 6 ? 30.0 : 0.0; })); }));
    QTableWidget* map = view.heatMap();
    const int income = rowOfFeature(map, QStringLiteral("income")), age = rowOfFeature(map, QStringLiteral("age"));
    QVERIFY(income > 0 && age > 0);
    const QString expected = QStringLiteral("first drifted %1 (r06)").arg(dateOf(day(6)));
    QCOMPARE(map->verticalHeaderItem(income)->data(Qt::UserRole + 1).toString(), expected);
    QVERIFY(map->verticalHeaderItem(income)->toolTip().contains(expected));
    QCOMPARE(map->verticalHeaderItem(age)->data(Qt::UserRole + 1).toString(), QStringLiteral("no drift"));
    // The row header is wide enough to show it beside the name.
    QVERIFY(map->verticalHeader()->width() > map->fontMetrics().horizontalAdvance(expected));
    view.selectCell(income, 2);
    QVERIFY2(view.cellDetails().contains(QStringLiteral("first drifted  r06, ") + dateOf(day(6))),
        qPrintable(view.cellDetails()));
}

QTEST_MAIN(TestDriftView)
#include "tst_drift_view.moc"
