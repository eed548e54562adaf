#pragma once

#include "analysis/drift.h"
#include "cancel_flag.h"
#include "store/run_types.h"

#include <QWidget>

class QChartView;
class QCheckBox;
class QDoubleSpinBox;
class QComboBox;
class QLabel;
class QTableWidget;

namespace reprise {

/// Data drift of the selected runs' datasets against a reference: a heat map of features ×
/// datasets coloured by drift score (drifted cells marked, features sorted by drift), a line chart
/// of the selected feature's statistic over the datasets with its threshold, and for the selected
/// cell both distributions overlaid (shared bins, or categories) with the test's numbers.
/// Computation runs on a worker thread; stale results are dropped.
class DriftView : public QWidget {
    Q_OBJECT
public:
    explicit DriftView(QWidget* parent = nullptr);

    /// The runs to compare, in any order (they are ordered by start time). The reference defaults to
    /// the oldest run's "train" dataset (else its first); the compared datasets to the most common
    /// other dataset name.
    void setRuns(const QList<RunRecord>& runs);
    void clear(const QString& message);
    /// Stops a drift computation in progress (datasets not started are skipped) and says so.
    void cancel();

    QTableWidget* heatMap() const { return m_table; }
    QString message() const;
    QString cellDetails() const;
    QComboBox* referenceChooser() const { return m_reference; }
    QComboBox* currentChooser() const { return m_current; }
    /// True while drift is being computed.
    bool isBusy() const { return m_busy; }
    /// Chooses the test of one feature (DriftTest::Auto for Evidently's default) and recomputes.
    void setTest(const QString& feature, DriftTest test);
    QDoubleSpinBox* shareChooser() const { return m_share; }
    QCheckBox* ecdfToggle() const { return m_ecdf; }
    /// Selects a cell of the heat map (as a click does).
    void selectCell(int row, int column);

Q_SIGNALS:
    /// The heat map (or the message replacing it) is up to date.
    void ready();
    /// Share of drifted features per compared run (uuid → 0..1), for the run browser's drift column.
    void driftComputed(const QHash<QString, double>& shareByRun);

private:
    struct Column {
        const RunRecord* run = nullptr;
        const DatasetRecord* dataset = nullptr;
        DatasetDrift drift;
    };

    void recompute();
    void fill(std::vector<Column> columns);
    void showCell(int row, int column);
    void showTrend(int row);

    QList<RunRecord> m_runs;
    std::vector<Column> m_columns;
    QStringList m_features; ///< heat-map rows, most drifted first
    quint64 m_generation = 0;
    bool m_busy = false;
    CancelFlag m_cancel; ///< of the computation in flight
    QLabel* m_message;
    QComboBox* m_reference;
    QComboBox* m_current;
    QTableWidget* m_table;
    QChartView* m_trend;
    QChartView* m_distribution;
    QLabel* m_details;
    QDoubleSpinBox* m_share;
    QCheckBox* m_ecdf;
    DriftOptions m_options; ///< per-feature test choices
};

} // namespace reprise
