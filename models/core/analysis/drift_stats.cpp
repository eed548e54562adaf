#include "analysis/drift_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace reprise {

namespace {

    constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

    /// Pr(D ≥ h/n) for two samples of equal size n (Horner-like form of the alternating sum of
    /// binomial ratios, which avoids cancellation).
    double ksEqualSizes(long long n, long long h)
    {
        double p = 0.0;
        for (long long k = n / h; k >= 0; --k) {
            double term = 1.0;
            for (long long j = 0; j < h; ++j)
                term = double(n - k * h - j) * term / double(n + k * h + j + 1);
            p = term * (1.0 - p);
        }
        return 2.0 * p;
    }

    /// Pr(D ≥ h/lcm) for sample sizes m ≥ n with gcd g: the probability that a uniformly random
    /// monotone lattice path from (0,0) to (m,n) leaves the band |i·n/g − j·m/g| < h. Computed column
    /// by column as the probability of having left it (Viehmann's numerically stable recursion):
    /// P(i,j) = (i·P(i−1,j) + j·P(i,j−1)) / (i+j) inside the band, 1 outside.
    double ksUnequalSizes(long long m, long long n, long long g, long long h)
    {
        if (m < n)
            std::swap(m, n);
        const long long mg = m / g, ng = n / g;
        std::vector<double> column(size_t(n + 1), 1.0);
        auto lowest = [&](long long i) { // smallest j inside the band in column i
            const long long num = ng * i - h;
            // floor(num / mg) + 1 for possibly negative num
            const long long f = num >= 0 ? num / mg : -((-num + mg - 1) / mg);
            return std::max<long long>(f + 1, 0);
        };
        auto highest = [&](long long i) { // largest j inside the band in column i
            const long long num = ng * i + h;
            const long long c = (num + mg - 1) / mg; // ceil, num > 0
            return std::min<long long>(c - 1, n);
        };
        for (long long j = 0; j <= std::min(highest(0), n); ++j)
            column[size_t(j)] = 0.0;
        long long previousLow = 0, previousHigh = highest(0);
        for (long long i = 1; i <= m; ++i) {
            const long long low = std::min(lowest(i), n), high = highest(i);
            if (high < low)
                return 1.0;
            // Cells that left the band since the previous column.
            for (long long j = previousLow; j < low; ++j)
                column[size_t(j)] = 1.0;
            double below = low == 0 ? 0.0 : 1.0;
            for (long long j = low; j <= high; ++j) {
                const double left = column[size_t(j)]; // P(i−1, j): 1 if it was outside
                below = (double(i) * left + double(j) * below) / double(i + j);
                column[size_t(j)] = below;
            }
            for (long long j = high + 1; j <= std::min(previousHigh, n); ++j)
                column[size_t(j)] = 1.0;
            previousLow = low;
            previousHigh = high;
        }
        return column[size_t(n)];
    }

    /// ln Γ via std::lgamma; regularised incomplete gamma by series or continued fraction.
    double regularizedGammaQ(double a, double x)
    {
        if (x <= 0)
            return 1.0;
        if (std::isinf(x))
            return 0.0;
        const double lnPrefix = a * std::log(x) - x - std::lgamma(a);
        if (x < a + 1) {
            // P by series, Q = 1 − P.
            double sum = 1.0 / a, term = sum;
            for (int k = 1; k < 10000; ++k) {
                term *= x / (a + k);
                sum += term;
                if (std::abs(term) < std::abs(sum) * 1e-17)
                    break;
            }
            return std::max(0.0, 1.0 - sum * std::exp(lnPrefix));
        }
        // Q by Lentz's continued fraction.
        const double tiny = 1e-300;
        double b = x + 1 - a, c = 1 / tiny, d = 1 / b, f = d;
        for (int k = 1; k < 10000; ++k) {
            const double an = -k * (k - a);
            b += 2;
            d = an * d + b;
            if (std::abs(d) < tiny)
                d = tiny;
            c = b + an / c;
            if (std::abs(c) < tiny)
                c = tiny;
            d = 1 / d;
            const double delta = d * c;
            f *= delta;
            if (std::abs(delta - 1) < 1e-16)
                break;
        }
        return std::exp(lnPrefix) * f;
    }

    double relativeEntropy(double x, double y)
    {
        if (x > 0 && y > 0)
            return x * std::log(x / y);
        if (x == 0 && y >= 0)
            return 0;
        return std::numeric_limits<double>::infinity();
    }

} // namespace

TestResult ksTwoSample(std::vector<double> reference, std::vector<double> current)
{
    const auto n1 = (long long)reference.size(), n2 = (long long)current.size();
    if (n1 == 0 || n2 == 0)
        return { kNaN, kNaN };
    if (!std::is_sorted(reference.begin(), reference.end()))
        std::sort(reference.begin(), reference.end());
    if (!std::is_sorted(current.begin(), current.end()))
        std::sort(current.begin(), current.end());
    const long long g = std::gcd(n1, n2);
    const long long lcm = n1 / g * n2;
    const long long w1 = lcm / n1, w2 = lcm / n2; // lattice units per point of each sample
    // The largest |F1 − F2| on the lattice, exactly: after each distinct value, both ECDFs counted.
    long long i = 0, j = 0, h = 0;
    while (i < n1 || j < n2) {
        const double next = j >= n2 || (i < n1 && reference[size_t(i)] <= current[size_t(j)]) ? reference[size_t(i)]
                                                                                              : current[size_t(j)];
        while (i < n1 && reference[size_t(i)] == next)
            ++i;
        while (j < n2 && current[size_t(j)] == next)
            ++j;
        h = std::max(h, std::llabs(i * w1 - j * w2));
    }
    const double d = double(h) / double(lcm);
    if (h == 0)
        return { d, 1.0 };
    double p = n1 == n2 ? ksEqualSizes(n1, h) : ksUnequalSizes(n1, n2, g, h);
    p = std::clamp(p, 0.0, 1.0);
    return { d, p };
}

