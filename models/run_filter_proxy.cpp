#include "run_filter_proxy.h"

#include "run_table_model.h"
#include "store/run_store.h"

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
    if (source) {
        connect(source, &QAbstractItemModel::modelAboutToBeReset, this, [this] { beginResetModel(); });
        connect(source, &QAbstractItemModel::modelReset, this, [this] {
            computeRows();
            endResetModel();
        });
        connect(source, &QAbstractItemModel::dataChanged, this,
            [this](const QModelIndex& from, const QModelIndex& to, const QList<int>& roles) {
                // Rows of a range are scattered after sorting: report the visible span they cover.
                int first = rowCount(), last = -1;
                for (int r = from.row(); r <= to.row(); ++r) {
                    const int p = size_t(r) < m_proxyRow.size() ? m_proxyRow[size_t(r)] : -1;
                    if (p >= 0) {
                        first = std::min(first, p);
                        last = std::max(last, p);
                    }
                }
                if (last >= 0)
                    Q_EMIT dataChanged(index(first, from.column()), index(last, to.column()), roles);
            });
        connect(source, &QAbstractItemModel::headerDataChanged, this, &QAbstractItemModel::headerDataChanged);
        // Computed columns (e.g. drift) are appended without a reset, so selections survive.
        connect(source, &QAbstractItemModel::columnsAboutToBeInserted, this,
            [this](const QModelIndex&, int first, int last) { beginInsertColumns({}, first, last); });
        connect(source, &QAbstractItemModel::columnsInserted, this, [this] { endInsertColumns(); });
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
    rebuild(true);
    return success();
}

void RunFilterProxy::refilter() { rebuild(true); }

void RunFilterProxy::setShowArchived(bool show)
{
    if (show == m_showArchived)
        return;
    m_showArchived = show;
    rebuild(true);
}

void RunFilterProxy::sort(int column, Qt::SortOrder order)
{
    m_sortColumn = column;
    m_sortOrder = order;
    rebuild(true);
}

void RunFilterProxy::computeRows()
{
    m_visible.clear();
    m_proxyRow.clear();
    if (!m_source || !m_source->runs())
        return;
    const size_t n = m_source->runs()->rowCount();
    std::vector<std::int32_t> order
        = m_sortColumn >= 0 ? m_source->sortedRows(m_sortColumn, m_sortOrder) : std::vector<std::int32_t>();
    if (order.empty() && n > 0) {
        order.resize(n);
        for (size_t i = 0; i < n; ++i)
            order[i] = std::int32_t(i);
    }
    std::vector<std::uint8_t> accepted;
    if (!m_query.isEmpty()) {
        accepted.assign(n, 0);
        for (auto row : m_query.filter(*m_source->runs(), m_source->now()))
            accepted[size_t(row)] = 1;
    }
    m_proxyRow.assign(n, -1);
    m_visible.reserve(accepted.empty() ? n : n / 2);
    const std::vector<std::uint8_t>& archived = m_source->runs()->archived;
    for (auto row : order) {
        if ((accepted.empty() || accepted[size_t(row)]) && (m_showArchived || !archived[size_t(row)])) {
            m_proxyRow[size_t(row)] = std::int32_t(m_visible.size());
            m_visible.push_back(row);
        }
    }
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
