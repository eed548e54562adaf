// Loading a compare's curves from a real database: x per axis (step, wall time, time since start),
// sorted, NaN and ±inf kept, keys a run did not log skipped, runs and databases that are gone.

#include "analysis/curve_loading.h"
#include "store/run_store.h"

#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <limits>

using namespace reprise;

class TestCurveLoading : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void axes_data();
    void axes();
    void keysNotLoggedAndRunsGone();
    void missingDatabaseIsAnError();
    void curvesPerKeyKeepsRunOrderAndFirstError();
    void labels();
    void wallTimesToTheMillisecond_data();
    void wallTimesToTheMillisecond();

private:
    QTemporaryDir m_dir;
    QString m_db;
    RunRecord m_run; ///< "loss": steps 3, 1, 2, 1 with NaN, +inf, -inf; times going back
    RunRecord m_other; ///< "acc" only
};

void TestCurveLoading::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_db = m_dir.filePath(QStringLiteral("curves.db"));
    auto store = RunStore::open(m_db, OpenMode::Create);
    QVERIFY(store);
    NewRun run;
    run.name = QStringLiteral("seed, \"1\"");
    run.startTime = 1000;
    auto ref = store->createRun(run);
    QVERIFY(ref);
    const double inf = std::numeric_limits<double>::infinity();
    const std::vector<qint64> steps { 3, 1, 2, 1 };
    const std::vector<double> values { 4, std::numeric_limits<double>::quiet_NaN(), inf, -inf };
    const std::vector<double> times { 1010, 1030, 1020, 1005 }; // the clock went back
    QVERIFY(store->logMetric(ref->rowId, QStringLiteral("loss"), steps, values, times));
    m_run = *store->loadRun(*ref);
    auto other = store->createRun(NewRun {});
    QVERIFY(other);
    const std::vector<qint64> s { 0 };
    const std::vector<double> v { 0.5 }, t { 7 };
    QVERIFY(store->logMetric(other->rowId, QStringLiteral("acc"), s, v, t));
    m_other = *store->loadRun(*other);
}

void TestCurveLoading::axes_data()
{
    QTest::addColumn<CurveAxis>("axis");
    QTest::addColumn<std::vector<double>>("x");
    QTest::addColumn<std::vector<double>>("y");
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    // Steps in step order; a repeated step keeps its points in logging order.
    QTest::newRow("step") << CurveAxis::Step << std::vector<double> { 1, 1, 2, 3 }
                          << std::vector<double> { nan, -inf, inf, 4 };
    // Wall times sorted (stable), so the charts' binary search holds.
    QTest::newRow("wall time") << CurveAxis::WallTime << std::vector<double> { 1005, 1010, 1020, 1030 }
                               << std::vector<double> { -inf, 4, inf, nan };
    QTest::newRow("relative time") << CurveAxis::RelativeTime << std::vector<double> { 5, 10, 20, 30 }
                                   << std::vector<double> { -inf, 4, inf, nan };
}

static bool sameValues(const std::vector<double>& a, const std::vector<double>& b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i]))))
            return false;
    }
    return true;
}

void TestCurveLoading::axes()
{
    QFETCH(CurveAxis, axis);
    QFETCH(std::vector<double>, x);
    QFETCH(std::vector<double>, y);
    auto curves = loadRunCurves(m_db, m_run, { QStringLiteral("loss") }, axis);
    QVERIFY2(curves, qPrintable(curves ? QString() : curves.error().message));
    QCOMPARE(curves->size(), std::size_t(1));
    QVERIFY((*curves)[0]);
    const MetricCurve& c = *(*curves)[0];
    QCOMPARE(c.runId, m_run.uuid);
    QVERIFY2(sameValues(*c.x, x), qPrintable(QString::number(c.x->size())));
    QVERIFY(sameValues(*c.y, y));
    QVERIFY(std::is_sorted(c.x->begin(), c.x->end()));
}

void TestCurveLoading::keysNotLoggedAndRunsGone()
{
    // The keys in their order; nothing for a key the run did not log.
    auto curves = loadRunCurves(m_db, m_run, { QStringLiteral("acc"), QStringLiteral("loss") }, CurveAxis::Step);
    QVERIFY(curves);
    QCOMPARE(curves->size(), std::size_t(2));
    QVERIFY(!(*curves)[0]);
    QVERIFY((*curves)[1]);
    // A run the database no longer has: nothing, not an error (the selection was older than the file).
    RunRecord gone = m_run;
    gone.uuid = QStringLiteral("0123456789abcdef0123456789abcdef");
    curves = loadRunCurves(m_db, gone, { QStringLiteral("loss") }, CurveAxis::Step);
    QVERIFY(curves);
    QVERIFY(!(*curves)[0]);
    // No keys: nothing to read.
    curves = loadRunCurves(m_db, m_run, {}, CurveAxis::Step);
    QVERIFY(curves && curves->empty());
}

