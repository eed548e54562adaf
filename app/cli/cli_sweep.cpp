// `reprise sweep RUN --grid k=v1,v2 [--random k=uniform:a:b] …`: reruns of one run over a grid of
// param values or seeded random draws, each member a normal rerun tagged with the sweep.

#include "cli/cli_common.h"
#include "cli/cli_rerun_parts.h"
#include "launch/rerun_draft.h"
#include "sweep/sweep_plan.h"
#include "sweep/sweep_runner.h"
#include "text/display_text.h"

#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QProcess>
#include <QTimer>
#include <atomic>
#include <csignal>

namespace reprise::cli {

namespace {

    std::atomic<int> g_stopSignal { 0 };
    extern "C" void onStopSignal(int signo) { g_stopSignal = signo; }

    /// SIGINT and SIGTERM cancel the sweep while this object lives; the old handlers come back after.
    class StopSignals {
    public:
        StopSignals()
        {
            struct sigaction action = {};
            action.sa_handler = onStopSignal;
            sigemptyset(&action.sa_mask);
            sigaction(SIGINT, &action, &m_oldInt);
            sigaction(SIGTERM, &action, &m_oldTerm);
        }
        ~StopSignals()
        {
            sigaction(SIGINT, &m_oldInt, nullptr);
            sigaction(SIGTERM, &m_oldTerm, nullptr);
        }
        StopSignals(const StopSignals&) = delete;
        StopSignals& operator=(const StopSignals&) = delete;

    private:
        struct sigaction m_oldInt = {};
        struct sigaction m_oldTerm = {};
    };

    QJsonObject memberJson(const SweepPlan& plan, int index)
    {
        QJsonObject params;
        const SweepMember& member = plan.members.at(index);
        for (auto it = member.values.begin(); it != member.values.end(); ++it)
            params.insert(it.key(), it->value);
        return QJsonObject { { QStringLiteral("index"), member.index }, { QStringLiteral("params"), params } };
    }

    QString secondsText(double seconds) { return QString::number(seconds, 'f', 1) + QStringLiteral(" s"); }

    /// The members as a table: index and each swept param (at most `limit` rows, then how many more).
    QString membersText(const SweepPlan& plan, qsizetype limit)
    {
        QStringList header { QStringLiteral("#") };
        for (const SweepAxis& axis : plan.spec.axes)
            header << visibleText(axis.key);
        QList<QStringList> rows { header };
        const qsizetype shown = std::min(limit, plan.members.size());
        for (qsizetype i = 0; i < shown; ++i) {
            QStringList row { QString::number(plan.members[i].index) };
            for (const SweepAxis& axis : plan.spec.axes)
                row << visibleText(plan.members[i].values.value(axis.key).value);
            rows << row;
        }
        QList<qsizetype> widths(header.size(), 0);
        for (const QStringList& row : rows)
            for (qsizetype c = 0; c < row.size(); ++c)
                widths[c] = std::max(widths[c], row[c].size());
        QString out;
        for (const QStringList& row : rows) {
            QString line = QStringLiteral("  ");
            for (qsizetype c = 0; c < row.size(); ++c)
                line += (c == 0 ? row[c].rightJustified(widths[c]) : row[c].leftJustified(widths[c]))
                    + QStringLiteral("  ");
            while (line.endsWith(u' '))
                line.chop(1);
            out += line + u'\n';
        }
        if (shown < plan.members.size())
            out += QStringLiteral("  … and %1 more (--dry-run lists them all)\n").arg(plan.members.size() - shown);
        return out;
    }

