#pragma once

#include "compare/brushable_plot.h"

namespace reprise {

/// A scatter of any field (param or metric) against any metric over the runs, coloured by a third
/// field, with log axes on request. Drag a rectangle to select the runs inside (reported so the
/// browser can select them); hovering names the nearest run.
class ScatterPlot : public BrushablePlot {
    Q_OBJECT
public:
    explicit ScatterPlot(QWidget* parent = nullptr);

    void setTable(PlotTable table);
    /// Fields by name; an unknown name leaves that role unset (no colour: one colour for all).
    void setFields(const QString& x, const QString& y, const QString& colour);
    void setLog(bool logX, bool logY);

    QString xField() const { return m_x; }
    QString yField() const { return m_y; }
    /// Runs with a finite x and y (the points drawn).
    int pointCount() const;
    /// Runs whose points fall inside the rectangle of the plot's coordinates [x0,x1]×[y0,y1].
    QStringList runsIn(double x0, double x1, double y0, double y1) const;

protected:
    void paintEvent(QPaintEvent* event) override;
    /// Anywhere: a rectangle.
    bool brushStarts(QPointF at) override;
    /// The runs inside the rectangle, or the nearest point within 8 px of a click; nothing when none.
    std::optional<QStringList> brushEnded(QPointF from, QPointF to) override;
    /// The nearest point within 10 px: its run and values.
    QString hoverText(QPointF at) const override;

private:
    QRectF plotRect() const;
    std::optional<QPointF> position(std::size_t row) const;

    QString m_x, m_y, m_colour;
    bool m_logX = false, m_logY = false;
};

} // namespace reprise
