#pragma once

#include <QColor>
#include <QFont>
#include <QGraphicsItem>
#include <QSet>
#include <vector>

namespace reprise {

struct ChartCurve;

/// What hovering a chart at one x shows: per curve its point nearest to x, as TensorBoard does —
/// the smoothed value and the value as logged, the point's step and wall time — sorted by value,
/// highest first.
struct Readout {
    struct Row {
        QString label; ///< plain text
        QColor colour;
        double value = 0; ///< as logged (a group: the mean)
        double smoothed = 0;
        bool hasSmoothed = false;
        double step = 0;
        double wallTime = 0; ///< seconds since the epoch
        bool hasWallTime = false;
        int runs = 0; ///< a group: runs with a value at the step (0 for a run)
        QPointF at; ///< the point in data coordinates (x as charted, the value shown)
    };
    std::vector<Row> rows;

    /// As text: a header line, then one tab-separated line per row.
    QString text() const;
};

/// The readout of `curves` at x (hidden runs and curves without points left out). `perRun` says x is
/// the curve's index (one point per run), not a step or a time.
Readout readoutOf(const std::vector<ChartCurve>& curves, const QSet<QString>& hidden, double x, bool perRun);

/// The hover readout: a framed table beside the cursor line (never over it, so never over the points
/// it describes), and a dot on each curve's point. Painted in scene coordinates; GUI thread only.
class ReadoutBox : public QGraphicsItem {
public:
    ReadoutBox() = default;

    /// Shows `readout` for the cursor at scene x `cursorX` inside `plot`; `view` is the visible scene
    /// rectangle (the box stays inside it). `points` are the rows' points in scene coordinates.
    void show(const Readout& readout, const std::vector<QPointF>& points, double cursorX, const QRectF& plot,
        const QRectF& view, const QPalette& palette);
    /// The table's frame in scene coordinates (empty when hidden).
    QRectF box() const { return isVisible() ? m_box : QRectF(); }

    QRectF boundingRect() const override { return m_bounds; }
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

private:
    QStringList cells(const Readout::Row& row) const;

    Readout m_readout;
    std::vector<QPointF> m_points;
    QRectF m_box, m_bounds;
    std::vector<double> m_columns; ///< widths of the table's columns
    double m_lineHeight = 14;
    QColor m_text, m_base, m_frame;
    QFont m_font; ///< the application's font: measured and painted with the same one
};

} // namespace reprise
