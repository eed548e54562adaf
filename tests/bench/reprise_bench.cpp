// reprise-bench: the speed targets of the issues, each on data generated here, printed as JSON lines
// {"bench": ..., "metric": ..., "value": ..., "unit": ...}. Not a test: nothing is asserted.

#include "analysis/decimation.h"
#include "analysis/drift.h"
#include "analysis/pipeline_graph.h"
#include "analysis/reproduction_report.h"
#include "bench_browser_1m.h"
#include "bench_compare_scale.h"
#include "bench_data.h"
#include "bench_demo.h"
#include "bench_report.h"
#include "bench_sweep.h"
#include "charts/metric_chart.h"
#include "compare/compare_view.h"
#include "dag/dag_scene.h"
#include "dag/dag_view.h"
#include "import/source_import.h"
#include "import/tensorboard_events.h"
#include "launch/git_info.h"
#include "launch/rerun_draft.h"
#include "main_window.h"
#include "rerun/rerun_dialog.h"
#include "run_filter_proxy.h"
#include "run_table_model.h"
#include "runs/run_browser.h"
#include "store/run_store.h"
#include "store/run_table.h"
#include "store/run_table_union.h"
#include "team_bench.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QGraphicsView>
#include <QLineEdit>
#include <QProcess>
#include <QScrollBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QtConcurrent>
#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <thread>
#include <vector>

using namespace reprise;

namespace {

using bench::check;
using bench::fail;
using bench::median;
using bench::memoryMb;
using bench::report;

/// Reading one 1,000,000-point history through the store vs a bare sqlite3_step loop.
void metricRead()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("read.db"));
    RunStore store = check(RunStore::open(path, OpenMode::Create));
    const RunRef ref = check(store.createRun(NewRun {}));
    const size_t n = 1000000;
    std::vector<qint64> steps(n);
    std::vector<double> values(n), times(n);
    for (size_t i = 0; i < n; ++i) {
        steps[i] = qint64(i);
        values[i] = 1.0 / double(i + 1);
        times[i] = 1.7e9 + double(i) * 0.01;
    }
    check(store.logMetric(ref.rowId, QStringLiteral("loss"), steps, values, times));

    std::vector<double> bare, viaStore;
    for (int round = 0; round < 7; ++round) {
        QElapsedTimer t;
        t.start();
        auto s = check(store.database().prepare(
            "SELECT step, value, time FROM metrics WHERE run_id = ? AND key_id = 1 ORDER BY step, seq"));
        s.bind(1, ref.rowId);
        double sum = 0;
        size_t rows = 0;
        while (s.step() == SQLITE_ROW) {
            sum += double(s.int64(0)) + s.real(1) + s.real(2);
            ++rows;
        }
        bare.push_back(double(t.nsecsElapsed()) / 1e6);
        if (rows != n || sum == 0)
            fail(QStringLiteral("bare loop read %1 rows").arg(rows));
        t.restart();
        const MetricHistory h = check(store.loadMetric(ref, QStringLiteral("loss")));
        viaStore.push_back(double(t.nsecsElapsed()) / 1e6);
        if (h.size() != n)
            fail(QStringLiteral("store read %1 points").arg(h.size()));
    }
    const double bareMs = median(bare), storeMs = median(viaStore);
    report("metric_read_1m", "bare_sqlite_step_loop", bareMs, "ms");
    report("metric_read_1m", "store_load_metric", storeMs, "ms");
    report("metric_read_1m", "store_speed_vs_bare", bareMs / storeMs, "ratio");

    // Finishing the run packs the history into one row; reading it back is then a copy.
    // (On a connection of its own, whose write statistics are those of finishing alone.)
    RunStore finisher = check(RunStore::open(path, OpenMode::ReadWrite));
    QElapsedTimer t;
    t.start();
    check(finisher.finishRun(ref.rowId, RunStatus::Finished, 0, 1.8e9));
    report("metric_read_1m", "finish_and_pack", double(t.nsecsElapsed()) / 1e6, "ms");
    // Packing goes in short transactions: the longest one is what a writer meanwhile may wait.
    report("metric_read_1m", "finish_and_pack_longest_lock_hold",
        double(finisher.database().writeStats().longestNs) / 1e6, "ms");
    std::vector<double> packed;
    for (int round = 0; round < 7; ++round) {
        t.restart();
        const MetricHistory h = check(store.loadMetric(ref, QStringLiteral("loss")));
        packed.push_back(double(t.nsecsElapsed()) / 1e6);
        if (h.size() != n)
            fail(QStringLiteral("packed read %1 points").arg(h.size()));
    }
    report("metric_read_1m", "store_load_metric_packed", median(packed), "ms");
}

/// One run logging 1,000,000 points in batches of 10,000.
void ingestSingle()
{
    QTemporaryDir dir;
    RunStore store = check(RunStore::open(dir.filePath(QStringLiteral("ingest.db")), OpenMode::Create));
    const RunRef ref = check(store.createRun(NewRun {}));
    const size_t batch = 10000, batches = 100;
    std::vector<qint64> steps(batch);
    std::vector<double> values(batch, 0.5), times(batch, 1.7e9);
    QElapsedTimer t;
    t.start();
    for (size_t b = 0; b < batches; ++b) {
        for (size_t i = 0; i < batch; ++i)
            steps[i] = qint64(b * batch + i);
        check(store.logMetric(ref.rowId, QStringLiteral("loss"), steps, values, times));
    }
    report(
        "ingest_one_run", "points_per_s", double(batch * batches) / (double(t.nsecsElapsed()) / 1e9), "points_per_s");
}

/// 100 runs logging at once, each from its own thread and connection, batches of 1,000 points.
void ingestConcurrent()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("concurrent.db"));
    check(RunStore::open(path, OpenMode::Create));
    const int runs = 100, batches = 20, batch = 1000;
    QElapsedTimer t;
    t.start();
    std::vector<std::thread> threads;
    std::atomic<int> failures { 0 };
    for (int r = 0; r < runs; ++r) {
        threads.emplace_back([&, r] {
            auto store = RunStore::open(path, OpenMode::ReadWrite, { 60000 });
            if (!store) {
                ++failures;
                return;
            }
            auto ref = store->createRun(NewRun {});
            if (!ref) {
                ++failures;
                return;
            }
            std::vector<qint64> steps(batch);
            std::vector<double> values(static_cast<size_t>(batch), double(r));
            std::vector<double> times(static_cast<size_t>(batch), 1.7e9);
            for (int b = 0; b < batches; ++b) {
                for (int i = 0; i < batch; ++i)
                    steps[size_t(i)] = qint64(b * batch + i);
                if (!store->logMetric(ref->rowId, QStringLiteral("loss"), steps, values, times))
                    ++failures;
            }
        });
    }
    for (auto& th : threads)
        th.join();
    if (failures)
        fail(QStringLiteral("%1 concurrent writes failed").arg(failures.load()));
    report("ingest_100_runs", "points_per_s", double(runs * batches * batch) / (double(t.nsecsElapsed()) / 1e9),
        "points_per_s");
}

