#include "compare/params_page.h"

#include "analysis/run_grouping.h"
#include "charts/metric_chart.h"
#include "text/display_text.h"

#include <QCheckBox>
#include <QHeaderView>
#include <QTableWidget>
#include <QVBoxLayout>

namespace reprise {

ParamsPage::ParamsPage(QWidget* parent)
    : QWidget(parent)
    , m_onlyDifferencesBox(new QCheckBox(tr("only differences"), this))
    , m_table(new QTableWidget(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_onlyDifferencesBox);
    layout->addWidget(m_table, 1);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAccessibleName(tr("Params of the selected runs"));
    m_table->verticalHeader()->setDefaultSectionSize(22);
    connect(m_onlyDifferencesBox, &QCheckBox::toggled, this, &ParamsPage::setOnlyDifferences);
}

void ParamsPage::setRuns(const QList<RunRecord>& runs)
{
    m_runs = runs;
    fill();
}

void ParamsPage::setOnlyDifferences(bool only)
{
    m_onlyDifferences = only;
    if (m_onlyDifferencesBox->isChecked() != only)
        m_onlyDifferencesBox->setChecked(only);
    fill();
}

void ParamsPage::fill()
{
    m_table->clear();
    m_table->setColumnCount(int(m_runs.size()));
    QStringList headers;
    for (const RunRecord& r : std::as_const(m_runs))
        headers << (r.name.isEmpty() ? QString() : visibleText(r.name) + u'\n') + r.uuid.left(8);
    m_table->setHorizontalHeaderLabels(headers);
    for (int c = 0; c < int(m_runs.size()); ++c) {
        QPixmap swatch(10, 10);
        swatch.fill(runColour(m_runs[c].uuid));
        m_table->horizontalHeaderItem(c)->setIcon(QIcon(swatch));
    }
    // The commit is compared like a param: the same config at another code version is another run.
    struct Row {
        QString name;
        QStringList values;
    };
    std::vector<Row> rows;
    Row commit { tr("(commit)"), {} };
    for (const RunRecord& r : std::as_const(m_runs))
        commit.values << (r.code.commit.isEmpty()
                ? QStringLiteral("—")
                : r.code.commit.left(10) + (r.code.dirty ? QStringLiteral(" +dirty") : QString()));
    rows.push_back(commit);
    for (const QString& n : paramNames(m_runs)) {
        Row row { n, {} };
        for (const RunRecord& r : std::as_const(m_runs))
            row.values << paramText(r, n);
        rows.push_back(row);
    }
    int shown = 0;
    m_table->setRowCount(int(rows.size()));
    for (const Row& row : rows) {
        const bool differs = std::any_of(
            row.values.begin(), row.values.end(), [&](const QString& v) { return v != row.values.first(); });
        if (m_onlyDifferences && !differs)
            continue;
        auto* header = new QTableWidgetItem(visibleText(row.name));
        header->setToolTip(plainToolTip(row.name));
        QFont font = m_table->font();
        font.setBold(differs);
        header->setFont(font);
        m_table->setVerticalHeaderItem(shown, header);
        for (int c = 0; c < int(row.values.size()); ++c) {
            auto* item = new QTableWidgetItem(visibleText(row.values[c]));
            item->setToolTip(plainToolTip(row.values[c]));
            if (differs) {
                item->setBackground(QColor(0xff, 0xe9, 0xa8));
                item->setForeground(QColor(0x20, 0x20, 0x20)); // readable on amber in a dark palette too
            }
            m_table->setItem(shown, c, item);
        }
        ++shown;
    }
    m_table->setRowCount(shown);
    m_table->resizeColumnsToContents();
}

} // namespace reprise
