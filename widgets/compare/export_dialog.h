#pragma once

#include "charts/chart_export.h"

#include <QDialog>

class QComboBox;
class QSpinBox;

namespace reprise {

/// Asks how to export the charts: the format (PNG, SVG, PDF), the picture's size (as on screen, or
/// typed) and a PNG's scale (2× for slides).
class ExportDialog : public QDialog {
    Q_OBJECT
public:
    /// `onScreen` is the charts' size as shown now (the default size).
    explicit ExportDialog(QSize onScreen, QWidget* parent = nullptr);

    ChartExportOptions options() const;

private:
    QComboBox* m_format;
    QSpinBox* m_width;
    QSpinBox* m_height;
    QComboBox* m_scale;
};

} // namespace reprise
