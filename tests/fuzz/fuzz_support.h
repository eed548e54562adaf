#pragma once
// Writes fuzz input into files of a scratch folder, for the readers that take a path.

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QList>
#include <QTemporaryDir>

namespace fuzz {

/// The input split at 0x00 bytes into up to `parts` pieces (missing ones are empty).
inline QList<QByteArray> split(const uint8_t* data, size_t size, int parts)
{
    QList<QByteArray> out = QByteArray(reinterpret_cast<const char*>(data), qsizetype(size)).split('\0');
    while (out.size() < parts)
        out << QByteArray();
    return out.mid(0, parts);
}

inline void write(const QString& path, const QByteArray& bytes)
{
    QDir().mkpath(path.section(u'/', 0, -2));
    QFile f(path);
    if (f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        f.write(bytes);
}

/// One scratch folder for the whole run (a new one per input would dominate the time): the one
/// REPRISE_FUZZ_SCRATCH names, so that a replay reads the same paths every time (a path's bytes can
/// reach libFuzzer's comparison tables), else a temporary one.
inline const QString& scratch()
{
    static QTemporaryDir temporary;
    static const QString path = [] {
        const QString fixed = qEnvironmentVariable("REPRISE_FUZZ_SCRATCH");
        if (fixed.isEmpty())
            return temporary.path();
        QDir().mkpath(fixed);
        return fixed;
    }();
    return path;
}

} // namespace fuzz
