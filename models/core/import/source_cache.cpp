#include "import/source_cache.h"

#include "store/run_store.h"
#include "team/team_location.h"
#include "team/team_mirror.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>

namespace reprise {

namespace {

    QString cacheFolder()
    {
        return QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation)
            + QStringLiteral("/reprise/sources");
    }

    QString readText(const QString& path) { return QString::fromUtf8(readWholeFile(path)); }

    void removeDatabaseFiles(const QString& path)
    {
        for (const char* suffix : { "", "-wal", "-shm", "-journal" })
            QFile::remove(path + QString::fromLatin1(suffix));
    }

} // namespace

QString sourceCachePath(const QString& source, bool summary)
{
    const QString canonical = QFileInfo(source).canonicalFilePath();
    const QString id = stableRunId(canonical.isEmpty() ? QFileInfo(source).absoluteFilePath() : canonical);
    return cacheFolder() + u'/' + id + (summary ? QStringLiteral(".summary.db") : QStringLiteral(".db"));
}

bool isSourceCacheFresh(const QString& typed)
{
    const QString source = canonicalSourcePath(typed);
    const QString cache = sourceCachePath(source);
    return QFileInfo::exists(cache) && readText(cache + QStringLiteral(".stamp")) == sourceSignature(source);
}

bool hasQuickSummary(SourceKind kind) { return kind == SourceKind::MlflowDatabase; }

QString sourceSignature(const QString& typed)
{
    const QString source = canonicalSourcePath(typed);
    QCryptographicHash hash(QCryptographicHash::Sha1);
    const QFileInfo info(source);
    auto add = [&](const QFileInfo& f) {
        hash.addData(f.absoluteFilePath().toUtf8());
        hash.addData(
            QByteArray(QByteArray::number(f.size()) + ':' + QByteArray::number(f.lastModified().toMSecsSinceEpoch())));
    };
    if (info.isDir()) {
        // Links are not followed: a loop must not hang this. Sorted: iteration order is not stable.
        QDirIterator it(source, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        QStringList files;
        while (it.hasNext())
            files << it.next();
        files.sort();
        for (const QString& f : std::as_const(files))
            add(QFileInfo(f));
    } else {
        add(info);
        // An SQLite source may have its newest pages in the write-ahead log.
        const QFileInfo wal(source + QStringLiteral("-wal"));
        if (wal.exists())
            add(wal);
    }
    return QString::fromLatin1(hash.result().toHex());
}

Result<CachedSource> refreshSourceCache(
    const QString& typed, const ReadControl& control, CacheDepth depth, SourceKind kind)
{
    // One spelling of the source for its cache's name, its signature and the reader.
    const QString source = kind == SourceKind::TeamStore ? typed : canonicalSourcePath(typed);
    CachedSource out;
    if (kind == SourceKind::TeamStore || isTeamStoreLocation(source)) {
        // A team store: its local copy, remade when the store changed (see team_mirror.h).
        auto mirror = refreshTeamMirror(source);
        if (!mirror)
            return mirror.error();
        out.source = source;
        out.cache = mirror->cache;
        out.kind = SourceKind::TeamStore;
        out.rebuilt = mirror->refreshed;
        return out;
    }
    out.source = source;
    out.kind = kind == SourceKind::Unknown ? detectSource(source) : kind;
    if (out.kind == SourceKind::Unknown || out.kind == SourceKind::Reprise)
        return Error { source + QStringLiteral(": not another tracker's run data"), {} };
    // One signature (a folder walk for log dirs) serves both the full and the summary cache.
    const QString signature = sourceSignature(source);
    out.cache = sourceCachePath(source);
    if (QFileInfo::exists(out.cache) && readText(out.cache + QStringLiteral(".stamp")) == signature)
        return out;
    ReadControl reading = control;
    reading.summaryOnly = depth == CacheDepth::SummaryFirst && hasQuickSummary(out.kind);
    out.summaryOnly = reading.summaryOnly;
    out.cache = sourceCachePath(source, reading.summaryOnly);
    const QString stampPath = out.cache + QStringLiteral(".stamp");
    if (QFileInfo::exists(out.cache) && readText(stampPath) == signature)
        return out;

    if (!QDir().mkpath(QFileInfo(out.cache).absolutePath()))
        return Error { QFileInfo(out.cache).absolutePath() + QStringLiteral(": cannot create the cache folder"),
            QStringLiteral("check that the folder is writable, or import the source with `reprise import`") };
    // Built beside the cache and renamed over it when complete.
    const QString partial = out.cache + QStringLiteral(".partial");
    removeDatabaseFiles(partial);
    Result<ImportSummary> summary = Error {};
    {
        auto store = RunStore::open(partial, OpenMode::Create);
        if (!store)
            return store.error();
        ImportOptions options;
        options.control = reading;
        options.kind = out.kind;
        summary = importSource(source, *store, options);
        // Checkpointed into the main file, so the rename carries every page.
        if (summary)
            (void)store->database().exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    if (!summary) {
        removeDatabaseFiles(partial);
        return summary.error();
    }
    out.summary = *summary;
    removeDatabaseFiles(out.cache);
    QFile::remove(partial + QStringLiteral("-wal"));
    QFile::remove(partial + QStringLiteral("-shm"));
    if (!QFile::rename(partial, out.cache))
        return Error { out.cache + QStringLiteral(": cannot replace the cache"), {} };
    QFile stamp(stampPath);
    if (stamp.open(QIODevice::WriteOnly | QIODevice::Truncate))
        stamp.write(signature.toUtf8());
    out.rebuilt = true;
    return out;
}

} // namespace reprise
