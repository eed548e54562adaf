// Readable axes (1-2-5 ticks, compact labels) and group bands on hand-computed values.

#include "analysis/axis_ticks.h"
#include "analysis/group_stats.h"
#include "store/run_format.h"

#include <QTest>
#include <cmath>

using namespace reprise;

class TestAxisAndGroups : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void ticks_data();
    void ticks();
    void logAxis();
    void labels_data();
    void labels();
    void groupBands();
};

void TestAxisAndGroups::ticks_data()
{
    QTest::addColumn<double>("lo");
    QTest::addColumn<double>("hi");
    QTest::addColumn<std::vector<double>>("expected");
    QTest::newRow("0..1") << 0.0 << 1.0 << std::vector<double> { 0, 0.2, 0.4, 0.6, 0.8, 1.0 };
    QTest::newRow("steps 0..249999") << 0.0 << 249999.8 << std::vector<double> { 0, 50000, 100000, 150000, 200000 };
    QTest::newRow("negative") << -3.0 << 7.0 << std::vector<double> { -2, 0, 2, 4, 6 };
    QTest::newRow("tiny") << 3e-5 << 9e-5 << std::vector<double> { 3e-5, 4e-5, 5e-5, 6e-5, 7e-5, 8e-5, 9e-5 };
    QTest::newRow("reversed") << 10.0 << 0.0 << std::vector<double> { 0, 2, 4, 6, 8, 10 };
    QTest::newRow("one value") << 5.0 << 5.0 << std::vector<double> { 4.6, 4.8, 5.0, 5.2, 5.4 };
}

void TestAxisAndGroups::ticks()
{
    QFETCH(double, lo);
    QFETCH(double, hi);
    QFETCH(std::vector<double>, expected);
    const std::vector<double> t = niceTicks(lo, hi);
    QCOMPARE(t.size(), expected.size());
    for (std::size_t i = 0; i < t.size(); ++i)
        QVERIFY2(std::abs(t[i] - expected[i]) <= 1e-12 * std::max(1.0, std::abs(expected[i])),
            qPrintable(QString::number(t[i], 'g', 17)));
    // Every spacing is 1, 2 or 5 × 10ⁿ.
    if (t.size() > 1) {
        const double step = t[1] - t[0];
        const double mantissa = step / std::pow(10, std::floor(std::log10(step)));
        QVERIFY(std::abs(mantissa - 1) < 1e-9 || std::abs(mantissa - 2) < 1e-9 || std::abs(mantissa - 5) < 1e-9);
    }
    QVERIFY(niceTicks(std::nan(""), 1).empty());
}

void TestAxisAndGroups::logAxis()
{
    QCOMPARE(logTicks(1, 1000), (std::vector<double> { 1, 10, 100, 1000 }));
    const auto fine = logTicks(0.02, 0.9);
    QCOMPARE(fine.size(), std::size_t(5)); // 0.02 0.05 0.1 0.2 0.5
    QVERIFY(std::abs(fine[2] - 0.1) < 1e-15);
    QVERIFY(logTicks(0, 10).empty()); // non-positive values have no log axis
    QVERIFY(logTicks(-5, 10).empty());
}

void TestAxisAndGroups::labels_data()
{
    QTest::addColumn<double>("value");
    QTest::addColumn<double>("step");
    QTest::addColumn<QString>("label");
    QTest::newRow("zero") << 0.0 << 1.0 << "0";
    QTest::newRow("250k") << 250000.0 << 50000.0 << "250k";
    QTest::newRow("1.2M") << 1200000.0 << 200000.0 << "1.2M";
    QTest::newRow("steps near 250k") << 249999.8 << 50000.0 << "250k";
    QTest::newRow("fine steps") << 1250.0 << 50.0 << "1.25k";
    QTest::newRow("3e-5") << 3e-5 << 1e-5 << "3e-5";
    QTest::newRow("2.5e-4") << 2.5e-4 << 5e-5 << "2.5e-4";
    QTest::newRow("fraction") << 0.25 << 0.05 << "0.25";
    QTest::newRow("negative") << -1500.0 << 500.0 << "-1.5k";
    QTest::newRow("giga") << 3.4e9 << 1e8 << "3.4G";
    QTest::newRow("plain") << 42.0 << 1.0 << "42";
    QTest::newRow("infinite") << std::numeric_limits<double>::infinity() << 1.0 << "∞";
}

void TestAxisAndGroups::labels()
{
    QFETCH(double, value);
    QFETCH(double, step);
    QFETCH(QString, label);
    QCOMPARE(compactNumber(value, step), label);
    QCOMPARE(formatDuration(7500), QStringLiteral("2h 05m"));
}

void TestAxisAndGroups::groupBands()
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    // Three seeds; seed c has no step 2 and diverged to NaN at step 3; step 1 is logged twice by a.
    const std::vector<CurvePoints> curves {
        { { 0, 1, 1, 2, 3 }, { 1, 9, 2, 4, 6 } },
        { { 0, 1, 2, 3 }, { 3, 4, 6, 8 } },
        { { 0, 1, 3 }, { 5, 6, nan } },
    };
    const GroupBand b = groupBand(curves);
    QCOMPARE(b.steps, (std::vector<double> { 0, 1, 2, 3 }));
    QCOMPARE(b.count, (std::vector<int> { 3, 3, 2, 2 }));
    // Step 0: 1, 3, 5 -> mean 3, sample std 2.
    QCOMPARE(b.mean[0], 3.0);
    QCOMPARE(b.std[0], 2.0);
    // Step 1: the last value of a (2), 4, 6 -> mean 4, std 2, min 2, max 6.
    QCOMPARE(b.mean[1], 4.0);
    QCOMPARE(b.std[1], 2.0);
    QCOMPARE(b.min[1], 2.0);
    QCOMPARE(b.max[1], 6.0);
    // Step 3: 6 and 8 (c's NaN does not count) -> mean 7, std √2.
    QCOMPARE(b.mean[3], 7.0);
    QVERIFY(std::abs(b.std[3] - std::sqrt(2.0)) < 1e-15);
    QVERIFY(groupBand({}).steps.empty());
    const GroupBand single = groupBand({ { { 5 }, { 1.5 } } });
    QCOMPARE(single.std, std::vector<double> { 0.0 });
}

QTEST_GUILESS_MAIN(TestAxisAndGroups)
#include "tst_axis_and_groups.moc"