void TestCurveLoading::missingDatabaseIsAnError()
{
    const QString missing = m_dir.filePath(QStringLiteral("no/such.db"));
    auto curves = loadRunCurves(missing, m_run, { QStringLiteral("loss") }, CurveAxis::Step);
    QVERIFY(!curves);
    QVERIFY2(curves.error().message.contains(QStringLiteral("such.db")), qPrintable(curves.error().message));
}

void TestCurveLoading::curvesPerKeyKeepsRunOrderAndFirstError()
{
    const QStringList keys { QStringLiteral("loss"), QStringLiteral("acc") };
    std::vector<Result<std::vector<std::optional<MetricCurve>>>> perRun;
    perRun.push_back(loadRunCurves(m_db, m_other, keys, CurveAxis::Step));
    perRun.push_back(loadRunCurves(m_db, m_run, keys, CurveAxis::Step));
    auto perKey = curvesPerKey(perRun, keys.size());
    QVERIFY(perKey);
    QCOMPARE(perKey->size(), std::size_t(2));
    QCOMPARE((*perKey)[0].size(), std::size_t(1)); // loss: only m_run
    QCOMPARE((*perKey)[0][0].runId, m_run.uuid);
    QCOMPARE((*perKey)[1].size(), std::size_t(1)); // acc: only m_other
    QCOMPARE((*perKey)[1][0].runId, m_other.uuid);
    QCOMPARE(*(*perKey)[1][0].y, std::vector<double> { 0.5 });
    // One run failed: the whole load says why (the first failure).
    perRun.push_back(Error { QStringLiteral("first"), {} });
    perRun.push_back(Error { QStringLiteral("second"), {} });
    perKey = curvesPerKey(perRun, keys.size());
    QVERIFY(!perKey);
    QCOMPARE(perKey.error().message, QStringLiteral("first"));
    // No runs: an empty list per key.
    perKey = curvesPerKey<MetricCurve>({}, 3);
    QVERIFY(perKey);
    QCOMPARE(perKey->size(), std::size_t(3));
}

void TestCurveLoading::labels()
{
    QCOMPARE(curveLabel(m_run), QStringLiteral("seed, \"1\" · ") + m_run.uuid.left(6));
    QCOMPARE(curveLabel(m_other), m_other.uuid.left(6));
}

void TestCurveLoading::wallTimesToTheMillisecond_data()
{
    QTest::addColumn<std::vector<double>>("seconds");
    QTest::addColumn<bool>("compact"); // fewer bytes than doubles
    std::vector<double> steady, erratic, sub;
    for (int i = 0; i < 1000; ++i) {
        steady.push_back(1.7e9 + i * 0.25);
        // Gaps of days, the clock going back, and identical times.
        erratic.push_back(1.7e9 + (i % 7 == 0 ? -3600.0 : 86400.0 * (i % 3)) + i * 12.345 + (i % 5 == 0 ? 0 : 0.001));
        sub.push_back(i * 0.001); // every millisecond from the epoch
    }
    QTest::newRow("steady") << steady << true;
    QTest::newRow("erratic") << erratic << false; // differences of days: ~4 bytes a point
    QTest::newRow("milliseconds from 0") << sub << true;
    QTest::newRow("negative and one point") << std::vector<double> { -12.5 } << false;
    QTest::newRow("none") << std::vector<double> {} << false;
    std::vector<double> withNan = steady;
    withNan[500] = std::numeric_limits<double>::quiet_NaN();
    QTest::newRow("NaN: kept as doubles") << withNan << false;
    std::vector<double> huge = steady;
    huge[3] = 1e300;
    QTest::newRow("beyond 2^53 ms: kept as doubles") << huge << false;
}

void TestCurveLoading::wallTimesToTheMillisecond()
{
    QFETCH(std::vector<double>, seconds);
    QFETCH(bool, compact);
    const WallTimes times(seconds);
    QCOMPARE(times.size(), seconds.size());
    for (std::size_t i = 0; i < seconds.size(); ++i) {
        const double ms = seconds[i] * 1000;
        if (!std::isfinite(ms) || std::abs(ms) >= 9007199254740992.0)
            QVERIFY(times[i] == seconds[i] || (std::isnan(times[i]) && std::isnan(seconds[i])));
        else // what the readout shows: the same millisecond
            QCOMPARE(std::llround(times[i] * 1000), std::llround(ms));
    }
    if (compact)
        QVERIFY2(times.bytes() < seconds.size() * sizeof(double) / 2, qPrintable(QString::number(times.bytes())));
    QVERIFY(std::isnan(times[seconds.size()])); // past the end: no time
}

QTEST_GUILESS_MAIN(TestCurveLoading)
#include "tst_curve_loading.moc"
