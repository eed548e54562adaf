#pragma once

#include "query/metric_reading.h"

#include <QHash>
#include <QMap>
#include <QPersistentModelIndex>
#include <QTableView>
#include <QWidget>
#include <memory>
#include <set>

class QAction;
class QHBoxLayout;
class QLabel;
class QLineEdit;
class QTimer;

namespace reprise {

class RunTableModel;
struct RunTable;
struct RunTableMerge;

/// The run table: a QTableView that says whether a cell is being edited (a reset would close the
/// editor and lose the text being typed; a merge keeps it), and keeps some columns (status and
/// name) in view while it scrolls sideways: an overlay view of the same model and selection over
/// its left edge, shown while the table is scrolled.
class RunTableView : public QTableView {
    Q_OBJECT
public:
    explicit RunTableView(QWidget* parent = nullptr);
    bool isEditing() const { return state() == EditingState; }
    void setModel(QAbstractItemModel* model) override;
    /// Model columns kept at the left edge while scrolling sideways (those the table shows).
    void setFrozenColumns(const QList<int>& columns);
    /// The overlay holding the frozen columns (hidden while the table is not scrolled sideways).
    QTableView* frozenView() const { return m_frozen; }
    /// Scrolls `index`'s row to the top now, with the scroll range already fitted to the model's
    /// current row count (a plain scrollTo() right after rows were inserted would be clamped to the
    /// old range until the view lays itself out again).
    void scrollRowToTop(const QModelIndex& index);

protected:
    /// Frames the current cell while the table has the keyboard: with whole rows selected nothing
    /// else shows which column the arrows are on (and Sort by This Column sorts by).
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void scrollContentsBy(int dx, int dy) override;
    void updateGeometries() override;

private:
    void updateFrozen();
    QTableView* m_frozen;
    QList<int> m_frozenColumns;
};
class RunFilterProxy;

/// The run table with its filter bar. Owns the model and proxy; shows filter errors inline under
/// the bar; lets the user choose columns (header context menu). Emits the selected run ids
/// whenever the selection changes.
class RunBrowser : public QWidget {
    Q_OBJECT
public:
    explicit RunBrowser(QWidget* parent = nullptr);

    RunTableModel* model() const { return m_model; }

    /// Shows `table` as the runs of `source` (a path or any id of where they come from). A newer
    /// snapshot of the source already shown is merged (RunTableModel::mergeRuns): selection,
    /// current run, the top visible run and an open name editor stay, and selectionChanged is
    /// emitted once afterwards only if the selected runs changed (some were removed). Another
    /// source replaces everything (a reset). `now`: epoch seconds for running runs' durations.
    void showRuns(const QString& source, std::shared_ptr<const RunTable> table, double now);
    /// The same with a merge computed off the GUI thread by RunTableModel::diff(runs(), table);
    /// for another source only `merge.after` is used.
    void showRuns(const QString& source, RunTableMerge merge, double now);
    /// The source shown (as given to showRuns), empty before the first.
    const QString& source() const { return m_source; }

    RunFilterProxy* proxy() const { return m_proxy; }
    RunTableView* view() const { return m_view; }
    QLineEdit* filterEdit() const { return m_filter; }
    /// The inline filter error, empty when the filter is valid.
    QString filterError() const;

    /// Uuids of the selected runs, in view order.
    QStringList selectedRunIds() const;
    /// The selected runs as tab-separated text: a header of the shown columns, then one line per
    /// run in view order, cells as displayed (tabs and newlines inside cells become spaces).
    QString selectionAsTsv() const;
    /// Selects exactly the runs with these ids (full ids or prefixes) that are visible.
    void selectRunIds(const QStringList& ids);
    /// The run at the top of the visible area, to scroll back to after a reload.
    QString topVisibleRunId() const;
    void scrollToRunId(const QString& id);

    /// Puts a button for `action` beside the filter bar (e.g. Rerun): it follows the action's
    /// text, tooltip and enabled state.
    void addBarButton(QAction* action);

    /// Column identities ("attr:Name", "param:lr", "metric:val/acc") the user has hidden.
    QStringList hiddenColumns() const { return m_hidden; }
    void setHiddenColumns(const QStringList& keys);
    /// The identity of a model column, stable across snapshots.
    QString columnId(int column) const;
    /// Column identities shown even when no run in view has a value for them. Other param and metric
    /// columns are shown only while some run the filter shows has a value (a project's own columns).
    QStringList pinnedColumns() const { return m_pinned; }
    void setPinnedColumns(const QStringList& ids);

    /// How metric `key` stands for a run: its latest value, its best (lowest or highest; the user
    /// says which, per metric) or its value at a step. Remembered per metric key in QSettings
    /// ("browser/metricReadings"); readings other than the latest are read from the runs' histories
    /// off the GUI thread (metricReadingsShown() when they are on screen).
    void setMetricReading(const QString& key, const MetricReading& reading);
    MetricReading metricReading(const QString& key) const;

Q_SIGNALS:
    void selectionChanged(const QStringList& runIds);
    /// The user showed or hid a column.
    void columnsChanged();
    /// A metric's chosen reading (setMetricReading) has been read and is shown.
    void metricReadingsShown();

private:
    /// Proxy rows with a selected cell, in view order.
    std::set<int> selectedRows() const;
    void applyFilter();
    void applyHiddenColumns();
    /// A param or metric column no run in view has a value for.
    bool isEmptyInView(int column) const;
    /// Whether the column menu offers `column` (the Source column only over several sources).
    bool isColumnOffered(int column) const;
    void showColumnMenu(const QPoint& position);
    void beforeMerge();
    /// Reads every metric shown by another reading than its latest for the runs shown.
    void readMetrics();
    void readMetric(const QString& key);
    void afterMerge();

    RunTableModel* m_model;
    RunFilterProxy* m_proxy;
    QLineEdit* m_filter;
    QLabel* m_filterError;
    QHBoxLayout* m_bar; ///< the filter bar and its buttons
    RunTableView* m_view;
    QStringList m_hidden;
    QStringList m_pinned;
    QMap<QString, QString> m_readings; ///< metric key -> MetricReading::toText(), latest left out
    QHash<QString, quint64> m_readingTickets; ///< per key: the read in flight, older ones are dropped
    QTimer* m_scope; ///< coalesces re-scoping the columns after the rows in view change
    QString m_source;
    // Across a merge: the run at the top of the view and the selected runs before it.
    bool m_merging = false;
    QPersistentModelIndex m_mergeTop;
    QStringList m_mergeSelection;
};

} // namespace reprise
