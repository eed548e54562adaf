#pragma once

#include "store/run_table.h"

#include <QAbstractTableModel>
#include <QHash>
#include <memory>

namespace reprise {

/// Table model over a columnar RunTable snapshot: fixed columns (status, name, project, started,
/// duration), then one per param and one per latest metric. Holds no per-run objects, so 100,000
/// runs cost the snapshot and nothing more. GUI thread only; never does I/O.
class RunTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { StatusColumn, NameColumn, ProjectColumn, StartedColumn, DurationColumn, FixedColumnCount };
    /// Longer texts are cut in the table (the details pane shows them whole).
    static constexpr int kMaxCellLength = 200;

    enum Role {
        SortRole = Qt::UserRole + 1, ///< raw number for numeric columns, text otherwise
        RunIdRole, ///< the run's uuid
    };

    explicit RunTableModel(QObject* parent = nullptr);

    /// Replaces the snapshot (model reset). `now` is the end time used for running runs' durations.
    void setRuns(std::shared_ptr<const RunTable> table, double now);
    const std::shared_ptr<const RunTable>& runs() const { return m_table; }
    /// The time (epoch seconds) that running runs' durations are measured to.
    double now() const { return m_now; }

    /// All source rows ordered by `column`: numbers numerically, text case-insensitively, numbers
    /// before text in mixed param columns, rows without a value last in either order. Stable.
    std::vector<std::int32_t> sortedRows(int column, Qt::SortOrder order) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    /// Names are editable: an edit emits renameRequested and changes nothing here.
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    /// Adds (or updates) one computed column after the metrics, e.g. the drift share of each run,
    /// keyed by run uuid; runs without a value stay empty. Keeps rows and selection (no reset).
    void setExtraColumn(const QString& title, const QHash<QString, double>& values);
    bool isExtraColumn(int column) const;

    /// Which kind of column `column` is, and its key for params and metrics.
    bool isParamColumn(int column) const;
    bool isMetricColumn(int column) const;
    QString columnKey(int column) const;

Q_SIGNALS:
    /// The user renamed a run in place; the snapshot keeps the old name until reloaded.
    void renameRequested(const QString& runId, const QString& name);

private:
    int dynamicColumnCount() const;
    void mapExtraValues();

    std::shared_ptr<const RunTable> m_table;
    QString m_extraTitle;
    QHash<QString, double> m_extraByRun;
    std::vector<double> m_extra; ///< per row, NaN where the run has no value
    double m_now = 0;
};

} // namespace reprise
