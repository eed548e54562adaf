#include "analysis/decimation.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <optional>
#ifdef __linux__
#include <sys/mman.h>
#endif

namespace reprise {

namespace {

    /// Asks for the cache line holding `p` (a hint: no effect on results).
    inline void prefetch(const void* p)
    {
#if defined(__GNUC__) || defined(__clang__)
        __builtin_prefetch(p);
#else
        (void)p;
#endif
    }

    template <typename T> void resizeLargeArray(std::vector<T>& v, std::size_t n)
    {
#ifdef __linux__
        constexpr std::size_t kHuge = std::size_t(2) << 20;
        if (n * sizeof(T) >= kHuge && v.capacity() < n) {
            std::vector<T> fresh;
            fresh.reserve(n); // not touched yet: the advice applies before the first fault
            const auto begin = reinterpret_cast<std::uintptr_t>(fresh.data());
            const std::uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1);
            const std::uintptr_t last = (begin + n * sizeof(T)) & ~(kHuge - 1);
            if (last > first)
                (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
            fresh.assign(v.begin(), v.begin() + std::ptrdiff_t(std::min(v.size(), n)));
            v.swap(fresh);
        }
#endif
        v.resize(n);
    }

} // namespace

void resizeLarge(std::vector<double>& v, std::size_t n) { resizeLargeArray(v, n); }
void resizeLarge(std::vector<float>& v, std::size_t n) { resizeLargeArray(v, n); }
void resizeLarge(std::vector<long long>& v, std::size_t n) { resizeLargeArray(v, n); }

namespace {

