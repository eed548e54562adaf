#include "importance/importance_panel.h"

#include "text/display_text.h"
#include "when_finished.h"

#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QPainter>
#include <QVBoxLayout>
#include <QtConcurrent>
#include <cmath>

namespace reprise {

/// The ranked bars: one row per param, its name, a bar as long as its importance, the figures.
class ImportanceBars : public QWidget {
public:
    explicit ImportanceBars(QWidget* parent)
        : QWidget(parent)
    {
        setMinimumHeight(80);
    }
    void setParams(QList<ParamImportance> params)
    {
        m_params = std::move(params);
        setMinimumHeight(std::max(80, rowHeight() * int(m_params.size()) + 8));
        QWidget::update();
    }
    QSize sizeHint() const override { return { 360, rowHeight() * std::max<int>(3, int(m_params.size())) + 8 }; }

protected:
    void paintEvent(QPaintEvent*) override
    {
        QPainter painter(this);
        const QFontMetrics metrics = fontMetrics();
        int labelWidth = 0;
        for (const ParamImportance& p : m_params)
            labelWidth = std::max(labelWidth, metrics.horizontalAdvance(visibleText(p.key)));
        labelWidth = std::min(labelWidth + 8, width() / 3);
        const int figuresWidth = metrics.horizontalAdvance(QStringLiteral("0.000  ρ −0.000  ")) + 4;
        const int barWidth = std::max(10, width() - labelWidth - figuresWidth - 8);
        const QColor bar = palette().color(QPalette::Highlight);
        for (int i = 0; i < m_params.size(); ++i) {
            const ParamImportance& p = m_params[i];
            const int top = 4 + i * rowHeight();
            const QRect label(0, top, labelWidth - 4, rowHeight());
            painter.setPen(palette().color(QPalette::WindowText));
            painter.drawText(label, Qt::AlignRight | Qt::AlignVCenter,
                metrics.elidedText(visibleText(p.key), Qt::ElideMiddle, label.width()));
            if (std::isfinite(p.importance)) {
                const int length = int(std::lround(p.importance * barWidth));
                painter.fillRect(QRect(labelWidth, top + 3, std::max(1, length), rowHeight() - 6), bar);
            }
            const QString figures
                = (std::isfinite(p.importance) ? QString::number(p.importance, 'f', 3) : QStringLiteral("—"))
                + QStringLiteral("  ρ ")
                + (std::isfinite(p.spearman) ? QString::number(p.spearman, 'f', 3) : QStringLiteral("—"));
            painter.drawText(QRect(labelWidth + barWidth + 8, top, figuresWidth, rowHeight()),
                Qt::AlignLeft | Qt::AlignVCenter, figures);
        }
    }

private:
    int rowHeight() const { return fontMetrics().height() + 8; }
    QList<ParamImportance> m_params;
};

ImportancePanel::ImportancePanel(QWidget* parent)
    : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    m_metric = new QComboBox;
    form->addRow(tr("Which params move:"), m_metric);
    layout->addLayout(form);
    m_bars = new ImportanceBars(this);
    layout->addWidget(m_bars);
    m_message = new QLabel;
    m_message->setTextFormat(Qt::PlainText);
    m_message->setWordWrap(true);
    layout->addWidget(m_message);
    layout->addStretch(1);
    connect(m_metric, &QComboBox::currentIndexChanged, this, &ImportancePanel::recompute);
}

void ImportancePanel::setTable(PlotTable table)
{
    m_table = std::move(table);
    const QString chosen = metric();
    const QSignalBlocker block(m_metric);
    m_metric->clear();
    for (const PlotField& field : m_table.fields)
        if (field.kind == PlotField::Kind::Metric)
            m_metric->addItem(visibleText(field.name), field.name);
    const int at = m_metric->findData(chosen);
    m_metric->setCurrentIndex(at >= 0 ? at : 0);
    recompute();
}

void ImportancePanel::setMetric(const QString& metric)
{
    const int at = m_metric->findData(metric);
    if (at >= 0 && at != m_metric->currentIndex())
        m_metric->setCurrentIndex(at);
}

QString ImportancePanel::metric() const { return m_metric->currentData().toString(); }

QStringList ImportancePanel::rankedParams() const
{
    QStringList keys;
    if (m_result)
        for (const ParamImportance& p : m_result->params)
            keys << p.key;
    return keys;
}

QString ImportancePanel::messageText() const { return m_message->text(); }

void ImportancePanel::recompute()
{
    const quint64 ticket = ++m_generation;
    m_result.reset();
    m_bars->setParams({});
    const QString key = metric();
    if (key.isEmpty()) {
        m_busy = false;
        m_message->setText(m_table.runIds.empty() ? tr("No runs.") : tr("These runs logged no metrics."));
        Q_EMIT ready();
        return;
    }
    m_busy = true;
    m_message->setText(tr("Ranking params by their effect on %1…").arg(visibleText(key)));
    whenFinished(QtConcurrent::run([table = m_table, key] { return paramImportance(table, key); }), this,
        [this, ticket](Result<ImportanceResult> result) {
            if (ticket == m_generation)
                showResult(result);
        });
}

void ImportancePanel::showResult(const Result<ImportanceResult>& result)
{
    m_busy = false;
    if (!result) {
        m_message->setText(visibleText(result.error().text(), LineBreaks::Keep));
        Q_EMIT ready();
        return;
    }
    m_result = *result;
    m_bars->setParams(result->params);
    QStringList lines;
    lines << tr("%1 runs; random forest of %2 trees, importance = mean decrease in impurity; "
                "out-of-bag R² %3. ρ: Spearman rank correlation.")
                 .arg(result->runsWithMetric)
                 .arg(result->forest.trees)
                 .arg(std::isfinite(result->oobR2) ? QString::number(result->oobR2, 'f', 2) : QStringLiteral("—"));
    for (const QString& note : result->notes)
        lines << visibleText(note);
    for (const ParamImportance& p : result->params)
        if (!p.note.isEmpty())
            lines << visibleText(p.key) + QStringLiteral(": ") + visibleText(p.note);
    m_message->setText(lines.join(u'\n'));
    Q_EMIT ready();
}

} // namespace reprise
