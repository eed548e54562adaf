#pragma once

#include <vector>

namespace reprise {

/// One curve of a group: steps ascending (repeated steps allowed: the last finite value at a step counts).
struct CurvePoints {
    std::vector<double> steps;
    std::vector<double> values;
};

/// Mean ± band of a group of runs (e.g. the same config over seeds), step by step over the union of
/// their steps; only finite values count, so a run that diverged to NaN leaves the band there.
struct GroupBand {
    std::vector<double> steps;
    std::vector<double> mean;
    std::vector<double> std; ///< sample standard deviation (n − 1); 0 where one run has a value
    std::vector<double> min;
    std::vector<double> max;
    std::vector<int> count; ///< runs with a finite value at the step
};

GroupBand groupBand(const std::vector<CurvePoints>& curves);

} // namespace reprise
