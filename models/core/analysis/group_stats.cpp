#include "analysis/group_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace reprise {

GroupBand groupBand(const std::vector<CurvePoints>& curves)
{
    // step -> per curve its last finite value at that step
    std::map<double, std::vector<double>> byStep;
    for (const CurvePoints& c : curves) {
        std::map<double, double> last;
        for (std::size_t i = 0; i < c.steps.size() && i < c.values.size(); ++i) {
            if (std::isfinite(c.values[i]))
                last[c.steps[i]] = c.values[i];
        }
        for (const auto& [step, value] : last)
            byStep[step].push_back(value);
    }
    GroupBand band;
    for (const auto& [step, values] : byStep) {
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
