// The order the compare view's plot choosers offer fields in: metrics by coverage and relevance,
// params by spread (a run without the param, NaN, does not count).

#include "analysis/plot_field_order.h"

#include <QTest>
#include <limits>

using namespace reprise;

namespace {

PlotField field(const QString& name, PlotField::Kind kind, std::vector<double> values)
{
    PlotField f;
    f.name = name;
    f.kind = kind;
    f.values = std::move(values);
    return f;
}

} // namespace

class TestPlotFieldOrder : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void metricsByCoverageThenRelevance();
    void paramsBySpread();
};

void TestPlotFieldOrder::metricsByCoverageThenRelevance()
{
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    using K = PlotField::Kind;
    PlotTable t;
    t.runIds = { "a", "b", "c" };
    t.fields = { field("lr", K::Param, { 1, 2, 3 }), field("lr", K::Metric, { 1, 2, 3 }),
        field("loss", K::Metric, { 1, 2, 3 }), field("val_acc", K::Metric, { 1, 2, 3 }),
        field("test_f1", K::Metric, { 1, nan, inf }), field("time", K::Metric, { nan, nan, nan }) };
    // Full coverage first: an evaluation metric, then the others, a logged param (lr) last among them;
    // then by how many runs have a finite value.
    QCOMPARE(metricsByRelevance(t), (QStringList { "val_acc", "loss", "lr", "test_f1", "time" }));
    QCOMPARE(metricsByRelevance(PlotTable {}), QStringList {});
}

void TestPlotFieldOrder::paramsBySpread()
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    using K = PlotField::Kind;
    PlotTable t;
    t.fields = { field("opt", K::Param, { 0, 0, 1, 1 }), field("lr", K::Param, { 0.1, 0.2, 0.3, 0.3 }),
        field("seed", K::Param, { nan, 1, nan, 2 }), field("acc", K::Metric, { 1, 2, 3, 4 }),
        field("wd", K::Param, { nan, nan, nan, nan }) };
    // Runs without a param do not count: seed has two values like opt, and the table's order breaks the tie.
    QCOMPARE(reprise::paramsBySpread(t), (QStringList { "lr", "opt", "seed", "wd" }));
}

QTEST_GUILESS_MAIN(TestPlotFieldOrder)
#include "tst_plot_field_order.moc"
