// Exact decimation against a brute-force reference, and TensorBoard's smoothing on known values.

#include "analysis/decimation.h"

#include <QTest>
#include <cmath>
#include <limits>
#include <random>

using namespace reprise;

namespace {

struct Series {
    std::vector<double> x, y;
};

/// How a series' values run: the pyramid decides a column's ends from its blocks where it can, and
/// those decisions differ with where the extremes are and whether they tie.
enum class Shape {
    Noisy, ///< a slow wave under noise: extremes anywhere
    Ties, ///< the same in a few levels: every extreme ties with many points
    Falling, ///< decreasing: every column's maximum at its first point, minimum at its last
};

/// Noise with rare spikes, a few NaN/inf, and repeated x values (repeated steps are legal).
Series makeSeries(std::size_t n, unsigned seed, double repeats = 0.05, Shape shape = Shape::Noisy)
{
    std::mt19937 rng(seed);
    std::normal_distribution<double> noise(0, 1);
    std::uniform_real_distribution<double> u(0, 1);
    Series s;
    double x = -1; // MLflow writes step -1
    for (std::size_t i = 0; i < n; ++i) {
        x += u(rng) < repeats ? 0 : 1;
        double y = std::sin(double(i) / 50) + 0.1 * noise(rng);
        if (shape == Shape::Ties)
            y = std::round(y * 2) / 2;
        else if (shape == Shape::Falling)
            y = 1 - double(i) / double(n);
        const double r = u(rng);
        if (r < 0.001)
            y *= 1000; // a spike
        else if (r < 0.0015)
            y = std::numeric_limits<double>::quiet_NaN();
        else if (r < 0.0017)
            y = std::numeric_limits<double>::infinity();
        s.x.push_back(x);
        s.y.push_back(y);
    }
    return s;
}

} // namespace

class TestDecimation : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void matchesBruteForce_data();
    void matchesBruteForce();
    void pyramidRanges();
    void smallSeriesAreExact();
    void floatValuesLikeDoubles();
    void emaMatchesTensorBoard_data();
    void emaMatchesTensorBoard();
};

void TestDecimation::matchesBruteForce_data()
{
    QTest::addColumn<int>("points");
    QTest::addColumn<int>("columns");
    QTest::addColumn<double>("from"); // share of the x range
    QTest::addColumn<double>("to");
    QTest::addColumn<unsigned>("seed");
    QTest::addColumn<double>("repeats"); // share of points repeating the step before (0: evenly spaced)
    QTest::addColumn<Shape>("shape");
    QTest::newRow("100k into 2000, all") << 100000 << 2000 << 0.0 << 1.0 << 1u << 0.05 << Shape::Noisy;
    QTest::newRow("100k into 333, all") << 100000 << 333 << 0.0 << 1.0 << 2u << 0.05 << Shape::Noisy;
    QTest::newRow("100k into 500, zoomed") << 100000 << 500 << 0.4 << 0.45 << 3u << 0.05 << Shape::Noisy;
    QTest::newRow("1M into 1000, all") << 1000000 << 1000 << 0.0 << 1.0 << 4u << 0.05 << Shape::Noisy;
    QTest::newRow("1M into 1500, narrow") << 1000000 << 1500 << 0.7 << 0.71 << 5u << 0.05 << Shape::Noisy;
    QTest::newRow("5k into 100") << 5000 << 100 << 0.1 << 0.9 << 6u << 0.05 << Shape::Noisy;
    QTest::newRow("one column") << 20000 << 1 << 0.0 << 1.0 << 7u << 0.05 << Shape::Noisy;
    // Evenly spaced steps take the guessed column edges; runs of repeated steps the binary search.
    QTest::newRow("1M evenly spaced, all") << 1000000 << 1357 << 0.0 << 1.0 << 8u << 0.0 << Shape::Noisy;
    QTest::newRow("1M evenly spaced, zoomed") << 1000000 << 997 << 0.123 << 0.456 << 9u << 0.0 << Shape::Noisy;
    QTest::newRow("200k half repeated") << 200000 << 700 << 0.0 << 1.0 << 10u << 0.5 << Shape::Noisy;
    QTest::newRow("1M into 3 columns") << 1000000 << 3 << 0.0 << 1.0 << 11u << 0.05
                                       << Shape::Noisy; // per-column lookups
    QTest::newRow("1M ties, all") << 1000000 << 1339 << 0.0 << 1.0 << 12u << 0.0 << Shape::Ties;
    QTest::newRow("1M ties, zoomed") << 1000000 << 1339 << 0.2 << 0.4 << 13u << 0.05 << Shape::Ties;
    QTest::newRow("1M falling, all") << 1000000 << 1339 << 0.0 << 1.0 << 14u << 0.0 << Shape::Falling;
    QTest::newRow("1M falling, zoomed") << 1000000 << 1000 << 0.3 << 0.35 << 15u << 0.05 << Shape::Falling;
}

