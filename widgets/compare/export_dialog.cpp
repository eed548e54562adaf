#include "compare/export_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>

namespace reprise {

ExportDialog::ExportDialog(QSize onScreen, QWidget* parent)
    : QDialog(parent)
    , m_format(new QComboBox(this))
    , m_width(new QSpinBox(this))
    , m_height(new QSpinBox(this))
    , m_scale(new QComboBox(this))
{
    setWindowTitle(tr("Export Charts"));
    m_format->addItem(tr("PNG image"), int(ChartExportOptions::Format::Png));
    m_format->addItem(tr("SVG (vector)"), int(ChartExportOptions::Format::Svg));
    m_format->addItem(tr("PDF (vector)"), int(ChartExportOptions::Format::Pdf));
    for (QSpinBox* box : { m_width, m_height }) {
        box->setRange(200, 8000);
        box->setSuffix(tr(" px"));
    }
    m_width->setValue(std::clamp(onScreen.width(), 200, 8000));
    m_height->setValue(std::clamp(onScreen.height(), 200, 8000));
    m_width->setAccessibleName(tr("Width"));
    m_height->setAccessibleName(tr("Height"));
    auto* presets = new QComboBox(this);
    presets->addItem(tr("as on screen"), onScreen);
    presets->addItem(tr("slide 16:9 (1600 × 900)"), QSize(1600, 900));
    presets->addItem(tr("paper, one column (700 × 500)"), QSize(700, 500));
    presets->addItem(tr("paper, full width (1400 × 800)"), QSize(1400, 800));
    connect(presets, &QComboBox::activated, this, [this, presets](int i) {
        const QSize size = presets->itemData(i).toSize();
        m_width->setValue(size.width());
        m_height->setValue(size.height());
    });
    m_scale->addItem(tr("1× (as laid out)"), 1.0);
    m_scale->addItem(tr("2× (slides, high-density screens)"), 2.0);
    m_scale->addItem(tr("3× (print)"), 3.0);
    m_scale->setCurrentIndex(1);
    connect(m_format, &QComboBox::currentIndexChanged, this,
        [this] { m_scale->setEnabled(m_format->currentData().toInt() == int(ChartExportOptions::Format::Png)); });
    auto* size = new QHBoxLayout;
    size->addWidget(m_width);
    size->addWidget(new QLabel(QStringLiteral("×"), this));
    size->addWidget(m_height);
    auto* form = new QFormLayout(this);
    form->addRow(tr("Format:"), m_format);
    form->addRow(tr("Size:"), presets);
    form->addRow(QString(), size);
    form->addRow(tr("PNG scale:"), m_scale);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    form->addRow(buttons);
}

ChartExportOptions ExportDialog::options() const
{
    ChartExportOptions o;
    o.format = ChartExportOptions::Format(m_format->currentData().toInt());
    o.size = QSize(m_width->value(), m_height->value());
    o.scale = m_scale->currentData().toDouble();
    return o;
}

} // namespace reprise
