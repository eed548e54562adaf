#include "analysis/group_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace reprise {

GroupBand groupBand(const std::vector<CurvePoints>& curves)
{
    // A k-way merge over the curves' sorted steps (k = runs in the group, n = points): O(n·k) with
    // no per-step allocation, where a map of steps cost seconds for million-point histories.
    std::vector<std::size_t> at(curves.size(), 0);
    std::vector<double> values;
    values.reserve(curves.size());
    GroupBand band;
    const double none = std::numeric_limits<double>::infinity();
    for (;;) {
        double step = none;
        for (std::size_t c = 0; c < curves.size(); ++c) {
            if (at[c] < std::min(curves[c].steps.size(), curves[c].values.size()))
                step = std::min(step, curves[c].steps[at[c]]);
        }
        if (step == none)
            break;
        values.clear();
        for (std::size_t c = 0; c < curves.size(); ++c) {
            const CurvePoints& curve = curves[c];
            const std::size_t n = std::min(curve.steps.size(), curve.values.size());
            // The last finite value this curve logged at `step` counts (a repeated step overwrites).
            double last = std::numeric_limits<double>::quiet_NaN();
            while (at[c] < n && curve.steps[at[c]] == step) {
                if (std::isfinite(curve.values[at[c]]))
                    last = curve.values[at[c]];
                ++at[c];
            }
            if (std::isfinite(last))
                values.push_back(last);
        }
        if (values.empty())
            continue;
        const double n = double(values.size());
        double sum = 0, lo = std::numeric_limits<double>::infinity(), hi = -lo;
        for (double v : values) {
            sum += v;
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
        const double mean = sum / n;
        double squares = 0;
        for (double v : values)
            squares += (v - mean) * (v - mean);
        band.steps.push_back(step);
        band.mean.push_back(mean);
        band.std.push_back(values.size() > 1 ? std::sqrt(squares / (n - 1)) : 0.0);
        band.min.push_back(lo);
        band.max.push_back(hi);
        band.count.push_back(int(values.size()));
    }
    return band;
}

} // namespace reprise
