#include "cli/cli_common.h"

#include "import/source_cache.h"
#include "team/pg_connection.h"
#include "team/team_mirror.h"
#include "text/display_text.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QJsonObject>
#include <QJsonValue>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <cmath>
#include <cstdio>

namespace reprise::cli {

void printError(const QString& message, const QString& hint)
{
    // Messages quote run names, keys and paths from databases and files: shown, never obeyed.
    QByteArray text = QByteArrayLiteral("reprise: ") + visibleText(message, LineBreaks::Keep).toUtf8() + '\n';
    if (!hint.isEmpty())
        text += QByteArrayLiteral("hint: ") + visibleText(hint, LineBreaks::Keep).toUtf8() + '\n';
    std::fwrite(text.constData(), 1, size_t(text.size()), stderr);
    std::fflush(stderr);
}

void printError(const Error& error) { printError(error.message, error.hint); }

void printOut(const QByteArray& utf8) { std::fwrite(utf8.constData(), 1, size_t(utf8.size()), stdout); }

void printOut(const QString& text) { printOut(visibleText(text, LineBreaks::Keep).toUtf8()); }

void printJson(const QJsonDocument& document, QJsonDocument::JsonFormat format)
{
    const QByteArray json = document.toJson(format);
    const QString text = QString::fromUtf8(json);
    if (!hasHiddenCharacters(text, LineBreaks::Keep)) {
        printOut(json);
        return;
    }
    // Outside its strings a JSON document is ASCII, spaces and line breaks: whatever is hidden is
    // inside a string, where \uXXXX (a surrogate pair above U+FFFF) is the same character.
    QString out;
    out.reserve(text.size() + 64);
    for (qsizetype i = 0; i < text.size();) {
        const qsizetype width
            = text[i].isHighSurrogate() && i + 1 < text.size() && text[i + 1].isLowSurrogate() ? 2 : 1;
        const QStringView unit = QStringView(text).mid(i, width);
        if (text[i].unicode() >= 0x7F && hasHiddenCharacters(unit, LineBreaks::Keep)) {
            for (QChar c : unit)
                out += QStringLiteral("\\u%1").arg(c.unicode(), 4, 16, QLatin1Char('0'));
        } else {
            out += unit;
        }
        i += width;
    }
    printOut(out.toUtf8());
}

QString defaultDatabasePath()
{
    const QString fromEnvironment = QProcessEnvironment::systemEnvironment().value(QStringLiteral("REPRISE_DB"));
    if (!fromEnvironment.isEmpty())
        return fromEnvironment;
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + QStringLiteral("/reprise/runs.db");
}

void addDatabaseOption(QCommandLineParser& parser)
{
    parser.addOption({ QStringLiteral("db"),
        QStringLiteral("Run database (default: $REPRISE_DB, else ~/.local/share/reprise/runs.db)."),
        QStringLiteral("PATH") });
}

QString databasePath(const QCommandLineParser& parser)
{
    return parser.isSet(QStringLiteral("db")) ? parser.value(QStringLiteral("db")) : defaultDatabasePath();
}

bool parseArguments(QCommandLineParser& parser, const QString& command, const QStringList& args, int& exitCode)
{
    parser.addHelpOption();
    if (!parser.parse(QStringList { QStringLiteral("reprise ") + command } + args)) {
        printError(command + QStringLiteral(": ") + parser.errorText(),
            QStringLiteral("see `reprise ") + command + QStringLiteral(" --help`"));
        exitCode = Usage;
        return false;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        printOut(parser.helpText());
        exitCode = Ok;
        return false;
    }
    return true;
}

Result<RunStore> openForReading(const QString& path)
{
    // A team store is read through its local copy, brought up to date first.
    if (isTeamStoreLocation(path)) {
        auto mirror = refreshTeamMirror(path);
        if (!mirror)
            return mirror.error();
        return RunStore::open(mirror->cache, OpenMode::ReadOnly);
    }
    // Another tracker's data (mlruns/, mlflow.db, a TensorBoard log dir, a DVC project, CSV logs):
    // read through the same cache as opening it in the window, whatever spelling of its path.
    if (const SourceKind kind = detectSource(path); kind != SourceKind::Reprise && kind != SourceKind::Unknown) {
        auto cached = refreshSourceCache(path, {}, CacheDepth::Full, kind);
        if (!cached)
            return cached.error();
        return RunStore::open(cached->cache, OpenMode::ReadOnly);
    }
    // Reading never creates, fills or migrates a file: it is checked read-only first, so an empty
    // file, another program's database or an older schema stay exactly as they were.
    auto reader = RunStore::open(path, OpenMode::ReadOnly);
    if (!reader)
        return reader;
    const QFileInfo info(path);
    if (reader->database().schemaVersion() != latestSchemaVersion() || !info.isWritable()
        || !QFileInfo(info.absolutePath()).isWritable())
        return reader;
    {
        auto store = RunStore::open(path, OpenMode::ReadWrite);
        if (!store)
            return store;
        (void)store->recoverAbandonedRuns(localHostName());
    }
    // Read through a reading connection: a writer's large page cache only slows a scan of many pages
    // (each page read into it is memory first touched).
    return RunStore::open(path, OpenMode::ReadOnly);
}

QJsonValue jsonNumber(double value)
{
    if (std::isnan(value))
        return QStringLiteral("nan");
    if (std::isinf(value))
        return value > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
    return value;
}

QJsonArray artifactsJson(const QList<ArtifactRecord>& artifacts)
{
    QJsonArray out;
    for (const ArtifactRecord& a : artifacts) {
        out.append(QJsonObject { { QStringLiteral("path"), a.path }, { QStringLiteral("hash"), a.hash },
            { QStringLiteral("size"), a.size >= 0 ? QJsonValue(a.size) : QJsonValue() } });
    }
    return out;
}

QString startInBackground(const QStringList& args, qint64* pid)
{
    QProcess detached;
    detached.setProgram(QCoreApplication::applicationFilePath());
    detached.setArguments(args);
    detached.setStandardInputFile(QProcess::nullDevice());
    detached.setStandardOutputFile(QProcess::nullDevice());
    detached.setStandardErrorFile(QProcess::nullDevice());
    return detached.startDetached(pid) ? QString() : detached.errorString();
}

} // namespace reprise::cli