/// The Python client: one run, 1,000,000 log_metric calls, flushed.
void pythonClient()
{
    QTemporaryDir dir;
    QProcess p;
    p.start(QStringLiteral(REPRISE_PYTHON),
        { QStringLiteral(REPRISE_BENCH_DIR "/python_ingest.py"), QStringLiteral(REPRISE_CLIENT_DIR),
            dir.filePath(QStringLiteral("py.db")), QStringLiteral("1000000") });
    if (!p.waitForFinished(600000) || p.exitCode() != 0)
        fail(QStringLiteral("python client bench failed: ") + QString::fromUtf8(p.readAllStandardError()));
    // points/s logging, seconds finish() takes (packing included), another writer's longest wait meanwhile.
    const QList<QByteArray> figures = p.readAllStandardOutput().trimmed().split(' ');
    if (figures.size() != 3)
        fail(QStringLiteral("python client bench printed no figures"));
    report("python_client", "points_per_s", figures[0].toDouble(), "points_per_s");
    report("python_client_finish_1m", "wall_time", figures[1].toDouble() * 1000, "ms");
    report("python_client_finish_1m_writer_wait", "max_wait", figures[2].toDouble(), "ms");
}

/// `reprise ls --filter` over 100,000 runs × 20 params × 10 metrics, as a user runs it (whole process).
void listFilter()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("wide.db"));
    check(bench::writeWideDatabase(path, 100000, 20, 10));
    const QStringList filters { QStringLiteral("param_0 < 0.01 and status = finished"),
        QStringLiteral("metric.metric_3 >= 0.5 and param_4 = choice-3 or name ~ \"run-99\"") };
    const char* names[] = { "ls_filter_100k_params", "ls_filter_100k_metrics_regex" };
    for (qsizetype f = 0; f < filters.size(); ++f) {
        std::vector<double> times;
        for (int round = 0; round < 5; ++round) {
            QProcess p;
            p.setStandardOutputFile(QProcess::nullDevice());
            QElapsedTimer t;
            t.start();
            p.start(QStringLiteral(REPRISE_BIN),
                { QStringLiteral("ls"), QStringLiteral("--db"), path, QStringLiteral("--filter"), filters[f] });
            if (!p.waitForFinished(120000) || p.exitCode() != 0)
                fail(QStringLiteral("ls failed: ") + QString::fromUtf8(p.readAllStandardError()));
            times.push_back(double(t.nsecsElapsed()) / 1e6);
        }
        report(names[f], "wall_time", median(times), "ms");
    }
}

/// The run browser's snapshot of 100,000 runs × 20 params × 10 metrics: load time and memory.
void runTableLoad()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("wide.db"));
    check(bench::writeWideDatabase(path, 100000, 20, 10));
    std::vector<double> times;
    double memory = 0;
    for (int round = 0; round < 3; ++round) {
        RunStore store = check(RunStore::open(path, OpenMode::ReadOnly));
        const double before = memoryMb().second;
        QElapsedTimer t;
        t.start();
        RunTable table = check(loadRunTable(store.database()));
        times.push_back(double(t.nsecsElapsed()) / 1e6);
        memory = memoryMb().second - before;
        if (table.rowCount() != 100000 || table.params.size() != 20 || table.metrics.size() != 10)
            fail(QStringLiteral("wide table has the wrong shape"));
    }
    report("run_table_load_100k", "load", median(times), "ms");
    report("run_table_load_100k", "snapshot_memory", memory, "MB");
}

/// `base` with `count` newer runs in front (the loader's order: newest first), as a new load would
/// give it: every string freshly allocated, new runs copying the values of existing ones.
std::shared_ptr<const RunTable> withNewerRuns(const RunTable& base, int count)
{
    auto t = std::make_shared<RunTable>();
    const size_t n = base.rowCount(), added = size_t(count);
    auto copy = [](const QString& s) { return QString(s.constData(), s.size()); };
    auto text = [&](const TextColumn& from, TextColumn& to) {
        for (const QString& s : from.dict)
            to.dict << copy(s);
        to.sortRanks = from.sortRanks;
        to.codes.reserve(added + n);
        for (size_t i = 0; i < added; ++i)
            to.codes.push_back(from.codes[i % n]);
        to.codes.insert(to.codes.end(), from.codes.begin(), from.codes.end());
    };
    auto prepend = [&](const auto& from, auto& to) {
        to.reserve(added + n);
        for (size_t i = 0; i < added; ++i)
            to.push_back(from[i % n]);
        to.insert(to.end(), from.begin(), from.end());
    };
    for (size_t i = 0; i < added; ++i)
        t->uuids.push_back(QStringLiteral("%1").arg(quint64(0xfeed0000ULL + i), 32, 16, QLatin1Char('0')));
    for (const QString& id : base.uuids)
        t->uuids.push_back(copy(id));
    text(base.projects, t->projects);
    text(base.names, t->names);
    for (size_t i = 0; i < added; ++i) {
        t->names.codes[i] = std::int32_t(t->names.dict.size());
        t->names.dict << QStringLiteral("new-run-%1").arg(i);
    }
    t->names.sortRanks.clear();
    t->names.computeSortRanks();
    text(base.statuses, t->statuses);
    text(base.kinds, t->kinds);
    text(base.users, t->users);
    text(base.hosts, t->hosts);
    text(base.commits, t->commits);
    text(base.branches, t->branches);
    text(base.parents, t->parents);
    for (size_t i = 0; i < added; ++i) {
        t->startTimes.push_back(base.startTimes[0] + double(added - i) * 60.0);
        t->endTimes.push_back(t->startTimes.back() + 100.0);
    }
    t->startTimes.insert(t->startTimes.end(), base.startTimes.begin(), base.startTimes.end());
    t->endTimes.insert(t->endTimes.end(), base.endTimes.begin(), base.endTimes.end());
    prepend(base.dirty, t->dirty);
    prepend(base.starred, t->starred);
    prepend(base.archived, t->archived);
    auto values = [&](const std::vector<ValueColumn>& from, std::vector<ValueColumn>& to) {
        for (const ValueColumn& c : from) {
            ValueColumn v;
            v.key = copy(c.key);
            text(c.text, v.text);
            v.dictNumbers = c.dictNumbers;
            to.push_back(std::move(v));
        }
    };
    values(base.params, t->params);
    values(base.tags, t->tags);
    for (const NumberColumn& c : base.metrics) {
        NumberColumn m;
        m.key = copy(c.key);
        prepend(c.values, m.values);
        prepend(c.present, m.present);
        t->metrics.push_back(std::move(m));
    }
    return t;
}

/// The main window on 100,000 runs × 20 params × 10 metrics: open to painted, a filter keystroke,
/// sorting by each kind of column, and the process's peak memory.
void runBrowser()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("wide.db"));
    check(bench::writeWideDatabase(path, 100000, 20, 10));
    measureRunBrowser("run_browser_100k", path, 100000, "");
}

} // namespace

