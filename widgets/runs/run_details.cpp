#include "runs/run_details.h"

#include "store/run_format.h"
#include "text/display_text.h"

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
    // Plain text, and every field escaped on its own: a line break in a name cannot fake another
    // field, and control or bidirectional characters are shown, never obeyed.
    m_text->setPlainText(describeRun(visibleRun(run), visibleOutput(output)));
}

void RunDetails::showMessage(const QString& text) { m_text->setPlainText(visibleText(text, LineBreaks::Keep)); }

QString RunDetails::text() const { return m_text->toPlainText(); }

} // namespace reprise
