#include "analysis/reproduction_report.h"
#include "bundle/run_bundle.h"
#include "cli/cli_common.h"
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

namespace {

    QString paramText(const ParamValue& p) { return visibleText(p.value); }

    /// The draft as a person reads it before confirming: everything that will execute. Every text
    /// from the database goes through visibleText(): no escape sequence reaches the terminal.
    QString draftText(const RerunDraft& draft, bool fullPatch, const QString& codeLine = {})
    {
        QString out;
        out += QStringLiteral("Rerun of run %1 (%2/%3)\n")
                   .arg(visibleText(draft.originalId), visibleText(draft.project), visibleText(draft.originalName));
        out += QStringLiteral("  command:      ") + visibleText(displayCommand(draft.argv)) + u'\n';
        out += QStringLiteral("  working dir:  ") + visibleText(draft.workingDir) + u'\n';
        out += QStringLiteral("  code:         ") + visibleText(codeLine.isEmpty() ? draft.codeSummary() : codeLine)
            + u'\n';
        out += QStringLiteral("  recorded in:  ") + visibleText(draft.target) + u'\n';
        if (draft.environment.isEmpty())
            out += QStringLiteral("  environment:  (no overrides recorded)\n");
        for (auto it = draft.environment.begin(); it != draft.environment.end(); ++it) {
            out += QStringLiteral("  environment:  ") + visibleText(it.key()) + u'=' + visibleText(*it);
            if (draft.heldBack.contains(it.key()))
                out += QStringLiteral("   <- NOT applied (changes which code runs; --allow-env ")
                    + visibleText(it.key()) + QStringLiteral(" to apply it)");
            else if (isSensitiveVariable(it.key()))
                out += QStringLiteral("   <- changes which code runs");
            out += u'\n';
        }
        const auto edited = draft.editedParams();
        for (auto it = draft.params.begin(); it != draft.params.end(); ++it) {
            out += QStringLiteral("  param:        ") + visibleText(it.key()) + u'=' + paramText(*it);
            if (edited.contains(it.key()))
                out += draft.recordedParams.contains(it.key())
                    ? QStringLiteral("   (edited; recorded ") + paramText(draft.recordedParams.value(it.key())) + u')'
                    : QStringLiteral("   (added)");
            out += u'\n';
        }
        const PatchSummary patch = summarizePatch(draft.code.patch);
        if (!draft.code.patch.isEmpty()) {
            out += QStringLiteral("  patch:        ") + patch.text()
                + (draft.runsInWorktree() || !codeLine.isEmpty()
                        ? QStringLiteral(", applied to the recorded commit before running\n")
                        : QStringLiteral(", recorded (not applied: running in place)\n"));
            for (const PatchSummary::File& file : patch.files)
                out += QStringLiteral("                  %1  +%2 \u2212%3%4\n")
                           .arg(visibleText(file.path))
                           .arg(file.added)
                           .arg(file.removed)
                           .arg(file.binary ? QStringLiteral(" (binary)") : QString());
            if (fullPatch)
                out += QStringLiteral("----- recorded patch -----\n") + visibleText(draft.code.patch, LineBreaks::Keep)
                    + QStringLiteral("\n----- end of patch -----\n");
            else
                out += QStringLiteral("                  (--show-patch prints it in full)\n");
        }
        if (draft.untrusted)
            out += QStringLiteral("  UNTRUSTED:    ")
                + (codeLine.isEmpty() ? QStringLiteral("this database is a shared source (")
                                      : QStringLiteral("this run is not from your database ("))
                + visibleText(draft.trustReason)
                + QStringLiteral("); read the command, environment and patch above before confirming\n");
        return out;
    }

