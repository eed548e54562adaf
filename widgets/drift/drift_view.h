#pragma once

#include "analysis/drift.h"
#include "cancel_flag.h"
#include "store/run_types.h"

#include <QWidget>

class QChartView;
class QCheckBox;
class QDateEdit;
class QDoubleSpinBox;
class QComboBox;
class QLabel;
class QTableWidget;

namespace reprise {

class DriftTrendChart;
class DriftDistributionChart;

/// Data drift of the selected runs' datasets against a reference: a heat map of features ×
/// datasets coloured by drift score (drifted cells marked, features sorted by drift, each named with
/// when it first drifted; columns fitted to the width under date groups, narrowed to a date range),
/// a line chart of the selected feature's statistic over the runs' start times with its threshold,
/// and for the selected cell both distributions overlaid (shared bins, or categories) with the
/// test's numbers. Reruns (runs with a parent) are left out unless asked for, then marked.
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
    /// Reruns read their original's data again: left out of the columns unless this is checked.
    QCheckBox* rerunsToggle() const { return m_reruns; }
    QDateEdit* fromDate() const { return m_from; }
    QDateEdit* toDate() const { return m_to; }
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
    /// Hides the columns outside the date range, then refits, renames first drifts and re-summarises.
    void applyRange();
    void fitColumns();
    void updateFirstDrift();
    void updateSummary();
    bool eventFilter(QObject* watched, QEvent* event) override;

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
    DriftTrendChart* m_trend;
    DriftDistributionChart* m_distribution;
    QLabel* m_details;
    QDoubleSpinBox* m_share;
    QCheckBox* m_ecdf;
    QCheckBox* m_reruns;
    QDateEdit* m_from;
    QDateEdit* m_to;
    int m_rerunsLeftOut = 0; ///< in the last computation
    std::vector<int> m_firstDrift; ///< per heat-map row, the first shown column that drifted, or -1
    DriftOptions m_options; ///< per-feature test choices
};

} // namespace reprise
