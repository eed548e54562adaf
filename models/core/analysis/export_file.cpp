#include "analysis/export_file.h"

#include <QCoreApplication>

namespace reprise {

namespace {

    QString tr(const char* text) { return QCoreApplication::translate("reprise::ExportFile", text); }

} // namespace

ExportFile::ExportFile(const QString& path)
    : m_path(path)
    , m_file(path)
{
}

QString ExportFile::open()
{
    if (!m_file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return tr("%1: %2 — choose a writable folder").arg(m_path, m_file.errorString());
    return {};
}

QString ExportFile::write(const QByteArray& bytes)
{
    if (m_file.write(bytes) != bytes.size())
        return tr("%1: %2 — is the disk full?").arg(m_path, m_file.errorString());
    return {};
}

QString ExportFile::finish()
{
    if (!m_file.flush())
        return tr("%1: %2 — is the disk full?").arg(m_path, m_file.errorString());
    return {};
}

QString writeExportFile(const QString& path, const QByteArray& bytes)
{
    ExportFile file(path);
    QString error = file.open();
    if (error.isEmpty())
        error = file.write(bytes);
    if (error.isEmpty())
        error = file.finish();
    return error;
}

} // namespace reprise
