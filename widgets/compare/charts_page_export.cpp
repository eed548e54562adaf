// The Charts page's exports: pictures (PNG, SVG, PDF; the clipboard) and the visible data as CSV.

#include "analysis/export_file.h"
#include "compare/chart_grid.h"
#include "compare/charts_page.h"
#include "compare/export_dialog.h"
#include "files/file_dialogs.h"
#include "when_finished.h"

#include <QBuffer>
#include <QClipboard>
#include <QGuiApplication>
#include <QLabel>
#include <QtConcurrent>

namespace reprise {

namespace {

    /// A metric key as a file name: separators and other unsafe characters become '_'.
    QString safeFileName(const QString& key)
    {
        QString out;
        for (QChar c : key)
            out += c.isLetterOrNumber() || c == u'.' || c == u'-' ? c : u'_';
        return out.left(80);
    }

} // namespace

void ChartsPage::exportCharts(const QString& path)
{
    ChartExportOptions options;
    options.format = exportFormatOf(path);
    options.size = m_grid->size();
    exportCharts(path, options);
}

void ChartsPage::exportCharts(const QString& path, const ChartExportOptions& options)
{
    if (m_grid->charts().isEmpty()) {
        Q_EMIT exported(path, tr("Nothing to export: no charts are shown. Select runs with metrics first."));
        return;
    }
    // Painted here (the GUI thread owns the charts); a PNG is encoded and every file written on a worker.
    const ChartPicture picture = m_grid->paint(options, tr("Reprise: %1").arg(m_keys.join(QStringLiteral(", "))));
    const bool png = options.format == ChartExportOptions::Format::Png;
    auto job = QtConcurrent::run([path, png, picture]() -> QString {
        QByteArray bytes = picture.bytes;
        if (png) {
            QBuffer buffer(&bytes);
            if (!buffer.open(QIODevice::WriteOnly) || !picture.image.save(&buffer, "PNG"))
                return tr("%1: the picture could not be encoded as PNG").arg(path);
        }
        return writeExportFile(path, bytes);
    });
    whenFinished(std::move(job), this, [this, path](const QString& error) { reportExport(path, error); });
}

void ChartsPage::copyCharts()
{
    if (m_grid->charts().isEmpty()) {
        m_message->setText(tr("Nothing to copy: no charts are shown."));
        return;
    }
    ChartExportOptions options;
    options.size = m_grid->size();
    options.scale = std::max(1.0, devicePixelRatioF());
    QGuiApplication::clipboard()->setImage(m_grid->paint(options, QString()).image);
    m_message->setText(
        tr("Copied the charts (%1 × %2) to the clipboard").arg(options.size.width()).arg(options.size.height()));
}

void ChartsPage::reportExport(const QString& path, const QString& error)
{
    m_message->setText(error.isEmpty() ? tr("Wrote %1").arg(path) : error);
    Q_EMIT exported(path, error);
}

void ChartsPage::exportCsv(const QString& path)
{
    auto job = QtConcurrent::run([path, charts = m_grid->visibleData()] { return exportCurveCsv(path, charts); });
    whenFinished(std::move(job), this, [this, path](const QString& error) { reportExport(path, error); });
}

void ChartsPage::chooseExport(const QString& kind)
{
    ChartExportOptions options;
    QString suffix = kind;
    if (kind != QLatin1String("csv")) {
        ExportDialog dialog(m_grid->size(), this);
        if (dialog.exec() != QDialog::Accepted)
            return;
        options = dialog.options();
        suffix = options.format == ChartExportOptions::Format::Svg ? QStringLiteral("svg")
            : options.format == ChartExportOptions::Format::Pdf    ? QStringLiteral("pdf")
                                                                   : QStringLiteral("png");
    }
    const QString filter = suffix == QLatin1String("csv") ? tr("CSV (*.csv)")
        : suffix == QLatin1String("svg")                  ? tr("SVG image (*.svg)")
        : suffix == QLatin1String("pdf")                  ? tr("PDF document (*.pdf)")
                                                          : tr("PNG image (*.png)");
    const QString name = m_keys.size() == 1 ? m_keys.first() : QStringLiteral("metrics");
    QString path = chooseSaveFile(this, tr("Export"), safeFileName(name) + u'.' + suffix, filter);
    if (path.isEmpty())
        return;
    if (!path.contains(u'.'))
        path += u'.' + suffix;
    if (kind == QLatin1String("csv"))
        exportCsv(path);
    else
        exportCharts(path, options);
}

} // namespace reprise
