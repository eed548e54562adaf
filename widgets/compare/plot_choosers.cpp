#include "compare/plot_choosers.h"

#include "text/display_text.h"

#include <QComboBox>

namespace reprise {

void refillFieldChooser(QComboBox* box, const QStringList& fields, const QString& fallback)
{
    const QString current = box->currentData().toString();
    const QSignalBlocker block(box);
    box->clear();
    for (const QString& field : fields)
        box->addItem(visibleText(field), field);
    box->setCurrentIndex(
        std::max(0, box->findData(fields.contains(current) && !current.isEmpty() ? current : fallback)));
}

QString chosenField(const QComboBox* box) { return box->currentData().toString(); }

} // namespace reprise
