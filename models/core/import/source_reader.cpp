#include "import/source_reader.h"

#include "import/tensorboard_events.h"
#include "import/wandb_log.h"
#include "store/open_database_files.h"
#include "team/team_location.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QtEndian>
#include <algorithm>
#include <numeric>
#include <sqlite3.h>

namespace reprise {

namespace {

    /// The first bytes of a file; nothing for a database this process has open (closing our
    /// descriptor would drop SQLite's locks on it).
    QByteArray head(const QString& path, qint64 bytes)
    {
        if (isOpenDatabaseFile(path))
            return {};
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.read(bytes) : QByteArray();
    }

    /// The tables of an SQLite file, opened read-only (never created, never migrated).
    QStringList sqliteTables(const QString& path)
    {
        QStringList out;
        sqlite3* db = nullptr;
        if (sqlite3_open_v2(QFile::encodeName(path).constData(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
            sqlite3_stmt* s = nullptr;
            if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table'", -1, &s, nullptr)
                == SQLITE_OK)
                while (sqlite3_step(s) == SQLITE_ROW)
                    out << QString::fromUtf8(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
            sqlite3_finalize(s);
        }
        sqlite3_close(db);
        return out;
    }

    bool isEventFileName(const QString& name) { return name.contains(QLatin1String("tfevents")); }

    /// A CSV header line: Lightning when it has a "step" column, Keras when it starts with "epoch".
    SourceKind csvKind(const QString& path)
    {
        const QByteArray first = head(path, 4096).split('\n').value(0).trimmed();
        const QList<QByteArray> columns = first.split(',');
        if (columns.contains("step"))
            return SourceKind::LightningCsv;
        if (!columns.isEmpty() && columns.first() == "epoch")
            return SourceKind::KerasCsv;
        return SourceKind::Unknown;
    }

} // namespace

QString toString(SourceKind kind)
{
    switch (kind) {
    case SourceKind::Reprise:
        return QStringLiteral("Reprise database");
    case SourceKind::MlflowDatabase:
        return QStringLiteral("MLflow database");
    case SourceKind::MlflowFileStore:
        return QStringLiteral("MLflow file store");
    case SourceKind::TensorBoard:
        return QStringLiteral("TensorBoard logs");
    case SourceKind::Dvc:
        return QStringLiteral("DVC project");
    case SourceKind::LightningCsv:
        return QStringLiteral("Lightning CSV logs");
    case SourceKind::KerasCsv:
        return QStringLiteral("Keras CSV log");
    case SourceKind::Wandb:
        return QStringLiteral("W&B runs");
    case SourceKind::TeamStore:
        return QStringLiteral("team store");
    case SourceKind::Unknown:
        break;
    }
    return QStringLiteral("unknown");
}

QString canonicalSourcePath(const QString& path)
{
    if (path.isEmpty() || isTeamStoreLocation(path))
        return path;
    const QFileInfo info(path);
    const QString canonical = info.canonicalFilePath();
    return canonical.isEmpty() ? QDir::cleanPath(info.absoluteFilePath()) : canonical;
}

SourceKind detectSource(const QString& typed)
{
    if (isTeamStoreLocation(typed))
        return SourceKind::TeamStore;
    const QString path = canonicalSourcePath(typed);
    const QFileInfo info(path);
    // Open here already, so a Reprise database (only the store opens databases for good) or one of
    // its -wal/-shm files; none of them is read outside SQLite while it is open.
    if (info.isFile() && isOpenDatabaseFile(path)) {
        const bool companion = path.endsWith(QLatin1String("-wal")) || path.endsWith(QLatin1String("-shm"))
            || path.endsWith(QLatin1String("-journal"));
        return companion ? SourceKind::Unknown : SourceKind::Reprise;
    }
    if (info.isFile()) {
        const QByteArray start = head(path, 100);
        if (start.startsWith(QByteArrayLiteral("SQLite format 3\0"))) {
            const QStringList tables = sqliteTables(path);
            if (tables.contains(QStringLiteral("alembic_version")) || tables.contains(QStringLiteral("experiments")))
                return tables.contains(QStringLiteral("runs")) ? SourceKind::MlflowDatabase : SourceKind::Unknown;
            if (!tables.isEmpty())
                return SourceKind::Reprise; // the store itself tells a foreign SQLite file apart
            // No readable schema (damaged, truncated): the application id in the header, else the
            // schema text on the first pages, says whose it was.
            const auto applicationId = qFromBigEndian<quint32>(reinterpret_cast<const uchar*>(start.constData()) + 68);
            if (applicationId == 1380995667u)
                return SourceKind::Reprise;
            const QByteArray pages = head(path, 65536);
            if (pages.contains("alembic_version") || pages.contains("CREATE TABLE experiments"))
                return SourceKind::MlflowDatabase;
            return SourceKind::Reprise; // an empty or foreign SQLite file: the store says which
        }
        if (isEventFileName(info.fileName()) || parseEventFile(head(path, 4096)).isEventFile)
            return SourceKind::TensorBoard;
        if (isWandbLog(start))
            return SourceKind::Wandb;
        if (info.fileName() == QLatin1String("dvc.yaml"))
            return SourceKind::Dvc;
        if (info.suffix().compare(QLatin1String("csv"), Qt::CaseInsensitive) == 0)
            return csvKind(path);
        return SourceKind::Unknown;
    }
    if (!info.isDir())
        return SourceKind::Unknown;
    const QDir dir(path);
    if (dir.exists(QStringLiteral("dvc.yaml")))
        return SourceKind::Dvc;
    // mlruns/: numbered experiment folders with a meta.yaml naming their artifact location.
    for (const QString& entry : dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        const QByteArray meta = head(dir.filePath(entry + QStringLiteral("/meta.yaml")), 4096);
        if (meta.contains("experiment_id") && meta.contains("artifact_location"))
            return SourceKind::MlflowFileStore;
    }
    if (dir.exists(QStringLiteral("mlruns"))
        && detectSource(dir.filePath(QStringLiteral("mlruns"))) == SourceKind::MlflowFileStore)
        return SourceKind::MlflowFileStore;
    // Log dirs: look a few levels down, without following links (a link loop must not hang this).
    QDirIterator it(path, QDir::Files | QDir::NoSymLinks, QDirIterator::Subdirectories);
    int looked = 0;
    while (it.hasNext() && ++looked < 5000) {
        const QString file = it.next();
        if (isEventFileName(it.fileName()))
            return SourceKind::TensorBoard;
        if (it.fileName() == QLatin1String("metrics.csv") && csvKind(file) == SourceKind::LightningCsv)
            return SourceKind::LightningCsv;
        if (it.fileName().endsWith(QLatin1String(".wandb")) && isWandbLog(head(file, 8)))
            return SourceKind::Wandb;
    }
    return SourceKind::Unknown;
}

QByteArray readWholeFile(const QString& path)
{
    if (isOpenDatabaseFile(path))
        return {};
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QString stableRunId(const QString& text)
{
    return QString::fromLatin1(QCryptographicHash::hash(text.toUtf8(), QCryptographicHash::Md5).toHex());
}

void sortHistory(MetricHistory& h)
{
    if (std::is_sorted(h.steps.begin(), h.steps.end()))
        return;
    std::vector<size_t> order(h.steps.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return h.steps[a] < h.steps[b]; });
    MetricHistory sorted;
    sorted.key = h.key;
    for (size_t i : order) {
        sorted.steps.push_back(h.steps[i]);
        sorted.values.push_back(h.values[i]);
        if (i < h.times.size())
            sorted.times.push_back(h.times[i]);
    }
    h = std::move(sorted);
}

} // namespace reprise