double chiSquaredSurvival(double x, double degreesOfFreedom)
{
    if (std::isnan(x))
        return kNaN;
    return regularizedGammaQ(degreesOfFreedom / 2, x / 2);
}

double normalSurvival(double x) { return 0.5 * std::erfc(x / std::sqrt(2.0)); }

TestResult chiSquared(const std::vector<double>& observed, const std::vector<double>& expected)
{
    if (observed.size() != expected.size() || observed.size() < 2)
        return { kNaN, kNaN };
    double statistic = 0;
    for (size_t k = 0; k < observed.size(); ++k) {
        const double diff = observed[k] - expected[k];
        if (expected[k] == 0) {
            if (diff != 0)
                statistic = std::numeric_limits<double>::infinity();
            continue;
        }
        statistic += diff * diff / expected[k];
    }
    return { statistic, std::isinf(statistic) ? 0.0 : chiSquaredSurvival(statistic, double(observed.size() - 1)) };
}

TestResult twoProportionZ(double successes1, double n1, double successes2, double n2)
{
    if (n1 <= 0 || n2 <= 0)
        return { kNaN, kNaN };
    const double p1 = successes1 / n1, p2 = successes2 / n2;
    const double pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
    const double denominator = std::sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2));
    if (denominator == 0)
        return { 0.0, 1.0 }; // both samples all one category
    const double z = (p1 - p2) / denominator;
    return { z, 2 * normalSurvival(std::abs(z)) };
}

double wasserstein(const std::vector<double>& uIn, const std::vector<double>& vIn)
{
    if (uIn.empty() || vIn.empty())
        return kNaN;
    // Profile samples are stored sorted: only unsorted input pays for a sorted copy.
    std::vector<double> uSorted, vSorted;
    const std::vector<double>& u = std::is_sorted(uIn.begin(), uIn.end())
        ? uIn
        : (uSorted = uIn, std::sort(uSorted.begin(), uSorted.end()), uSorted);
    const std::vector<double>& v = std::is_sorted(vIn.begin(), vIn.end())
        ? vIn
        : (vSorted = vIn, std::sort(vSorted.begin(), vSorted.end()), vSorted);
    // ∫ |U(x) − V(x)| dx: walk both sorted samples once; between consecutive values both ECDFs are flat.
    // |i/nu − j/nv| = |i·nv − j·nu| / (nu·nv): integers inside the loop, one division at the end.
    const auto nu = (long long)u.size(), nv = (long long)v.size();
    size_t i = 0, j = 0;
    double sum = 0, previous = std::min(u[0], v[0]);
    while (i < u.size() || j < v.size()) {
        const double x = j >= v.size() || (i < u.size() && u[i] <= v[j]) ? u[i] : v[j];
        sum += double(std::llabs((long long)i * nv - (long long)j * nu)) * (x - previous);
        while (i < u.size() && u[i] == x)
            ++i;
        while (j < v.size() && v[j] == x)
            ++j;
        previous = x;
    }
    return sum / (double(nu) * double(nv));
}

double jensenShannon(const std::vector<double>& p, const std::vector<double>& q)
{
    if (p.size() != q.size() || p.empty())
        return kNaN;
    const double sp = std::accumulate(p.begin(), p.end(), 0.0), sq = std::accumulate(q.begin(), q.end(), 0.0);
    double js = 0;
    for (size_t k = 0; k < p.size(); ++k) {
        const double a = p[k] / sp, b = q[k] / sq, m = (a + b) / 2;
        js += relativeEntropy(a, m) + relativeEntropy(b, m);
    }
    return std::sqrt(js / 2);
}

double populationStabilityIndex(const std::vector<double>& p, const std::vector<double>& q)
{
    double psi = 0;
    for (size_t k = 0; k < p.size() && k < q.size(); ++k)
        psi += (p[k] - q[k]) * std::log(p[k] / q[k]);
    return psi;
}

void binnedShares(const std::vector<double>& reference, const std::vector<double>& current,
    std::vector<double>& referenceShares, std::vector<double>& currentShares, std::vector<double>* edges)
{
    const size_t total = reference.size() + current.size();
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const auto* sample : { &reference, &current }) {
        for (double x : *sample) {
            lo = std::min(lo, x);
            hi = std::max(hi, x);
        }
    }
    // numpy: Sturges' bin count, and a range widened by ±0.5 when all values are equal.
    const auto bins = size_t(std::ceil(std::log2(double(std::max<size_t>(total, 1))) + 1));
    if (lo == hi) {
        lo -= 0.5;
        hi += 0.5;
    }
    std::vector<double> e(bins + 1);
    for (size_t k = 0; k <= bins; ++k)
        e[k] = lo + (hi - lo) * double(k) / double(bins);
    e[bins] = hi;
    auto shares = [&](const std::vector<double>& sample) {
        std::vector<double> counts(bins, 0.0);
        for (double x : sample) {
            // Right-open bins, the last one closed.
            size_t k = size_t(std::upper_bound(e.begin(), e.end(), x) - e.begin());
            k = k == 0 ? 0 : k - 1;
            counts[std::min(k, bins - 1)] += 1;
        }
        for (double& c : counts)
            c /= double(sample.size());
        return counts;
    };
    referenceShares = shares(reference);
    currentShares = shares(current);
    if (edges)
        *edges = e;
}

void fillZeroShares(std::vector<double>& shares)
{
    for (double& s : shares) {
        if (s == 0)
            s = 0.0001;
    }
}

} // namespace reprise
