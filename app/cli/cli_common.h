#pragma once

#include "result.h"
#include "store/run_format.h"
#include "store/run_store.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QStringList>

namespace reprise::cli {

/// Exit codes of the command line (DESIGN.md, "Conventions").
enum ExitCode { Ok = 0, Failure = 1, Usage = 2 };

/// `reprise: <what>: <why>` on stderr, then `hint: ...` when there is one.
void printError(const Error& error);
void printError(const QString& message, const QString& hint = {});
void printOut(const QString& text);
void printOut(const QByteArray& utf8);

/// The database a command works on: --db, else $REPRISE_DB, else the XDG data dir's runs.db.
QString defaultDatabasePath();
void addDatabaseOption(QCommandLineParser& parser);
QString databasePath(const QCommandLineParser& parser);

/// Parses `args` (without the program and subcommand names); prints a usage error and returns
/// false when they are wrong. `--help` prints the help and returns false with `exitCode` = 0.
bool parseArguments(QCommandLineParser& parser, const QString& command, const QStringList& args, int& exitCode);

/// Opens a database to read. When the file is writable, it is opened read-write so runs whose
/// recording process died are marked killed first; otherwise read-only.
Result<RunStore> openForReading(const QString& path);

/// A metric value as JSON: a number, or "nan" / "inf" / "-inf" which JSON cannot express.
QJsonValue jsonNumber(double value);
/// Artifacts as JSON: path, hash, size (null when unknown).
QJsonArray artifactsJson(const QList<ArtifactRecord>& artifacts);

int runRecord(const QStringList& args);
int runList(const QStringList& args);
int runShow(const QStringList& args);
int runMetrics(const QStringList& args);
int runDemo(const QStringList& args);
int runDag(const QStringList& args);
int runDrift(const QStringList& args);
int runProfile(const QStringList& args);

} // namespace reprise::cli
