#include "analysis/reproduction_report.h"
#include "cli/cli_common.h"
#include "cli/cli_rerun_parts.h"
#include "launch/git_info.h"
#include "launch/rerun_draft.h"
#include "launch/run_launcher.h"
#include "text/display_text.h"

#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QTextStream>
#include <cstdio>
#include <unistd.h>

namespace reprise::cli {

int runRerun(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Reruns a recorded run: its command, working dir, environment overrides and params, at its recorded\n"
        "code version. When the recorded commit is not HEAD (or uncommitted changes were recorded) it runs in a\n"
        "temporary git worktree at that commit with the changes applied. The new run is recorded with kind\n"
        "rerun and the original as parent. Without --wait it starts in the background and prints the new\n"
        "run's id; with --wait it runs here and ends with the reproduction report (exit 0 reproduced, 3\n"
        "diverged, 4 incomparable, or the command's own exit code when it failed)."));
    addDatabaseOption(parser);
    parser.addOption(
        { QStringLiteral("set"), QStringLiteral("Edit a param: k=v (repeatable)."), QStringLiteral("k=v") });
    parser.addOption(
        { QStringLiteral("at-commit"), QStringLiteral("Always run the recorded commit in a temporary worktree.") });
    parser.addOption(
        { QStringLiteral("in-place"), QStringLiteral("Run the current working tree, whatever commit it is at.") });
    parser.addOption({ QStringLiteral("cwd"),
        QStringLiteral("Run in DIR instead of the recorded working dir (e.g. a clone of the repository)."),
        QStringLiteral("DIR") });
    parser.addOption({ QStringLiteral("into"),
        QStringLiteral("Record the rerun in this database (default: the run's own, which must be writable)."),
        QStringLiteral("PATH") });
    parser.addOption({ QStringLiteral("wait"), QStringLiteral("Run in the foreground, then print the report.") });
    parser.addOption({ QStringLiteral("dry-run"), QStringLiteral("Show what would run, and check it; run nothing.") });
    parser.addOption({ QStringLiteral("allow-env"),
        QStringLiteral("Apply this recorded environment override although the database is untrusted (repeatable;\n"
                       "loader variables such as LD_PRELOAD, PYTHONPATH or PATH are otherwise held back)."),
        QStringLiteral("NAME") });
    parser.addOption({ QStringLiteral("show-patch"), QStringLiteral("Print the recorded uncommitted patch in full.") });
    parser.addOption({ QStringLiteral("yes"),
        QStringLiteral("Confirm a rerun from an untrusted (shared) database without asking.") });
    parser.addOption({ QStringLiteral("run-id"), QStringLiteral("Record the rerun under this id (32 hex digits)."),
        QStringLiteral("ID") });
    parser.addOption({ QStringLiteral("json"), QStringLiteral("One JSON document on stdout.") });
    parser.addOption({ QStringLiteral("bundle"),
        QStringLiteral("Rerun the run of a reproduction bundle (reprise bundle): its code unpacked into a fresh\n"
                       "folder, the bundled run imported into --db first as the rerun's parent; --cwd DIR runs it\n"
                       "there (inputs are checked at their recorded paths under DIR). Always confirmed."),
        QStringLiteral("FILE") });
    addToleranceOptions(parser);
    parser.addPositionalArgument(QStringLiteral("RUN"), QStringLiteral("The run to rerun (id or prefix)."));
    int exitCode = Ok;
    if (!parseArguments(parser, QStringLiteral("rerun"), args, exitCode))
        return exitCode;
    if (parser.isSet(QStringLiteral("bundle"))) {
        const auto bundleTolerance = toleranceOption(parser, QStringLiteral("rerun"));
        return bundleTolerance ? rerunBundle(parser, *bundleTolerance) : int(Usage);
    }
    if (parser.positionalArguments().size() != 1) {
        printError(QStringLiteral("rerun: expected one run"),
            QStringLiteral("reprise rerun RUN [--set k=v]... [--at-commit|--in-place] [--wait]"));
        return Usage;
    }
    if (parser.isSet(QStringLiteral("at-commit")) && parser.isSet(QStringLiteral("in-place"))) {
        printError(QStringLiteral("rerun: --at-commit and --in-place exclude each other"));
        return Usage;
    }
    const auto tolerance = toleranceOption(parser, QStringLiteral("rerun"));
    if (!tolerance)
        return Usage;
    const bool json = parser.isSet(QStringLiteral("json"));
    const QString runId = parser.value(QStringLiteral("run-id"));
    static const QRegularExpression uuidPattern(QStringLiteral("^[0-9a-f]{32}$"));
    if (!runId.isEmpty() && !uuidPattern.match(runId).hasMatch()) {
        printError(QStringLiteral("rerun: --run-id '") + runId + QStringLiteral("': expected 32 lowercase hex digits"));
        return Usage;
    }

    const QString source = QFileInfo(databasePath(parser)).absoluteFilePath();
    auto store = openForReading(source);
    if (!store) {
        printError(store.error());
        return Failure;
    }
    auto original = store->loadRun(parser.positionalArguments().first());
    if (!original) {
        printError(original.error());
        return Failure;
    }
    RerunDraft draft = makeRerunDraft(*original, source);
    QString trustReason;
    // Reading opens an older schema read-only (reading never migrates); the rerun is still recorded
    // there when the file is ours to write, and the launcher migrates it then.
    const QFileInfo sourceInfo(source);
    const bool writable = sourceInfo.isWritable() && QFileInfo(sourceInfo.absolutePath()).isWritable();
    const bool untrusted = isUntrustedSource(source, !writable, &trustReason);
    setTrust(draft, untrusted, trustReason);
    for (const QString& name : parser.values(QStringLiteral("allow-env"))) {
        if (!draft.environment.contains(name)) {
            printError(QStringLiteral("rerun: --allow-env ") + visibleText(name)
                    + QStringLiteral(": the run recorded no such environment override"),
                QStringLiteral("the recorded overrides are listed by `reprise rerun RUN --dry-run`"));
            return Usage;
        }
        draft.heldBack.remove(name);
    }
    if (parser.isSet(QStringLiteral("into")))
        draft.target = QFileInfo(parser.value(QStringLiteral("into"))).absoluteFilePath();
    else if (!writable) {
        printError(source + QStringLiteral(": read-only, so the rerun cannot be recorded there"),
            QStringLiteral("record it in your own database: --into ~/.local/share/reprise/runs.db"));
        return Failure;
    }
    for (const QString& assignment : parser.values(QStringLiteral("set")))
        if (auto st = applyParamEdit(draft, assignment); !st) {
            printError(QStringLiteral("rerun: ") + st.error().message, st.error().hint);
            return Usage;
        }
    if (parser.isSet(QStringLiteral("at-commit")))
        draft.mode = CodeMode::AtCommit;
    if (parser.isSet(QStringLiteral("in-place")))
        draft.mode = CodeMode::InPlace;
    if (parser.isSet(QStringLiteral("cwd"))) {
        const QString dir = parser.value(QStringLiteral("cwd"));
        if (!QFileInfo(dir).isDir()) {
            printError(QStringLiteral("rerun: --cwd '") + dir + QStringLiteral("': no such directory"));
            return Usage;
        }
        chooseWorkingDir(draft, dir);
    }

    const QList<DraftProblem> problems = checkRerunDraft(draft);
    QJsonObject result { { QStringLiteral("draft"), draftJson(draft) } };
    if (!json)
        printOut(draftText(draft,
            parser.isSet(QStringLiteral("show-patch")) || (draft.untrusted && !parser.isSet(QStringLiteral("yes")))));
    if (!problems.isEmpty()) {
        for (const DraftProblem& p : problems)
            printError(visibleText(p.message), p.hint);
        if (json) {
            QJsonArray list;
            for (const DraftProblem& p : problems)
                list.append(
                    QJsonObject { { QStringLiteral("message"), p.message }, { QStringLiteral("hint"), p.hint } });
            result.insert(QStringLiteral("problems"), list);
            printJson(QJsonDocument(result));
        }
        return Failure;
    }
    if (parser.isSet(QStringLiteral("dry-run"))) {
        if (json)
            printJson(QJsonDocument(result));
        return Ok;
    }
    if (draft.untrusted && !parser.isSet(QStringLiteral("yes")) && !confirmOnTerminal()) {
        printError(QStringLiteral("rerun: not confirmed: ") + visibleText(source) + QStringLiteral(" is untrusted (")
                + visibleText(draft.trustReason) + u')',
            QStringLiteral("read the command, working dir, environment and patch above, then confirm with --yes"));
        return Failure;
    }

    if (!parser.isSet(QStringLiteral("wait"))) {
        // In the background: this same command with --wait, detached, recording under an id we know.
        const QString id = newRunUuid();
        QStringList childArgs { QStringLiteral("rerun"), draft.originalId, QStringLiteral("--db"), source,
            QStringLiteral("--into"), draft.target, QStringLiteral("--wait"), QStringLiteral("--yes"),
            QStringLiteral("--run-id"), id };
        for (const QString& assignment : parser.values(QStringLiteral("set")))
            childArgs << QStringLiteral("--set") << assignment;
        for (const QString& name : parser.values(QStringLiteral("allow-env")))
            childArgs << QStringLiteral("--allow-env") << name;
        for (const char* flag : { "at-commit", "in-place" })
            if (parser.isSet(QString::fromLatin1(flag)))
                childArgs << QStringLiteral("--") + QString::fromLatin1(flag);
        if (parser.isSet(QStringLiteral("cwd")))
            childArgs << QStringLiteral("--cwd") << QDir(parser.value(QStringLiteral("cwd"))).absolutePath();
        if (const QString why = startInBackground(childArgs); !why.isEmpty()) {
            printError(QStringLiteral("rerun: cannot start in the background: ") + why,
                QStringLiteral("run it in the foreground with --wait"));
            return Failure;
        }
        if (json) {
            result.insert(QStringLiteral("run"), id);
            result.insert(QStringLiteral("status"), QStringLiteral("started"));
            printJson(QJsonDocument(result));
        } else {
            printOut(QStringLiteral("rerun started in the background as run ") + id
                + QStringLiteral("\n  follow it: reprise show ") + id + QStringLiteral("\n  verify it: reprise verify ")
                + visibleText(draft.originalId.left(8)) + u' ' + id.left(8) + u'\n');
        }
        return Ok;
    }

    auto prepared = prepareRerun(draft, QProcessEnvironment::systemEnvironment());
    if (!prepared) {
        printError(prepared.error());
        return Failure;
    }
    prepared->request.run.uuid = runId;
    if (!prepared->worktree.isEmpty() && !json)
        printOut(QStringLiteral("worktree: ") + prepared->worktree + u'\n');
    std::fflush(stdout);

    RunLauncher launcher;
    QEventLoop loop;
    LaunchOutcome outcome;
    bool done = false;
    QObject::connect(
        &launcher, &RunLauncher::message, [](const QString& text, const QString& hint) { printError(text, hint); });
    // With --json the document owns stdout; the command's own output goes to stderr.
    QObject::connect(&launcher, &RunLauncher::output,
        [json](bool isError, const QByteArray& bytes) { writeAll(isError || json ? stderr : stdout, bytes); });
    QObject::connect(&launcher, &RunLauncher::finished, &loop, [&](const LaunchOutcome& result) {
        outcome = result;
        done = true;
        loop.quit();
    });
    launcher.start(prepared->request);
    if (!done)
        loop.exec();

    result.insert(QStringLiteral("run"), outcome.runId);
    result.insert(QStringLiteral("status"), toString(outcome.status));
    result.insert(QStringLiteral("exit_code"), outcome.exitCode);
    if (!prepared->worktree.isEmpty()) {
        if (outcome.exitCode == 0) {
            if (auto st = removeWorktree(*prepared); !st)
                printError(st.error());
        } else {
            printError(QStringLiteral("rerun failed; its worktree is kept for inspection: ") + prepared->worktree,
                QStringLiteral("remove it with `git worktree remove --force ") + prepared->worktree + u'`');
            result.insert(QStringLiteral("worktree"), prepared->worktree);
        }
    }
    if (outcome.runId.isEmpty()) {
        if (json)
            printJson(QJsonDocument(result));
        return outcome.exitCode;
    }

    auto target = openForReading(draft.target);
    if (!target) {
        printError(target.error());
        return Failure;
    }
    auto report = buildReproductionReport(
        *store, draft.originalId, *target, outcome.runId, *tolerance, parser.values(QStringLiteral("ignore")));
    if (!report) {
        printError(report.error());
        return Failure;
    }
    if (json) {
        result.insert(QStringLiteral("report"), reportJson(*report));
        printJson(QJsonDocument(result));
    } else {
        printOut(QStringLiteral("\n") + reportText(*report));
    }
    return outcome.exitCode != 0 ? outcome.exitCode : verdictExitCode(report->verdict);
}

} // namespace reprise::cli
