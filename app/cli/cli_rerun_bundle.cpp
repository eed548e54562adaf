// `reprise rerun --bundle FILE`: a reproduction bundle's run rerun where its database and
// repository are not.

#include "bundle/run_bundle.h"
#include "cli/cli_common.h"
#include "cli/cli_rerun_parts.h"
#include "launch/git_info.h"
#include "launch/run_launcher.h"
#include "store/run_store.h"
#include "text/display_text.h"

#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>

namespace reprise::cli {

namespace {

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

} // namespace

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
    const QString target
        = QFileInfo(parser.isSet(QStringLiteral("into")) ? parser.value(QStringLiteral("into")) : databasePath(parser))
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

} // namespace reprise::cli
