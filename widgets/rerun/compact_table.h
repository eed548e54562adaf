#pragma once

#include <QHeaderView>
#include <QTableWidget>

namespace reprise {

/// A table of text rows as the rerun views show them: given headers, no row numbers, the last column
/// stretched, whole rows selected, one line per row at the font's height.
inline QTableWidget* makeCompactTable(const QStringList& headers, QWidget* parent)
{
    auto* table = new QTableWidget(0, int(headers.size()), parent);
    table->setHorizontalHeaderLabels(headers);
    table->verticalHeader()->hide();
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 8);
    table->horizontalHeader()->setStretchLastSection(true);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setWordWrap(false);
    return table;
}

} // namespace reprise
