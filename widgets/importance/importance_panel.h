#pragma once

#include "analysis/plot_table.h"
#include "stats/importance.h"

#include <QWidget>
#include <optional>

class QComboBox;
class QLabel;

namespace reprise {

class ImportanceBars;

/// Which params matter, beside Parallel coordinates: for the runs it is given (the browser's
/// filtered runs, or a sweep's) and the metric chosen above it, a ranked bar per param — the random
/// forest's impurity-based importance, the Spearman rank correlation beside it — and below, how
/// many runs lacked the metric or a param. Computed on a worker thread; a newer table or metric
/// drops an older result. All text is plain.
class ImportancePanel : public QWidget {
    Q_OBJECT
public:
    explicit ImportancePanel(QWidget* parent = nullptr);

    /// The runs (the table Parallel coordinates draws). Keeps the chosen metric when it is still there.
    void setTable(PlotTable table);
    /// Chooses the metric to explain (one of the table's metric fields).
    void setMetric(const QString& metric);
    QString metric() const;
    QComboBox* metricChooser() const { return m_metric; }
    /// The last result shown (none while computing, or when it failed).
    const std::optional<ImportanceResult>& result() const { return m_result; }
    /// The params in the order shown (most important first).
    QStringList rankedParams() const;
    /// What the panel says under the bars (counts of runs left out, the forest's fit), or why it is empty.
    QString messageText() const;
    bool isBusy() const { return m_busy; }

Q_SIGNALS:
    /// A result (or a message saying why there is none) is shown.
    void ready();

private:
    void recompute();
    void showResult(const Result<ImportanceResult>& result);

    PlotTable m_table;
    std::optional<ImportanceResult> m_result;
    quint64 m_generation = 0;
    bool m_busy = false;
    QComboBox* m_metric;
    ImportanceBars* m_bars;
    QLabel* m_message;
};

} // namespace reprise
