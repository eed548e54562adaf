#pragma once

#include "analysis/curve_loading.h"
#include "charts/curve_layer.h"
#include "charts/run_palette.h"

#include <QChartView>
#include <QColor>
#include <memory>
#include <vector>

class QGraphicsLineItem;
class QGraphicsTextItem;
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
    /// The step of each point, when x is not the step (null: x is the step).
    std::shared_ptr<const std::vector<double>> steps;
    /// The wall time of each point (seconds since the epoch, to the millisecond), aligned with x; null
    /// when unknown.
    std::shared_ptr<const WallTimes> wall;
    /// A group: how many runs have a value at each x (null for a run).
    std::shared_ptr<const std::vector<int>> runs;
    /// The EMA of y, when smoothing is on: as float (a line over the raw points, of which the readout
    /// shows 5 digits: half the memory of a double), or as double in smoothedWide instead when a value
    /// is beyond float's range.
    std::shared_ptr<const std::vector<float>> smoothed;
    std::shared_ptr<const std::vector<double>> smoothedWide;
    std::shared_ptr<const MinMaxPyramid> smoothedPyramid;
    bool isSmoothed() const { return smoothed || smoothedWide; }
    /// The smoothed value of point i (isSmoothed() only).
    double smoothedAt(std::size_t i) const { return smoothed ? double((*smoothed)[i]) : (*smoothedWide)[i]; }
    /// A group of runs drawn as one curve (y = mean): the band around it, aligned with x.
    std::shared_ptr<const std::vector<double>> bandLow, bandHigh;
    std::shared_ptr<const MinMaxPyramid> bandLowPyramid, bandHighPyramid;
};

class CurveLayer;
class ReadoutBox;

/// A metric's chart: every curve decimated exactly (first/min/max/last per pixel column) for the
/// visible x range off the GUI thread, stale results dropped; smoothed curve over the faint raw one;
/// log or linear y; NaN/±inf marked along the bottom; readable 1-2-5 ticks with compact labels;
/// drag a horizontal band to zoom, wheel to zoom, Shift+drag to pan, double-click to reset (or with the
/// keyboard: +/- zoom, arrows pan, Home resets);
/// hovering shows a framed readout of every curve's smoothed and logged value at the nearest step, its
/// step and wall time. The title is the metric's name; what the chart leaves out (runs that did not log
/// the metric, decimation, values a log axis cannot show) is said in a footnote under it. When every
/// run has a single point (a final score), each run is a dot on its own place along x.
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
    /// Shows `factor` times the visible x span about its middle (< 1 zooms in), never more than all
    /// there is; the linked charts follow (xRangeChanged).
    void zoomBy(double factor);
    /// Moves the visible x range by `spans` of its width (negative: left); the linked charts follow.
    void panBy(double spans);
    QString note() const { return m_note; }
    /// Points painted for each curve (raw + smoothed + band), after the last redraw.
    std::vector<int> drawnPointCounts() const;
    /// What is painted for curve `i` after the last redraw.
    const DrawnCurve& drawn(std::size_t i) const;
    double visibleLow() const { return m_lo; }
    double visibleHigh() const { return m_hi; }
    /// The readout text for x (what hovering at x shows): a header, then per curve its label, smoothed
    /// value, value, step and wall time, tab-separated, highest value first.
    QString readoutAt(double x) const;
    /// Where the hover readout is framed, in view coordinates (empty when it is hidden).
    QRectF readoutBox() const;
    /// The labels of the runs that did not log this metric (said under the chart).
    void setMissing(const QStringList& labels);
    QStringList missing() const { return m_missing; }
    /// The footnote under the chart ("not logged by: …", decimation, log-axis notes), plain text.
    QString footnote() const;
    /// The axes' titles (plain text).
    void setAxisTitles(const QString& x, const QString& y);
    QString xTitle() const { return m_xTitle; }
    QString yTitle() const { return m_yTitle; }
    /// Every curve has one point: runs are placed side by side on x as dots.
    bool perRun() const { return m_perRun; }
    /// Whether NaN/±inf points are marked (the legend's "NaN / ±inf" entry is meaningful).
    bool marksNonFinite() const;
    /// The title as given (plain text: the metric's name).
    QString plainTitle() const { return m_plainTitle; }
    bool isCurveHidden(const QString& runId) const { return m_hidden.contains(runId); }
    void setCurveVisible(const QString& runId, bool visible);

    /// Paints the chart into `target` of `painter` as it is now (range, hidden runs, log y), laid out
    /// anew for that size, with axis titles and, under it, a legend of what is drawn with the runs'
    /// full names wrapped (and a NaN / ±inf entry only when such points are marked). `light` paints
    /// on white whatever the desktop's palette. GUI thread; decimates synchronously.
    void renderTo(QPainter* painter, const QRectF& target, bool light) const;
    /// The legend entries renderTo() paints, in order (plain text).
    QStringList exportLegend() const;
    /// This chart alone as an image of `size` logical pixels at `scale` device pixels each, on white.
    QImage picture(QSize size, double scale) const;
    /// picture() at the chart's size and the screen's scale, on the clipboard (its context menu's Copy Chart).
    void copyToClipboard() const;

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
    void contextMenuEvent(QContextMenuEvent* event) override;
    // The keyboard (metric_chart_keys.cpp): +/- zoom, arrows pan, Home shows everything, Ctrl+C copies;
    // a focus ring says which chart the keys act on.
    void keyPressEvent(QKeyEvent* event) override;
    void focusInEvent(QFocusEvent* event) override;
    void focusOutEvent(QFocusEvent* event) override;
    void paintEvent(QPaintEvent* event) override;

private:
    void redraw();
    /// Decimates for the current range on this thread and applies the result (an export's copy).
    void redrawNow();
    void apply(std::vector<DrawnCurve> drawn);
    /// The curves to decimate: hidden ones emptied (keeping their place and colour).
    std::vector<ChartCurve> curvesToDraw() const;
    static DrawnCurve decimated(const ChartCurve& c, double lo, double hi, int columns);
    void applyAxes(double yLo, double yHi);
    void userRangeChanged(double lo, double hi);
    /// Hidden runs' legend entries struck through and greyed.
    void updateLegendStyle();
    void updateFootnote();
    /// The readout for the cursor at view x `viewX`.
    void showReadout(double viewX);

    QString m_plainTitle;
    QString m_title; ///< as QtCharts is given it: HTML-escaped
    QString m_xTitle, m_yTitle;
    QStringList m_missing;
    QStringList m_fewerRuns; ///< groups whose mean is over fewer runs from some x on
    bool m_perRun = false;
    bool m_exporting = false; ///< a copy made by renderTo(): no decimation note in the footnote
    QGraphicsTextItem* m_footnote = nullptr;
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
    ReadoutBox* m_readout = nullptr;
};

} // namespace reprise
