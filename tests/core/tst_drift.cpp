// Drift per feature: Evidently's default test choice, and every bad input explained, never a number.

#include "analysis/drift.h"

#include <QTest>
#include <cmath>

using namespace reprise;

namespace {

DatasetRecord dataset(qint64 rows, QList<FeatureProfile> profiles)
{
    DatasetRecord d;
    d.name = QStringLiteral("data");
    d.rows = rows;
    d.profiles = std::move(profiles);
    return d;
}

std::vector<double> normal(int n, double mean, double sd, quint32 seed)
{
    std::vector<double> out;
    quint32 x = seed;
    auto uniform = [&x] {
        x = x * 1664525u + 1013904223u;
        return (double(x) + 1.0) / 4294967297.0;
    };
    for (int i = 0; i < n; ++i)
        out.push_back(mean + sd * std::sqrt(-2 * std::log(uniform())) * std::cos(6.283185307179586 * uniform()));
    return out;
}

QStringList repeat(const QStringList& list, int times)
{
    QStringList out;
    for (int i = 0; i < times; ++i)
        out += list;
    return out;
}

const FeatureDrift& feature(const DatasetDrift& d, const char* name)
{
    for (const FeatureDrift& f : d.features) {
        if (f.feature == QLatin1String(name))
            return f;
    }
    static FeatureDrift none;
    return none;
}

} // namespace

class TestDrift : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void defaultTest_data();
    void defaultTest();
    void numericDriftIsDetected();
    void categoricalDriftIsDetected();
    void badInputIsExplained();
    void datasetShareAndOverrides();
};

void TestDrift::defaultTest_data()
{
    QTest::addColumn<qint64>("rows");
    QTest::addColumn<bool>("numeric");
    QTest::addColumn<int>("distinct");
    QTest::addColumn<QString>("test");
    QTest::newRow("small numeric, many values") << qint64(1000) << true << 6 << "ks";
    QTest::newRow("small numeric, 5 values") << qint64(1000) << true << 5 << "chisquare";
    QTest::newRow("small numeric, 2 values") << qint64(500) << true << 2 << "z";
    QTest::newRow("small categorical, 3 categories") << qint64(10) << false << 3 << "chisquare";
    QTest::newRow("small categorical, 2 categories") << qint64(1000) << false << 2 << "z";
    QTest::newRow("large numeric, many values") << qint64(1001) << true << 6 << "wasserstein";
    QTest::newRow("large numeric, 5 values") << qint64(5000) << true << 5 << "jensenshannon";
    QTest::newRow("large categorical") << qint64(100000) << false << 40 << "jensenshannon";
    QTest::newRow("large categorical, 2 categories") << qint64(2000) << false << 2 << "jensenshannon";
}

void TestDrift::defaultTest()
{
    QFETCH(qint64, rows);
    QFETCH(bool, numeric);
    QFETCH(int, distinct);
    QFETCH(QString, test);
    const DriftTest chosen = defaultDriftTest(rows, numeric, distinct);
    QCOMPARE(toString(chosen), test);
    QCOMPARE(defaultThreshold(chosen), isPValueTest(chosen) ? 0.05 : 0.1);
    QCOMPARE(parseDriftTest(test), std::optional<DriftTest>(chosen));
}

void TestDrift::numericDriftIsDetected()
{
    const DatasetRecord reference = dataset(800, { profileNumeric("x", normal(800, 0, 1, 1), 0) });
    const DatasetDrift same = computeDrift(reference, dataset(900, { profileNumeric("x", normal(900, 0, 1, 2), 0) }));
    const DatasetDrift moved
        = computeDrift(reference, dataset(900, { profileNumeric("x", normal(900, 0.8, 1, 3), 0) }));
    QCOMPARE(toString(feature(same, "x").test), QStringLiteral("ks"));
    QVERIFY(!feature(same, "x").drifted);
    QVERIFY(feature(same, "x").score < 0.5);
    QVERIFY(feature(moved, "x").drifted);
    QVERIFY(feature(moved, "x").pValue < 1e-10);
    QCOMPARE(feature(moved, "x").score, 1.0);
    // A large reference: normalised Wasserstein, about the shift in standard deviations.
    const DatasetRecord big = dataset(50000, { profileNumeric("x", normal(5000, 0, 1, 4), 0) });
    const DatasetDrift shifted = computeDrift(big, dataset(5000, { profileNumeric("x", normal(5000, 0.5, 1, 5), 0) }));
    QCOMPARE(toString(feature(shifted, "x").test), QStringLiteral("wasserstein"));
    QVERIFY(std::abs(feature(shifted, "x").statistic - 0.5) < 0.06);
    QVERIFY(feature(shifted, "x").drifted);
}

