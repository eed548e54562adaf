#include "compare/parallel_page.h"

#include "analysis/plot_field_order.h"
#include "compare/parallel_coordinates.h"
#include "compare/plot_choosers.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace reprise {

ParallelPage::ParallelPage(QWidget* parent)
    : QWidget(parent)
    , m_plot(new ParallelCoordinates(this))
    , m_metric(new QComboBox(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("metric:"), this));
    controls->addWidget(m_metric);
    controls->addStretch(1);
    m_metric->setAccessibleName(tr("Metric of the last axis"));
    layout->addLayout(controls);
    layout->addWidget(m_plot, 1);
    // The chooser shows escaped names and carries the real ones as item data.
    connect(
        m_metric, &QComboBox::currentIndexChanged, this, [this] { m_plot->setColourMetric(chosenField(m_metric)); });
}

void ParallelPage::setTable(const PlotTable& table, const QStringList& highlighted)
{
    m_plot->setTable(table);
    const QStringList metrics = metricsByRelevance(table);
    refillFieldChooser(m_metric, metrics, metrics.value(0));
    m_plot->setColourMetric(chosenField(m_metric));
    m_plot->setHighlighted(highlighted);
}

} // namespace reprise