    QJsonObject draftJson(const RerunDraft& draft)
    {
        QJsonObject params, environment;
        for (auto it = draft.params.begin(); it != draft.params.end(); ++it)
            params.insert(it.key(), it->value);
        for (auto it = draft.environment.begin(); it != draft.environment.end(); ++it)
            environment.insert(it.key(), *it);
        QStringList heldBack(draft.heldBack.begin(), draft.heldBack.end());
        heldBack.sort();
        const PatchSummary summary = summarizePatch(draft.code.patch);
        QJsonArray files;
        for (const PatchSummary::File& file : summary.files)
            files.append(QJsonObject { { QStringLiteral("path"), file.path }, { QStringLiteral("added"), file.added },
                { QStringLiteral("removed"), file.removed }, { QStringLiteral("binary"), file.binary } });
        const QJsonObject patch { { QStringLiteral("files"), files }, { QStringLiteral("added"), summary.added },
            { QStringLiteral("removed"), summary.removed }, { QStringLiteral("text"), draft.code.patch } };
        return QJsonObject { { QStringLiteral("original"), draft.originalId },
            { QStringLiteral("environment_held_back"), QJsonArray::fromStringList(heldBack) },
            { QStringLiteral("patch"), patch }, { QStringLiteral("argv"), QJsonArray::fromStringList(draft.argv) },
            { QStringLiteral("working_dir"), draft.workingDir }, { QStringLiteral("environment"), environment },
            { QStringLiteral("params"), params },
            { QStringLiteral("edited"), QJsonArray::fromStringList(draft.editedParams().keys()) },
            { QStringLiteral("commit"), draft.code.commit }, { QStringLiteral("worktree"), draft.runsInWorktree() },
            { QStringLiteral("code"), draft.codeSummary() }, { QStringLiteral("untrusted"), draft.untrusted } };
    }

    /// Asks on the terminal; false when there is none (then --yes is the only way).
    bool confirmOnTerminal(const char* question = "Run this command from an untrusted database? [y/N] ")
    {
        if (!::isatty(STDIN_FILENO))
            return false;
        std::fputs(question, stderr);
        std::fflush(stderr);
        QTextStream in(stdin);
        const QString answer = in.readLine().trimmed().toLower();
        return answer == QLatin1String("y") || answer == QLatin1String("yes");
    }

