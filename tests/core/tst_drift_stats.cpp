// Drift statistics against SciPy/NumPy on the same generated samples (tests/core/drift_reference.py).

#include "analysis/drift_stats.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>
#include <cmath>
#include <numeric>

using namespace reprise;

namespace {

std::vector<double> doubles(const QJsonValue& v)
{
    std::vector<double> out;
    for (const auto& x : v.toArray())
        out.push_back(x.toDouble());
    return out;
}

} // namespace

class TestDriftStats : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void matchesScipy_data();
    void matchesScipy();
    void edgeCases();

private:
    QJsonArray m_cases;
};

void TestDriftStats::initTestCase()
{
    QProcess python;
    python.start(
        QStringLiteral(REPRISE_PYTHON), { QStringLiteral(REPRISE_SOURCE_DIR "/tests/core/drift_reference.py") });
    QVERIFY(python.waitForFinished(120000));
    QVERIFY2(python.exitCode() == 0,
        qPrintable(
            QStringLiteral("the SciPy reference failed (python3-scipy and python3-numpy are installed by ./setup.sh): ")
            + QString::fromUtf8(python.readAllStandardError())));
    const QJsonObject doc = QJsonDocument::fromJson(python.readAllStandardOutput()).object();
    m_cases = doc[QStringLiteral("cases")].toArray();
    QVERIFY(m_cases.size() > 20);
    qInfo("reference: SciPy %s", qPrintable(doc[QStringLiteral("scipy")].toString()));
}

void TestDriftStats::matchesScipy_data()
{
    QTest::addColumn<QJsonObject>("c");
    for (const auto& v : m_cases) {
        const QJsonObject c = v.toObject();
        QTest::newRow(qPrintable(
            c[QStringLiteral("kind")].toString() + QStringLiteral(": ") + c[QStringLiteral("name")].toString()))
            << c;
    }
}

void TestDriftStats::matchesScipy()
{
    QFETCH(QJsonObject, c);
    const QString kind = c[QStringLiteral("kind")].toString();
    // Infinite statistics travel as text ("inf"): JSON has no infinity.
    auto value = [&c](const char* key) {
        const QJsonValue v = c[QString::fromLatin1(key)];
        return v.isString() ? v.toString().toDouble() : v.toDouble();
    };
    auto near = [](double ours, double theirs, double tolerance) {
        return std::abs(ours - theirs) <= tolerance || (std::isinf(ours) && ours == theirs);
    };
    if (kind == QLatin1String("ks")) {
        const TestResult r = ksTwoSample(doubles(c[QStringLiteral("a")]), doubles(c[QStringLiteral("b")]));
        QVERIFY2(near(r.statistic, c[QStringLiteral("statistic")].toDouble(), 1e-9),
            qPrintable(QString::number(r.statistic, 'g', 17)));
        QVERIFY2(near(r.pValue, c[QStringLiteral("pvalue")].toDouble(), 1e-6),
            qPrintable(QStringLiteral("ours %1, scipy %2")
                           .arg(r.pValue, 0, 'g', 17)
                           .arg(c[QStringLiteral("pvalue")].toDouble(), 0, 'g', 17)));
    } else if (kind == QLatin1String("chi2")) {
        const TestResult r = chiSquared(doubles(c[QStringLiteral("observed")]), doubles(c[QStringLiteral("expected")]));
        QVERIFY2(near(r.statistic, value("statistic"), 1e-9), qPrintable(QString::number(r.statistic)));
        QVERIFY2(near(r.pValue, c[QStringLiteral("pvalue")].toDouble(), 1e-6),
            qPrintable(QString::number(r.pValue, 'g', 17)));
    } else if (kind == QLatin1String("z")) {
        const TestResult r = twoProportionZ(c[QStringLiteral("s1")].toDouble(), c[QStringLiteral("n1")].toDouble(),
            c[QStringLiteral("s2")].toDouble(), c[QStringLiteral("n2")].toDouble());
        QVERIFY(near(r.statistic, c[QStringLiteral("statistic")].toDouble(), 1e-9));
        QVERIFY(near(r.pValue, c[QStringLiteral("pvalue")].toDouble(), 1e-6));
    } else if (kind == QLatin1String("wasserstein")) {
        const double d = wasserstein(doubles(c[QStringLiteral("a")]), doubles(c[QStringLiteral("b")]));
        QVERIFY2(near(d, c[QStringLiteral("distance")].toDouble(), 1e-9), qPrintable(QString::number(d, 'g', 17)));
    } else if (kind == QLatin1String("binned")) {
        std::vector<double> a, b, edges;
        binnedShares(doubles(c[QStringLiteral("a")]), doubles(c[QStringLiteral("b")]), a, b, &edges);
        const std::vector<double> numpyEdges = doubles(c[QStringLiteral("edges")]);
        QCOMPARE(edges.size(), numpyEdges.size());
        for (size_t k = 0; k < edges.size(); ++k)
            QVERIFY(near(edges[k], numpyEdges[k], 1e-9));
        QCOMPARE(a, doubles(c[QStringLiteral("a_shares")]));
        QCOMPARE(b, doubles(c[QStringLiteral("b_shares")]));
        fillZeroShares(a);
        fillZeroShares(b);
        QVERIFY(near(jensenShannon(a, b), c[QStringLiteral("js")].toDouble(), 1e-9));
        QVERIFY(near(populationStabilityIndex(a, b), c[QStringLiteral("psi")].toDouble(), 1e-9));
    } else if (kind == QLatin1String("js")) {
        QVERIFY(near(jensenShannon(doubles(c[QStringLiteral("p")]), doubles(c[QStringLiteral("q")])),
            c[QStringLiteral("distance")].toDouble(), 1e-9));
    } else if (kind == QLatin1String("chi2sf")) {
        const double sf = chiSquaredSurvival(c[QStringLiteral("x")].toDouble(), c[QStringLiteral("df")].toDouble());
        QVERIFY2(near(sf, c[QStringLiteral("sf")].toDouble(), 1e-12), qPrintable(QString::number(sf, 'g', 17)));
    } else {
        QFAIL("unknown case kind");
    }
}

void TestDriftStats::edgeCases()
{
    QVERIFY(std::isnan(ksTwoSample({}, { 1.0 }).pValue));
    QCOMPARE(ksTwoSample({ 1, 2, 3 }, { 1, 2, 3 }).pValue, 1.0);
    // A new category in the current data: infinitely unlikely under the reference.
    const TestResult newCategory = chiSquared({ 10, 10, 5 }, { 12.5, 12.5, 0 });
    QVERIFY(std::isinf(newCategory.statistic));
    QCOMPARE(newCategory.pValue, 0.0);
    QCOMPARE(twoProportionZ(10, 10, 20, 20).pValue, 1.0); // both all one category
    QVERIFY(std::isnan(wasserstein({}, { 1.0 })));
    QCOMPARE(wasserstein({ 3, 3 }, { 3 }), 0.0);
    QCOMPARE(jensenShannon({ 1, 0 }, { 1, 0 }), 0.0);
    std::vector<double> a, b;
    binnedShares({ 5, 5, 5 }, { 5, 5 }, a, b); // constant data still bins
    QCOMPARE(std::accumulate(a.begin(), a.end(), 0.0), 1.0);
    QCOMPARE(chiSquaredSurvival(0, 3), 1.0);
    QVERIFY(normalSurvival(8) > 6e-16 && normalSurvival(8) < 7e-16); // no cancellation in the tail
}

QTEST_GUILESS_MAIN(TestDriftStats)
#include "tst_drift_stats.moc"
