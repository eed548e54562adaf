#pragma once

#include "analysis/feature_profile.h"

#include <QChartView>
#include <vector>

namespace reprise {

/// One compared dataset on the drift-over-time chart.
struct DriftTrendPoint {
    double time = 0; ///< the run's start, seconds since the epoch
    double value = 0; ///< as drawn (−log10 p for p-value tests)
    bool drifted = false;
    bool rerun = false; ///< drawn as its own marks, never joined to the line
    QString run; ///< the run's name, already made visible (visibleText)
    QString reading; ///< the test's reading, e.g. "wasserstein 0.31 · drifted"
};

/// A feature's drift statistic over the compared runs' start times (a date axis), its threshold
/// dashed, drifted datasets marked red and reruns marked apart. Hovering near a point shows its run,
/// date and reading as a tooltip. GUI thread only.
class DriftTrendChart : public QChartView {
    Q_OBJECT
public:
    explicit DriftTrendChart(QWidget* parent = nullptr);

    /// Draws `points` (in time order) between `from` and `to` (seconds since the epoch; the points'
    /// own span when from >= to). `featureHtml` is the feature's name already escaped for HTML.
    void setTrend(const QString& featureHtml, std::vector<DriftTrendPoint> points, double threshold, bool pValues,
        double from, double to);
    void clearTrend();
    /// The tooltip text hovering at `pos` (viewport pixels) shows, empty when no point is within reach.
    QString textAt(const QPoint& pos) const;

protected:
    void mouseMoveEvent(QMouseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void updateTicks();
    std::vector<DriftTrendPoint> m_points;
};

/// Two distributions of one feature overlaid: bars on shared bins (numbers) or categories, or the two
/// empirical cumulative distributions as step lines. GUI thread only.
class DriftDistributionChart : public QChartView {
    Q_OBJECT
public:
    using QChartView::QChartView;
    /// `featureHtml` is the feature's name already escaped for HTML (QtCharts renders titles as HTML).
    void showDistributions(const QString& featureHtml, const FeatureSample& a, const FeatureSample& b, bool ecdf);
    void clearDistributions();
};

} // namespace reprise
