#pragma once

#include <QByteArray>
#include <QFile>
#include <QString>

namespace reprise {

/// A file an export writes (CSV, PNG, SVG): created or truncated, written in chunks, flushed. Every
/// step returns an empty string, or a message a user can act on that names the file. For worker threads:
/// never for a file of an open database.
class ExportFile {
public:
    explicit ExportFile(const QString& path);

    /// "PATH: why — choose a writable folder" when the file cannot be created.
    QString open();
    /// "PATH: why — is the disk full?" when not every byte was written.
    QString write(const QByteArray& bytes);
    /// Flushes; the same message as write() on failure.
    QString finish();

private:
    QString m_path;
    QFile m_file;
};

/// Writes `bytes` as the whole file at `path`: an empty string, or what went wrong.
QString writeExportFile(const QString& path, const QByteArray& bytes);

} // namespace reprise
