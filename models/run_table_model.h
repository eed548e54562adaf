#pragma once

#include "store/run_table.h"

#include <QAbstractTableModel>
#include <QHash>
#include <cstdint>
#include <memory>
#include <vector>

namespace reprise {

/// What changed between two snapshots of the same source, keyed by run id (RunTable::uuids) and by
/// column key. A value: compute it with RunTableModel::diff on any thread (e.g. the loader's worker)
/// and apply it with RunTableModel::mergeRuns on the GUI thread.
struct RunTableMerge {
    std::shared_ptr<const RunTable> before; ///< the snapshot it was computed against (may be null)
    std::shared_ptr<const RunTable> after; ///< the new snapshot (null shows no runs)
    std::vector<std::int32_t> oldToNew; ///< per row of `before`: its row in `after`, -1 when removed
    std::vector<std::int32_t> newToOld; ///< per row of `after`: its row in `before`, -1 when added
    /// Rows of `after` whose run was in `before` with some other value (any attribute, param, tag or
    /// metric, shown or not), ascending.
    std::vector<std::int32_t> changed;
    /// Dynamic columns (params, then metrics, in the model's natural order) of `before` -> `after`, -1
    /// when removed; and back, -1 when added. Kept columns keep their relative order.
    std::vector<std::int32_t> oldColumnToNew;
    std::vector<std::int32_t> newColumnToOld;
    bool reordered = false; ///< the runs kept are in another relative order
};

/// Table model over a columnar RunTable snapshot: fixed columns (status, name, project, started,
/// duration), then one per param and one per latest metric, each kind in natural key order
/// (naturalKeyLess: param_2 before param_10). Holds no per-run objects, so 100,000
/// runs cost the snapshot and nothing more. GUI thread only; never does I/O.
///
/// Two ways to show a snapshot:
/// - setRuns() replaces it with a model reset: for another source (selection, editors and scroll
///   position are dropped, as they belong to other runs).
/// - mergeRuns() is for a refresh of the same source: it compares the snapshots by run id and emits
///   column removals, row removals, at most one layout change (runs reordered, or removals/inserts
///   too scattered to signal range by range), one dataChanged over the span of changed runs, row
///   inserts and column inserts, in that order, never a reset. Persistent indexes (selection,
///   current index, an open editor) stay on their runs.
class RunTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    /// SourceColumn is filled only in a table over several sources (the browser hides it otherwise).
    enum Column {
        StatusColumn,
        NameColumn,
        ProjectColumn,
        StartedColumn,
        DurationColumn,
        SourceColumn,
        FixedColumnCount
    };
    /// Longer texts are cut in the table (the details pane shows them whole).
    static constexpr int kMaxCellLength = 200;
    /// More removed (or added) row ranges than this are signalled as one layout change and one
    /// contiguous removal (insert) instead of range by range, each of which costs O(rows) in views.
    static constexpr int kMaxMergeRanges = 16;

    enum Role {
        SortRole = Qt::UserRole + 1, ///< raw number for numeric columns, text otherwise
        RunIdRole, ///< the run's uuid
        /// Header data: what a column holds, "attr", "param", "metric" or "extra" (for grouping headers).
        ColumnKindRole,
    };

    explicit RunTableModel(QObject* parent = nullptr);

    /// Replaces the snapshot (model reset). `now` is the end time used for running runs' durations.
    void setRuns(std::shared_ptr<const RunTable> table, double now);
    /// Compares `before` with `after` by run id and column key. Pure: any thread; O(rows × columns)
    /// with hashes only over the rows that are not in a common prefix or suffix.
    static RunTableMerge diff(std::shared_ptr<const RunTable> before, std::shared_ptr<const RunTable> after);
    /// Shows `table`, a newer snapshot of the same source, without a reset (see the class comment).
    /// Computes the diff on this (the GUI) thread; prefer the overload with a precomputed merge.
    void mergeRuns(std::shared_ptr<const RunTable> table, double now);
    /// Applies a merge computed by diff(). If `merge.before` is not the current snapshot (another
    /// refresh came first) it is recomputed here against the current one.
    void mergeRuns(RunTableMerge merge, double now);