    void writeAll(FILE* stream, const QByteArray& bytes)
    {
        std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stream);
        std::fflush(stream);
    }

    QString checkText(const BundleCheck& c)
    {
        if (c.same())
            return QStringLiteral("  same:         %1 %2\n").arg(visibleText(c.what), visibleText(c.recorded));
        if (c.here.isEmpty())
            return QStringLiteral("  DIFFERS:      %1: recorded %2, missing here\n")
                .arg(visibleText(c.what), visibleText(c.recorded));
        return QStringLiteral("  DIFFERS:      %1: recorded %2, here %3\n")
            .arg(visibleText(c.what), visibleText(c.recorded), visibleText(c.here));
    }

    QJsonArray checksJson(const QList<BundleCheck>& checks)
    {
        QJsonArray out;
        for (const BundleCheck& c : checks)
            out.append(QJsonObject { { QStringLiteral("what"), c.what }, { QStringLiteral("recorded"), c.recorded },
                { QStringLiteral("here"), c.here }, { QStringLiteral("same"), c.same() } });
        return out;
    }

    /// `reprise rerun --bundle FILE`: the bundle is checked (nothing written when it is refused),
    /// its code unpacked into a fresh folder (git only: no hook or filter of the bundle runs), the
    /// draft and the checks shown, and only after a confirmation anything of it executes.
    int rerunBundle(const QCommandLineParser& parser, const Tolerance& tolerance)
    {
        const bool json = parser.isSet(QStringLiteral("json"));
        const QString file = parser.value(QStringLiteral("bundle"));
        if (!parser.positionalArguments().isEmpty()) {
            printError(QStringLiteral("rerun: --bundle reruns the bundled run; name no other run"),
                QStringLiteral("reprise rerun --bundle FILE [--cwd DIR] [--set k=v]... [--wait]"));
            return Usage;
        }
        if (parser.isSet(QStringLiteral("at-commit")) || parser.isSet(QStringLiteral("in-place"))) {
            printError(QStringLiteral("rerun: --bundle always runs the bundled commit in a fresh folder"));
            return Usage;
        }
        auto bundle = openRunBundle(file);
        if (!bundle) {
            printError(bundle.error());
            return Failure;
        }
        const QString cwd = parser.value(QStringLiteral("cwd"));
        if (!cwd.isEmpty() && !QFileInfo(cwd).isDir()) {
            printError(QStringLiteral("rerun: --cwd '") + cwd + QStringLiteral("': no such directory"));
            return Usage;
        }
        const QString target = QFileInfo(
            parser.isSet(QStringLiteral("into")) ? parser.value(QStringLiteral("into")) : databasePath(parser))
                                   .absoluteFilePath();
        QTemporaryDir scratch(QDir::tempPath() + QStringLiteral("/reprise-bundle-XXXXXX"));
        if (!scratch.isValid()) {
            printError(QStringLiteral("rerun: cannot create a folder to unpack into: ") + scratch.errorString(),
                QStringLiteral("free space in ") + QDir::tempPath());
            return Failure;
        }
        auto code = unpackRunBundle(*bundle, scratch.path());
        if (!code) {
            printError(code.error());
            return Failure;
        }
        RerunDraft draft = makeBundleDraft(*bundle, target, *code, cwd);
        for (const QString& name : parser.values(QStringLiteral("allow-env"))) {
            if (!draft.environment.contains(name)) {
                printError(QStringLiteral("rerun: --allow-env ") + visibleText(name)
                    + QStringLiteral(": the run recorded no such environment override"));
                return Usage;
            }
            draft.heldBack.remove(name);
        }
        for (const QString& assignment : parser.values(QStringLiteral("set")))
            if (auto st = applyParamEdit(draft, assignment); !st) {
                printError(QStringLiteral("rerun: ") + st.error().message, st.error().hint);
                return Usage;
            }
        const QString codeLine = bundle->codeKind == QLatin1String("none")
            ? QStringLiteral("the bundle holds no code: runs in an empty folder ") + *code
            : QStringLiteral("commit %1 from the bundle%2, unpacked in %3")
                  .arg(draft.code.commit.left(10),
                      draft.code.patch.isEmpty() ? QString() : QStringLiteral(" with its uncommitted changes"), *code);
        const QList<BundleCheck> inputs = checkBundleInputs(*bundle, draft.workingDir);
        QJsonObject result { { QStringLiteral("draft"), draftJson(draft) }, { QStringLiteral("bundle"), bundle->file },
            { QStringLiteral("code"), *code }, { QStringLiteral("inputs"), checksJson(inputs) } };
        const bool yes = parser.isSet(QStringLiteral("yes"));
        if (!json) {
            QString text = draftText(draft, parser.isSet(QStringLiteral("show-patch")) || !yes, codeLine);
            if (bundle->inputs.isEmpty())
                text += QStringLiteral("  inputs:       (no file inputs recorded)\n");
            for (const BundleCheck& c : inputs)
                text += checkText(c);
            printOut(text);
        }
        const auto keep = [&] { scratch.setAutoRemove(false); };
        if (parser.isSet(QStringLiteral("dry-run"))) {
            if (json)
                printJson(QJsonDocument(result));
            return Ok;
        }
        if (!yes && !confirmOnTerminal("Run this command from a bundle? [y/N] ")) {
            printError(QStringLiteral("rerun: not confirmed: a bundle is untrusted"),
                QStringLiteral("read the command, working dir, environment and patch above, then confirm with --yes"));
            return Failure;
        }
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        const QMap<QString, QString> applied = draft.appliedEnvironment();
        for (auto it = applied.begin(); it != applied.end(); ++it)
            environment.insert(it.key(), *it);
        // Confirmed: the interpreter the command runs may now be asked for its versions.
        const QList<BundleCheck> runtime = checkBundleRuntime(*bundle, bundleInterpreter(*bundle), environment);
        result.insert(QStringLiteral("runtime"), checksJson(runtime));
        if (!json) {
            QString text;
            for (const BundleCheck& c : runtime)
                text += checkText(c);
            if (!text.isEmpty())
                printOut(QStringLiteral("Runtime:\n") + text);
        }
        const QString runId = parser.value(QStringLiteral("run-id"));
        if (!parser.isSet(QStringLiteral("wait"))) {
            const QString id = newRunUuid();
            QStringList childArgs { QStringLiteral("rerun"), QStringLiteral("--bundle"), bundle->file,
                QStringLiteral("--db"), target, QStringLiteral("--wait"), QStringLiteral("--yes"),
                QStringLiteral("--run-id"), id };
            for (const QString& assignment : parser.values(QStringLiteral("set")))
                childArgs << QStringLiteral("--set") << assignment;
            for (const QString& name : parser.values(QStringLiteral("allow-env")))
                childArgs << QStringLiteral("--allow-env") << name;
            if (!cwd.isEmpty())
                childArgs << QStringLiteral("--cwd") << QDir(cwd).absolutePath();
            QProcess detached;
            detached.setProgram(QCoreApplication::applicationFilePath());
            detached.setArguments(childArgs);
            detached.setStandardInputFile(QProcess::nullDevice());
            detached.setStandardOutputFile(QProcess::nullDevice());
            detached.setStandardErrorFile(QProcess::nullDevice());
            if (!detached.startDetached()) {
                printError(QStringLiteral("rerun: cannot start in the background: ") + detached.errorString(),
                    QStringLiteral("run it in the foreground with --wait"));
                return Failure;
            }
            result.insert(QStringLiteral("run"), id);
            if (json)
                printJson(QJsonDocument(result));
            else
                printOut(QStringLiteral("rerun started in the background as run ") + id
                    + QStringLiteral("\n  follow it: reprise show ") + id + u'\n');
            return Ok;
        }

        // The bundled run first, as the rerun's parent (its own id: imported once).
        auto store = RunStore::open(target, OpenMode::Create);
        if (!store) {
            printError(store.error());
            return Failure;
        }
        auto imported = importBundledRun(*bundle, *store);
        if (!imported) {
            printError(imported.error());
            return Failure;
        }
        auto prepared = prepareRerun(draft, environment);
        if (!prepared) {
            printError(prepared.error());
            return Failure;
        }
        LaunchRequest& request = prepared->request;
        request.run.uuid = runId;
        request.run.code = captureCodeVersion(*code); // what ran: the unpacked code, wherever the working dir is
        request.run.tags.insert(QStringLiteral("rerun.mode"), QStringLiteral("bundle"));
        request.run.tags.insert(QStringLiteral("rerun.bundle"), QFileInfo(bundle->file).fileName());
        request.run.tags.insert(QStringLiteral("rerun.unpacked"), scratch.path());
        keep(); // the unpacked code and what the run wrote beside it stay for inspection
        if (!json)
            printOut(QStringLiteral("unpacked in: ") + scratch.path() + u'\n');
        std::fflush(stdout);

        RunLauncher launcher;
        QEventLoop loop;
        LaunchOutcome outcome;
        bool done = false;
        QObject::connect(
            &launcher, &RunLauncher::message, [](const QString& text, const QString& hint) { printError(text, hint); });
        QObject::connect(&launcher, &RunLauncher::output,
            [json](bool isError, const QByteArray& bytes) { writeAll(isError || json ? stderr : stdout, bytes); });
        QObject::connect(&launcher, &RunLauncher::finished, &loop, [&](const LaunchOutcome& r) {
            outcome = r;
            done = true;
            loop.quit();
        });
        launcher.start(request);
        if (!done)
            loop.exec();
        result.insert(QStringLiteral("run"), outcome.runId);
        result.insert(QStringLiteral("status"), toString(outcome.status));
        result.insert(QStringLiteral("exit_code"), outcome.exitCode);
        if (outcome.runId.isEmpty()) {
            if (json)
                printJson(QJsonDocument(result));
            return outcome.exitCode;
        }
        auto report = buildReproductionReport(
            *store, draft.originalId, *store, outcome.runId, tolerance, parser.values(QStringLiteral("ignore")));
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

} // namespace

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
        QProcess detached;
        detached.setProgram(QCoreApplication::applicationFilePath());
        detached.setArguments(childArgs);
        detached.setStandardInputFile(QProcess::nullDevice());
        detached.setStandardOutputFile(QProcess::nullDevice());
        detached.setStandardErrorFile(QProcess::nullDevice());
        if (!detached.startDetached()) {
            printError(QStringLiteral("rerun: cannot start in the background: ") + detached.errorString(),
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