    QString axesSummary(const SweepSpec& spec)
    {
        QStringList parts;
        for (const SweepAxis& axis : spec.axes) {
            switch (axis.kind) {
            case SweepAxis::Kind::Grid:
                parts << QStringLiteral("%1: %2 values").arg(visibleText(axis.key)).arg(axis.values.size());
                break;
            case SweepAxis::Kind::Choice:
                parts << QStringLiteral("%1: one of %2").arg(visibleText(axis.key)).arg(axis.values.size());
                break;
            case SweepAxis::Kind::Uniform:
            case SweepAxis::Kind::LogUniform:
                parts << QStringLiteral("%1: %2 in [%3, %4]")
                             .arg(visibleText(axis.key),
                                 axis.kind == SweepAxis::Kind::Uniform ? QStringLiteral("uniform")
                                                                       : QStringLiteral("loguniform"))
                             .arg(axis.low)
                             .arg(axis.high);
                break;
            }
        }
        QString out = parts.join(QStringLiteral("; "));
        if (spec.hasRandom())
            out += QStringLiteral("; %1 draws per grid point, seed %2").arg(spec.samples).arg(spec.seed);
        return out;
    }

} // namespace

int runSweep(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Reruns a recorded run over a grid of param values (--grid, their Cartesian product) and/or values\n"
        "drawn at random (--random, --samples draws per grid point, reproducible from --seed). Every member\n"
        "is a normal rerun of the run (its parent), at its recorded code version, tagged sweep.id and\n"
        "sweep.index. Without --wait the sweep runs in the background and its id is printed; with --wait it\n"
        "runs here and each member is reported as it ends (Ctrl+C cancels: queued members never start,\n"
        "running ones are recorded as killed). Sweeps over 1,000 members need --yes."));
    addDatabaseOption(parser);
    parser.addOption({ QStringLiteral("grid"),
        QStringLiteral("Sweep a param over values: KEY=V1,V2,... (repeatable; the product of all grids)."),
        QStringLiteral("KEY=V1,V2") });
    parser.addOption({ QStringLiteral("random"),
        QStringLiteral("Draw a param: KEY=uniform:A:B, KEY=loguniform:A:B or KEY=choice:V1,V2,... (repeatable)."),
        QStringLiteral("KEY=DIST") });
    parser.addOption({ QStringLiteral("samples"),
        QStringLiteral("Draws of the --random params per grid point (default %1).").arg(kDefaultSweepSamples),
        QStringLiteral("N") });
    parser.addOption(
        { QStringLiteral("seed"), QStringLiteral("Seed of the random draws (default 0)."), QStringLiteral("S") });
    parser.addOption({ QStringLiteral("parallel"),
        QStringLiteral("Members running at once (default 1), each in its own worktree when one is needed."),
        QStringLiteral("J") });
    parser.addOption({ QStringLiteral("set"), QStringLiteral("Edit a param for every member: k=v (repeatable)."),
        QStringLiteral("k=v") });
    parser.addOption(
        { QStringLiteral("at-commit"), QStringLiteral("Always run the recorded commit in a temporary worktree.") });
    parser.addOption(
        { QStringLiteral("in-place"), QStringLiteral("Run the current working tree, whatever commit it is at.") });
    parser.addOption({ QStringLiteral("cwd"), QStringLiteral("Run in DIR instead of the recorded working dir."),
        QStringLiteral("DIR") });
    parser.addOption({ QStringLiteral("into"),
        QStringLiteral("Record the members in this database (default: the run's own, which must be writable)."),
        QStringLiteral("PATH") });
    parser.addOption({ QStringLiteral("wait"), QStringLiteral("Run in the foreground until every member ended.") });
    parser.addOption(
        { QStringLiteral("dry-run"), QStringLiteral("List the members and check the draft; run nothing.") });
    parser.addOption({ QStringLiteral("allow-env"),
        QStringLiteral("Apply this recorded environment override although the database is untrusted (repeatable)."),
        QStringLiteral("NAME") });
    parser.addOption({ QStringLiteral("yes"),
        QStringLiteral("Confirm without asking: a sweep over 1,000 members, or one from an untrusted database.") });
    parser.addOption({ QStringLiteral("json"), QStringLiteral("One JSON document on stdout.") });
    parser.addOption(
        { QStringLiteral("sweep-id"), QStringLiteral("Use this sweep id (12 hex digits)."), QStringLiteral("ID") });
    parser.addPositionalArgument(QStringLiteral("RUN"), QStringLiteral("The run to sweep around (id or prefix)."));
    int exitCode = Ok;
    if (!parseArguments(parser, QStringLiteral("sweep"), args, exitCode))
        return exitCode;
    const auto usage = [](const QString& message, const QString& hint = {}) {
        printError(QStringLiteral("sweep: ") + message, hint);
        return int(Usage);
    };
    if (parser.positionalArguments().size() != 1)
        return usage(QStringLiteral("expected one run"),
            QStringLiteral("reprise sweep RUN --grid KEY=V1,V2,... [--random KEY=uniform:A:B --samples N] [--wait]"));
    if (parser.isSet(QStringLiteral("at-commit")) && parser.isSet(QStringLiteral("in-place")))
        return usage(QStringLiteral("--at-commit and --in-place exclude each other"));
    bool ok = true;
    int samples = -1;
    if (parser.isSet(QStringLiteral("samples"))) {
        samples = parser.value(QStringLiteral("samples")).toInt(&ok);
        if (!ok || samples < 0)
            return usage(QStringLiteral("--samples '") + parser.value(QStringLiteral("samples"))
                    + QStringLiteral("': expected a whole number of draws"),
                QStringLiteral("e.g. --samples 20"));
    }
    quint64 seed = 0;
    if (parser.isSet(QStringLiteral("seed"))) {
        seed = parser.value(QStringLiteral("seed")).toULongLong(&ok);
        if (!ok)
            return usage(QStringLiteral("--seed '") + parser.value(QStringLiteral("seed"))
                    + QStringLiteral("': expected a non-negative whole number"),
                QStringLiteral("e.g. --seed 7"));
    }
    int parallel = 1;
    if (parser.isSet(QStringLiteral("parallel"))) {
        parallel = parser.value(QStringLiteral("parallel")).toInt(&ok);
        if (!ok || parallel < 1 || parallel > 64)
            return usage(QStringLiteral("--parallel '") + parser.value(QStringLiteral("parallel"))
                    + QStringLiteral("': expected 1 to 64 members at once"),
                QStringLiteral("e.g. --parallel 2"));
    }
    QString sweepId = parser.value(QStringLiteral("sweep-id"));
    static const QRegularExpression idPattern(QStringLiteral("^[0-9a-f]{12}$"));
    if (!sweepId.isEmpty() && !idPattern.match(sweepId).hasMatch())
        return usage(QStringLiteral("--sweep-id '") + sweepId + QStringLiteral("': expected 12 lowercase hex digits"));
    auto spec
        = parseSweepSpec(parser.values(QStringLiteral("grid")), parser.values(QStringLiteral("random")), samples, seed);
    if (!spec)
        return usage(spec.error().message, spec.error().hint);
    const bool json = parser.isSet(QStringLiteral("json"));
    const bool yes = parser.isSet(QStringLiteral("yes"));

    // The base draft, exactly as `reprise rerun` builds it.
    const QString source = QFileInfo(databasePath(parser)).absoluteFilePath();
    auto store = openForReading(source);
    if (!store) {
        printError(store.error());
        return Failure;
    }
    auto original = store->loadRun(parser.positionalArguments().first());
    if (!original) {
        printError(original.error().message,
            original.error().hint.isEmpty() ? QStringLiteral("list the runs with `reprise ls --db ") + source + u'`'
                                            : original.error().hint);
        return Failure;
    }
    SweepPlan plan;
    plan.id = sweepId.isEmpty() ? newSweepId() : sweepId;
    plan.spec = *spec;
    RerunDraft& draft = plan.base;
    draft = makeRerunDraft(*original, source);
    QString trustReason;
    const QFileInfo sourceInfo(source);
    const bool writable = sourceInfo.isWritable() && QFileInfo(sourceInfo.absolutePath()).isWritable();
    setTrust(draft, isUntrustedSource(source, !writable, &trustReason), trustReason);
    for (const QString& name : parser.values(QStringLiteral("allow-env"))) {
        if (!draft.environment.contains(name))
            return usage(QStringLiteral("--allow-env ") + visibleText(name)
                    + QStringLiteral(": the run recorded no such environment override"),
                QStringLiteral("the recorded overrides are listed by `reprise sweep RUN ... --dry-run`"));
        draft.heldBack.remove(name);
    }
    if (parser.isSet(QStringLiteral("into")))
        draft.target = QFileInfo(parser.value(QStringLiteral("into"))).absoluteFilePath();
    else if (!writable) {
        printError(source + QStringLiteral(": read-only, so the sweep's reruns cannot be recorded there"),
            QStringLiteral("record them in your own database: --into ~/.local/share/reprise/runs.db"));
        return Failure;
    }
    for (const QString& assignment : parser.values(QStringLiteral("set")))
        if (auto st = applyParamEdit(draft, assignment); !st)
            return usage(st.error().message, st.error().hint);
    if (parser.isSet(QStringLiteral("at-commit")))
        draft.mode = CodeMode::AtCommit;
    if (parser.isSet(QStringLiteral("in-place")))
        draft.mode = CodeMode::InPlace;
    if (parser.isSet(QStringLiteral("cwd"))) {
        const QString dir = parser.value(QStringLiteral("cwd"));
        if (!QFileInfo(dir).isDir())
            return usage(QStringLiteral("--cwd '") + dir + QStringLiteral("': no such directory"));
        chooseWorkingDir(draft, dir);
    }
    auto members = expandSweep(plan.spec, draft);
    if (!members)
        return usage(members.error().message, members.error().hint);
    plan.members = *members;

    // Checked once: the members differ from the base in params only.
    const QList<DraftProblem> problems = checkRerunDraft(draft);
    QJsonArray memberList;
    for (int i = 0; i < plan.members.size(); ++i)
        memberList.append(memberJson(plan, i));
    QJsonArray swept;
    for (const SweepAxis& axis : plan.spec.axes)
        swept.append(axis.key);
    QJsonObject result { { QStringLiteral("sweep"),
                             QJsonObject { { QStringLiteral("id"), plan.id },
                                 { QStringLiteral("size"), int(plan.members.size()) },
                                 { QStringLiteral("params"), swept }, { QStringLiteral("samples"), plan.spec.samples },
                                 { QStringLiteral("seed"), QString::number(plan.spec.seed) },
                                 { QStringLiteral("parallel"), parallel } } },
        { QStringLiteral("draft"), draftJson(draft) } };
    const bool dryRun = parser.isSet(QStringLiteral("dry-run"));
    if (!json) {
        printOut(draftText(draft, draft.untrusted && !yes));
        printOut(QStringLiteral("Sweep %1: %2 members (%3), %4 at a time\n")
                     .arg(plan.id)
                     .arg(plan.members.size())
                     .arg(axesSummary(plan.spec))
                     .arg(parallel));
        printOut(membersText(plan, dryRun ? plan.members.size() : 20));
    }
    if (parallel > 1 && !draft.runsInWorktree() && !json)
        printError(QStringLiteral("sweep: warning: the members run in place, so %1 at once share the working dir %2")
                       .arg(parallel)
                       .arg(visibleText(draft.workingDir)),
            QStringLiteral("a program that writes files there may mix its members' files up; --at-commit gives each "
                           "member a worktree of its own"));
    if (!problems.isEmpty()) {
        for (const DraftProblem& p : problems)
            printError(visibleText(p.message), p.hint);
        if (json) {
            QJsonArray list;
            for (const DraftProblem& p : problems)
                list.append(
                    QJsonObject { { QStringLiteral("message"), p.message }, { QStringLiteral("hint"), p.hint } });
            result.insert(QStringLiteral("problems"), list);
            result.insert(QStringLiteral("members"), memberList);
            printJson(QJsonDocument(result));
        }
        return Failure;
    }
    if (dryRun) {
        if (json) {
            result.insert(QStringLiteral("members"), memberList);
            printJson(QJsonDocument(result));
        } else if (plan.members.size() > kSweepConfirmAbove) {
            printOut(QStringLiteral("(over %1 members: running it needs --yes)\n").arg(kSweepConfirmAbove));
        }
        return Ok;
    }
    if (plan.members.size() > kSweepConfirmAbove && !yes && !confirmOnTerminal("Queue this many reruns? [y/N] ")) {
        printError(QStringLiteral("sweep: not confirmed: %1 members is over %2")
                       .arg(plan.members.size())
                       .arg(kSweepConfirmAbove),
            QStringLiteral("narrow the grid or lower --samples, or confirm with --yes"));
        return Failure;
    }
    if (draft.untrusted && !yes && !confirmOnTerminal()) {
        printError(QStringLiteral("sweep: not confirmed: ") + visibleText(source) + QStringLiteral(" is untrusted (")
                + visibleText(draft.trustReason) + u')',
            QStringLiteral("read the command, working dir, environment and patch above, then confirm with --yes"));
        return Failure;
    }

    if (!parser.isSet(QStringLiteral("wait"))) {
        // In the background: this same command with --wait, detached, under the printed sweep id.
        QStringList childArgs { QStringLiteral("sweep"), draft.originalId, QStringLiteral("--db"), source,
            QStringLiteral("--into"), draft.target, QStringLiteral("--wait"), QStringLiteral("--yes"),
            QStringLiteral("--sweep-id"), plan.id, QStringLiteral("--parallel"), QString::number(parallel),
            QStringLiteral("--seed"), QString::number(seed) };
        for (const char* option : { "grid", "random", "set", "allow-env" })
            for (const QString& value : parser.values(QString::fromLatin1(option)))
                childArgs << QStringLiteral("--") + QString::fromLatin1(option) << value;
        if (samples >= 0)
            childArgs << QStringLiteral("--samples") << QString::number(samples);
        for (const char* flag : { "at-commit", "in-place" })
            if (parser.isSet(QString::fromLatin1(flag)))
                childArgs << QStringLiteral("--") + QString::fromLatin1(flag);
        if (parser.isSet(QStringLiteral("cwd")))
            childArgs << QStringLiteral("--cwd") << QDir(parser.value(QStringLiteral("cwd"))).absolutePath();
        qint64 pid = 0;
        if (const QString why = startInBackground(childArgs, &pid); !why.isEmpty()) {
            printError(QStringLiteral("sweep: cannot start in the background: ") + why,
                QStringLiteral("run it in the foreground with --wait"));
            return Failure;
        }
        if (json) {
            result.insert(QStringLiteral("status"), QStringLiteral("started"));
            result.insert(QStringLiteral("pid"), pid);
            result.insert(QStringLiteral("members"), memberList);
            printJson(QJsonDocument(result));
        } else {
            printOut(QStringLiteral("sweep %1 started in the background (pid %2): %3 members\n"
                                    "  follow it:   reprise ls --filter 'tag.sweep.id = %1'\n"
                                    "  cancel it:   kill %2   (queued members never start; running ones are "
                                    "recorded killed)\n"
                                    "  which params matter: reprise importance --sweep %1 --metric KEY\n")
                         .arg(plan.id)
                         .arg(pid)
                         .arg(plan.members.size()));
        }
        return Ok;
    }

    // In the foreground: every member through the rerun queues, reported as it ends.
    SweepRunner runner(plan, parallel);
    QEventLoop loop;
    int ended = 0;
    QObject::connect(&runner, &SweepRunner::memberChanged, &loop, [&](int index) {
        const SweepMemberState& state = runner.member(index);
        if (!state.isFinal() || json)
            return;
        ++ended;
        QString line = QStringLiteral("[%1/%2] #%3 %4: %5")
                           .arg(ended)
                           .arg(plan.members.size())
                           .arg(index)
                           .arg(visibleText(memberText(plan.spec, plan.members[index])), toString(state.state));
        if (!state.runId.isEmpty())
            line += QStringLiteral(", run ") + state.runId.left(8) + QStringLiteral(" (") + toString(state.status)
                + QStringLiteral(", ") + secondsText(state.endedAt - state.startedAt) + u')';
        if (state.state == SweepMemberState::State::Failed && !state.error.isEmpty())
            line += QStringLiteral(": ") + visibleText(state.error);
        printOut(line + u'\n');
    });
    QObject::connect(&runner, &SweepRunner::finished, &loop, &QEventLoop::quit);
    const StopSignals stopSignals;
    g_stopSignal = 0;
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (g_stopSignal != 0 && !runner.isCancelling()) {
            printError(QStringLiteral("sweep %1: cancelling (%2)").arg(plan.id, runner.counts().text()),
                QStringLiteral("running members get SIGTERM and are recorded killed; queued ones never start"));
            runner.cancel();
        }
    });
    poll.start(100);
    if (!json)
        printOut(QStringLiteral("sweep %1: running %2 members, %3 at a time\n")
                     .arg(plan.id)
                     .arg(plan.members.size())
                     .arg(runner.parallel()));
    std::fflush(stdout);
    runner.start();
    if (!runner.isFinished())
        loop.exec();
    poll.stop();

    const SweepCounts counts = runner.counts();
    if (json) {
        QJsonArray list;
        for (int i = 0; i < plan.members.size(); ++i) {
            QJsonObject member = memberJson(plan, i);
            const SweepMemberState& state = runner.member(i);
            member.insert(QStringLiteral("state"), toString(state.state));
            member.insert(QStringLiteral("run"), state.runId.isEmpty() ? QJsonValue() : QJsonValue(state.runId));
            if (!state.runId.isEmpty()) {
                member.insert(QStringLiteral("status"), toString(state.status));
                member.insert(QStringLiteral("exit_code"), state.exitCode);
            }
            if (!state.error.isEmpty())
                member.insert(QStringLiteral("error"), state.error);
            list.append(member);
        }
        result.insert(QStringLiteral("members"), list);
        result.insert(QStringLiteral("counts"),
            QJsonObject { { QStringLiteral("done"), counts.done }, { QStringLiteral("failed"), counts.failed },
                { QStringLiteral("cancelled"), counts.cancelled } });
        result.insert(QStringLiteral("cancelled"), runner.isCancelling());
        printJson(QJsonDocument(result));
    } else {
        printOut(QStringLiteral("sweep %1: %2\n  its runs: reprise ls --filter 'tag.sweep.id = %1'\n"
                                "  which params matter: reprise importance --sweep %1 --metric KEY\n")
                     .arg(plan.id, counts.text()));
    }
    if (runner.isCancelling()) {
        printError(QStringLiteral("sweep %1: cancelled (%2)").arg(plan.id, counts.text()));
        return Failure;
    }
    if (counts.failed > 0) {
        printError(
            QStringLiteral("sweep %1: %2 of %3 members failed").arg(plan.id).arg(counts.failed).arg(counts.total()),
            QStringLiteral("see a failed member's output: reprise show RUN"));
        return Failure;
    }
    return Ok;
}

} // namespace reprise::cli