void TestDrift::categoricalDriftIsDetected()
{
    const QStringList before = repeat(QStringList { "a", "b", "c" }, 100);
    const QStringList after = repeat(QStringList { "a", "a", "a", "b", "c" }, 60);
    const DatasetDrift d = computeDrift(
        dataset(300, { profileCategorical("k", before, 0) }), dataset(300, { profileCategorical("k", after, 0) }));
    QCOMPARE(toString(feature(d, "k").test), QStringLiteral("chisquare"));
    QVERIFY(feature(d, "k").drifted);
    // A category the reference never had: infinitely unlikely, p = 0.
    const DatasetDrift fresh = computeDrift(dataset(300, { profileCategorical("k", before, 0) }),
        dataset(300, { profileCategorical("k", before + QStringList { "new" }, 0) }));
    QCOMPARE(feature(fresh, "k").pValue, 0.0);
    QVERIFY(feature(fresh, "k").drifted);
    // Two categories: the Z-test; a third one appearing still counts against the main one.
    const QStringList yesNo = repeat(QStringList { "yes", "no", "no" }, 100);
    const DatasetDrift z = computeDrift(dataset(300, { profileCategorical("flag", yesNo, 0) }),
        dataset(300, { profileCategorical("flag", repeat(QStringList { "yes", "maybe", "maybe" }, 100), 0) }));
    QCOMPARE(toString(feature(z, "flag").test), QStringLiteral("z"));
    QVERIFY(feature(z, "flag").drifted);
}

void TestDrift::badInputIsExplained()
{
    const DatasetRecord reference = dataset(500,
        {
            profileNumeric("only_here", normal(500, 0, 1, 6), 0),
            profileNumeric("empty_here", normal(500, 0, 1, 7), 0),
            profileNumeric("constant", std::vector<double>(500, 3.0), 0),
            profileNumeric("mixed", normal(500, 0, 1, 8), 0),
            profileNumeric("all_missing_ref", {}, 500),
        });
    const DatasetRecord current = dataset(400,
        {
            profileNumeric("empty_here", {}, 400),
            profileNumeric("constant", std::vector<double>(400, 3.0), 0),
            profileCategorical("mixed", repeat(QStringList { "x", "y" }, 200), 0),
            profileNumeric("all_missing_ref", normal(400, 0, 1, 9), 0),
            profileNumeric("new_here", normal(400, 0, 1, 10), 0),
        });
    const DatasetDrift d = computeDrift(reference, current);
    QCOMPARE(feature(d, "only_here").problem, QStringLiteral("not in this dataset"));
    QCOMPARE(feature(d, "empty_here").problem, QStringLiteral("every value is missing here"));
    QCOMPARE(feature(d, "all_missing_ref").problem, QStringLiteral("every reference value is missing"));
    QCOMPARE(feature(d, "new_here").problem, QStringLiteral("not in the reference"));
    // A constant column is compared, not divided by zero: no drift, a finite statistic.
    const FeatureDrift& constant = feature(d, "constant");
    QVERIFY(constant.ok());
    QVERIFY(std::isfinite(constant.statistic));
    QVERIFY(!constant.drifted);
    // Numeric on one side, categorical on the other: compared as categories.
    const FeatureDrift& mixed = feature(d, "mixed");
    QVERIFY2(mixed.ok(), qPrintable(mixed.problem));
    QVERIFY(mixed.drifted);
    for (const FeatureDrift& f : d.features)
        QVERIFY(f.ok() || !f.drifted);
    QCOMPARE(d.testedCount, 2);
    // Corrupt stored samples are explained too.
    FeatureProfile broken = profileNumeric("x", { 1, 2, 3 }, 0);
    broken.sampleValues.chop(3); // not a whole number of float64 values
    const DatasetDrift corrupt = computeDrift(dataset(3, { broken }), dataset(3, { profileNumeric("x", { 1, 2 }, 0) }));
    QVERIFY(corrupt.features[0].problem.contains(QStringLiteral("unusable")));
    QVERIFY(corrupt.features[0].problem.contains(QStringLiteral("whole number of values")));
    // Samples of schema 1 and 2 were JSON text: still read, and explained when broken.
    FeatureProfile legacy = profileNumeric("x", { 1, 2, 3 }, 0);
    legacy.sampleValues.clear();
    legacy.sampleJson = QStringLiteral("[1, 2, 3]");
    QVERIFY(computeDrift(dataset(3, { legacy }), dataset(3, { profileNumeric("x", { 1, 2 }, 0) })).features[0].ok());
    legacy.sampleJson = QStringLiteral("{not json");
    QVERIFY(computeDrift(dataset(3, { legacy }), dataset(3, { profileNumeric("x", { 1, 2 }, 0) }))
                .features[0]
                .problem.contains(QStringLiteral("not a JSON array")));
    // An empty dataset.
    const DatasetDrift none
        = computeDrift(dataset(0, { profileNumeric("x", {}, 0) }), dataset(0, { profileNumeric("x", {}, 0) }));
    QCOMPARE(none.features[0].problem, QStringLiteral("the reference has no rows"));
    QVERIFY(!none.drifted);
}

