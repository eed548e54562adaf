#include "runs/run_details.h"

#include "store/run_format.h"

#include <QFontDatabase>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace reprise {

RunDetails::RunDetails(QWidget* parent)
    : QWidget(parent)
    , m_text(new QPlainTextEdit(this))
{
    m_text->setReadOnly(true);
    m_text->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_text->setAccessibleName(tr("Run details"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_text);
    showMessage(tr("Select a run to see its details."));
}

void RunDetails::showRun(const RunRecord& run, const QList<OutputChunk>& output)
{
    m_text->setPlainText(describeRun(run, output));
}

void RunDetails::showMessage(const QString& text) { m_text->setPlainText(text); }

QString RunDetails::text() const { return m_text->toPlainText(); }

} // namespace reprise
