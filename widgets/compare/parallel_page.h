#pragma once

#include "analysis/plot_table.h"

#include <QWidget>

class QComboBox;

namespace reprise {

class ParallelCoordinates;

/// The Parallel coordinates page of the compare view: the plot, and the metric of its last axis
/// (which also colours the lines) chosen above it.
class ParallelPage : public QWidget {
    Q_OBJECT
public:
    explicit ParallelPage(QWidget* parent = nullptr);

    /// The runs to draw; `highlighted` are drawn emphasised (the selected runs).
    void setTable(const PlotTable& table, const QStringList& highlighted);
    ParallelCoordinates* plot() const { return m_plot; }

private:
    ParallelCoordinates* m_plot;
    QComboBox* m_metric;
};

} // namespace reprise
