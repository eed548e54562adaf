#pragma once

#include "analysis/reproduction_report.h"
#include "result.h"
#include "store/run_format.h"
#include "store/run_store.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>
#include <optional>

namespace reprise::cli {

/// Exit codes of the command line (DESIGN.md, "Conventions").
/// `verify` and `rerun --wait` say their verdict with 0 (reproduced), 3 (diverged), 4 (incomparable).
enum ExitCode { Ok = 0, Failure = 1, Usage = 2, Diverged = 3, Incomparable = 4 };

/// `reprise: <what>: <why>` on stderr, then `hint: ...` when there is one.
void printError(const Error& error);
void printError(const QString& message, const QString& hint = {});
/// Human-readable text on stdout: control, bidirectional and invisible characters shown as visible
/// escapes (`\x1b`, `\u202e`), line breaks and tabs kept.
void printOut(const QString& text);
/// Bytes on stdout as they are (text already made visible, e.g. by visibleText()).
void printOut(const QByteArray& utf8);
/// A JSON document on stdout, exact: JSON escapes control characters itself, and the characters it
/// would leave raw that a terminal could obey or hide (DEL, C1 controls, bidirectional and other
/// format characters) are written as `\uXXXX`, which every JSON reader reads back as they were.
void printJson(const QJsonDocument& document, QJsonDocument::JsonFormat format = QJsonDocument::Indented);

/// The database a command works on: --db, else $REPRISE_DB, else the XDG data dir's runs.db.
QString defaultDatabasePath();
/// Starts this program with `args` detached from the terminal (no input, output discarded): a
/// rerun or sweep asked for in the background. The child's pid through `pid`; the error when it
/// could not start, else empty.
QString startInBackground(const QStringList& args, qint64* pid = nullptr);
void addDatabaseOption(QCommandLineParser& parser);
QString databasePath(const QCommandLineParser& parser);

/// Parses `args` (without the program and subcommand names); prints a usage error and returns
/// false when they are wrong. `--help` prints the help and returns false with `exitCode` = 0.
bool parseArguments(QCommandLineParser& parser, const QString& command, const QStringList& args, int& exitCode);

/// Opens a database to read. Never creates, fills or migrates a file: read-write only for a writable
/// database of the current schema (so runs whose recording process died are marked killed first);
/// otherwise read-only.
Result<RunStore> openForReading(const QString& path);

/// A metric value as JSON: a number, or "nan" / "inf" / "-inf" which JSON cannot express.
QJsonValue jsonNumber(double value);
/// Artifacts as JSON: path, hash, size (null when unknown).
QJsonArray artifactsJson(const QList<ArtifactRecord>& artifacts);

/// The reproduction report, for people and as JSON; the exit code of its verdict.
QString reportText(const ReproductionReport& report);
QJsonObject reportJson(const ReproductionReport& report);
int verdictExitCode(Verdict verdict);
/// --abs-tol, --rel-tol and --ignore, and reading the first two (nullopt after a usage error).
bool addToleranceOptions(QCommandLineParser& parser);
std::optional<Tolerance> toleranceOption(const QCommandLineParser& parser, const QString& command);

int runRecord(const QStringList& args);
int runRerun(const QStringList& args);
/// `reprise bundle RUN -o FILE`: a reproduction bundle of a run.
int runBundle(const QStringList& args);
int runVerify(const QStringList& args);
int runImport(const QStringList& args);
int runList(const QStringList& args);
/// `reprise optimize`: the lookup indexes of an older, larger database (lookup_indexes.h).
int runOptimize(const QStringList& args);
int runShow(const QStringList& args);
int runMetrics(const QStringList& args);
int runDemo(const QStringList& args);
int runDag(const QStringList& args);
int runDrift(const QStringList& args);
int runProfile(const QStringList& args);
int runTeam(const QStringList& args);
int runSync(const QStringList& args);
/// `reprise client`: where the Python client and its wheel are, and the commands that install it.
int runClient(const QStringList& args);
/// `reprise sweep RUN --grid k=v1,v2 ...`: reruns of a run over a grid or random draws of its params.
int runSweep(const QStringList& args);
/// `reprise importance --metric KEY`: which params move a metric (Spearman, random-forest importance).
int runImportance(const QStringList& args);

} // namespace reprise::cli