void measureRunBrowser(const char* bench, const QString& path, int runs, const char* suffix)
{
    auto report = [&](const char*, const char* metric, double value, const char* unit) {
        ::report(bench, qPrintable(QLatin1String(metric) + QLatin1String(suffix)), value, unit);
    };
    const double baseline = memoryMb().second;

    QElapsedTimer t;
    t.start();
    MainWindow window({ path });
    // REPRISE_BENCH_WHOLE: every table read whole before it is shown, as before issue 22 (to compare).
    if (qEnvironmentVariableIsSet("REPRISE_BENCH_WHOLE"))
        window.setOpeningInParts(std::numeric_limits<qint64>::max(), 0);
    window.resize(1400, 900);
    window.show();
    bool shown = false, loaded = false;
    QObject::connect(&window, &MainWindow::runsShown, [&] { shown = true; });
    QObject::connect(&window, &MainWindow::runsLoaded, [&] { loaded = true; });
    while (!shown)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    window.repaint();
    RunBrowser* browser = window.runBrowser();
    if (browser->proxy()->rowCount() == 0)
        fail(QStringLiteral("the browser painted no runs first"));
    // Open → the table painted with runs in it: a very large database shows its newest runs first.
    report(bench, "open_to_painted", double(t.nsecsElapsed()) / 1e6, "ms");
    report(bench, "runs_painted_first", browser->proxy()->rowCount(), "runs");
    // While the rest is read the window stays responsive: the longest the event loop went without
    // turning (a 5 ms timer's ticks), the merge of the rest included.
    QElapsedTimer sinceTick;
    sinceTick.start();
    double longestStall = 0;
    QTimer tick;
    QObject::connect(&tick, &QTimer::timeout, [&] {
        longestStall = std::max(longestStall, double(sinceTick.nsecsElapsed()) / 1e6);
        sinceTick.restart();
    });
    tick.start(5);
    while (!loaded)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    window.repaint();
    longestStall = std::max(longestStall, double(sinceTick.nsecsElapsed()) / 1e6);
    tick.stop();
    // … to every run in the table, so that filters and sorts cover them all.
    report(bench, "open_to_all_runs_painted", double(t.nsecsElapsed()) / 1e6, "ms");
    report(bench, "longest_gui_stall_while_the_rest_loads", longestStall, "ms");
    // What the window does once idle after the load (no person types within a millisecond of it).
    QCoreApplication::processEvents();
    if (browser->model()->rowCount() != runs)
        fail(QStringLiteral("the browser shows %1 runs").arg(browser->model()->rowCount()));

    // Typing a filter, one keystroke at a time (prefixes that do not parse yet included).
    const QString typed = QStringLiteral("param_0 < 0.01 and status = finished");
    std::vector<double> keystrokes;
    for (qsizetype i = 1; i <= typed.size(); ++i) {
        t.restart();
        browser->filterEdit()->setText(typed.left(i));
        browser->view()->viewport()->repaint();
        keystrokes.push_back(double(t.nsecsElapsed()) / 1e6);
        if (qEnvironmentVariableIsSet("REPRISE_BENCH_VERBOSE"))
            std::fprintf(
                stderr, "keystroke %lld (%s): %.1f ms\n", qlonglong(i), qPrintable(typed.left(i)), keystrokes.back());
    }
    if (browser->proxy()->rowCount() == 0 || browser->proxy()->rowCount() == runs)
        fail(QStringLiteral("the filter matched %1 runs").arg(browser->proxy()->rowCount()));
    report(bench, "filter_keystroke_median", median(keystrokes), "ms");
    report(bench, "filter_keystroke_max", *std::max_element(keystrokes.begin(), keystrokes.end()), "ms");

    browser->filterEdit()->clear();
    const int firstParam = RunTableModel::FixedColumnCount;
    const int firstMetric = firstParam + 20;
    std::vector<double> sorts;
    for (int column :
        { int(RunTableModel::NameColumn), int(RunTableModel::StatusColumn), int(RunTableModel::StartedColumn),
            int(RunTableModel::DurationColumn), firstParam, firstParam + 4, firstMetric }) {
        for (Qt::SortOrder order : { Qt::AscendingOrder, Qt::DescendingOrder }) {
            t.restart();
            browser->view()->sortByColumn(column, order);
            browser->view()->viewport()->repaint();
            sorts.push_back(double(t.nsecsElapsed()) / 1e6);
            if (qEnvironmentVariableIsSet("REPRISE_BENCH_VERBOSE"))
                std::fprintf(stderr, "sort column %d order %d: %.1f ms\n", column, int(order), sorts.back());
        }
    }
    report(bench, "sort_median", median(sorts), "ms");
    report(bench, "sort_max", *std::max_element(sorts.begin(), sorts.end()), "ms");

    // Live refresh: a snapshot with 1,000 more runs merged into the 100,000 shown (the diff is
    // computed off the GUI thread, as the window's loader does; it is reported on its own), then
    // the snapshot without them again. GUI thread: the merge through model, proxy and view, the
    // events it posts (the view's delayed layout) and the repaint. Newest first, a few runs
    // selected, the view in the middle of the table; then sorted by a param, where the new runs
    // land all over the table.
    auto liveRefresh = [&](const char* which) {
        RunTableModel* model = browser->model();
        const std::shared_ptr<const RunTable> base = model->runs();
        const std::shared_ptr<const RunTable> bigger = withNewerRuns(*base, 1000);
        std::vector<double> adds, removes, diffs;
        for (int round = 0; round < 5; ++round) {
            t.restart();
            RunTableMerge add = RunTableModel::diff(base, bigger);
            diffs.push_back(double(t.nsecsElapsed()) / 1e6);
            RunTableMerge remove = RunTableModel::diff(bigger, base);
            QCoreApplication::processEvents();
            t.restart();
            model->mergeRuns(std::move(add), model->now());
            const double signalled = double(t.nsecsElapsed()) / 1e6;
            QCoreApplication::processEvents();
            const double laidOut = double(t.nsecsElapsed()) / 1e6;
            browser->view()->viewport()->repaint();
            adds.push_back(double(t.nsecsElapsed()) / 1e6);
            if (model->rowCount() != runs + 1000 || model->runs() != bigger)
                fail(QStringLiteral("the merge shows %1 runs").arg(model->rowCount()));
            t.restart();
            model->mergeRuns(std::move(remove), model->now());
            QCoreApplication::processEvents();
            browser->view()->viewport()->repaint();
            removes.push_back(double(t.nsecsElapsed()) / 1e6);
            if (qEnvironmentVariableIsSet("REPRISE_BENCH_VERBOSE"))
                std::fprintf(stderr,
                    "live refresh %s: add %.1f ms (merge %.1f, events %.1f), remove %.1f ms, diff %.1f ms\n", which,
                    adds.back(), signalled, laidOut - signalled, removes.back(), diffs.back());
        }
        report(bench, qPrintable(QStringLiteral("live_refresh_add_1000") + QLatin1String(which)), median(adds), "ms");
        report(bench, qPrintable(QStringLiteral("live_refresh_remove_1000") + QLatin1String(which)), median(removes),
            "ms");
        report(bench, qPrintable(QStringLiteral("live_refresh_diff_1000") + QLatin1String(which)), median(diffs), "ms");
    };
    browser->view()->sortByColumn(RunTableModel::StartedColumn, Qt::DescendingOrder);
    {
        QStringList ids;
        for (int row : { runs / 2 - 10, runs / 2, runs / 2 + 10 })
            ids << browser->proxy()->index(row, 0).data(RunTableModel::RunIdRole).toString();
        browser->selectRunIds(ids);
        browser->scrollToRunId(ids[1]);
    }
    const QString topBefore = browser->topVisibleRunId();
    liveRefresh("");
    if (browser->topVisibleRunId() != topBefore || browser->selectedRunIds().size() != 3)
        fail(QStringLiteral("a live refresh lost the top row or the selection"));
    browser->view()->sortByColumn(firstParam, Qt::AscendingOrder);
    liveRefresh("_sorted_by_param");
    report(bench, "peak_memory", memoryMb().first, "MB");
    report(bench, "memory_over_baseline", memoryMb().first - baseline, "MB");
}

