#pragma once

#include "compare/brushable_plot.h"

#include <map>

namespace reprise {

/// Parallel coordinates of the runs' varying params and one chosen metric (the last axis, which also
/// colours the lines): the view that shows which settings lead where. Drag along an axis to brush a
/// range (brushes on several axes combine); the runs inside every brush are reported so the browser
/// can select them; a click or a double-click on an axis clears its brush. Log axes for fields spanning decades.
class ParallelCoordinates : public BrushablePlot {
    Q_OBJECT
public:
    explicit ParallelCoordinates(QWidget* parent = nullptr);

    void setTable(PlotTable table);
    /// The metric drawn last and used for colour; keeps the params.
    void setColourMetric(const QString& metric);
    /// Brush field `name` to [lo, hi] (in field values); no brush when lo > hi.
    void setBrush(const QString& name, double lo, double hi);
    void clearBrushes();

    QStringList axisNames() const;
    /// Runs inside every brush (all runs when nothing is brushed).
    QStringList brushedRunIds() const;

protected:
    void paintEvent(QPaintEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    /// On an axis: brushing it.
    bool brushStarts(QPointF at) override;
    void brushMoved(QPointF from, QPointF to) override;
    /// The runs passing every brush (a click without a drag clears the axis's brush first).
    std::optional<QStringList> brushEnded(QPointF from, QPointF to) override;

private:
    std::vector<const PlotField*> axes() const;
    QRectF plotRect() const;
    double axisX(std::size_t i, std::size_t count) const;
    int axisAt(double x) const;
    bool passes(std::size_t row) const;

    QString m_colourMetric;
    std::map<QString, std::pair<double, double>> m_brushes; ///< field → [lo, hi] in field values
    int m_dragAxis = -1; ///< the axis being brushed
};

} // namespace reprise
