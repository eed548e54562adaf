#pragma once

#include "query/query.h"

#include <QSortFilterProxyModel>

namespace reprise {

/// Filters a RunTableModel with a parsed Query (evaluated once per snapshot into a row mask, so
/// each row costs one lookup) and sorts numerically by RunTableModel::SortRole.
class RunFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit RunFilterProxy(QObject* parent = nullptr);

    /// Parses `text`; on error keeps the previous filter and returns the error.
    Status setFilterText(const QString& text);
    /// Re-evaluates the filter against the source's current snapshot (after a reload).
    void refilter();
    const QString& filterText() const { return m_text; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    QString m_text;
    Query m_query;
    std::vector<std::uint8_t> m_accepted;
};

} // namespace reprise