namespace {

/// The pipeline view on 500 steps and 1,500 edges: layout, building the scene, pan and zoom repaints.
/// The table over all sources: two databases of 50,000 runs each (20 params, 10 metrics, other
/// run ids) in one window, from constructing it to the joined table painted; a filter keystroke on
/// `source`; the join itself.
void allSourcesBrowser()
{
    QTemporaryDir dir;
    const QString first = dir.filePath(QStringLiteral("first.db"));
    const QString second = dir.filePath(QStringLiteral("second.db"));
    check(bench::writeWideDatabase(first, 50000, 20, 10));
    QFile::copy(first, second);
    {
        RunStore other = check(RunStore::open(second, OpenMode::ReadWrite));
        check(other.database().exec("UPDATE runs SET uuid = 'z' || substr(uuid, 2)"));
    }
    const double baseline = memoryMb().second;
    QElapsedTimer t;
    t.start();
    MainWindow window({ first, second });
    window.resize(1400, 900);
    window.show();
    RunBrowser* browser = window.runBrowser();
    // (Other run ids: 'z' is no hex digit, so no run of the copy is one of the first's.)
    QElapsedTimer limit;
    limit.start();
    while (browser->model()->rowCount() != 100000 || window.isLoading()) {
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
        if (limit.elapsed() > 120000)
            fail(QStringLiteral("all sources show %1 runs after 2 minutes").arg(browser->model()->rowCount()));
    }
    window.repaint();
    report("all_sources_2x50k", "open_to_painted", double(t.nsecsElapsed()) / 1e6, "ms");
    report("all_sources_2x50k", "memory_after_open", memoryMb().second - baseline, "MB");

    std::vector<double> keystrokes;
    const QString typed = QStringLiteral("source = second.db and param_0 < 0.01");
    for (qsizetype i = 1; i <= typed.size(); ++i) {
        t.restart();
        browser->filterEdit()->setText(typed.left(i));
        browser->view()->viewport()->repaint();
        keystrokes.push_back(double(t.nsecsElapsed()) / 1e6);
        if (qEnvironmentVariableIsSet("REPRISE_BENCH_VERBOSE"))
            std::fprintf(
                stderr, "keystroke %lld (%s): %.1f ms\n", qlonglong(i), qPrintable(typed.left(i)), keystrokes.back());
    }
    if (browser->proxy()->rowCount() == 0 || browser->proxy()->rowCount() >= 50000)
        fail(QStringLiteral("the source filter matched %1 runs").arg(browser->proxy()->rowCount()));
    report("all_sources_2x50k", "filter_keystroke_median", median(keystrokes), "ms");

    std::vector<SourceRuns> tables;
    for (const QString& path : { first, second }) {
        RunStore store = check(RunStore::open(path, OpenMode::ReadOnly));
        tables.push_back({ path, QFileInfo(path).fileName(),
            std::make_shared<const RunTable>(check(loadRunTable(store.database()))) });
    }
    std::vector<double> joins;
    for (int round = 0; round < 3; ++round) {
        t.restart();
        const RunTable all = unionRunTables(tables);
        joins.push_back(double(t.nsecsElapsed()) / 1e6);
        if (all.rowCount() != 100000)
            fail(QStringLiteral("the join has %1 runs").arg(all.rowCount()));
    }
    report("all_sources_2x50k", "join", median(joins), "ms");
}

void dagPipeline()
{
    PipelineGraph graph;
    quint32 x = 11;
    auto next = [&x] {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        return x;
    };
    const int steps = 500, edges = 1500;
    for (int i = 0; i < steps; ++i) {
        PipelineNode node;
        node.key = node.label = QStringLiteral("step-%1").arg(i);
        node.step.name = node.key;
        node.step.status = QStringLiteral("finished");
        node.step.startTime = i;
        node.step.endTime = i + 10;
        graph.nodes.push_back(node);
    }
    std::set<std::pair<int, int>> seen;
    while (int(graph.edges.size()) < edges) {
        const int from = int(next() % quint32(steps - 1));
        const int to = std::min(steps - 1, from + 1 + int(next() % 20u));
        if (seen.insert({ from, to }).second)
            graph.edges.push_back({ from, to, QStringLiteral("data/part-%1.parquet 1a2b3c4d").arg(from) });
    }
    std::vector<double> layouts;
    Result<DagLayout> layout = Error { {}, {} };
    for (int round = 0; round < 5; ++round) {
        QElapsedTimer t;
        t.start();
        layout = layoutPipeline(graph);
        layouts.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    if (!layout)
        fail(layout.error().message);
    report("dag_500_steps", "layout", median(layouts), "ms");

    DagView view;
    view.resize(1400, 900);
    view.show();
    // Let the window be exposed first, or repaint() has nothing to paint on.
    for (int i = 0; i < 10; ++i)
        QCoreApplication::processEvents();
    std::vector<double> scenes;
    for (int round = 0; round < 5; ++round) {
        QElapsedTimer t;
        t.start();
        view.scene()->setGraph(graph, *layout);
        scenes.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    report("dag_500_steps", "build_scene", median(scenes), "ms");

    QGraphicsView* graphView = view.graphView();
    graphView->resetTransform();
    graphView->centerOn(layout->size.width() / 2, layout->size.height() / 2);
    graphView->viewport()->repaint();
    QCoreApplication::processEvents();
    std::vector<double> frames;
    for (int i = 0; i < 20; ++i) {
        QElapsedTimer t;
        t.start();
        if (i % 2 == 0)
            graphView->horizontalScrollBar()->setValue(graphView->horizontalScrollBar()->value() + 120);
        else
            QTest::keyClick(graphView, i % 4 == 1 ? Qt::Key_Minus : Qt::Key_Plus); // the view's own zoom
        graphView->viewport()->repaint();
        frames.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    report("dag_500_steps", "pan_zoom_repaint_median", median(frames), "ms");
    report("dag_500_steps", "pan_zoom_repaint_max", *std::max_element(frames.begin(), frames.end()), "ms");
    // Fitting all 500 steps into the window: the worst case, every item painted.
    QElapsedTimer t;
    t.start();
    view.fit();
    graphView->viewport()->repaint();
    report("dag_500_steps", "fit_all_repaint", double(t.nsecsElapsed()) / 1e6, "ms");
}

/// The drift table: 200 numeric features × 50 datasets, samples of 10,000 values, from the stored
/// profiles (JSON decoding included), on all cores as the drift view computes it.
void driftTable()
{
    const int features = 200, datasets = 50, values = 10000, distinct = 5;
    auto makeDataset = [&](double shift, quint32 seed) {
        DatasetRecord d;
        d.name = QStringLiteral("batch");
        d.rows = 50000;
        quint32 x = seed;
        for (int f = 0; f < features; ++f) {
            std::vector<double> sample(static_cast<size_t>(values));
            for (double& v : sample) {
                x = x * 1664525u + 1013904223u;
                v = shift + double(x >> 8) / double(1 << 24);
            }
            d.profiles << profileNumeric(
                QStringLiteral("feature_%1").arg(f, 3, 10, QLatin1Char('0')), std::move(sample), 0);
        }
        return d;
    };
    const DatasetRecord reference = makeDataset(0, 1);
    // Five distinct batches, reused cyclically, keep the bench's own memory bounded.
    std::vector<DatasetRecord> batches;
    for (int k = 0; k < distinct; ++k)
        batches.push_back(makeDataset(0.02 * k, 100 + quint32(k)));
    std::vector<int> order(datasets);
    for (int i = 0; i < datasets; ++i)
        order[size_t(i)] = i % distinct;
    QElapsedTimer t;
    t.start();
    const DriftReference decoded(reference);
    const std::vector<DatasetDrift> results = QtConcurrent::blockingMapped<std::vector<DatasetDrift>>(
        order, [&](int k) { return computeDrift(decoded, batches[size_t(k)]); });
    report("drift_200x50", "table", double(t.nsecsElapsed()) / 1e6, "ms");
    int tested = 0;
    for (const DatasetDrift& d : results)
        tested += d.testedCount;
    if (tested != features * datasets)
        fail(QStringLiteral("drift tested %1 features").arg(tested));
    report("drift_200x50", "peak_memory", memoryMb().first, "MB");
}

/// Exact decimation of one 10,000,000-point series to a 2,000-pixel chart: full view, and after
/// zooming to 1 % (cost must follow the pixels, not the points).
void decimation()
{
    const std::size_t n = 10000000;
    std::vector<double> xs(n), ys(n);
    quint64 state = 7;
    for (std::size_t i = 0; i < n; ++i) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        xs[i] = double(i);
        ys[i] = std::sin(double(i) / 1e5) + double(state >> 40) / double(1 << 24) * 0.1;
    }
    QElapsedTimer t;
    t.start();
    const MinMaxPyramid pyramid(ys);
    report("decimate_10m", "build_pyramid", double(t.nsecsElapsed()) / 1e6, "ms");
    std::vector<double> full, zoomed;
    std::size_t points = 0;
    for (int round = 0; round < 9; ++round) {
        t.restart();
        points += decimate(xs, ys, pyramid, 0, double(n), 2000).x.size();
        full.push_back(double(t.nsecsElapsed()) / 1e6);
        t.restart();
        const double at = double(n) * 0.1 * (round + 1) / 10;
        points += decimate(xs, ys, pyramid, at, at + double(n) / 100, 2000).x.size();
        zoomed.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    if (points == 0)
        fail(QStringLiteral("decimation returned nothing"));
    report("decimate_10m", "full_range_2000px", median(full), "ms");
    report("decimate_10m", "zoomed_1pct_2000px", median(zoomed), "ms");
}

/// Compare charts: one pan/zoom frame (decimate off-thread + hand over + paint) with 1 and 10 curves
/// of 10,000,000 points.
void compareCharts()
{
    auto curve = [](std::size_t n, quint64 seed) {
        auto x = std::make_shared<std::vector<double>>(n);
        auto y = std::make_shared<std::vector<double>>(n);
        quint64 state = seed;
        for (std::size_t i = 0; i < n; ++i) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            (*x)[i] = double(i);
            (*y)[i] = 1.0 / (1.0 + double(i) / 1e5) + double(state >> 40) / double(1 << 24) * 0.05;
        }
        ChartCurve c;
        c.label = QStringLiteral("run %1").arg(seed);
        c.runId = QString::number(seed);
        c.colour = runColour(c.runId);
        c.x = x;
        c.y = y;
        c.pyramid = std::make_shared<const MinMaxPyramid>(*y);
        return c;
    };
    for (int runs : { 1, 10 }) {
        MetricChart chart(QStringLiteral("loss"));
        chart.resize(1400, 500);
        chart.show();
        for (int i = 0; i < 10; ++i)
            QCoreApplication::processEvents();
        std::vector<ChartCurve> curves;
        for (int r = 0; r < runs; ++r)
            curves.push_back(curve(10000000, quint64(r + 1)));
        bench::FrameTimer timer(chart);
        (void)timer.time([&] { chart.setCurves(std::move(curves)); });
        // A frame: the range changes, the curves are decimated off the GUI thread, handed over, and
        // painted by the event loop.
        std::vector<double> frames;
        for (int f = 0; f < 12; ++f) {
            const double lo = 1e6 * f / 2, hi = lo + (f % 2 ? 5e6 : 2e6);
            frames.push_back(timer.time([&] { chart.setXRange(lo, hi); }));
            if (qEnvironmentVariableIsSet("REPRISE_BENCH_VERBOSE")) {
                QElapsedTimer p;
                p.start();
                chart.viewport()->repaint();
                std::fprintf(stderr, "frame %d: %.1f ms; a paint alone %.1f ms\n", f, frames.back(),
                    double(p.nsecsElapsed()) / 1e6);
            }
        }
        report("compare_charts", runs == 1 ? "frame_1x10m" : "frame_10x10m", median(frames), "ms");
        report("compare_charts", runs == 1 ? "frame_1x10m_max" : "frame_10x10m_max",
            *std::max_element(frames.begin(), frames.end()), "ms");
    }
}

/// Compare charts: 20 runs × 1,000,000 points of one metric loaded from a database and first drawn
/// (its own benchmark, so its peak memory is its own).
void compareLoad()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("compare.db"));
    QList<RunRecord> records;
    {
        RunStore store = check(RunStore::open(path, OpenMode::Create));
        const std::size_t n = 1000000;
        std::vector<qint64> steps(n);
        std::vector<double> values(n), times(n);
        for (int r = 0; r < 20; ++r) {
            NewRun run;
            run.name = QStringLiteral("seed-%1").arg(r);
            const RunRef ref = check(store.createRun(run));
            for (std::size_t i = 0; i < n; ++i) {
                steps[i] = qint64(i);
                values[i] = 1.0 / (1.0 + double(i) / 1e4 * (1 + r * 0.01));
                times[i] = 1.7e9 + double(i);
            }
            check(store.logMetric(ref.rowId, QStringLiteral("loss"), steps, values, times));
            check(store.finishRun(ref.rowId, RunStatus::Finished, 0, 1.7e9 + double(n))); // compared: finished runs
            records << check(store.loadRun(ref));
        }
    }
    const double before = memoryMb().second;
    CompareView view;
    bool ready = false;
    bench::showCompareView(view, ready);
    QElapsedTimer t;
    t.start();
    view.setRuns(path, records);
    while (!ready)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    view.repaint();
    report("compare_load", "load_and_draw_20x1m", double(t.nsecsElapsed()) / 1e6, "ms");
    report("compare_load", "peak_memory", memoryMb().first, "MB");
    report("compare_load", "memory_for_20x1m", memoryMb().second - before, "MB");
}

/// Runs git in `dir`; fails the benchmark when git does.
void gitIn(const QString& dir, const QStringList& args)
{
    const GitResult r = runGit(dir, args);
    if (!r.ok)
        fail(QStringLiteral("git ") + args.join(u' ') + QStringLiteral(": ") + r.err);
}

/// Opening a rerun draft: read the run, build the draft (git HEAD), check it (commit present, the
/// recorded patch applies to it: a scratch index), then the dialog on screen. Target: 100 ms.
void rerunDraft()
{
    QTemporaryDir dir;
    const QString repo = dir.filePath(QStringLiteral("repo"));
    QDir().mkpath(repo + QStringLiteral("/src"));
    gitIn(repo, { QStringLiteral("init"), QStringLiteral("-q") });
    gitIn(repo, { QStringLiteral("config"), QStringLiteral("user.email"), QStringLiteral("b@example.org") });
    gitIn(repo, { QStringLiteral("config"), QStringLiteral("user.name"), QStringLiteral("Bench") });
    // A repository of 200 files, 2 commits; the run recorded at the first with a 40-file patch.
    for (int i = 0; i < 200; ++i) {
        QFile f(repo + QStringLiteral("/src/module_%1.py").arg(i));
        f.open(QIODevice::WriteOnly);
        for (int line = 0; line < 200; ++line)
            f.write(QStringLiteral("value_%1 = %2\n").arg(line).arg(i * line).toUtf8());
    }
    gitIn(repo, { QStringLiteral("add"), QStringLiteral("-A") });
    gitIn(repo, { QStringLiteral("commit"), QStringLiteral("-qm"), QStringLiteral("one") });
    for (int i = 0; i < 40; ++i) {
        QFile f(repo + QStringLiteral("/src/module_%1.py").arg(i));
        f.open(QIODevice::Append);
        f.write("changed = True\n");
    }
    const CodeVersion code = captureCodeVersion(repo);
    gitIn(repo, { QStringLiteral("commit"), QStringLiteral("-qam"), QStringLiteral("two") });

    const QString path = dir.filePath(QStringLiteral("runs.db"));
    RunStore store = check(RunStore::open(path, OpenMode::Create));
    NewRun run;
    run.name = QStringLiteral("train");
    run.launch.argv = QStringList { QStringLiteral("/usr/bin/python3"), QStringLiteral("train.py") };
    run.launch.workingDir = repo;
    run.launch.environment.insert(QStringLiteral("PATH"), qEnvironmentVariable("PATH"));
    run.launch.environment.insert(QStringLiteral("PYTHONPATH"), repo + QStringLiteral("/src"));
    run.code = code;
    for (int i = 0; i < 30; ++i)
        run.params.insert(QStringLiteral("param_%1").arg(i), ParamValue::infer(QString::number(i * 0.5)));
    const RunRef ref = check(store.createRun(run));

    std::vector<double> checkedMs, shownMs;
    for (int round = 0; round < 7; ++round) {
        QElapsedTimer t;
        t.start();
        RunStore reader = check(RunStore::open(path, OpenMode::ReadOnly));
        const RunRecord record = check(reader.loadRun(ref));
        RerunDraft draft = makeRerunDraft(record, path);
        draft.untrusted = isUntrustedSource(path, false, &draft.trustReason);
        const QList<DraftProblem> problems = checkRerunDraft(draft);
        if (!problems.isEmpty() || !draft.runsInWorktree())
            fail(QStringLiteral("the draft has problems: ") + problems.value(0).message);
        checkedMs.push_back(double(t.nsecsElapsed()) / 1e6);
        RerunDialog dialog(draft, problems);
        dialog.show();
        QCoreApplication::processEvents();
        shownMs.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    report("rerun_draft", "read_build_and_check", median(checkedMs), "ms");
    report("rerun_draft", "dialog_shown", median(shownMs), "ms");
}

/// The reproduction report of two finished runs with 50 metrics × 100,000 points. Target: 500 ms.
void verifyReport()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("verify.db"));
    RunStore store = check(RunStore::open(path, OpenMode::Create));
    const size_t n = 100000;
    QStringList ids;
    for (int r = 0; r < 2; ++r) {
        const RunRef ref = check(store.createRun(NewRun {}));
        for (int k = 0; k < 50; ++k) {
            std::vector<qint64> steps(n);
            std::vector<double> values(n), times(n);
            for (size_t i = 0; i < n; ++i) {
                steps[i] = qint64(i);
                values[i] = std::sin(double(i) * 1e-3 + k) + (r == 1 && k == 49 && i > n / 2 ? 1e-3 : 0);
                times[i] = 1.7e9 + double(i) * 0.01;
            }
            check(store.logMetric(
                ref.rowId, QStringLiteral("metric_%1").arg(k, 2, 10, QChar(u'0')), steps, values, times));
        }
        check(store.finishRun(ref.rowId, RunStatus::Finished, 0, 1.7e9 + double(n)));
        ids << ref.uuid;
    }
    std::vector<double> ms;
    for (int round = 0; round < 5; ++round) {
        QElapsedTimer t;
        t.start();
        RunStore reader = check(RunStore::open(path, OpenMode::ReadOnly));
        const ReproductionReport r = check(buildReproductionReport(reader, ids[0], reader, ids[1], Tolerance {}));
        ms.push_back(double(t.nsecsElapsed()) / 1e6);
        if (r.verdict != Verdict::Diverged || r.firstMetric != QLatin1String("metric_49"))
            fail(QStringLiteral("unexpected verdict: ") + r.summary());
    }
    report("verify_50x100k", "report_2_runs_50_metrics_100k_points", median(ms), "ms");
}

