#include "run_filter_proxy.h"

#include "run_table_model.h"
#include "store/run_store.h"

#include <QTimer>
#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

namespace reprise {

RunFilterProxy::RunFilterProxy(QObject* parent)
    : QAbstractProxyModel(parent)
{
}

void RunFilterProxy::setSourceModel(QAbstractItemModel* source)
{
    beginResetModel();
    if (sourceModel())
        disconnect(sourceModel(), nullptr, this, nullptr);
    QAbstractProxyModel::setSourceModel(source);
    m_source = qobject_cast<const RunTableModel*>(source);
    Q_ASSERT_X(!source || m_source, "RunFilterProxy", "the source must be a RunTableModel");
    m_maskValid = m_keysValid = false;
    if (source) {
        connect(source, &QAbstractItemModel::modelAboutToBeReset, this, [this] { beginResetModel(); });
        connect(source, &QAbstractItemModel::modelReset, this, [this] {
            computeRows();
            endResetModel();
        });
        connect(source, &QAbstractItemModel::dataChanged, this, &RunFilterProxy::sourceDataChanged);
        connect(source, &QAbstractItemModel::headerDataChanged, this, &QAbstractItemModel::headerDataChanged);
        // Computed columns (e.g. drift) and a merge's new params and metrics come without a reset,
        // so selections survive; the sort column keeps its key.
        connect(source, &QAbstractItemModel::columnsAboutToBeInserted, this,
            [this](const QModelIndex&, int first, int last) {
                beginInsertColumns({}, first, last);
                if (m_sortColumn >= first)
                    m_sortColumn += last - first + 1;
            });
        connect(source, &QAbstractItemModel::columnsInserted, this, [this] { endInsertColumns(); });
        connect(source, &QAbstractItemModel::columnsAboutToBeRemoved, this,
            [this](const QModelIndex&, int first, int last) {
                beginRemoveColumns({}, first, last);
                if (m_sortColumn > last)
                    m_sortColumn -= last - first + 1;
                else if (m_sortColumn >= first)
                    m_sortColumn = -2; // the sorted column is gone: source order, once it is removed
            });
        connect(source, &QAbstractItemModel::columnsRemoved, this, [this] {
            endRemoveColumns();
            if (m_sortColumn == -2) {
                m_sortColumn = -1;
                rebuild(true);
            }
        });
        connect(source, &QAbstractItemModel::rowsAboutToBeRemoved, this,
            [this](const QModelIndex&, int first, int last) { sourceRowsAboutToBeRemoved(first, last); });
        connect(source, &QAbstractItemModel::rowsRemoved, this,
            [this](const QModelIndex&, int first, int last) { sourceRowsRemoved(first, last); });
        connect(source, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex&, int first, int last) { sourceRowsInserted(first, last); });
        connect(m_source, &RunTableModel::runsMerged, this, &RunFilterProxy::sourceRunsMerged);
        connect(
            source, &QAbstractItemModel::layoutAboutToBeChanged, this, &RunFilterProxy::sourceLayoutAboutToBeChanged);
        connect(source, &QAbstractItemModel::layoutChanged, this, &RunFilterProxy::sourceLayoutChanged);
    }
    computeRows();
    endResetModel();
}

Status RunFilterProxy::setFilterText(const QString& text)
{
    auto query = Query::parse(text);
    if (!query)
        return query.error();
    m_text = text;
    m_query = *query;
    m_maskValid = false;
    rebuild(true);
    return success();
}

void RunFilterProxy::refilter()
{
    m_maskValid = m_keysValid = false;
    rebuild(true);
}

void RunFilterProxy::setShowArchived(bool show)
{
    if (show == m_showArchived)
        return;
    m_showArchived = show;
    m_maskValid = false;
    rebuild(true);
}

void RunFilterProxy::sort(int column, Qt::SortOrder order)
{
    m_sortColumn = column;
    m_sortOrder = order;
    m_keysValid = m_orderValid = false;
    rebuild(true);
}