void TestDrift::datasetShareAndOverrides()
{
    const DatasetRecord reference = dataset(600,
        { profileNumeric("a", normal(600, 0, 1, 11), 0), profileNumeric("b", normal(600, 0, 1, 12), 0),
            profileNumeric("c", normal(600, 0, 1, 13), 0) });
    const DatasetRecord current = dataset(600,
        { profileNumeric("a", normal(600, 2, 1, 14), 0), profileNumeric("b", normal(600, 0, 1, 15), 0),
            profileNumeric("c", normal(600, 0, 1, 16), 0) });
    const DatasetDrift d = computeDrift(reference, current);
    QCOMPARE(d.driftedCount, 1);
    QVERIFY(!d.drifted); // 1 of 3 < 50 %
    DriftOptions loose;
    loose.datasetShare = 0.3;
    QVERIFY(computeDrift(reference, current, loose).drifted);
    DriftOptions psi;
    psi.testOverrides.insert(QStringLiteral("a"), DriftTest::Psi);
    const DatasetDrift withPsi = computeDrift(reference, current, psi); // the reference below points into it
    const FeatureDrift& a = feature(withPsi, "a");
    QCOMPARE(toString(a.test), QStringLiteral("psi"));
    QVERIFY(a.drifted);
    QCOMPARE(a.pValue, -1.0);
    DriftOptions wrong;
    wrong.testOverrides.insert(QStringLiteral("a"), DriftTest::KolmogorovSmirnov);
    const DatasetDrift withWrongTest = computeDrift(reference, current, wrong);
    const FeatureDrift& fine = feature(withWrongTest, "a");
    QVERIFY(fine.ok());
    const DatasetDrift cat = computeDrift(dataset(10, { profileCategorical("k", { "x", "y" }, 0) }),
        dataset(10, { profileCategorical("k", { "x", "y" }, 0) }), wrong);
    Q_UNUSED(cat);
    DriftOptions ksOnText;
    ksOnText.testOverrides.insert(QStringLiteral("k"), DriftTest::KolmogorovSmirnov);
    const DatasetDrift refused = computeDrift(dataset(10, { profileCategorical("k", { "x", "y" }, 0) }),
        dataset(10, { profileCategorical("k", { "x", "y" }, 0) }), ksOnText);
    QVERIFY(refused.features[0].problem.contains(QStringLiteral("needs numbers")));
}

QTEST_GUILESS_MAIN(TestDrift)
#include "tst_drift.moc"
