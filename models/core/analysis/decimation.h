#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace reprise {

/// Sizes `v` to `n` elements for arrays of millions of points about to be overwritten: on Linux the
/// memory is first marked for transparent huge pages, so filling it takes a page fault per 2 MB instead
/// of per 4 KB (measured: faults were most of the time a compare view took to load 100 × 1 M points).
void resizeLarge(std::vector<double>& v, std::size_t n);
void resizeLarge(std::vector<float>& v, std::size_t n);
void resizeLarge(std::vector<long long>& v, std::size_t n); ///< qint64

/// Min/max of a series over blocks of 64·8^k points for every k, so the extremes of any index range
/// are found from O(log n) blocks (and a short scan at an end whose base block cannot decide it)
/// instead of a scan of the range. Built once per series (O(n) memory: ~0.43 bytes a point over all
/// levels, a block's minimum, maximum and where they are side by side so a block costs one cache
/// line); NaN and ±inf are ignored by min/max and remembered per block. Series of up to 2^31 points.
class MinMaxPyramid {
public:
    MinMaxPyramid() = default;
    explicit MinMaxPyramid(std::span<const double> values);
    /// For values kept as float (a smoothed curve): the extremes are found the same way.
    explicit MinMaxPyramid(std::span<const float> values);

    /// Points in a block of the lowest level: a range's ends are scanned up to the next such boundary.
    static constexpr std::size_t kBlockPoints = 64;

    struct Extremes {
        double min;
        double max;
        std::size_t minIndex; ///< the first point holding the minimum
        std::size_t maxIndex; ///< the first point holding the maximum
        bool anyNaN; ///< the range holds NaN or ±inf
        bool anyValue; ///< false when the range holds only NaN
    };
    /// Extremes of values[first, last). `values` must be the span the pyramid was built from.
    Extremes range(std::span<const double> values, std::size_t first, std::size_t last) const;
    Extremes range(std::span<const float> values, std::size_t first, std::size_t last) const;
    /// Asks the processor for the blocks range() reads for [first, last), so that a caller can have
    /// several ranges' cache misses under way at once. Results never depend on it.
    void prefetch(std::size_t first, std::size_t last) const;
    /// Bytes the pyramid holds.
    std::size_t bytes() const;

private:
    template <typename T> void build(std::span<const T> values);
    template <typename T>
    void columnExtremes(
        std::span<const T> values, std::span<const std::size_t> edges, std::vector<Extremes>& out) const;
    /// Calls visit(block, start) for the blocks that cover [from, to) (both on base-block edges), each
    /// from the largest level that fits, in index order.
    template <typename Visit> void wholeBlocks(std::size_t from, std::size_t to, Visit&& visit) const;
    template <typename T> Extremes extremes(std::span<const T> values, std::size_t first, std::size_t last) const;

    static constexpr std::size_t kBase = kBlockPoints; ///< scanning that many is cheap
    /// Blocks per block of the level above. Eight: a range's blocks near its ends are up to seven
    /// neighbours (a cache line or three) on each of few levels, where pairs made a level, and a cache
    /// miss, per doubling.
    static constexpr std::size_t kFanOut = 8;
    static constexpr unsigned kBaseShift = 6; ///< kBase == 1 << kBaseShift: levels walked by shifts, not divisions
    static constexpr unsigned kFanOutShift = 3; ///< kFanOut == 1 << kFanOutShift
    static_assert(kBase == std::size_t(1) << kBaseShift && kFanOut == std::size_t(1) << kFanOutShift);
    struct Block {
        double min, max;
        std::uint32_t minAt; ///< offset within the block's span
        std::uint32_t maxAt; ///< offset within the block's span; kNonFinite set when the block has NaN/±inf
    };
    static constexpr std::uint32_t kNonFinite = 0x80000000U;
    std::vector<Block> m_blocks; ///< every level, level 0 first
    std::vector<std::size_t> m_start; ///< where each level starts in m_blocks
};

/// Points to draw for the x range [x0, x1] at `columns` pixel columns: per column the first,
/// minimum, maximum and last point in index order, so every spike visible at full resolution stays
/// visible. NaN and ±inf are not drawn as values: their x positions are returned so the caller can
/// mark them and break the line there. Cost ~ columns × log(points) with a pyramid.
struct DecimatedSeries {
    std::vector<double> x;
    std::vector<double> y;
    std::vector<double> nonFiniteX; ///< where NaN/±inf points are (one per column that has some)
    std::size_t sourcePoints = 0; ///< points of the series inside [x0, x1]
    bool decimated = false; ///< fewer points than sourcePoints were returned
};

/// `xs` must be sorted ascending (steps or times); `ys` has the same length.
DecimatedSeries decimate(std::span<const double> xs, std::span<const double> ys, const MinMaxPyramid& pyramid,
    double x0, double x1, int columns);
/// The same for values kept as float (a smoothed curve).
DecimatedSeries decimate(std::span<const double> xs, std::span<const float> ys, const MinMaxPyramid& pyramid, double x0,
    double x1, int columns);

/// TensorBoard's debiased exponential moving average: last = last·w + (1−w)·y; out = last / (1 − wⁿ)
/// with n the count of finite values so far; NaN and ±inf pass through unchanged and are not averaged.
std::vector<double> debiasedEma(std::span<const double> ys, double weight);
/// debiasedEma() rounded to float (half the memory, for a line drawn over the raw points), or nothing
/// when a value does not fit in a float.
std::optional<std::vector<float>> debiasedEmaAsFloat(std::span<const double> ys, double weight);

} // namespace reprise
