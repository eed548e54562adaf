// The drift view off-screen: heat-map contents, ordering, problems, details, charts.

#include "analysis/feature_profile.h"
#include "drift/drift_view.h"
#include "hostile_run.h"

#include <QBarCategoryAxis>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLineSeries>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTextDocument>
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
    // One run only: nothing to compare against its own train but its batch.
    QVERIFY(shown(view, [&] { view.setRuns({ run("solo", 1, 0, false) }); }));
    QCOMPARE(view.heatMap()->columnCount(), 1);
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
        hostile::name2Shown() + u'\n' + hostile::batchShown() + u'\n' + db.second);
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

QTEST_MAIN(TestDriftView)
#include "tst_drift_view.moc"