bool RunFilterProxy::accepted(int row)
{
    const std::shared_ptr<const RunTable>& table = m_source->runs();
    if (!m_maskValid || m_maskTable != table || m_maskNow != m_source->now()) {
        m_maskTable = table;
        m_maskNow = m_source->now();
        m_maskValid = true;
        const size_t n = table ? table->rowCount() : 0;
        m_mask.assign(n, m_query.isEmpty() ? 1 : 0);
        if (table && !m_query.isEmpty()) {
            for (auto r : m_query.filter(*table, m_maskNow))
                m_mask[size_t(r)] = 1;
        }
        if (table && !m_showArchived) {
            for (size_t r = 0; r < n; ++r) {
                if (table->archived[r])
                    m_mask[r] = 0;
            }
        }
    }
    return m_mask[size_t(m_source->tableRow(row))];
}

void RunFilterProxy::ensureKeys()
{
    if (m_sortColumn < 0)
        return;
    if (m_keysValid && m_keysTable == m_source->runs() && m_keysGeneration == m_source->valuesGeneration())
        return;
    RunTableModel::SortKeys keys = m_source->sortKeys(m_sortColumn);
    m_orderValid = false;
    m_group = std::move(keys.group);
    m_key = std::move(keys.key);
    m_keysTable = m_source->runs();
    m_keysGeneration = m_source->valuesGeneration();
    m_keysValid = true;
}

bool RunFilterProxy::less(int a, int b) const
{
    if (m_sortColumn < 0)
        return a < b;
    const auto ta = size_t(m_source->tableRow(a)), tb = size_t(m_source->tableRow(b));
    const auto ga = m_group[ta], gb = m_group[tb];
    const bool descending = m_sortOrder == Qt::DescendingOrder;
    if (ga != gb) {
        if (ga == 2 || gb == 2)
            return gb == 2; // rows without a value last, in either order
        return descending ? ga > gb : ga < gb;
    }
    if (ga != 2 && m_key[ta] != m_key[tb])
        return descending ? m_key[ta] > m_key[tb] : m_key[ta] < m_key[tb];
    return a < b; // ties keep the source order
}

namespace {

    /// An order-preserving unsigned image of a double (not NaN): -0 and +0 equal.
    std::uint64_t sortableBits(double d)
    {
        if (d == 0)
            d = 0; // -0 ties with +0, as the comparison of doubles says
        std::uint64_t u;
        std::memcpy(&u, &d, sizeof u);
        return (u & 0x8000000000000000ULL) ? ~u : (u | 0x8000000000000000ULL);
    }

    struct KeyedRow {
        std::uint64_t key;
        std::int32_t row;
    };

    /// Sorts `items` by key, stably (LSD radix, a byte at a time, bytes all items share skipped):
    /// O(n) passes over contiguous memory, where a comparison sort of a million rows costs 10x more.
    void radixSort(std::vector<KeyedRow>& items)
    {
        if (items.size() < 2)
            return;
        std::array<std::array<size_t, 256>, 8> counts {};
        for (const KeyedRow& item : items) {
            for (size_t b = 0; b < 8; ++b)
                ++counts[b][(item.key >> (8 * b)) & 0xff];
        }
        std::vector<KeyedRow> scratch(items.size());
        for (size_t b = 0; b < 8; ++b) {
            std::array<size_t, 256>& count = counts[b];
            if (std::find(count.begin(), count.end(), items.size()) != count.end())
                continue; // every item has the same digit here
            size_t offset = 0;
            for (size_t& c : count)
                offset += std::exchange(c, offset);
            for (const KeyedRow& item : items)
                scratch[count[(item.key >> (8 * b)) & 0xff]++] = item;
            items.swap(scratch);
        }
    }

} // namespace

void RunFilterProxy::ensureOrder()
{
    ensureKeys();
    const size_t n = m_group.size();
    if (m_orderValid && m_order.size() == n)
        return;
    // The order less() gives: rows with values by group (numbers before text; descending flips
    // the groups and the keys), then rows without a value; ties keep the row order, which a stable
    // sort of rows taken in that order gives.
    const bool descending = m_sortOrder == Qt::DescendingOrder;
    std::array<std::vector<KeyedRow>, 2> groups;
    std::vector<std::int32_t> without;
    for (size_t r = 0; r < n; ++r) {
        const std::uint8_t g = m_group[r];
        if (g == 2)
            without.push_back(std::int32_t(r));
        else
            groups[descending ? 1 - g : g].push_back(
                { sortableBits(descending ? -m_key[r] : m_key[r]), std::int32_t(r) });
    }
    m_order.clear();
    m_order.reserve(n);
    for (std::vector<KeyedRow>& group : groups) {
        radixSort(group);
        for (const KeyedRow& item : group)
            m_order.push_back(item.row);
    }
    m_order.insert(m_order.end(), without.begin(), without.end());
    m_orderValid = true;
}

