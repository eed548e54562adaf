#pragma once

#include "analysis/decimation.h"
#include "charts/column_raster.h"

#include <QColor>
#include <QGraphicsItem>
#include <QImage>
#include <vector>

namespace reprise {

/// What one curve puts on screen for the current x range: its decimated raw points, the smoothed
/// line over them, and (for a group of runs) the band around the mean. Produced off the GUI thread.
struct DrawnCurve {
    QColor colour;
    bool visible = true;
    DecimatedSeries raw;
    DecimatedSeries smooth; ///< empty when smoothing is off
    DecimatedSeries bandLow, bandHigh; ///< empty unless the curve is a group mean
};

/// Paints the curves of a chart straight into the plot area with QPainter::drawPolyline.
/// QtCharts keeps the axes, title and legend; handing it thousands of points per series costs
/// several times more than painting them (it rebuilds paths and a stroked hover shape on every
/// change), which is what kept pan/zoom frames over budget.
class CurveLayer : public QGraphicsItem {
public:
    CurveLayer() = default;

    /// The plot rectangle in scene coordinates and the value ranges it shows.
    void setFrame(const QRectF& plot, double xLo, double xHi, double yLo, double yHi, bool logY);
    void setCurves(std::vector<DrawnCurve> curves);
    const std::vector<DrawnCurve>& curves() const { return m_curves; }
    /// Points painted after the last setCurves(): raw + smoothed (+ band) per curve.
    std::vector<int> pointCounts() const;

    /// Data coordinates (x as charted, y as logged) in scene coordinates.
    QPointF toScene(double x, double y) const { return map(x, y); }

    QRectF boundingRect() const override { return m_plot; }
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

private:
    QPointF map(double x, double y) const;
    /// Polyline through the finite points; a non-finite point between two drawn ones breaks it.
    void drawSeries(QPainter* painter, const DecimatedSeries& series) const;
    /// A decimated series as one vertical span per pixel column (joined column to column), in
    /// pixels of `scale` × logical pixels.
    std::vector<ColumnSpan> columnSpans(const DecimatedSeries& series, double scale) const;
    /// Paints a decimated series as its column spans with QPainter (vector devices).
    void drawDense(QPainter* painter, const DecimatedSeries& series) const;

    std::vector<DrawnCurve> m_curves;
    QRectF m_plot;
    double m_xLo = 0, m_xHi = 1, m_yLo = 0, m_yHi = 1;
    bool m_logY = false;
    QImage m_canvas; ///< kept between paints: reallocated only when the plot's size changes
    std::vector<QRgb> m_columns; ///< the dense curves' pixels column by column, before m_canvas
};

} // namespace reprise