    /// The first index in [first, last) of sorted `xs` whose x is not below `edge` (`last` when none).
    /// Steps are usually evenly spaced: the index is guessed from the values at the ends and checked
    /// with its neighbour, a probe or two where a binary search over millions of points takes ~20
    /// (most of them cache misses); uneven x falls back to the binary search.
    std::size_t lowerBound(std::span<const double> xs, std::size_t first, std::size_t last, double edge)
    {
        std::size_t lo = first, hi = last; // the answer is in [lo, hi]
        for (int probe = 0; probe < 3 && hi - lo > 16; ++probe) {
            const double a = xs[lo], b = xs[hi - 1];
            if (!(a < edge))
                return lo;
            if (b < edge)
                return hi;
            const double share = (edge - a) / (b - a);
            if (!(share >= 0 && share <= 1))
                break; // not finite: the binary search decides
            std::size_t guess = lo + std::size_t(share * double(hi - 1 - lo));
            guess = std::clamp(guess, lo + 1, hi - 1);
            if (xs[guess] < edge) {
                if (xs[guess + 1] >= edge) // guess < hi - 1: xs[hi - 1] is not below edge
                    return guess + 1;
                lo = guess + 1;
            } else {
                if (xs[guess - 1] < edge)
                    return guess;
                hi = guess;
            }
        }
        return std::size_t(
            std::lower_bound(xs.begin() + std::ptrdiff_t(lo), xs.begin() + std::ptrdiff_t(hi), edge) - xs.begin());
    }

} // namespace

MinMaxPyramid::MinMaxPyramid(std::span<const double> values) { build(values); }

MinMaxPyramid::MinMaxPyramid(std::span<const float> values) { build(values); }

template <typename T> void MinMaxPyramid::build(std::span<const T> values)
{
    // Every level in one array (with huge pages where the system gives them: a range's blocks are
    // far apart, and each 4 KB page is a TLB miss of its own), level 0 first.
    std::size_t blocks = (values.size() + kBase - 1) / kBase;
    if (blocks == 0)
        return;
    std::size_t total = 0;
    for (std::size_t n = blocks;; n = (n + kFanOut - 1) / kFanOut) {
        m_start.push_back(total);
        total += n;
        if (n == 1)
            break;
    }
    resizeLargeArray(m_blocks, total);
    Block* base = m_blocks.data();
    for (std::size_t b = 0; b < blocks; ++b) {
        const std::size_t first = b * kBase, last = std::min(values.size(), first + kBase);
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        std::uint32_t loAt = 0, hiAt = 0;
        bool nonFinite = false;
        for (std::size_t i = first; i < last; ++i) {
            const double v = double(values[i]);
            if (!std::isfinite(v)) {
                nonFinite = true;
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
        base[b] = Block { lo, hi, loAt, hiAt | (nonFinite ? kNonFinite : 0U) };
    }
    std::size_t span = kBase;
    for (std::size_t level = 1; level < m_start.size(); ++level) {
        const Block* below = m_blocks.data() + m_start[level - 1];
        Block* up = m_blocks.data() + m_start[level];
        const std::size_t n = (blocks + kFanOut - 1) / kFanOut;
        for (std::size_t b = 0; b < n; ++b) {
            // Children in order; ties keep the earlier child's point: the first occurrence in index order.
            const std::size_t first = b * kFanOut, last = std::min(blocks, first + kFanOut);
            Block merged = below[first];
            std::uint32_t nonFinite = merged.maxAt & kNonFinite;
            merged.maxAt &= ~kNonFinite;
            for (std::size_t k = first + 1; k < last; ++k) {
                const Block& child = below[k];
                const auto offset = std::uint32_t((k - first) * span);
                nonFinite |= child.maxAt & kNonFinite;
                if (child.min < merged.min) {
                    merged.min = child.min;
                    merged.minAt = offset + child.minAt;
                }
                if (child.max > merged.max) {
                    merged.max = child.max;
                    merged.maxAt = offset + (child.maxAt & ~kNonFinite);
                }
            }
            merged.maxAt |= nonFinite;
            up[b] = merged;
        }
        blocks = n;
        span *= kFanOut;
    }
}

template <typename Visit> void MinMaxPyramid::wholeBlocks(std::size_t from, std::size_t to, Visit&& visit) const
{
    const std::size_t levels = m_start.size();
    for (std::size_t i = from; i < to;) {
        std::size_t level = 0;
        unsigned shift = kBaseShift;
        // Grow while the bigger block starts at i and still fits.
        for (;;) {
            const std::size_t bigger = std::size_t(1) << (shift + kFanOutShift);
            if (level + 1 >= levels || (i & (bigger - 1)) != 0 || i + bigger > to)
                break;
            ++level;
            shift += kFanOutShift;
        }
        visit(m_blocks[m_start[level] + (i >> shift)], i);
        i += std::size_t(1) << shift;
    }
}

void MinMaxPyramid::prefetch(std::size_t first, std::size_t last) const
{
    if (m_start.empty() || first >= last)
        return;
    // The blocks range() takes for [first, last), in the same order, and the base blocks of its ends.
    const std::size_t headEnd = std::min(last, (first + kBase - 1) / kBase * kBase);
    const std::size_t tailStart = std::max(headEnd, last / kBase * kBase);
    if (headEnd >= tailStart)
        return; // scanned
    reprise::prefetch(&m_blocks[first / kBase]);
    wholeBlocks(headEnd, tailStart, [](const Block& block, std::size_t) { reprise::prefetch(&block); });
    if (tailStart < last)
        reprise::prefetch(&m_blocks[tailStart / kBase]);
}

std::size_t MinMaxPyramid::bytes() const
{
    return m_blocks.capacity() * sizeof(Block) + m_start.capacity() * sizeof(std::size_t);
}

MinMaxPyramid::Extremes MinMaxPyramid::range(std::span<const double> values, std::size_t first, std::size_t last) const
{
    return extremes(values, first, last);
}

MinMaxPyramid::Extremes MinMaxPyramid::range(std::span<const float> values, std::size_t first, std::size_t last) const
{
    return extremes(values, first, last);
}

template <typename T>
MinMaxPyramid::Extremes MinMaxPyramid::extremes(std::span<const T> values, std::size_t first, std::size_t last) const
{
    constexpr double inf = std::numeric_limits<double>::infinity();
    auto none = [](std::size_t at) { return Extremes { inf, -inf, at, at, false, false }; };
    auto scan = [&](Extremes& e, std::size_t from, std::size_t to) {
        for (std::size_t i = from; i < to; ++i) {
            const double v = double(values[i]);
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
    // `later` (points after all of `e`'s) into `e`: ties keep the earlier point.
    auto merge = [](Extremes& e, const Extremes& later) {
        e.anyNaN = e.anyNaN || later.anyNaN;
        e.anyValue = e.anyValue || later.anyValue;
        if (later.min < e.min) {
            e.min = later.min;
            e.minIndex = later.minIndex;
        }
        if (later.max > e.max) {
            e.max = later.max;
            e.maxIndex = later.maxIndex;
        }
    };
    const std::size_t headEnd = std::min(last, (first + kBase - 1) / kBase * kBase);
    const std::size_t tailStart = std::max(headEnd, last / kBase * kBase);
    Extremes whole = none(headEnd);
    if (m_start.empty() || headEnd >= tailStart) {
        scan(whole, first, last); // not one whole block: the points are few
        return whole;
    }
    wholeBlocks(headEnd, tailStart, [&](const Block& block, std::size_t start) {
        if (block.maxAt & kNonFinite)
            whole.anyNaN = true;
        if (std::isfinite(block.min)) // else only NaN in this block
            merge(whole,
                Extremes {
                    block.min, block.max, start + block.minAt, start + (block.maxAt & ~kNonFinite), false, true });
    });
    // The parts of the base blocks at either end, [from, to) of the block starting at `start`. A
    // part is scanned only when its block's extremes leave its own undecided: a block extreme that
    // lies in the part is the part's; one outside it bounds the part's, and when that bound cannot
    // beat `rival` (the head loses only to a better rival, the tail also on a tie) the part's does
    // not matter. Per column of a chart this reads a line or two of the series, not eight.
    auto part = [&](std::size_t from, std::size_t to, const Extremes& rival, bool head) {
        Extremes e = none(from);
        const std::size_t start = from / kBase * kBase;
        const Block& block = m_blocks[start / kBase];
        const std::size_t minIndex = start + block.minAt, maxIndex = start + (block.maxAt & ~kNonFinite);
        const bool minInside = minIndex >= from && minIndex < to, maxInside = maxIndex >= from && maxIndex < to;
        const bool minMoot = head ? block.min > rival.min : block.min >= rival.min;
        const bool maxMoot = head ? block.max < rival.max : block.max <= rival.max;
        if ((block.maxAt & kNonFinite) || !(minInside || minMoot) || !(maxInside || maxMoot)) {
            scan(e, from, to);
            return e;
        }
        e.anyValue = true; // a block without NaN: every point of the part is a value
        if (minInside) {
            e.min = block.min;
            e.minIndex = minIndex;
        }
        if (maxInside) {
            e.max = block.max;
            e.maxIndex = maxIndex;
        }
        return e;
    };
    Extremes e = first < headEnd ? part(first, headEnd, whole, true) : none(first);
    merge(e, whole);
    if (tailStart < last)
        merge(e, part(tailStart, last, e, false));
    return e;
}

namespace {

    template <typename T>
    DecimatedSeries decimated(std::span<const double> xs, std::span<const T> ys, const MinMaxPyramid& pyramid,
        double x0, double x1, int columns)
    {
        DecimatedSeries out;
        const std::size_t first = std::size_t(std::lower_bound(xs.begin(), xs.end(), x0) - xs.begin());
        const std::size_t last = std::size_t(std::upper_bound(xs.begin(), xs.end(), x1) - xs.begin());
        if (first >= last || columns < 1)
            return out;
        out.sourcePoints = last - first;
        auto emit = [&](std::size_t i) {
            if (std::isfinite(double(ys[i]))) {
                out.x.push_back(xs[i]);
                out.y.push_back(double(ys[i]));
            }
        };
        if (out.sourcePoints <= std::size_t(columns) * 4) {
            for (std::size_t i = first; i < last; ++i) {
                if (std::isfinite(double(ys[i])))
                    emit(i);
                else
                    out.nonFiniteX.push_back(xs[i]);
            }
            return out;
        }
        out.decimated = true;
        out.x.reserve(std::size_t(columns) * 4);
        out.y.reserve(std::size_t(columns) * 4);
        const double width = x1 > x0 ? (x1 - x0) / columns : 1.0;
        // The columns' edges first, then the columns: the memory a column reads is asked for a few
        // columns ahead (most of a column's time was waiting on cache misses, one after the other).
        std::vector<std::size_t> edges;
        edges.reserve(std::size_t(columns) + 1);
        edges.push_back(first);
        for (int c = 0; c < columns && edges.back() < last; ++c)
            edges.push_back(c + 1 == columns ? last : lowerBound(xs, edges.back(), last, x0 + width * (c + 1)));
        if (edges.back() < last)
            edges.push_back(last);
        const std::size_t count = edges.size() - 1;
        auto ask = [&](std::size_t c) {
            if (c < count && edges[c + 1] > edges[c]) {
                pyramid.prefetch(edges[c], edges[c + 1]);
                // The column's first point and the previous column's last, written out by both; the
                // rest of the series is read only where the pyramid leaves a column's ends undecided.
                prefetch(&ys[edges[c]]);
                if (edges[c] > 0)
                    prefetch(&ys[edges[c] - 1]);
            }
        };
        constexpr std::size_t kAhead = 4;
        for (std::size_t c = 0; c < kAhead; ++c)
            ask(c);
        // A column's points are written once the next column's extremes are known: the x of its
        // extremes has been asked for meanwhile.
        struct Pending {
            MinMaxPyramid::Extremes e;
            std::size_t begin, end;
        };
        std::optional<Pending> pending;
        auto write = [&](const Pending& p) {
            const MinMaxPyramid::Extremes& e = p.e;
            if (e.anyNaN) {
                // Mark the column's first non-finite point.
                for (std::size_t i = p.begin; i < p.end; ++i) {
                    if (!std::isfinite(double(ys[i]))) {
                        out.nonFiniteX.push_back(xs[i]);
                        break;
                    }
                }
            }
            if (!e.anyValue)
                return;
            // First, then the extremes in index order, then last: the shape within the column. The
            // extremes' values come from the pyramid (a read of ys there is a cache miss).
            const bool minFirst = e.minIndex <= e.maxIndex;
            const std::pair<std::size_t, double> points[4] = { { p.begin, double(ys[p.begin]) },
                minFirst ? std::pair { e.minIndex, e.min } : std::pair { e.maxIndex, e.max },
                minFirst ? std::pair { e.maxIndex, e.max } : std::pair { e.minIndex, e.min },
                { p.end - 1, double(ys[p.end - 1]) } };
            std::size_t previous = std::size_t(-1);
            for (const auto& [i, y] : points) {
                if (i != previous && std::isfinite(y)) {
                    out.x.push_back(xs[i]);
                    out.y.push_back(y);
                }
                previous = i;
            }
        };
        for (std::size_t c = 0; c < count; ++c) {
            ask(c + kAhead);
            const std::size_t begin = edges[c], end = edges[c + 1];
            if (end <= begin)
                continue;
            const MinMaxPyramid::Extremes e = pyramid.range(ys, begin, end);
            prefetch(&xs[e.minIndex]);
            prefetch(&xs[e.maxIndex]);
            if (pending)
                write(*pending);
            pending = Pending { e, begin, end };
        }
        if (pending)
            write(*pending);
        return out;
    }

} // namespace

DecimatedSeries decimate(std::span<const double> xs, std::span<const double> ys, const MinMaxPyramid& pyramid,
    double x0, double x1, int columns)
{
    return decimated(xs, ys, pyramid, x0, x1, columns);
}

DecimatedSeries decimate(std::span<const double> xs, std::span<const float> ys, const MinMaxPyramid& pyramid, double x0,
    double x1, int columns)
{
    return decimated(xs, ys, pyramid, x0, x1, columns);
}

namespace {

    /// debiasedEma(), each value handed to `store(index, value)`.
    template <typename Store> void ema(std::span<const double> ys, double weight, Store&& store)
    {
        double last = 0;
        double weightPower = 1; // wⁿ, kept by multiplication rather than a pow() per point
        for (std::size_t i = 0; i < ys.size(); ++i) {
            const double y = ys[i];
            if (!std::isfinite(y)) {
                store(i, y);
                continue;
            }
            last = last * weight + (1 - weight) * y;
            weightPower *= weight;
            const double debias = 1 - weightPower;
            store(i, debias > 0 ? last / debias : y);
        }
    }

} // namespace

std::vector<double> debiasedEma(std::span<const double> ys, double weight)
{
    std::vector<double> out(ys.size());
    ema(ys, weight, [&](std::size_t i, double v) { out[i] = v; });
    return out;
}

std::optional<std::vector<float>> debiasedEmaAsFloat(std::span<const double> ys, double weight)
{
    std::vector<float> out;
    resizeLarge(out, ys.size());
    bool fits = true;
    constexpr double most = std::numeric_limits<float>::max();
    ema(ys, weight, [&](std::size_t i, double v) {
        if (std::isfinite(v) && std::abs(v) > most) {
            fits = false;
            v = 0;
        }
        out[i] = float(v);
    });
    if (!fits)
        return std::nullopt;
    return out;
}

} // namespace reprise
