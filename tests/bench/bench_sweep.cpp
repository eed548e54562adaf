#include "bench_sweep.h"

#include "bench_data.h"
#include "launch/git_info.h"
#include "launch/rerun_draft.h"
#include "stats/importance.h"
#include "store/run_store.h"
#include "store/run_table.h"
#include "sweep/sweep_plan.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>
#include <algorithm>
#include <cstdio>
#include <numeric>
#include <vector>

using namespace reprise;

namespace {

void say(const char* bench, const char* metric, double value, const char* unit)
{
    std::printf(
        "{\"bench\": \"%s\", \"metric\": \"%s\", \"value\": %.6g, \"unit\": \"%s\"}\n", bench, metric, value, unit);
    std::fflush(stdout);
}

[[noreturn]] void stop(const QString& what)
{
    std::fprintf(stderr, "reprise-bench: %s\n", qPrintable(what));
    std::exit(1);
}

template <typename T> T need(Result<T> r)
{
    if (!r)
        stop(r.error().message);
    return std::move(*r);
}

double medianOf(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

void git(const QString& dir, const QStringList& args)
{
    QProcess p;
    p.setWorkingDirectory(dir);
    p.start(QStringLiteral("git"), args);
    if (!p.waitForFinished(60000) || p.exitCode() != 0)
        stop(QStringLiteral("git %1 failed").arg(args.join(u' ')));
}

} // namespace

void sweepBench()
{
    QTemporaryDir dir;
    const QString repo = dir.filePath(QStringLiteral("repo"));
    QDir().mkpath(repo + QStringLiteral("/src"));
    git(repo, { QStringLiteral("init"), QStringLiteral("-q") });
    git(repo, { QStringLiteral("config"), QStringLiteral("user.email"), QStringLiteral("b@example.org") });
    git(repo, { QStringLiteral("config"), QStringLiteral("user.name"), QStringLiteral("Bench") });
    for (int i = 0; i < 200; ++i) {
        QFile f(repo + QStringLiteral("/src/module_%1.py").arg(i));
        f.open(QIODevice::WriteOnly);
        for (int line = 0; line < 200; ++line)
            f.write(QStringLiteral("value_%1 = %2\n").arg(line).arg(i * line).toUtf8());
    }
    git(repo, { QStringLiteral("add"), QStringLiteral("-A") });
    git(repo, { QStringLiteral("commit"), QStringLiteral("-qm"), QStringLiteral("one") });
    for (int i = 0; i < 40; ++i) {
        QFile f(repo + QStringLiteral("/src/module_%1.py").arg(i));
        f.open(QIODevice::Append);
        f.write("changed = True\n");
    }
    const CodeVersion code = captureCodeVersion(repo);
    git(repo, { QStringLiteral("commit"), QStringLiteral("-qam"), QStringLiteral("two") });

    const QString path = dir.filePath(QStringLiteral("runs.db"));
    RunStore store = need(RunStore::open(path, OpenMode::Create));
    NewRun run;
    run.name = QStringLiteral("train");
    run.launch.argv = QStringList { QStringLiteral("/usr/bin/python3"), QStringLiteral("train.py") };
    run.launch.workingDir = repo;
    run.code = code;
    for (int i = 0; i < 30; ++i)
        run.params.insert(QStringLiteral("param_%1").arg(i), ParamValue::infer(QString::number(i * 0.5)));
    const RunRef ref = need(store.createRun(run));

    std::vector<double> totalMs, expandMs;
    for (int round = 0; round < 7; ++round) {
        QElapsedTimer t;
        t.start();
        RunStore reader = need(RunStore::open(path, OpenMode::ReadOnly));
        SweepPlan plan;
        plan.id = newSweepId();
        plan.base = makeRerunDraft(need(reader.loadRun(ref)), path);
        plan.base.untrusted = isUntrustedSource(path, false, &plan.base.trustReason);
        const QList<DraftProblem> problems = checkRerunDraft(plan.base);
        if (!problems.isEmpty() || !plan.base.runsInWorktree())
            stop(QStringLiteral("the draft has problems: ") + problems.value(0).message);
        QElapsedTimer e;
        e.start();
        plan.spec = need(parseSweepSpec(
            { QStringLiteral("param_1=0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0"),
                QStringLiteral("param_2=1,2,3,4,5,6,7,8,9,10"), QStringLiteral("param_3=0,1,2,3,4,5,6,7,8,9") },
            {}));
        plan.members = need(expandSweep(plan.spec, plan.base));
        qsizetype edited = 0;
        for (int i = 0; i < plan.members.size(); ++i)
            edited += plan.memberDraft(i).editedParams().size();
        expandMs.push_back(double(e.nsecsElapsed()) / 1e6);
        totalMs.push_back(double(t.nsecsElapsed()) / 1e6);
        if (plan.members.size() != 1000 || edited < 1000)
            stop(QStringLiteral("expected 1000 members, got %1").arg(plan.members.size()));
    }
    say("sweep_1000", "draft_check_and_expand", medianOf(totalMs), "ms");
    say("sweep_1000", "expand_and_member_drafts", medianOf(expandMs), "ms");
}

void importanceBench()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("runs.db"));
    if (auto st = bench::writeWideDatabase(path, 10000, 20, 1); !st)
        stop(st.error().message);
    std::vector<double> loadMs, computeMs, totalMs;
    ImportanceResult last;
    for (int round = 0; round < 5; ++round) {
        QElapsedTimer t;
        t.start();
        RunStore store = need(RunStore::open(path, OpenMode::ReadOnly));
        RunTableColumns columns;
        columns.allMetrics = false;
        columns.allTags = false;
        columns.metrics << QStringLiteral("metric_0");
        const RunTable table = need(loadRunTable(store.database(), columns));
        loadMs.push_back(double(t.nsecsElapsed()) / 1e6);
        QElapsedTimer c;
        c.start();
        std::vector<std::int32_t> rows(table.rowCount());
        std::iota(rows.begin(), rows.end(), 0);
        last = need(paramImportance(table, rows, QStringLiteral("metric_0")));
        computeMs.push_back(double(c.nsecsElapsed()) / 1e6);
        totalMs.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    if (last.params.size() != 20 || last.forestRuns != 10000)
        stop(QStringLiteral("importance covered %1 params over %2 runs").arg(last.params.size()).arg(last.forestRuns));
    say("importance_10k_x20", "threads", QThread::idealThreadCount(), "ratio");
    say("importance_10k_x20", "load_run_table", medianOf(loadMs), "ms");
    say("importance_10k_x20", "spearman_and_forest", medianOf(computeMs), "ms");
    say("importance_10k_x20", "total", medianOf(totalMs), "ms");
}
