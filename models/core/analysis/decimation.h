#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace reprise {

/// Min/max of a series over blocks of 2^k points for every k, so the extremes of any index range
/// are found from O(log n) blocks instead of a scan. Built once per series (O(n) memory: 2·n/16
/// values over all levels); NaN is ignored by min/max and remembered per block.
class MinMaxPyramid {
public:
    MinMaxPyramid() = default;
    explicit MinMaxPyramid(std::span<const double> values);

    struct Extremes {
        double min;
        double max;
        std::size_t minIndex;
        std::size_t maxIndex;
        bool anyNaN;
        bool anyValue; ///< false when the range holds only NaN
    };
    /// Extremes of values[first, last). `values` must be the span the pyramid was built from.
    Extremes range(std::span<const double> values, std::size_t first, std::size_t last) const;

private:
    static constexpr std::size_t kBase = 16; ///< level 0 blocks: 16 points
    struct Level {
        std::vector<double> min, max;
        std::vector<std::uint32_t> minAt, maxAt; ///< offsets within the block's span
        std::vector<std::uint8_t> nan;
    };
    std::vector<Level> m_levels;
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

/// TensorBoard's debiased exponential moving average: last = last·w + (1−w)·y; out = last / (1 − wⁿ)
/// with n the count of finite values so far; NaN and ±inf pass through unchanged and are not averaged.
std::vector<double> debiasedEma(std::span<const double> ys, double weight);

} // namespace reprise
