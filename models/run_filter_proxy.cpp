#include "run_filter_proxy.h"

#include "run_table_model.h"
#include "store/run_store.h"

namespace reprise {

RunFilterProxy::RunFilterProxy(QObject* parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(RunTableModel::SortRole);
}

Status RunFilterProxy::setFilterText(const QString& text)
{
    auto query = Query::parse(text);
    if (!query)
        return query.error();
    m_text = text;
    m_query = *query;
    refilter();
    return success();
}

void RunFilterProxy::refilter()
{
    m_accepted.clear();
    const auto* model = qobject_cast<const RunTableModel*>(sourceModel());
    if (model && model->runs() && !m_query.isEmpty()) {
        m_accepted.assign(model->runs()->rowCount(), 0);
        for (auto row : m_query.filter(*model->runs(), nowSeconds()))
            m_accepted[size_t(row)] = 1;
    }
    invalidateRowsFilter();
}

bool RunFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex&) const
{
    if (m_query.isEmpty())
        return true;
    return size_t(sourceRow) < m_accepted.size() && m_accepted[size_t(sourceRow)] != 0;
}

bool RunFilterProxy::lessThan(const QModelIndex& left, const QModelIndex& right) const
{
    const QVariant a = left.data(RunTableModel::SortRole);
    const QVariant b = right.data(RunTableModel::SortRole);
    // Missing values sort last; numbers before text; numbers numerically.
    if (!a.isValid() || !b.isValid())
        return a.isValid() && !b.isValid();
    const bool an = a.typeId() == QMetaType::Double;
    const bool bn = b.typeId() == QMetaType::Double;
    if (an && bn)
        return a.toDouble() < b.toDouble();
    if (an != bn)
        return an;
    return a.toString().compare(b.toString(), Qt::CaseInsensitive) < 0;
}

} // namespace reprise