    const std::shared_ptr<const RunTable>& runs() const { return m_table; }
    /// The time (epoch seconds) that running runs' durations are measured to.
    double now() const { return m_now; }
    /// The row of runs() shown at model row `row`. The same number except while a merge is being
    /// signalled (between runsAboutToBeMerged and runsMerged), when runs() may still be the old
    /// snapshot and rows are being removed or inserted.
    int tableRow(int row) const { return m_mapped ? m_rows[size_t(row)] : row; }
    /// Whether a merge is being signalled (tableRow(row) may differ from row).
    bool isMerging() const { return m_mapped; }
    /// Increases whenever values change without a new snapshot pointer (merges, the extra column),
    /// so caches of sort keys know to recompute.
    quint64 valuesGeneration() const { return m_generation; }

    /// Sort keys of one column for every row of runs() (indexed by snapshot row, see tableRow()):
    /// group 0 numbers, 1 text (key = case-insensitive rank), 2 no value. Rows order by group
    /// (numbers before text; no value always last), then key, then row.
    struct SortKeys {
        std::vector<std::uint8_t> group;
        std::vector<double> key;
    };
    SortKeys sortKeys(int column) const;

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

    /// Shows metric `key` by another reading than its latest: `label` ("max", "@ 100") after the key in
    /// the header, `values` per run uuid (runs without one show nothing). Shown, sorted and exported as
    /// any column; an empty label goes back to the latest values. Keeps rows and selection.
    void setMetricReading(const QString& key, const QString& label, const QHash<QString, double>& values);
    /// The label of metric `key`'s reading, empty for the latest.
    QString metricReadingLabel(const QString& key) const { return m_readings.value(key).label; }

    /// Natural order of column keys: runs of digits compare as numbers (param_2 < param_10), the rest
    /// as text; keys that differ only in leading zeros fall back to plain text order.
    static bool naturalKeyLess(const QString& a, const QString& b);

    /// Which kind of column `column` is, and its key for params and metrics.
    bool isParamColumn(int column) const;
    bool isMetricColumn(int column) const;
    QString columnKey(int column) const;

Q_SIGNALS:
    /// The user renamed a run in place; the snapshot keeps the old name until reloaded.
    void renameRequested(const QString& runId, const QString& name);
    /// A merge is about to emit its changes; views may note what they show (e.g. the top row).
    void runsAboutToBeMerged();
    /// A merge has emitted all its changes; tableRow(row) == row again.
    void runsMerged();

private:
    /// Index into params (then metrics, after the params) of runs() for a model column, or -1.
    int dynamicIndex(int column) const;
    int dynamicColumnCount() const;
    void mapExtraValues();

    std::shared_ptr<const RunTable> m_table;
    /// Per model dynamic column (params, then metrics, each in natural key order): its index into
    /// params (then metrics, after the params) of m_table, which keeps them sorted by plain key.
    std::vector<std::int32_t> m_order;
    void orderColumns();
    struct Reading {
        QString label;
        QHash<QString, double> byRun;
    };
    QHash<QString, Reading> m_readings; ///< metric key -> what is shown instead of its latest value
    /// The value a metric column shows for snapshot row `row`; `present` false when there is none.
    double metricValue(const NumberColumn& column, size_t row, bool& present) const;
    QString m_extraTitle;
    QHash<QString, double> m_extraByRun;
    std::vector<double> m_extra; ///< per snapshot row, NaN where the run has no value
    double m_now = 0;
    quint64 m_generation = 0;
    // While a merge is signalled: model row -> snapshot row, model dynamic column -> snapshot
    // dynamic column (params then metrics).
    bool m_mapped = false;
    std::vector<std::int32_t> m_rows;
    std::vector<std::int32_t> m_columns;
};

} // namespace reprise