void TestDecimation::matchesBruteForce()
{
    QFETCH(int, points);
    QFETCH(int, columns);
    QFETCH(double, from);
    QFETCH(double, to);
    QFETCH(unsigned, seed);
    QFETCH(double, repeats);
    QFETCH(Shape, shape);
    const Series s = makeSeries(std::size_t(points), seed, repeats, shape);
    const MinMaxPyramid pyramid(s.y);
    const double span = s.x.back() - s.x.front();
    const double x0 = s.x.front() + span * from, x1 = s.x.front() + span * to;
    const DecimatedSeries d = decimate(s.x, s.y, pyramid, x0, x1, columns);
    QVERIFY(d.decimated);
    QVERIFY(d.x.size() <= std::size_t(columns) * 4);

    // Brute force: the same columns, every point looked at.
    std::vector<double> ex, ey, nonFinite;
    const double width = (x1 - x0) / columns;
    const std::size_t first = std::size_t(std::lower_bound(s.x.begin(), s.x.end(), x0) - s.x.begin());
    const std::size_t last = std::size_t(std::upper_bound(s.x.begin(), s.x.end(), x1) - s.x.begin());
    QCOMPARE(d.sourcePoints, last - first);
    std::size_t begin = first;
    for (int c = 0; c < columns; ++c) {
        std::size_t end = begin;
        const double edge = x0 + width * (c + 1);
        while (end < last && (c + 1 == columns || s.x[end] < edge))
            ++end;
        if (end == begin)
            continue;
        std::size_t lo = end, hi = end;
        for (std::size_t i = begin; i < end; ++i) {
            if (!std::isfinite(s.y[i]))
                continue;
            if (lo == end || s.y[i] < s.y[lo])
                lo = i;
            if (hi == end || s.y[i] > s.y[hi])
                hi = i;
        }
        for (std::size_t i = begin; i < end; ++i) {
            if (!std::isfinite(s.y[i])) {
                nonFinite.push_back(s.x[i]);
                break;
            }
        }
        if (lo != end) {
            std::size_t previous = std::size_t(-1);
            for (std::size_t i : { begin, std::min(lo, hi), std::max(lo, hi), end - 1 }) {
                if (i != previous && std::isfinite(s.y[i])) {
                    ex.push_back(s.x[i]);
                    ey.push_back(s.y[i]);
                }
                previous = i;
            }
        }
        begin = end;
    }
    QCOMPARE(d.x, ex);
    QCOMPARE(d.y, ey);
    QCOMPARE(d.nonFiniteX, nonFinite);
    // The global extremes of the visible range are on screen.
    double gmin = std::numeric_limits<double>::infinity(), gmax = -gmin;
    for (std::size_t i = first; i < last; ++i) {
        if (std::isfinite(s.y[i])) {
            gmin = std::min(gmin, s.y[i]);
            gmax = std::max(gmax, s.y[i]);
        }
    }
    QCOMPARE(*std::min_element(d.y.begin(), d.y.end()), gmin);
    QCOMPARE(*std::max_element(d.y.begin(), d.y.end()), gmax);
}

