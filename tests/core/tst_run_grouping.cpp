// Grouping compared runs: which params vary, the grouping choices, each run's group, and the mean ±
// band of a group over the union of its steps (NaN and ±inf leave a step's statistics alone).

#include "analysis/group_stats.h"
#include "analysis/run_grouping.h"

#include <QTest>
#include <cmath>
#include <limits>

using namespace reprise;

namespace {

RunRecord run(const QString& id, const QMap<QString, QString>& params)
{
    RunRecord r;
    r.uuid = id;
    for (auto it = params.begin(); it != params.end(); ++it)
        r.params.insert(it.key(), ParamValue::infer(it.value()));
    return r;
}

} // namespace

class TestRunGrouping : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void varyingParamsAndChoices();
    void groupLabels_data();
    void groupLabels();
    void groupsInFirstSeenOrder();
    void meanAndBands();
    void nonFiniteValuesLeaveTheBand();

private:
    /// lr 0.1 / 0.2 × seed 0 / 1, epochs 3 everywhere, "note" only on the last run.
    QList<RunRecord> sweep() const
    {
        return { run("a", { { "lr", "0.1" }, { "Seed", "0" }, { "epochs", "3" } }),
            run("b", { { "lr", "0.1" }, { "Seed", "1" }, { "epochs", "3" } }),
            run("c", { { "lr", "0.2" }, { "Seed", "0" }, { "epochs", "3" } }),
            run("d", { { "lr", "0.2" }, { "Seed", "1" }, { "epochs", "3" }, { "note", "x, \"y\"\nz" } }) };
    }
};

void TestRunGrouping::varyingParamsAndChoices()
{
    const QList<RunRecord> runs = sweep();
    QCOMPARE(paramNames(runs), (QStringList { "Seed", "epochs", "lr", "note" }));
    // A param only some runs have varies (missing is a value of its own); a constant one does not.
    QCOMPARE(varyingParams(runs), (QStringList { "Seed", "lr", "note" }));
    QCOMPARE(paramText(runs[0], "note"), QStringLiteral("—"));
    QCOMPARE(paramText(runs[3], "note"), QStringLiteral("x, \"y\"\nz"));
    // Seeds first (any case), then every varying param.
    QCOMPARE(groupingChoices(runs), (QStringList { "except:Seed", "param:Seed", "param:lr", "param:note" }));
    QCOMPARE(groupingChoices({}), QStringList {});
    QCOMPARE(varyingParams({ runs[0] }), QStringList {});
}

void TestRunGrouping::groupLabels_data()
{
    QTest::addColumn<int>("row");
    QTest::addColumn<QString>("grouping");
    QTest::addColumn<QString>("label");
    QTest::newRow("by param") << 2 << "param:lr"
                              << "lr=0.2";
    QTest::newRow("missing param") << 0 << "param:note"
                                   << "note=—";
    QTest::newRow("except seed") << 3 << "except:Seed"
                                 << "lr=0.2, note=x, \"y\"\nz";
}

void TestRunGrouping::groupLabels()
{
    QFETCH(int, row);
    QFETCH(QString, grouping);
    QFETCH(QString, label);
    const QList<RunRecord> runs = sweep();
    QCOMPARE(groupLabel(runs[row], grouping, varyingParams(runs)), label);
}

void TestRunGrouping::groupsInFirstSeenOrder()
{
    QList<RunRecord> runs = sweep();
    runs.removeLast(); // no "note": the seeds of lr 0.1 and of lr 0.2
    const QStringList ids { "c", "a", "b", "unknown", "d" };
    const QStringList labels { "C", "A", "B", "a curve of no compared run", "D" };
    const std::vector<CurveGroup> groups = groupCurves(ids, labels, runs, "except:Seed");
    QCOMPARE(groups.size(), std::size_t(4));
    QCOMPARE(groups[0].label, QStringLiteral("lr=0.2"));
    QCOMPARE(groups[0].members, (std::vector<std::size_t> { 0 }));
    QCOMPARE(groups[1].label, QStringLiteral("lr=0.1"));
    QCOMPARE(groups[1].members, (std::vector<std::size_t> { 1, 2 }));
    QCOMPARE(groups[2].label, QStringLiteral("a curve of no compared run"));
    QCOMPARE(groups[2].members, (std::vector<std::size_t> { 3 }));
    QCOMPARE(groups[3].label, QStringLiteral("D")); // "d" is not among the runs: a group of its own
    QCOMPARE(groups[3].members, (std::vector<std::size_t> { 4 }));
    // One config only: every run in one group.
    const std::vector<CurveGroup> all = groupCurves({ "a", "b" }, { "A", "B" }, { runs[0], runs[1] }, "except:Seed");
    QCOMPARE(all.size(), std::size_t(1));
    QCOMPARE(all[0].label, QStringLiteral("all runs"));
    QVERIFY(groupCurves({}, {}, runs, "param:lr").empty());
}