/// An MLflow tracking database like MLflow 2.x writes it: 1,000 runs × 10 metrics × 1,000 steps
/// (10,000,000 metric rows), 5 params and 3 tags each; imported, then opened directly.
/// Targets: import ≤ 60 s and ≥ 200,000 rows/s.
void mlflowImport()
{
    QTemporaryDir dir;
    const QString source = dir.filePath(QStringLiteral("mlflow.db"));
    const int runs = 1000, keys = 10, steps = 1000;
    {
        sqlite3* db = nullptr;
        sqlite3_open(QFile::encodeName(source).constData(), &db);
        sqlite3_exec(db, R"(PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
            CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);
            INSERT INTO alembic_version VALUES ('bf29a5ff90ea');
            CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name VARCHAR(256) NOT NULL UNIQUE,
                artifact_location VARCHAR(256), lifecycle_stage VARCHAR(32), creation_time BIGINT, last_update_time BIGINT);
            INSERT INTO experiments VALUES (0, 'Default', 'mlruns/0', 'active', 0, 0);
            CREATE TABLE runs (run_uuid VARCHAR(32) PRIMARY KEY, name VARCHAR(250), source_type VARCHAR(20),
                source_name VARCHAR(500), entry_point_name VARCHAR(50), user_id VARCHAR(256), status VARCHAR(9),
                start_time BIGINT, end_time BIGINT, deleted_time BIGINT, source_version VARCHAR(50),
                lifecycle_stage VARCHAR(20), artifact_uri VARCHAR(200), experiment_id INTEGER);
            CREATE TABLE metrics (key VARCHAR(250) NOT NULL, value FLOAT NOT NULL, timestamp BIGINT NOT NULL,
                run_uuid VARCHAR(32) NOT NULL, step BIGINT DEFAULT '0' NOT NULL, is_nan BOOLEAN DEFAULT '0' NOT NULL,
                PRIMARY KEY (key, timestamp, step, run_uuid, value, is_nan));
            CREATE TABLE latest_metrics (key VARCHAR(250) NOT NULL, value FLOAT NOT NULL, timestamp BIGINT, step BIGINT NOT NULL,
                is_nan BOOLEAN NOT NULL, run_uuid VARCHAR(32) NOT NULL, PRIMARY KEY (key, run_uuid));
            CREATE TABLE params (key VARCHAR(250) NOT NULL, value VARCHAR(8000) NOT NULL, run_uuid VARCHAR(32) NOT NULL,
                PRIMARY KEY (key, run_uuid));
            CREATE TABLE tags (key VARCHAR(250) NOT NULL, value VARCHAR(8000), run_uuid VARCHAR(32) NOT NULL,
                PRIMARY KEY (key, run_uuid));
            BEGIN;)",
            nullptr, nullptr, nullptr);
        sqlite3_stmt* run = nullptr;
        sqlite3_prepare_v2(db,
            "INSERT INTO runs VALUES (?, ?, 'LOCAL', 'train.py', '', 'bench', 'FINISHED', ?, ?, NULL, '', "
            "'active', '', 0)",
            -1, &run, nullptr);
        sqlite3_stmt* param = nullptr;
        sqlite3_prepare_v2(db, "INSERT INTO params VALUES (?, ?, ?)", -1, &param, nullptr);
        std::vector<QByteArray> ids;
        for (int r = 0; r < runs; ++r) {
            ids.push_back(QByteArray::number(r, 16).rightJustified(32, '0'));
            sqlite3_bind_text(run, 1, ids.back().constData(), -1, SQLITE_STATIC);
            const QByteArray name = "run-" + QByteArray::number(r);
            sqlite3_bind_text(run, 2, name.constData(), -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(run, 3, 1700000000000LL + r * 1000);
            sqlite3_bind_int64(run, 4, 1700000000000LL + r * 1000 + 500);
            sqlite3_step(run);
            sqlite3_reset(run);
            for (int p = 0; p < 5; ++p) {
                const QByteArray key = "param_" + QByteArray::number(p), value = QByteArray::number(r * 0.001 + p);
                sqlite3_bind_text(param, 1, key.constData(), -1, SQLITE_TRANSIENT);
                sqlite3_bind_text(param, 2, value.constData(), -1, SQLITE_TRANSIENT);
                sqlite3_bind_text(param, 3, ids.back().constData(), -1, SQLITE_STATIC);
                sqlite3_step(param);
                sqlite3_reset(param);
            }
        }
        sqlite3_finalize(run);
        sqlite3_finalize(param);
        sqlite3_stmt* metric = nullptr;
        sqlite3_prepare_v2(db, "INSERT INTO metrics VALUES (?, ?, ?, ?, ?, 0)", -1, &metric, nullptr);
        // In primary-key order (key, timestamp, ...): the generation stays a sequence of appends.
        for (int k = 0; k < keys; ++k) {
            const QByteArray key = "metric_" + QByteArray::number(k);
            for (int step = 0; step < steps; ++step)
                for (int r = 0; r < runs; ++r) {
                    sqlite3_bind_text(metric, 1, key.constData(), -1, SQLITE_STATIC);
                    sqlite3_bind_double(metric, 2, std::sin(step * 0.01 + r + k));
                    sqlite3_bind_int64(metric, 3, 1700000000000LL + step * 100);
                    sqlite3_bind_text(metric, 4, ids[size_t(r)].constData(), -1, SQLITE_STATIC);
                    sqlite3_bind_int64(metric, 5, step);
                    sqlite3_step(metric);
                    sqlite3_reset(metric);
                }
        }
        sqlite3_finalize(metric);
        // MLflow keeps each metric's latest point apart (latest_metrics, since 1.9).
        sqlite3_exec(db,
            "INSERT INTO latest_metrics SELECT key, value, timestamp, step, is_nan, run_uuid FROM metrics "
            "WHERE step = 999",
            nullptr, nullptr, nullptr);
        sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
        sqlite3_close(db);
    }
    const qint64 rows = qint64(runs) * keys * steps;
    const QString target = dir.filePath(QStringLiteral("reprise.db"));
    RunStore store = check(RunStore::open(target, OpenMode::Create));
    QElapsedTimer t;
    t.start();
    const ImportSummary summary = check(importSource(source, store, {}));
    const double seconds = double(t.nsecsElapsed()) / 1e9;
    if (summary.runsAdded != runs || summary.points != rows)
        fail(QStringLiteral("imported %1 runs, %2 points").arg(summary.runsAdded).arg(summary.points));
    report("mlflow_import", "import_1000_runs_10m_rows", seconds * 1000, "ms");
    report("mlflow_import", "rows_per_second", double(rows) / seconds, "rows_per_s");
    // Committed in short transactions: how long each held the write lock (a run logging into the
    // same database meanwhile waits at most about that, plus the pacing between them).
    const Database::WriteStats writes = store.database().writeStats();
    report("mlflow_import", "longest_write_lock_hold", double(writes.longestNs) / 1e6, "ms");
    report("mlflow_import", "mean_write_lock_hold",
        double(writes.totalNs) / 1e6 / double(std::max<qint64>(writes.transactions, 1)), "ms");
    report("mlflow_import", "share_of_time_lock_held", double(writes.totalNs) / 1e9 / seconds, "ratio");
    report("mlflow_import", "peak_memory", memoryMb().first, "MB");

    // Opened directly in the window: the run table from MLflow's latest values, histories after.
    qputenv("XDG_CACHE_HOME", dir.filePath(QStringLiteral("cache")).toUtf8());
    MainWindow window({});
    window.resize(1400, 900);
    window.show();
    t.restart();
    window.openSource(source);
    while (window.runBrowser()->model()->rowCount() < runs)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    report("mlflow_import", "open_directly_run_table_shown", double(t.nsecsElapsed()) / 1e6, "ms");
    while (window.isImporting())
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    report("mlflow_import", "open_directly_histories_ready", double(t.nsecsElapsed()) / 1e6, "ms");
}