void RunFilterProxy::renumber(size_t from)
{
    for (size_t i = from; i < m_visible.size(); ++i)
        m_proxyRow[size_t(m_visible[i])] = std::int32_t(i);
}

void RunFilterProxy::computeRows()
{
    m_visible.clear();
    m_proxyRow.clear();
    if (!m_source || !m_source->runs())
        return;
    const int n = m_source->rowCount();
    m_proxyRow.assign(size_t(n), -1);
    m_visible.reserve(size_t(n));
    if (m_sortColumn >= 0 && !m_source->isMerging()) {
        // Sorted once per sort: a filter change keeps the rows of the order that pass it.
        ensureOrder();
        if (m_order.size() == size_t(n) && n > 0) {
            (void)accepted(0); // brings the mask up to date; rows are snapshot rows outside merges
            if (m_mask.size() == size_t(n)) {
                for (const std::int32_t row : m_order) {
                    if (m_mask[size_t(row)])
                        m_visible.push_back(row);
                }
                renumber(0);
                return;
            }
        }
    }
    for (int row = 0; row < n; ++row) {
        if (accepted(row))
            m_visible.push_back(row);
    }
    if (m_sortColumn >= 0) {
        ensureKeys();
        std::sort(m_visible.begin(), m_visible.end(), [this](std::int32_t a, std::int32_t b) { return less(a, b); });
    }
    renumber(0);
}

void RunFilterProxy::rebuild(bool asLayoutChange)
{
    if (!asLayoutChange) {
        computeRows();
        return;
    }
    Q_EMIT layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
    const QModelIndexList before = persistentIndexList();
    QModelIndexList sources;
    sources.reserve(before.size());
    for (const QModelIndex& index : before)
        sources << mapToSource(index);
    computeRows();
    QModelIndexList after;
    after.reserve(before.size());
    for (const QModelIndex& source : sources)
        after << mapFromSource(source);
    changePersistentIndexList(before, after);
    Q_EMIT layoutChanged({}, QAbstractItemModel::VerticalSortHint);
}

void RunFilterProxy::relayout(std::vector<std::int32_t> visible)
{
    Q_EMIT layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
    const QModelIndexList from = persistentIndexList();
    std::vector<std::int32_t> sources;
    sources.reserve(size_t(from.size()));
    for (const QModelIndex& index : from)
        sources.push_back(m_visible[size_t(index.row())]);
    m_visible = std::move(visible);
    renumber(0);
    QModelIndexList to;
    to.reserve(from.size());
    for (qsizetype i = 0; i < from.size(); ++i)
        to << createIndex(m_proxyRow[size_t(sources[size_t(i)])], from[i].column());
    changePersistentIndexList(from, to);
    Q_EMIT layoutChanged({}, QAbstractItemModel::VerticalSortHint);
}

void RunFilterProxy::removeProxyRows(std::vector<std::int32_t> rows)
{
    if (rows.empty())
        return;
    std::sort(rows.begin(), rows.end());
    std::vector<std::pair<int, int>> blocks;
    for (std::int32_t p : rows) {
        if (!blocks.empty() && blocks.back().second == p - 1)
            blocks.back().second = p;
        else
            blocks.emplace_back(p, p);
    }
    if (blocks.size() > size_t(kMaxBlocks)) {
        // Scattered: move them to the end in one layout change, then remove them at once.
        std::vector<std::uint8_t> gone(m_visible.size(), 0);
        for (std::int32_t p : rows)
            gone[size_t(p)] = 1;
        std::vector<std::int32_t> visible;
        visible.reserve(m_visible.size());
        for (size_t i = 0; i < m_visible.size(); ++i) {
            if (!gone[i])
                visible.push_back(m_visible[i]);
        }
        for (std::int32_t p : rows)
            visible.push_back(m_visible[size_t(p)]);
        relayout(std::move(visible));
        blocks.assign(1, { int(m_visible.size() - rows.size()), int(m_visible.size()) - 1 });
    }
    for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) {
        beginRemoveRows({}, it->first, it->second);
        for (int p = it->first; p <= it->second; ++p)
            m_proxyRow[size_t(m_visible[size_t(p)])] = -1;
        m_visible.erase(m_visible.begin() + it->first, m_visible.begin() + it->second + 1);
        renumber(size_t(it->first));
        endRemoveRows();
    }
}

