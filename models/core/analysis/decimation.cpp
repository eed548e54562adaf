#include "analysis/decimation.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace reprise {

MinMaxPyramid::MinMaxPyramid(std::span<const double> values)
{
    // Level 0 from the values, each further level from pairs of the one below.
    std::size_t blocks = (values.size() + kBase - 1) / kBase;
    if (blocks == 0)
        return;
    Level base;
    base.min.resize(blocks);
    base.max.resize(blocks);
    base.minAt.resize(blocks);
    base.maxAt.resize(blocks);
    base.nan.assign(blocks, 0);
    for (std::size_t b = 0; b < blocks; ++b) {
        const std::size_t first = b * kBase, last = std::min(values.size(), first + kBase);
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        std::uint32_t loAt = 0, hiAt = 0;
        for (std::size_t i = first; i < last; ++i) {
            const double v = values[i];
            if (!std::isfinite(v)) {
                base.nan[b] = 1;
                continue;
            }
            if (v < lo) {
                lo = v;
                loAt = std::uint32_t(i - first);
            }
            if (v > hi) {
                hi = v;
                hiAt = std::uint32_t(i - first);
            }
        }
        base.min[b] = lo;
        base.max[b] = hi;
        base.minAt[b] = loAt;
        base.maxAt[b] = hiAt;
    }
    m_levels.push_back(std::move(base));
    std::size_t span = kBase;
    while (blocks > 1) {
        const Level& below = m_levels.back();
        Level up;
        const std::size_t n = (blocks + 1) / 2;
        up.min.resize(n);
        up.max.resize(n);
        up.minAt.resize(n);
        up.maxAt.resize(n);
        up.nan.resize(n);
        for (std::size_t b = 0; b < n; ++b) {
            const std::size_t l = 2 * b, r = std::min(2 * b + 1, blocks - 1);
            const bool useRightMin = r != l && below.min[r] < below.min[l];
            const bool useRightMax = r != l && below.max[r] > below.max[l];
            up.min[b] = useRightMin ? below.min[r] : below.min[l];
            up.minAt[b] = useRightMin ? std::uint32_t(span + below.minAt[r]) : below.minAt[l];
            up.max[b] = useRightMax ? below.max[r] : below.max[l];
            up.maxAt[b] = useRightMax ? std::uint32_t(span + below.maxAt[r]) : below.maxAt[l];
            up.nan[b] = std::uint8_t(below.nan[l] | below.nan[r]);
        }
        m_levels.push_back(std::move(up));
        blocks = n;
        span *= 2;
    }
}

MinMaxPyramid::Extremes MinMaxPyramid::range(std::span<const double> values, std::size_t first, std::size_t last) const
{
    Extremes e { std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(), first, first, false,
        false };
    auto scan = [&](std::size_t from, std::size_t to) {
        for (std::size_t i = from; i < to; ++i) {
            const double v = values[i];
            if (!std::isfinite(v)) {
                e.anyNaN = true;
                continue;
            }
            e.anyValue = true;
            if (v < e.min) {
                e.min = v;
                e.minIndex = i;
            }
            if (v > e.max) {
                e.max = v;
                e.maxIndex = i;
            }
        }
    };
    auto take = [&](std::size_t level, std::size_t block, std::size_t start) {
        const Level& l = m_levels[level];
        if (l.nan[block])
            e.anyNaN = true;
        if (!std::isfinite(l.min[block]))
            return; // only NaN in this block
        e.anyValue = true;
        if (l.min[block] < e.min) {
            e.min = l.min[block];
            e.minIndex = start + l.minAt[block];
        }
        if (l.max[block] > e.max) {
            e.max = l.max[block];
            e.maxIndex = start + l.maxAt[block];
        }
    };
    // Unaligned head and tail by scanning; whole blocks from the largest level that fits.
    std::size_t i = first;
    const std::size_t headEnd = std::min(last, (first + kBase - 1) / kBase * kBase);
    scan(i, headEnd);
    i = headEnd;
    while (i + kBase <= last && !m_levels.empty()) {
        std::size_t level = 0, span = kBase;
        // Grow while the bigger block starts at i and still fits.
        while (level + 1 < m_levels.size() && i % (span * 2) == 0 && i + span * 2 <= last) {
            ++level;
            span *= 2;
        }
        take(level, i / span, i);
        i += span;
    }
    scan(i, last);
    return e;
}

DecimatedSeries decimate(std::span<const double> xs, std::span<const double> ys, const MinMaxPyramid& pyramid,
    double x0, double x1, int columns)
{
    DecimatedSeries out;
    const std::size_t first = std::size_t(std::lower_bound(xs.begin(), xs.end(), x0) - xs.begin());
    const std::size_t last = std::size_t(std::upper_bound(xs.begin(), xs.end(), x1) - xs.begin());
    if (first >= last || columns < 1)
        return out;
    out.sourcePoints = last - first;
    auto emit = [&](std::size_t i) {
        if (std::isfinite(ys[i])) {
            out.x.push_back(xs[i]);
            out.y.push_back(ys[i]);
        }
    };
    if (out.sourcePoints <= std::size_t(columns) * 4) {
        for (std::size_t i = first; i < last; ++i) {
            if (std::isfinite(ys[i]))
                emit(i);
            else
                out.nonFiniteX.push_back(xs[i]);
        }
        return out;
    }
    out.decimated = true;
    const double width = x1 > x0 ? (x1 - x0) / columns : 1.0;
    std::size_t begin = first;
    for (int c = 0; c < columns && begin < last; ++c) {
        const double edge = c + 1 == columns ? std::numeric_limits<double>::infinity() : x0 + width * (c + 1);
        const std::size_t end = c + 1 == columns
            ? last
            : std::size_t(std::lower_bound(xs.begin() + std::ptrdiff_t(begin), xs.begin() + std::ptrdiff_t(last), edge)
                - xs.begin());
        if (end <= begin)
            continue;
        const MinMaxPyramid::Extremes e = pyramid.range(ys, begin, end);
        if (e.anyNaN) {
            // Mark the column's first non-finite point.
            for (std::size_t i = begin; i < end; ++i) {
                if (!std::isfinite(ys[i])) {
                    out.nonFiniteX.push_back(xs[i]);
                    break;
                }
            }
        }
        if (e.anyValue) {
            // First, then the extremes in index order, then last: the shape within the column.
            std::size_t indices[4]
                = { begin, std::min(e.minIndex, e.maxIndex), std::max(e.minIndex, e.maxIndex), end - 1 };
            std::size_t previous = std::size_t(-1);
            for (std::size_t i : indices) {
                if (i != previous)
                    emit(i);
                previous = i;
            }
        }
        begin = end;
    }
    return out;
}

std::vector<double> debiasedEma(std::span<const double> ys, double weight)
{
    std::vector<double> out;
    out.reserve(ys.size());
    double last = 0;
    double weightPower = 1; // wⁿ, kept by multiplication rather than a pow() per point
    for (double y : ys) {
        if (!std::isfinite(y)) {
            out.push_back(y);
            continue;
        }
        last = last * weight + (1 - weight) * y;
        weightPower *= weight;
        const double debias = 1 - weightPower;
        out.push_back(debias > 0 ? last / debias : y);
    }
    return out;
}

} // namespace reprise