/// TensorBoard event files: 8 runs × 4 files of 100,000 scalar events (~12 MB each), read and decoded.
/// Target: ≥ 50 MB/s.
void tensorboardRead()
{
    QTemporaryDir dir;
    // One event: wall_time, step, a summary with 4 simple_value scalars; framed with CRCs.
    auto event = [](std::int64_t step) {
        QByteArray e;
        auto varint = [&](quint64 v) {
            do {
                char b = char(v & 0x7f);
                v >>= 7;
                e += char(v ? b | 0x80 : b);
            } while (v);
        };
        const double wall = 1.7e9 + double(step);
        e += char(0x09);
        e += QByteArray(reinterpret_cast<const char*>(&wall), 8);
        e += char(0x10);
        varint(quint64(step));
        QByteArray summary;
        for (int k = 0; k < 4; ++k) {
            const QByteArray tag = "train/metric_" + QByteArray::number(k);
            const float v = float(std::sin(step * 0.001 + k));
            QByteArray value;
            value += char(0x0a);
            value += char(tag.size());
            value += tag;
            value += char(0x15);
            value += QByteArray(reinterpret_cast<const char*>(&v), 4);
            summary += char(0x0a);
            summary += char(value.size());
            summary += value;
        }
        e += char(0x2a);
        varint(quint64(summary.size()));
        e += summary;
        QByteArray record;
        const quint64 length = quint64(e.size());
        const QByteArray len(reinterpret_cast<const char*>(&length), 8);
        const quint32 lenCrc = maskedCrc32c(len.constData(), 8),
                      dataCrc = maskedCrc32c(e.constData(), size_t(e.size()));
        record += len;
        record += QByteArray(reinterpret_cast<const char*>(&lenCrc), 4);
        record += e;
        record += QByteArray(reinterpret_cast<const char*>(&dataCrc), 4);
        return record;
    };
    qint64 bytes = 0;
    for (int run = 0; run < 8; ++run)
        for (int file = 0; file < 4; ++file) {
            QByteArray content;
            for (std::int64_t step = 0; step < 100000; ++step)
                content += event(file * 100000 + step);
            QDir().mkpath(dir.filePath(QStringLiteral("logs/run_%1").arg(run)));
            QFile f(dir.filePath(QStringLiteral("logs/run_%1/events.out.tfevents.%2.host").arg(run).arg(file)));
            f.open(QIODevice::WriteOnly);
            f.write(content);
            bytes += content.size();
        }
    QElapsedTimer t;
    t.start();
    const ImportedSource source = check(readTensorBoard(dir.filePath(QStringLiteral("logs")), {}));
    const double seconds = double(t.nsecsElapsed()) / 1e9;
    if (source.runs.size() != 8 || !source.problems.isEmpty())
        fail(QStringLiteral("read %1 runs").arg(source.runs.size()));
    report("tensorboard_read", "megabytes", double(bytes) / 1e6, "MB");
    report("tensorboard_read", "read_and_decode", seconds * 1000, "ms");
    report("tensorboard_read", "throughput_mb_per_s", double(bytes) / 1e6 / seconds, "ratio");
    report("tensorboard_read", "records_per_s", 32 * 100000 / seconds, "rows_per_s");
}