void RunFilterProxy::insertSourceRows(std::vector<std::int32_t> rows)
{
    if (rows.empty())
        return;
    ensureKeys();
    auto order = [this](std::int32_t a, std::int32_t b) { return less(a, b); };
    std::sort(rows.begin(), rows.end(), order);
    // (proxy row to insert before, index of the first row of the block in `rows`, count)
    struct Block {
        int position;
        size_t first;
        int count;
    };
    std::vector<Block> blocks;
    for (size_t i = 0; i < rows.size(); ++i) {
        const int position
            = int(std::lower_bound(m_visible.begin(), m_visible.end(), rows[i], order) - m_visible.begin());
        if (!blocks.empty() && blocks.back().position == position)
            ++blocks.back().count;
        else
            blocks.push_back({ position, i, 1 });
    }
    if (blocks.size() > size_t(kMaxBlocks)) {
        // Scattered: append them at once, then move them into place in one layout change.
        const int old = int(m_visible.size());
        beginInsertRows({}, old, old + int(rows.size()) - 1);
        m_visible.insert(m_visible.end(), rows.begin(), rows.end());
        renumber(size_t(old));
        endInsertRows();
        std::vector<std::int32_t> merged = m_visible;
        std::inplace_merge(merged.begin(), merged.begin() + old, merged.end(), order);
        relayout(std::move(merged));
        return;
    }
    for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) {
        beginInsertRows({}, it->position, it->position + it->count - 1);
        m_visible.insert(m_visible.begin() + it->position, rows.begin() + qsizetype(it->first),
            rows.begin() + qsizetype(it->first) + it->count);
        renumber(size_t(it->position));
        endInsertRows();
    }
}

void RunFilterProxy::reorderSourceRows(const std::vector<std::int32_t>& rows)
{
    auto order = [this](std::int32_t a, std::int32_t b) { return less(a, b); };
    std::vector<std::uint8_t> moving(m_proxyRow.size(), 0);
    for (std::int32_t r : rows)
        moving[size_t(r)] = 1;
    std::vector<std::int32_t> rest, moved;
    rest.reserve(m_visible.size());
    for (std::int32_t r : m_visible)
        (moving[size_t(r)] ? moved : rest).push_back(r);
    std::sort(moved.begin(), moved.end(), order);
    std::vector<std::int32_t> merged(m_visible.size());
    std::merge(rest.begin(), rest.end(), moved.begin(), moved.end(), merged.begin(), order);
    if (merged != m_visible)
        relayout(std::move(merged));
}

void RunFilterProxy::sourceRowsAboutToBeRemoved(int first, int last)
{
    std::vector<std::int32_t> rows;
    for (int r = first; r <= last; ++r) {
        const std::int32_t p = m_proxyRow[size_t(r)];
        if (p >= 0)
            rows.push_back(p);
    }
    removeProxyRows(std::move(rows));
}

void RunFilterProxy::sourceRowsRemoved(int first, int last)
{
    // Nothing visible changes: only the source row numbers after the removed ones.
    const int count = last - first + 1;
    m_proxyRow.erase(m_proxyRow.begin() + first, m_proxyRow.begin() + last + 1);
    for (std::int32_t& row : m_visible) {
        if (row > last)
            row -= count;
    }
}

void RunFilterProxy::sourceRunsMerged()
{
    const size_t inserted = std::exchange(m_insertedInMerge, 0);
    // A live refresh adds a few runs: sorted when a filter or sort asks (once per second at most
    // would be too often to sort a million rows for nothing).
    if (m_sortColumn < 0 || inserted < 10000 || inserted * 2 < m_proxyRow.size())
        return;
    QTimer::singleShot(0, this, [this] {
        if (m_source && m_source->runs() && !m_source->isMerging() && m_sortColumn >= 0)
            ensureOrder();
    });
}

void RunFilterProxy::sourceRowsInserted(int first, int last)
{
    const int count = last - first + 1;
    m_insertedInMerge += size_t(count);
    for (std::int32_t& row : m_visible) {
        if (row >= first)
            row += count;
    }
    m_proxyRow.insert(m_proxyRow.begin() + first, size_t(count), -1);
    std::vector<std::int32_t> rows;
    for (int r = first; r <= last; ++r) {
        if (accepted(r))
            rows.push_back(r);
    }
    insertSourceRows(std::move(rows));
}

