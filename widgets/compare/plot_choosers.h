#pragma once

#include <QStringList>

class QComboBox;

namespace reprise {

/// Fills a field chooser: escaped names shown, the real names as item data; keeps the current field
/// when it is still offered, else chooses `fallback`. Signals are blocked while it fills.
void refillFieldChooser(QComboBox* box, const QStringList& fields, const QString& fallback);

/// The real name of the field chosen.
QString chosenField(const QComboBox* box);

} // namespace reprise
