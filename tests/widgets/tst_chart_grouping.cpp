// Grouping runs into mean ± band: over the runs the browser's filter shows (not only the selected
// ones), how many runs each step's mean is over, a band only where at least two runs contribute,
// clipped at 0 for a metric that never goes below 0 (and said so), and a grouping that survives a
// change of selection.

#include "chart_test_support.h"
#include "store/run_selection.h"

#include <QTemporaryDir>

using namespace reprise;
using namespace reprise::test;

class TestChartGrouping : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void groupsOverTheFilteredRuns();
    void groupingSurvivesTheSelection();

private:
    const RunRecord& run(const QString& name) const;
    QList<RunLocation> pool() const;

    QTemporaryDir m_dir;
    QString m_db;
    QList<RunRecord> m_runs;
};

void TestChartGrouping::initTestCase()
{
    // lr 0.1 × seeds 0, 1, 2 of 10, 5 and 3 steps (spread wide, close to 0); lr 0.2 × 3 seeds of 10 steps.
    m_db = m_dir.filePath(QStringLiteral("sweep.db"));
    std::vector<RunSpec> specs;
    const double base01[] = { 0.05, 0.6, 0.02 };
    const int length01[] = { 10, 5, 3 };
    for (int seed = 0; seed < 3; ++seed) {
        for (int l = 0; l < 2; ++l) {
            std::vector<double> v;
            const int n = l == 0 ? length01[seed] : 10;
            for (int i = 0; i < n; ++i)
                v.push_back((l == 0 ? base01[seed] : 0.3 + 0.01 * seed) * (1 - i / 20.0));
            specs.push_back({ QStringLiteral("lr%1-s%2").arg(l == 0 ? "0.1" : "0.2").arg(seed),
                { { QStringLiteral("lr"), l == 0 ? QStringLiteral("0.1") : QStringLiteral("0.2") },
                    { QStringLiteral("seed"), QString::number(seed) } },
                { { QStringLiteral("loss"), v } } });
        }
    }
    m_runs = writeRuns(m_db, specs);
    QCOMPARE(m_runs.size(), 6);
}

const RunRecord& TestChartGrouping::run(const QString& name) const
{
    for (const RunRecord& r : m_runs) {
        if (r.name == name)
            return r;
    }
    qFatal("no run %s", qPrintable(name));
}

QList<RunLocation> TestChartGrouping::pool() const
{
    QList<RunLocation> out;
    for (const RunRecord& r : m_runs)
        out << RunLocation { m_db, r.uuid };
    return out;
}

void TestChartGrouping::groupsOverTheFilteredRuns()
{
    CompareView view;
    view.resize(1200, 700);
    view.show();
    // The two best runs are selected; the filter shows the whole sweep.
    QVERIFY(shown(view, [&] { view.setRuns(m_db, { run("lr0.1-s0"), run("lr0.2-s0") }); }));
    view.setGroupPool(pool());
    QTRY_VERIFY(view.groupings().contains(QStringLiteral("except:seed")));
    QVERIFY(shown(view, [&] { view.setGroupBy(QStringLiteral("except:seed")); }));
    QCOMPARE(view.charts().size(), 1);
    const std::vector<ChartCurve>& curves = view.charts().first()->curves();
    QCOMPARE(int(curves.size()), 2);
    const ChartCurve& a = curves[0].label.startsWith(QStringLiteral("lr=0.1")) ? curves[0] : curves[1];
    const ChartCurve& b = &a == &curves[0] ? curves[1] : curves[0];
    // Every seed of each selected run's config, with how many runs each step's mean is over.
    QVERIFY2(a.label.contains(QStringLiteral("n=1–3")), qPrintable(a.label));
    QVERIFY2(b.label.contains(QStringLiteral("(n=3)")), qPrintable(b.label));
    QVERIFY(a.runs && a.x);
    QCOMPARE(a.x->size(), std::size_t(10));
    QCOMPARE((*a.runs)[0], 3);
    QCOMPARE((*a.runs)[3], 2);
    QCOMPARE((*a.runs)[7], 1);
    // The mean over fewer runs is still the mean of those runs.
    QCOMPARE((*a.y)[7], 0.05 * (1 - 7 / 20.0));
    // The band only where two runs or more have a value; never below 0 for a loss, and the label says so.
    QVERIFY((*a.bandHigh)[3] > (*a.bandLow)[3]);
    QCOMPARE((*a.bandLow)[7], (*a.y)[7]);
    QCOMPARE((*a.bandHigh)[7], (*a.y)[7]);
    for (double low : *a.bandLow)
        QVERIFY(low >= 0);
    QCOMPARE((*a.bandLow)[0], 0.0); // mean − std < 0 at step 0: clipped
    QVERIFY2(a.label.contains(QStringLiteral("band clipped at 0")), qPrintable(a.label));
    QVERIFY2(!b.label.contains(QStringLiteral("clipped")), qPrintable(b.label));
    // Under the chart: from where the mean is over fewer runs.
    const QString footnote = view.charts().first()->footnote();
    QVERIFY2(footnote.contains(QStringLiteral("mean over fewer runs from 3")), qPrintable(footnote));
    // The readout tells how many runs a group's value is over.
    const QString readout = view.charts().first()->readoutAt(7);
    QVERIFY2(
        readout.contains(QStringLiteral("(n=1)")) && readout.contains(QStringLiteral("(n=3)")), qPrintable(readout));
    view.grab().save(QStringLiteral("/tmp/tst_chart_grouping.png"));
}

void TestChartGrouping::groupingSurvivesTheSelection()
{
    CompareView view;
    view.resize(1200, 700);
    view.show();
    QVERIFY(shown(view, [&] { view.setRuns(m_db, { run("lr0.1-s0"), run("lr0.2-s0") }); }));
    view.setGroupPool(pool());
    QTRY_VERIFY(view.groupings().contains(QStringLiteral("except:seed")));
    QVERIFY(shown(view, [&] { view.setGroupBy(QStringLiteral("except:seed")); }));
    // Another selection: still grouped the same way, over the filter's runs.
    QVERIFY(shown(view, [&] { view.setRuns(m_db, { run("lr0.2-s1") }); }));
    QCOMPARE(view.groupBy(), QStringLiteral("except:seed"));
    QCOMPARE(int(view.charts().first()->curves().size()), 1);
    QVERIFY2(view.charts().first()->curves().front().label.contains(QStringLiteral("(n=3)")),
        qPrintable(view.charts().first()->curves().front().label));
    QVERIFY(shown(view, [&] { view.setRuns(m_db, { run("lr0.1-s1"), run("lr0.1-s2") }); }));
    QCOMPARE(view.groupBy(), QStringLiteral("except:seed"));
    QCOMPARE(int(view.charts().first()->curves().size()), 1);
}

QTEST_MAIN(TestChartGrouping)
#include "tst_chart_grouping.moc"