void RunFilterProxy::sourceDataChanged(const QModelIndex& from, const QModelIndex& to, const QList<int>& roles)
{
    if (!from.isValid() || !to.isValid())
        return;
    const int first = from.row(), last = to.row();
    // Re-filter: rows that no longer match go, rows that now match come (below).
    std::vector<std::int32_t> gone, arrived;
    for (int r = first; r <= last; ++r) {
        const std::int32_t p = m_proxyRow[size_t(r)];
        const bool accept = accepted(r);
        if (p >= 0 && !accept)
            gone.push_back(p);
        else if (p < 0 && accept)
            arrived.push_back(r);
    }
    removeProxyRows(std::move(gone));
    // Re-sort: the rest was in order, so the order only breaks next to a changed row.
    if (m_sortColumn >= 0) {
        ensureKeys();
        std::vector<std::int32_t> changed;
        bool misplaced = false;
        for (int r = first; r <= last; ++r) {
            const std::int32_t p = m_proxyRow[size_t(r)];
            if (p < 0)
                continue;
            changed.push_back(r);
            misplaced = misplaced || (p > 0 && !less(m_visible[size_t(p) - 1], r))
                || (size_t(p) + 1 < m_visible.size() && !less(r, m_visible[size_t(p) + 1]));
        }
        if (misplaced)
            reorderSourceRows(changed);
    }
    insertSourceRows(std::move(arrived));
    // Rows of a range are scattered after sorting: report the visible span they cover.
    int top = rowCount(), bottom = -1;
    for (int r = first; r <= last; ++r) {
        const std::int32_t p = m_proxyRow[size_t(r)];
        if (p >= 0) {
            top = std::min(top, int(p));
            bottom = std::max(bottom, int(p));
        }
    }
    if (bottom >= 0)
        Q_EMIT dataChanged(index(top, from.column()), index(bottom, to.column()), roles);
}

void RunFilterProxy::sourceLayoutAboutToBeChanged()
{
    // The source reorders its rows (a merge's reordered runs): start over once it has, keeping
    // persistent indexes on their source rows.
    Q_EMIT layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
    m_layoutProxies = persistentIndexList();
    m_layoutSources.clear();
    m_layoutSources.reserve(m_layoutProxies.size());
    for (const QModelIndex& index : m_layoutProxies)
        m_layoutSources << QPersistentModelIndex(mapToSource(index));
}

void RunFilterProxy::sourceLayoutChanged()
{
    computeRows();
    QModelIndexList to;
    to.reserve(m_layoutProxies.size());
    for (const QPersistentModelIndex& source : std::as_const(m_layoutSources))
        to << mapFromSource(source);
    changePersistentIndexList(m_layoutProxies, to);
    m_layoutProxies.clear();
    m_layoutSources.clear();
    Q_EMIT layoutChanged({}, QAbstractItemModel::VerticalSortHint);
}

int RunFilterProxy::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_visible.size()); }

int RunFilterProxy::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() || !sourceModel() ? 0 : sourceModel()->columnCount();
}

QModelIndex RunFilterProxy::index(int row, int column, const QModelIndex& parent) const
{
    if (parent.isValid() || row < 0 || column < 0 || row >= rowCount() || column >= columnCount())
        return {};
    return createIndex(row, column);
}

QModelIndex RunFilterProxy::parent(const QModelIndex&) const { return {}; }

QModelIndex RunFilterProxy::mapToSource(const QModelIndex& proxyIndex) const
{
    if (!proxyIndex.isValid() || !sourceModel() || size_t(proxyIndex.row()) >= m_visible.size())
        return {};
    return sourceModel()->index(m_visible[size_t(proxyIndex.row())], proxyIndex.column());
}

QModelIndex RunFilterProxy::mapFromSource(const QModelIndex& sourceIndex) const
{
    if (!sourceIndex.isValid() || size_t(sourceIndex.row()) >= m_proxyRow.size())
        return {};
    const int row = m_proxyRow[size_t(sourceIndex.row())];
    return row >= 0 ? index(row, sourceIndex.column()) : QModelIndex();
}

} // namespace reprise
