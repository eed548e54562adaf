#include "compare/scatter_page.h"

#include "analysis/plot_field_order.h"
#include "compare/plot_choosers.h"
#include "compare/scatter_plot.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace reprise {

ScatterPage::ScatterPage(QWidget* parent)
    : QWidget(parent)
    , m_plot(new ScatterPlot(this))
    , m_x(new QComboBox(this))
    , m_y(new QComboBox(this))
    , m_colour(new QComboBox(this))
    , m_logX(new QCheckBox(tr("log x"), this))
    , m_logY(new QCheckBox(tr("log y"), this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("x:"), this));
    controls->addWidget(m_x);
    controls->addWidget(m_logX);
    controls->addWidget(new QLabel(tr("y:"), this));
    controls->addWidget(m_y);
    controls->addWidget(m_logY);
    controls->addWidget(new QLabel(tr("colour:"), this));
    controls->addWidget(m_colour);
    controls->addStretch(1);
    m_x->setAccessibleName(tr("Scatter x field"));
    m_y->setAccessibleName(tr("Scatter y metric"));
    m_colour->setAccessibleName(tr("Scatter colour field"));
    layout->addLayout(controls);
    layout->addWidget(m_plot, 1);
    // The choosers show escaped names and carry the real ones as item data.
    for (QComboBox* box : { m_x, m_y, m_colour })
        connect(box, &QComboBox::currentIndexChanged, this, &ScatterPage::applyFields);
    for (QCheckBox* box : { m_logX, m_logY })
        connect(box, &QCheckBox::toggled, this, &ScatterPage::applyFields);
}

void ScatterPage::applyFields()
{
    m_plot->setFields(chosenField(m_x), chosenField(m_y), chosenField(m_colour));
    m_plot->setLog(m_logX->isChecked(), m_logY->isChecked());
}

void ScatterPage::setTable(const PlotTable& table, const QStringList& highlighted)
{
    m_plot->setTable(table);
    QStringList all;
    for (const PlotField& f : table.fields)
        all << f.name;
    const QStringList metrics = metricsByRelevance(table);
    const QStringList params = paramsBySpread(table);
    refillFieldChooser(m_x, all, params.isEmpty() ? all.value(0) : params[0]);
    refillFieldChooser(m_y, metrics, metrics.value(0));
    refillFieldChooser(m_colour, QStringList { QString() } + all, params.size() > 1 ? params[1] : QString());
    m_plot->setFields(chosenField(m_x), chosenField(m_y), chosenField(m_colour));
    const PlotField* x = table.field(chosenField(m_x));
    const PlotField* y = table.field(chosenField(m_y));
    {
        const QSignalBlocker bx(m_logX), by(m_logY);
        m_logX->setChecked(x && x->logSuggested);
        m_logY->setChecked(y && y->logSuggested);
    }
    m_plot->setLog(m_logX->isChecked(), m_logY->isChecked());
    m_plot->setHighlighted(highlighted);
}

} // namespace reprise
