#include "cli/cli_common.h"
#include "store/database.h"
#include "store/lookup_indexes.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <fmt/core.h>

namespace reprise::cli {

int runOptimize(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Builds the indexes that make `reprise ls --filter` on params and tags fast. A database made by\n"
        "this version has them from the start; an older one larger than %1 runs gets them here, once\n"
        "(about 25 s for a million runs; other writers wait meanwhile).")
                                         .arg(kLookupIndexesMadeUnaskedUpTo));
    addDatabaseOption(parser);
    int exitCode = Ok;
    if (!parseArguments(parser, QStringLiteral("optimize"), args, exitCode))
        return exitCode;
    const QString path = databasePath(parser);
    if (!QFileInfo(path).isFile()) {
        printError(path + QStringLiteral(": no such database"), QStringLiteral("give an existing one with --db PATH"));
        return Failure;
    }
    {
        // Checked read-only first: optimizing never creates, fills or migrates another program's file.
        auto reader = Database::open(path, OpenMode::ReadOnly);
        if (!reader) {
            printError(reader.error());
            return Failure;
        }
        if (hasKeyLookupIndexes(**reader)) {
            printOut(QStringLiteral("%1: already optimized\n").arg(path));
            return Ok;
        }
    }
    auto db = Database::open(path, OpenMode::ReadWrite);
    if (!db) {
        printError(db.error());
        return Failure;
    }
    if (auto st = (*db)->checkWritable(); !st) {
        printError(st.error());
        return Failure;
    }
    QElapsedTimer timer;
    timer.start();
    if (auto st = makeLookupIndexes(**db, true); !st) {
        printError(st.error());
        return Failure;
    }
    printOut(QByteArray::fromStdString(
        fmt::format("{}: indexes by key built in {:.1f} s\n", path.toStdString(), double(timer.elapsed()) / 1000.0)));
    return Ok;
}

} // namespace reprise::cli