const std::map<std::string, std::function<void()>>& benchmarks()
{
    static const std::map<std::string, std::function<void()>> all {
        { "metric_read_1m", metricRead },
        { "ingest_one_run", ingestSingle },
        { "ingest_100_runs", ingestConcurrent },
        { "python_client", pythonClient },
        { "ls_filter_100k", listFilter },
        { "run_table_load_100k", runTableLoad },
        { "run_browser_100k", runBrowser },
        { "all_sources_2x50k", allSourcesBrowser },
        { "dag_500_steps", dagPipeline },
        { "drift_200x50", driftTable },
        { "decimate_10m", decimation },
        { "compare_charts", compareCharts },
        { "compare_load", compareLoad },
        { "rerun_draft", rerunDraft },
        { "verify_50x100k", verifyReport },
        { "mlflow_import", mlflowImport },
        { "tensorboard_read", tensorboardRead },
        { "team_sync", teamSyncBench },
        { "team_read", teamReadBench },
        { "team_compare", teamCompareBench },
        { "sweep_1000", sweepBench },
        { "importance_10k_x20", importanceBench },
        { "demo_100k", demoBench },
        { "run_browser_1m", browser1mBench },
        { "compare_scale", compareScaleBench },
    };
    return all;
}

} // namespace

int main(int argc, char** argv)
{
    // The window benchmark renders off-screen unless told otherwise.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    std::vector<std::string> names;
    for (int i = 1; i < argc; ++i)
        names.emplace_back(argv[i]);
    if (names.empty() || names.front() == "--help") {
        std::puts("usage: reprise-bench --list | all | NAME...");
        return names.empty() ? 2 : 0;
    }
    if (names.front() == "--list") {
        for (const auto& [name, _] : benchmarks())
            std::puts(name.c_str());
        return 0;
    }
    if (names.front() == "all") {
        // Each benchmark in a process of its own: peak memory is then that benchmark's, and no
        // benchmark runs in the CPU state another one left behind (Qt's painting leaves AVX state
        // that was measured to slow the SQLite ingest loop by a third).
        int failures = 0;
        for (const auto& [name, _] : benchmarks()) {
            QProcess child;
            child.setProcessChannelMode(QProcess::ForwardedChannels);
            child.start(QCoreApplication::applicationFilePath(), { QString::fromStdString(name) });
            if (!child.waitForFinished(-1) || child.exitCode() != 0)
                ++failures;
        }
        return failures == 0 ? 0 : 1;
    }
    for (const std::string& name : names) {
        auto it = benchmarks().find(name);
        if (it == benchmarks().end()) {
            std::fprintf(stderr, "reprise-bench: unknown benchmark '%s' (see --list)\n", name.c_str());
            return 2;
        }
        it->second();
    }
    return 0;
}
