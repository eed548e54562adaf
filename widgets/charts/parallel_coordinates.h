#pragma once

#include "analysis/plot_table.h"

#include <QWidget>
#include <map>
#include <optional>

namespace reprise {

/// Parallel coordinates of the runs' varying params and one chosen metric (the last axis, which also
/// colours the lines): the view that shows which settings lead where. Drag along an axis to brush a
/// range (brushes on several axes combine); the runs inside every brush are reported so the browser
/// can select them; double-click an axis to clear its brush. Log axes for fields spanning decades.
class ParallelCoordinates : public QWidget {
    Q_OBJECT
public:
    explicit ParallelCoordinates(QWidget* parent = nullptr);

    void setTable(PlotTable table);
    /// The metric drawn last and used for colour; keeps the params.
    void setColourMetric(const QString& metric);
    /// Runs drawn emphasised (the browser's selection).
    void setHighlighted(const QStringList& runIds);
    /// Brush field `name` to [lo, hi] (in field values); no brush when lo > hi.
    void setBrush(const QString& name, double lo, double hi);
    void clearBrushes();

    const PlotTable& table() const { return m_table; }
    QStringList axisNames() const;
    /// Runs inside every brush (all runs when nothing is brushed).
    QStringList brushedRunIds() const;

Q_SIGNALS:
    /// The user brushed: these runs pass every brush.
    void runsBrushed(const QStringList& runIds);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;

private:
    std::vector<const PlotField*> axes() const;
    QRectF plotRect() const;
    double axisX(std::size_t i, std::size_t count) const;
    int axisAt(double x) const;
    bool passes(std::size_t row) const;

    PlotTable m_table;
    QString m_colourMetric;
    QStringList m_highlighted;
    std::map<QString, std::pair<double, double>> m_brushes; ///< field → [lo, hi] in field values
    std::optional<int> m_dragAxis;
    double m_dragFrom = 0;
};

/// A colour for t in [0, 1] along a perceptually ordered ramp (dark blue → green → yellow).
QColor rampColour(double t);

} // namespace reprise
