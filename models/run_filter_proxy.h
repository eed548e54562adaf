#pragma once

#include "query/query.h"

#include <QAbstractProxyModel>
#include <QPersistentModelIndex>
#include <cstdint>
#include <memory>
#include <vector>

namespace reprise {

class RunTableModel;

/// Filters and sorts a RunTableModel without asking it for one QVariant per row: the filter is a
/// Query evaluated on the columnar snapshot into a row mask, and sorting orders rows by the
/// snapshot's sort keys (RunTableModel::sortKeys). 100,000 runs re-filter and re-sort in a few ms.
///
/// Filter and sort changes are layout changes, so selections and persistent indexes follow their
/// runs. The source's merges are followed incrementally: removed runs are removed, new runs inserted
/// at their sorted place, changed runs re-filtered and moved (a layout change) only if they left
/// their place; a source reset is the only thing that resets. Ties in the sort keep the source's
/// order, so the rows are always exactly what a fresh proxy would show. GUI thread only.
class RunFilterProxy : public QAbstractProxyModel {
    Q_OBJECT
public:
    /// More separate blocks of proxy rows than this to insert or remove are done as one contiguous
    /// insert/removal plus one layout change (each block costs O(rows) in the views).
    static constexpr int kMaxBlocks = 16;

    explicit RunFilterProxy(QObject* parent = nullptr);

    void setSourceModel(QAbstractItemModel* source) override;

    /// Parses `text`; on error keeps the previous filter and returns the error.
    Status setFilterText(const QString& text);
    const QString& filterText() const { return m_text; }
    /// Re-evaluates filter and order against the source's current snapshot.
    void refilter();
    /// Archived runs are hidden unless shown (they are still in the database and can be restored).
    void setShowArchived(bool show);
    bool showsArchived() const { return m_showArchived; }

    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;
    int sortColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_sortOrder; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    QModelIndex mapToSource(const QModelIndex& proxyIndex) const override;
    QModelIndex mapFromSource(const QModelIndex& sourceIndex) const override;

private:
    /// Recomputes the visible rows; as a layout change when `asLayoutChange` (keeps persistent
    /// indexes on their runs), silently inside a reset otherwise.
    void rebuild(bool asLayoutChange);
    void computeRows();
    /// Whether source row `row` passes the filter (and the archived rule).
    bool accepted(int row);
    /// The proxy order of two source rows.
    bool less(int a, int b) const;
    void ensureKeys();
    void renumber(size_t from);

    void sourceRowsAboutToBeRemoved(int first, int last);
    void sourceRowsRemoved(int first, int last);
    void sourceRowsInserted(int first, int last);
    /// After a merge that brought most of the rows (a large table's rest, after its newest runs),
    /// sorts them all once the event loop is idle, instead of in the user's next keystroke.
    void sourceRunsMerged();
    void sourceDataChanged(const QModelIndex& from, const QModelIndex& to, const QList<int>& roles);
    void sourceLayoutAboutToBeChanged();
    void sourceLayoutChanged();
    /// Removes these proxy rows (block by block, or as one layout change and one removal).
    void removeProxyRows(std::vector<std::int32_t> rows);
    /// Shows these hidden source rows at their sorted places.
    void insertSourceRows(std::vector<std::int32_t> rows);
    /// Moves these visible source rows back to their sorted places (one layout change).
    void reorderSourceRows(const std::vector<std::int32_t>& rows);
    /// Replaces m_visible by `visible` as a layout change; persistent indexes follow their rows.
    void relayout(std::vector<std::int32_t> visible);

    const RunTableModel* m_source = nullptr;
    QString m_text;
    Query m_query;
    int m_sortColumn = -1;
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;
    bool m_showArchived = false;
    std::vector<std::int32_t> m_visible; ///< proxy row -> source row
    std::vector<std::int32_t> m_proxyRow; ///< source row -> proxy row, or -1 when filtered out

    // Per snapshot row (see RunTableModel::tableRow), recomputed when what they depend on changes.
    std::shared_ptr<const RunTable> m_maskTable;
    double m_maskNow = 0;
    bool m_maskValid = false;
    std::vector<std::uint8_t> m_mask;
    std::shared_ptr<const RunTable> m_keysTable;
    quint64 m_keysGeneration = 0;
    bool m_keysValid = false;
    std::vector<std::uint8_t> m_group;
    std::vector<double> m_key;
    /// Every snapshot row in the order of the sort column and direction (computed once per sort,
    /// then a filter change only walks it); invalid when the keys, the direction or the rows change.
    std::vector<std::int32_t> m_order;
    bool m_orderValid = false;
    /// Source rows inserted by the merge under way (see sourceRunsMerged()).
    size_t m_insertedInMerge = 0;
    void ensureOrder();

    QList<QPersistentModelIndex> m_layoutSources; ///< across a source layout change
    QModelIndexList m_layoutProxies;
};

} // namespace reprise