void TestDecimation::pyramidRanges()
{
    // Ranges of every length against a scan: the extremes and the first point that holds each.
    for (const Shape shape : { Shape::Noisy, Shape::Ties, Shape::Falling }) {
        const Series s = makeSeries(70000, 9, 0.05, shape);
        const MinMaxPyramid pyramid(s.y);
        std::mt19937 rng(10);
        for (int k = 0; k < 2000; ++k) {
            std::size_t a = rng() % s.y.size(), b = rng() % s.y.size();
            if (k % 2)
                b = std::min(s.y.size() - 1, a + rng() % 2000); // short: a column's worth
            if (a > b)
                std::swap(a, b);
            ++b;
            const auto e = pyramid.range(s.y, a, b);
            std::size_t lo = b, hi = b;
            bool nan = false;
            for (std::size_t i = a; i < b; ++i) {
                if (!std::isfinite(s.y[i])) {
                    nan = true;
                    continue;
                }
                if (lo == b || s.y[i] < s.y[lo])
                    lo = i;
                if (hi == b || s.y[i] > s.y[hi])
                    hi = i;
            }
            QCOMPARE(e.anyNaN, nan);
            QCOMPARE(e.anyValue, lo != b);
            if (lo == b)
                continue;
            QCOMPARE(e.min, s.y[lo]);
            QCOMPARE(e.max, s.y[hi]);
            QCOMPARE(e.minIndex, lo);
            QCOMPARE(e.maxIndex, hi);
        }
    }
}

void TestDecimation::floatValuesLikeDoubles()
{
    // A smoothed curve is kept as float: its decimation is that of the same values as doubles.
    const Series s = makeSeries(300000, 11);
    const std::vector<float> f(s.y.begin(), s.y.end());
    const std::vector<double> widened(f.begin(), f.end());
    for (const auto& [from, to] : { std::pair { 0.0, 1.0 }, std::pair { 0.3, 0.31 } }) {
        const double span = s.x.back() - s.x.front();
        const double x0 = s.x.front() + span * from, x1 = s.x.front() + span * to;
        const DecimatedSeries a
            = decimate(s.x, std::span<const float>(f), MinMaxPyramid(std::span<const float>(f)), x0, x1, 800);
        const DecimatedSeries b = decimate(s.x, widened, MinMaxPyramid(widened), x0, x1, 800);
        QCOMPARE(a.x, b.x);
        QCOMPARE(a.y, b.y);
        QCOMPARE(a.nonFiniteX, b.nonFiniteX);
        QCOMPARE(a.sourcePoints, b.sourcePoints);
    }
}

void TestDecimation::smallSeriesAreExact()
{
    const std::vector<double> x { 0, 1, 2, 3 }, y { 1, std::nan(""), 3, 4 };
    const DecimatedSeries d = decimate(x, y, MinMaxPyramid(y), 0, 3, 800);
    QVERIFY(!d.decimated);
    QCOMPARE(d.x, (std::vector<double> { 0, 2, 3 }));
    QCOMPARE(d.nonFiniteX, std::vector<double> { 1 });
    QVERIFY(decimate(x, y, MinMaxPyramid(y), 10, 20, 800).x.empty()); // outside the data
    const std::vector<double> none;
    QVERIFY(decimate(none, none, MinMaxPyramid(none), 0, 1, 10).x.empty());
}

void TestDecimation::emaMatchesTensorBoard_data()
{
    QTest::addColumn<std::vector<double>>("ys");
    QTest::addColumn<double>("weight");
    QTest::addColumn<std::vector<double>>("expected");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    // By hand: last = last·w + (1−w)·y; out = last / (1 − wⁿ).
    QTest::newRow("w = 0.5") << std::vector<double> { 1, 2, 3 } << 0.5
                             << std::vector<double> { 1.0, 1.25 / 0.75, 2.125 / 0.875 };
    QTest::newRow("w = 0 is the raw curve")
        << std::vector<double> { 4, -2, 7 } << 0.0 << std::vector<double> { 4, -2, 7 };
    QTest::newRow("constant stays constant")
        << std::vector<double> { 3, 3, 3, 3 } << 0.9 << std::vector<double> { 3, 3, 3, 3 };
    QTest::newRow("NaN passes through") << std::vector<double> { 1, nan, 3 } << 0.5
                                        << std::vector<double> { 1.0, nan, 1.75 / 0.75 };
}

void TestDecimation::emaMatchesTensorBoard()
{
    QFETCH(std::vector<double>, ys);
    QFETCH(double, weight);
    QFETCH(std::vector<double>, expected);
    const std::vector<double> out = debiasedEma(ys, weight);
    QCOMPARE(out.size(), expected.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (std::isnan(expected[i]))
            QVERIFY(std::isnan(out[i]));
        else
            QVERIFY2(std::abs(out[i] - expected[i]) < 1e-12, qPrintable(QString::number(out[i], 'g', 17)));
    }
}

QTEST_GUILESS_MAIN(TestDecimation)
#include "tst_decimation.moc"
