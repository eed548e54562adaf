#include "runs/run_browser.h"

#include "run_filter_proxy.h"
#include "run_table_model.h"

#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QTableView>
#include <QVBoxLayout>

namespace reprise {

RunBrowser::RunBrowser(QWidget* parent)
    : QWidget(parent)
    , m_model(new RunTableModel(this))
    , m_proxy(new RunFilterProxy(this))
    , m_filter(new QLineEdit(this))
    , m_filterError(new QLabel(this))
    , m_view(new QTableView(this))
{
    m_proxy->setSourceModel(m_model);
    m_filter->setPlaceholderText(tr("Filter runs, e.g.  lr < 0.01 and status = finished and tag.team = vision"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setAccessibleName(tr("Run filter"));
    m_filterError->setTextFormat(Qt::PlainText);
    m_filterError->setStyleSheet(QStringLiteral("color: #c0392b;"));
    m_filterError->setWordWrap(true);
    m_filterError->hide();

    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(RunTableModel::StartedColumn, Qt::DescendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->horizontalHeader()->setDefaultSectionSize(110);
    m_view->horizontalHeader()->setHighlightSections(false);
    m_view->setAccessibleName(tr("Runs"));

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_filter);
    layout->addWidget(m_filterError);
    layout->addWidget(m_view, 1);

    connect(m_filter, &QLineEdit::textChanged, this, &RunBrowser::applyFilter);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
        [this] { Q_EMIT selectionChanged(selectedRunIds()); });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        m_proxy->refilter();
        m_view->setColumnWidth(RunTableModel::NameColumn, 220);
        m_view->setColumnWidth(RunTableModel::StartedColumn, 150);
    });
}

void RunBrowser::applyFilter()
{
    const QString text = m_filter->text();
    if (auto st = m_proxy->setFilterText(text); !st) {
        m_filterError->setText(st.error().message + (st.error().hint.isEmpty() ? QString() : QStringLiteral(" — ") + st.error().hint));
        m_filterError->show();
        return;
    }
    m_filterError->hide();
}

QStringList RunBrowser::selectedRunIds() const
{
    QStringList ids;
    for (const QModelIndex& index : m_view->selectionModel()->selectedRows())
        ids << index.data(RunTableModel::RunIdRole).toString();
    return ids;
}

} // namespace reprise
