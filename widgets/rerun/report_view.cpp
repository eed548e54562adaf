#include "rerun/report_view.h"

#include "rerun/compact_table.h"
#include "text/display_text.h"

#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>

namespace reprise {

namespace {

    QString number(double v)
    {
        if (std::isnan(v))
            return QStringLiteral("nan");
        return QString::number(v, 'g', 10);
    }

    QTableWidgetItem* cell(const QString& text)
    {
        auto* item = new QTableWidgetItem(visibleText(text));
        item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
        item->setToolTip(plainToolTip(text));
        return item;
    }

    const QColor kDiverged(0xc6, 0x28, 0x28);

} // namespace

ReportView::ReportView(QWidget* parent)
    : QWidget(parent)
    , m_verdict(new QLabel(this))
    , m_runs(new QLabel(this))
    , m_differences(makeCompactTable({ tr("Area"), tr("What"), tr("Original (A)"), tr("Rerun (B)") }, this))
    , m_metrics(makeCompactTable(
          { tr("Metric"), tr("Final A"), tr("Final B"), tr("Max |Δ|"), tr("Points A / B"), tr("State") }, this))
    , m_artifacts(new QLabel(this))
{
    for (QLabel* label : { m_verdict, m_runs, m_artifacts }) {
        label->setTextFormat(Qt::PlainText);
        label->setWordWrap(true);
    }
    m_verdict->setAccessibleName(tr("Verdict"));
    m_differences->setAccessibleName(tr("Inputs that differ"));
    m_metrics->setAccessibleName(tr("Metrics compared"));
    m_artifacts->setTextInteractionFlags(Qt::TextSelectableByMouse);
    for (QTableWidget* table : { m_differences, m_metrics })
        table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_differences);
    split->addWidget(m_metrics);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_verdict);
    layout->addWidget(m_runs);
    layout->addWidget(split, 1);
    layout->addWidget(m_artifacts);
    clear(tr("Select two runs and choose Runs ▸ Verify Reproduction, or rerun a run."));
}

void ReportView::clear(const QString& message)
{
    m_verdict->setText(visibleText(message, LineBreaks::Keep));
    m_verdict->setStyleSheet(QStringLiteral("padding: 8px;"));
    m_runs->clear();
    m_differences->setRowCount(0);
    m_metrics->setRowCount(0);
    m_artifacts->clear();
}

void ReportView::setReport(const ReproductionReport& report)
{
    // Colours that keep their contrast in a light and a dark palette alike.
    QString style;
    switch (report.verdict) {
    case Verdict::Reproduced:
        style = QStringLiteral("background: #1b5e20; color: white;");
        break;
    case Verdict::Diverged:
        style = QStringLiteral("background: #b71c1c; color: white;");
        break;
    case Verdict::Incomparable:
        style = QStringLiteral("background: #616161; color: white;");
        break;
    }
    m_verdict->setStyleSheet(style + QStringLiteral(" padding: 8px; font-weight: bold; border-radius: 3px;"));
    m_verdict->setText(toString(report.verdict).toUpper() + QStringLiteral(" — ") + visibleText(report.summary()));
    m_runs->setText(tr("A (original): %1  %2     B (rerun): %3  %4")
                        .arg(visibleText(report.runA.left(8)), visibleText(report.nameA),
                            visibleText(report.runB.left(8)), visibleText(report.nameB)));

    m_differences->setRowCount(0);
    for (const InputDifference& d : report.differences) {
        const int row = m_differences->rowCount();
        m_differences->insertRow(row);
        m_differences->setItem(row, 0, cell(d.area));
        m_differences->setItem(row, 1, cell(d.name));
        m_differences->setItem(row, 2, cell(d.a.isEmpty() ? QStringLiteral("—") : d.a));
        m_differences->setItem(row, 3, cell(d.b.isEmpty() ? QStringLiteral("—") : d.b));
    }
    if (report.differences.isEmpty()) {
        m_differences->insertRow(0);
        m_differences->setItem(0, 0, cell(tr("none")));
        m_differences->setItem(0, 1, cell(tr("code, data, environment and params are the same")));
    }
    m_differences->resizeColumnsToContents();

    m_metrics->setRowCount(0);
    for (const MetricComparison& m : report.metrics) {
        const int row = m_metrics->rowCount();
        m_metrics->insertRow(row);
        QString state = toString(m.state);
        if (m.state == MetricComparison::State::Diverged)
            state += tr(" at step %1 (%2 vs %3)").arg(m.firstStep).arg(number(m.valueA), number(m.valueB));
        const QList<QTableWidgetItem*> items { cell(m.key), cell(m.countA ? number(m.finalA) : QStringLiteral("—")),
            cell(m.countB ? number(m.finalB) : QStringLiteral("—")), cell(number(m.maxDifference)),
            cell(QStringLiteral("%1 / %2").arg(m.countA).arg(m.countB)), cell(state) };
        const bool bad
            = m.state != MetricComparison::State::Identical && m.state != MetricComparison::State::WithinTolerance;
        for (int c = 0; c < items.size(); ++c) {
            if (bad)
                items[c]->setForeground(kDiverged);
            if (m.key == report.firstMetric && report.verdict == Verdict::Diverged) {
                QFont bold = items[c]->font();
                bold.setBold(true);
                items[c]->setFont(bold);
            }
            m_metrics->setItem(row, c, items[c]);
        }
    }
    m_metrics->resizeColumnsToContents();

    QStringList identical;
    for (const ArtifactComparison& a : report.artifacts)
        if (a.identical())
            identical << a.path;
    QString artifacts = report.artifacts.isEmpty()
        ? tr("No artifact path in common.")
        : tr("Bit-identical artifacts: %1 of %2 in common").arg(identical.size()).arg(report.artifacts.size())
            + (identical.isEmpty() ? QString() : QStringLiteral(": ") + identical.join(QStringLiteral(", ")));
    if (!report.ignored.isEmpty())
        artifacts += u'\n' + tr("Metrics left out: %1").arg(report.ignored.join(QStringLiteral(", ")));
    m_artifacts->setText(visibleText(artifacts, LineBreaks::Keep));
}

QString ReportView::verdictText() const { return m_verdict->text(); }

QString ReportView::artifactsText() const { return m_artifacts->text(); }

} // namespace reprise
