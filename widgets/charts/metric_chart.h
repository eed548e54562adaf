#pragma once

#include "charts/curve_layer.h"
#include "charts/run_palette.h"

#include <QChartView>
#include <QColor>
#include <memory>
#include <vector>

class QGraphicsLineItem;
class QGraphicsSimpleTextItem;
class QLineSeries;
class QGraphicsScene;
class QScatterSeries;
class QCategoryAxis;
class QAbstractAxis;

namespace reprise {

/// One run's history of one metric, ready to draw: x (step, wall time or relative time) sorted
/// ascending, y as logged, and the pyramid that makes decimation cost follow the pixels.
struct ChartCurve {
    QString label;
    QString runId;
    QColor colour;
    std::shared_ptr<const std::vector<double>> x;
    std::shared_ptr<const std::vector<double>> y;
    std::shared_ptr<const MinMaxPyramid> pyramid;
    std::shared_ptr<const std::vector<double>> smoothed; ///< EMA of y, when smoothing is on
    std::shared_ptr<const MinMaxPyramid> smoothedPyramid;
    /// A group of runs drawn as one curve (y = mean): the band around it, aligned with x.
    std::shared_ptr<const std::vector<double>> bandLow, bandHigh;
    std::shared_ptr<const MinMaxPyramid> bandLowPyramid, bandHighPyramid;
};

class CurveLayer;

/// A metric's chart: every curve decimated exactly (first/min/max/last per pixel column) for the
/// visible x range off the GUI thread, stale results dropped; smoothed curve over the faint raw one;
/// log or linear y; NaN/±inf marked along the bottom; readable 1-2-5 ticks with compact labels;
/// drag a horizontal band to zoom, wheel to zoom, Shift+drag to pan, double-click to reset;
/// hovering shows every curve's value at the nearest step.
class MetricChart : public QChartView {
    Q_OBJECT
public:
    explicit MetricChart(const QString& title, QWidget* parent = nullptr);

    /// New curves; `keepRange` keeps the user's zoom (live data growing) unless it showed everything.
    void setCurves(std::vector<ChartCurve> curves, bool keepRange = false);
    const std::vector<ChartCurve>& curves() const { return m_curves; }
    void setLogY(bool log);
    /// Shows [lo, hi] of x (from another chart of the group); no signal.
    void setXRange(double lo, double hi);
    void resetZoom();
    QString note() const { return m_note; }
    /// Points painted for each curve (raw + smoothed + band), after the last redraw.
    std::vector<int> drawnPointCounts() const;
    /// What is painted for curve `i` after the last redraw.
    const DrawnCurve& drawn(std::size_t i) const;
    double visibleLow() const { return m_lo; }
    double visibleHigh() const { return m_hi; }
    /// The readout text for x (what hovering at x shows).
    QString readoutAt(double x) const;
    void setCurveVisible(const QString& runId, bool visible);

Q_SIGNALS:
    /// The user zoomed or panned this chart.
    void xRangeChanged(double lo, double hi);
    /// The series reflect the current range (after a decimation job).
    void redrawn();

protected:
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void leaveEvent(QEvent* event) override;

private:
    void redraw();
    void applyAxes(double yLo, double yHi);
    void userRangeChanged(double lo, double hi);
    /// Hidden runs' legend entries struck through and greyed.
    void updateLegendStyle();

    QString m_title; ///< as QtCharts is given it: HTML-escaped
    std::vector<ChartCurve> m_curves;
    std::vector<QLineSeries*> m_legend; ///< empty series: a legend entry per curve, attached to the axes
    QScatterSeries* m_nonFinite;
    CurveLayer* m_layer;
    QCategoryAxis* m_xAxis = nullptr;
    QAbstractAxis* m_yAxis = nullptr;
    QSet<QString> m_hidden;
    double m_dataLo = 0, m_dataHi = 1, m_lo = 0, m_hi = 1, m_yLo = 0, m_yHi = 1;
    bool m_logY = false;
    quint64 m_generation = 0;
    QString m_note;
    QPoint m_panFrom;
    bool m_panning = false;
    QGraphicsLineItem* m_cursor = nullptr;
    QGraphicsSimpleTextItem* m_readout = nullptr;
};

} // namespace reprise
