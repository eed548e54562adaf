#pragma once

#include "analysis/plot_table.h"

#include <QWidget>

class QCheckBox;
class QComboBox;

namespace reprise {

class ScatterPlot;

/// The Scatter page of the compare view: the plot, and above it the field on x, the metric on y, the
/// field that colours the points and the log axes.
class ScatterPage : public QWidget {
    Q_OBJECT
public:
    explicit ScatterPage(QWidget* parent = nullptr);

    /// The runs to draw; `highlighted` are drawn ringed (the selected runs). x defaults to the param with
    /// the most distinct values (the swept one), colour to the next one, y to the most relevant metric;
    /// axes spanning decades are logarithmic.
    void setTable(const PlotTable& table, const QStringList& highlighted);
    ScatterPlot* plot() const { return m_plot; }

private:
    void applyFields();

    ScatterPlot* m_plot;
    QComboBox* m_x;
    QComboBox* m_y;
    QComboBox* m_colour;
    QCheckBox* m_logX;
    QCheckBox* m_logY;
};

} // namespace reprise