void TestRunGrouping::meanAndBands()
{
    const std::vector<CurvePoints> members { { { 0, 1, 2 }, { 1, 2, 3 } }, { { 0, 1, 2 }, { 3, 4, 5 } } };
    const GroupCurve std = groupCurve("lr=0.1", members, BandKind::StandardDeviation);
    QCOMPARE(std.label, QStringLiteral("lr=0.1 (n=2)"));
    QCOMPARE(std.id, QStringLiteral("group:lr=0.1"));
    QCOMPARE(std.x, (std::vector<double> { 0, 1, 2 }));
    QCOMPARE(std.mean, (std::vector<double> { 2, 3, 4 }));
    for (std::size_t i = 0; i < 3; ++i) {
        QVERIFY(std::abs(std.low[i] - (std.mean[i] - std::sqrt(2.0))) < 1e-12);
        QVERIFY(std::abs(std.high[i] - (std.mean[i] + std::sqrt(2.0))) < 1e-12);
    }
    const GroupCurve minMax = groupCurve("lr=0.1", members, BandKind::MinMax);
    QCOMPARE(minMax.low, (std::vector<double> { 1, 2, 3 }));
    QCOMPARE(minMax.high, (std::vector<double> { 3, 4, 5 }));
    // Steps of different runs: the union, each step's statistics from the runs that have it.
    const GroupCurve ragged = groupCurve("g", { { { 0, 2 }, { 1, 5 } }, { { 1, 2 }, { 7, 7 } } }, BandKind::MinMax);
    QCOMPARE(ragged.x, (std::vector<double> { 0, 1, 2 }));
    QCOMPARE(ragged.mean, (std::vector<double> { 1, 7, 6 }));
    QCOMPARE(ragged.low, (std::vector<double> { 1, 7, 5 }));
    const GroupCurve none = groupCurve("empty", {}, BandKind::StandardDeviation);
    QCOMPARE(none.label, QStringLiteral("empty (n=0)"));
    QVERIFY(none.x.empty() && none.low.empty());
}

void TestRunGrouping::nonFiniteValuesLeaveTheBand()
{
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    // A run that diverged (NaN, ±inf) does not drag the others' mean or band.
    const std::vector<CurvePoints> members { { { 0, 1 }, { 2, 4 } }, { { 0, 1 }, { nan, inf } },
        { { 0, 1 }, { 4, -inf } } };
    const GroupCurve g = groupCurve("seeds", members, BandKind::StandardDeviation);
    QCOMPARE(g.label, QStringLiteral("seeds (n=3)"));
    QCOMPARE(g.mean, (std::vector<double> { 3, 4 }));
    QVERIFY(std::abs(g.high[0] - (3 + std::sqrt(2.0))) < 1e-12);
    QCOMPARE(g.low[1], 4.0); // one finite value: no spread
    for (double v : g.low)
        QVERIFY(std::isfinite(v));
    // A step where no run has a finite value has no point in the group's line.
    const GroupCurve lost = groupCurve("lost", { { { 0, 1 }, { nan, 1 } }, { { 0 }, { -inf } } }, BandKind::MinMax);
    QCOMPARE(lost.x, std::vector<double> { 1 });
    QCOMPARE(lost.mean, std::vector<double> { 1 });
}

QTEST_GUILESS_MAIN(TestRunGrouping)
#include "tst_run_grouping.moc"
