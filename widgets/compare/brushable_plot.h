#pragma once

#include "analysis/plot_table.h"

#include <QWidget>
#include <optional>

namespace reprise {

/// The base of the compare view's run plots (parallel coordinates, scatter): a PlotTable of runs, the
/// runs drawn emphasised, and the mouse handling they share. A left press where the plot allows it
/// starts a brush, moving drags it, the release ends it and reports the runs chosen; moving without a
/// brush hovers. Subclasses paint and say what a brush or a hover means.
class BrushablePlot : public QWidget {
    Q_OBJECT
public:
    explicit BrushablePlot(QWidget* parent = nullptr);

    const PlotTable& table() const { return m_table; }
    /// Runs drawn emphasised (the browser's selection).
    void setHighlighted(const QStringList& runIds);
    QStringList highlighted() const { return m_highlighted; }

Q_SIGNALS:
    /// The user brushed: these runs are chosen (the browser selects them).
    void runsBrushed(const QStringList& runIds);

protected:
    /// Whether a left press at `at` starts a brush.
    virtual bool brushStarts(QPointF at) = 0;
    /// The brush was dragged from `from` to `to` (the widget repaints after).
    virtual void brushMoved(QPointF from, QPointF to);
    /// The brush ended at `to`: the runs it chose, or nothing to report.
    virtual std::optional<QStringList> brushEnded(QPointF from, QPointF to) = 0;
    /// The text that hovering at `at` shows (none by default).
    virtual QString hoverText(QPointF at) const;

    /// Where the brush in progress started and where it is now.
    std::optional<QPointF> brushFrom() const { return m_from; }
    QPointF brushTo() const { return m_to; }
    /// What the mouse hovers, as hoverText() said.
    QString hovered() const { return m_hover; }

    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

    PlotTable m_table;
    QStringList m_highlighted;

private:
    std::optional<QPointF> m_from;
    QPointF m_to;
    QString m_hover;
};

/// A colour for t in [0, 1] along a perceptually ordered ramp (dark blue → green → yellow); grey for NaN.
QColor rampColour(double t);

} // namespace reprise
