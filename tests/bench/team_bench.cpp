#include "team_bench.h"

#include "bench_report.h"
#include "compare/compare_view.h"
#include "main_window.h"
#include "run_table_model.h"
#include "runs/run_browser.h"
#include "store/run_store.h"
#include "store/run_table.h"
#include "support/test_postgres.h"
#include "team/pg_connection.h"
#include "team/team_mirror.h"
#include "team/team_schema.h"
#include "team/team_sync.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

using namespace reprise;
using namespace Qt::StringLiterals;

namespace {

[[noreturn]] void fail(const QString& what)
{
    std::fprintf(stderr, "reprise-bench: %s\n", qPrintable(what));
    std::exit(1);
}

template <typename T> T check(Result<T> r)
{
    if (!r)
        fail(r.error().text());
    return std::move(*r);
}

void report(const char* metric, double value, const char* unit)
{
    std::printf(
        "{\"bench\": \"team_sync\", \"metric\": \"%s\", \"value\": %.6g, \"unit\": \"%s\"}\n", metric, value, unit);
    std::fflush(stdout);
}

/// A local database with one run of `points` points of one key, left running or finished (packed).
QString localRun(const QString& path, qint64 points, bool finish)
{
    RunStore store = check(RunStore::open(path, OpenMode::Create));
    const RunRef run = check(store.createRun(NewRun {}));
    constexpr size_t batch = 100000;
    std::vector<qint64> steps(batch);
    std::vector<double> values(batch), times(batch);
    for (qint64 from = 0; from < points; from += qint64(batch)) {
        for (size_t i = 0; i < batch; ++i) {
            steps[i] = from + qint64(i);
            values[i] = 1.0 / double(steps[i] + 1);
            times[i] = 1.7e9 + double(steps[i]) * 0.01;
        }
        check(store.logMetric(run.rowId, QStringLiteral("loss"), steps, values, times));
    }
    if (finish)
        check(store.finishRun(run.rowId, RunStatus::Finished, 0, 1.7e9 + 1e5));
    return path;
}

/// Syncs `local` into `location` and returns points per second.
double syncOnce(const QString& local, const QString& location, qint64 expected)
{
    RunStore store = check(RunStore::open(local, OpenMode::ReadOnly));
    PgConnection conn = check(PgConnection::connect(location));
    TeamSync sync(store.database(), conn);
    QElapsedTimer t;
    t.start();
    const SyncSummary summary = check(sync.sync());
    const double seconds = double(t.nsecsElapsed()) / 1e9;
    if (summary.points != expected)
        fail(QStringLiteral("team_sync: %1 points synced, %2 expected").arg(summary.points).arg(expected));
    return double(summary.points) / seconds;
}

} // namespace

void teamSyncBench()
{
    test::TestPostgres server;
    QString error;
    // Durable like a real server: fsync on (the tests' server turns it off).
    if (!server.start(error, { QStringLiteral("fsync=on"), QStringLiteral("full_page_writes=on") }))
        fail(error);
    const auto store = [&](const QString& name) {
        QString problem;
        if (!server.createDatabase(name, problem))
            fail(problem);
        PgConnection admin = check(PgConnection::connect(server.location(name)));
        check(initTeamStore(admin));
        return server.location(name, QStringLiteral("writer"));
    };
    if (!server.createDatabase(QStringLiteral("roles"), error))
        fail(error);
    check(initTeamStore(check(PgConnection::connect(server.location(QStringLiteral("roles"))))));
    if (!server.addLogin(QStringLiteral("writer"), QStringLiteral("reprise_writer"), error))
        fail(error);

    QTemporaryDir dir;
    const qint64 million = 1000000;
    const QString running = localRun(dir.filePath(QStringLiteral("running.db")), million, false);
    report("one_run_1m_points_running", syncOnce(running, store(QStringLiteral("running")), million), "points_per_s");
    const QString finished = localRun(dir.filePath(QStringLiteral("finished.db")), million, true);
    report(
        "one_run_1m_points_finished", syncOnce(finished, store(QStringLiteral("finished")), million), "points_per_s");

    // 8 clients, each its own database and connection, into one store at once.
    const int clients = 8;
    const QString shared = store(QStringLiteral("shared"));
    std::vector<QString> locals;
    for (int c = 0; c < clients; ++c)
        locals.push_back(localRun(dir.filePath(QStringLiteral("client%1.db").arg(c)), million, false));
    QElapsedTimer t;
    t.start();
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c)
        threads.emplace_back([&, c] { syncOnce(locals[size_t(c)], shared, million); });
    for (auto& thread : threads)
        thread.join();
    report("8_clients_1m_points_each", double(clients * million) / (double(t.nsecsElapsed()) / 1e9), "points_per_s");
}

namespace {

void reportAs(const char* bench, const char* metric, double value, const char* unit)
{
    std::printf(
        "{\"bench\": \"%s\", \"metric\": \"%s\", \"value\": %.6g, \"unit\": \"%s\"}\n", bench, metric, value, unit);
    std::fflush(stdout);
}

void check(const Status& st)
{
    if (!st)
        fail(st.error().text());
}

/// Peak resident memory (MB) since the last resetPeak().
double peakMb()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray& line : status.readAll().split('\n'))
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').first().toDouble() / 1024.0;
    return 0;
}

/// Starts a new peak for VmHWM (Linux: "5" to clear_refs).
void resetPeak()
{
    QFile refs(QStringLiteral("/proc/self/clear_refs"));
    if (refs.open(QIODevice::WriteOnly))
        refs.write("5");
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

/// A server, a store `name` made by its administrator, and a reader and a writer login.
struct BenchServer {
    test::TestPostgres server;
    QString name;
    explicit BenchServer(const QString& db)
        : name(db)
    {
        QString error;
        if (!server.start(error))
            fail(error);
        if (!server.createDatabase(name, error))
            fail(error);
        check(initTeamStore(check(PgConnection::connect(server.location(name)))));
        if (!server.addLogin(QStringLiteral("reader"), QStringLiteral("reprise_reader"), error)
            || !server.addLogin(QStringLiteral("writer"), QStringLiteral("reprise_writer"), error))
            fail(error);
    }
    QString admin() const { return server.location(name); }
    QString reader() const { return server.location(name, QStringLiteral("reader")); }
    QString writer() const { return server.location(name, QStringLiteral("writer")); }
};

/// Fills the store with `runs` runs × 20 params × 10 metrics of `points` points each, in SQL on the
/// server (as the bench's wide local database: a few projects, numeric and text params).
void fillWideStore(const QString& admin, int runs, int points)
{
    PgConnection conn = check(PgConnection::connect(admin));
    const QString n = QString::number(runs);
    const QStringList statements = {
        u"INSERT INTO reprise.projects (id, name, created_at) SELECT g, 'p' || g, 0 FROM generate_series(1, 4) g"_s,
        u"INSERT INTO reprise.metric_keys (id, name) SELECT g, 'metric_' || (g - 1) FROM generate_series(1, 10) g"_s,
        u"INSERT INTO reprise.runs (id, uuid, project_id, name, status, start_time, end_time, user_name, host) "
        u"SELECT g, md5(g::text), g % 4 + 1, 'run-' || g, (ARRAY['finished','finished','finished','failed','killed',"
        u"'running'])[g % 6 + 1], 1.7e9 + g * 60.0, 1.7e9 + g * 60.0 + (g * 7919 % 36000), 'bench', 'bench-host' "
        u"FROM generate_series(1, %1) g"_s.arg(n),
        u"INSERT INTO reprise.params (run_id, key, value, vtype) SELECT r, 'param_' || p, CASE WHEN p % 5 = 4 THEN "
        u"'choice-' || ((r * 31 + p) % 7) ELSE (((r * 17 + p * 13) % 50) / 1000.0)::text END, CASE WHEN p % 5 = 4 "
        u"THEN 'str' ELSE 'float' END FROM generate_series(1, %1) r, generate_series(0, 19) p"_s.arg(n),
        u"INSERT INTO reprise.metric_latest (run_id, key_id, step, value, time, count) SELECT r, k, %2 - 1, "
        u"((r * 7 + k * 13) % 100000) / 100000.0, 1.7e9, %2 FROM generate_series(1, %1) r, generate_series(1, 10) k"_s
            .arg(n)
            .arg(points),
        u"INSERT INTO reprise.metrics (run_id, key_id, step, seq, value, time) SELECT r, k, s, 0, 1.0 / (s + r % 7 + "
        u"1), 1.7e9 + s FROM generate_series(1, %1) r, generate_series(1, 10) k, generate_series(0, %2 - 1) s"_s.arg(n)
            .arg(points),
        u"SELECT setval(pg_get_serial_sequence('reprise.runs', 'id'), %1), "
        u"setval(pg_get_serial_sequence('reprise.projects', 'id'), 4), "
        u"setval(pg_get_serial_sequence('reprise.metric_keys', 'id'), 10)"_s.arg(n),
        u"ANALYZE"_s,
    };
    for (const QString& sql : statements)
        check(conn.exec(sql));
}

struct Opened {
    double painted = 0; ///< ms to the table painted with runs in it (a large store: its newest first)
    double allRuns = 0; ///< ms to the table painted with all `runs` runs
};

/// Opens the window on `location`: the times to the painted table, first and with all `runs` runs.
Opened openToPainted(const QString& location, int runs, std::unique_ptr<MainWindow>& window)
{
    QElapsedTimer t;
    t.start();
    window = std::make_unique<MainWindow>(QStringList { location });
    window->resize(1400, 900);
    Opened opened;
    QObject::connect(window.get(), &MainWindow::runsShown, window.get(), [&, w = window.get()] {
        if (opened.painted == 0 && w->runBrowser()->model()->rowCount() > 0) {
            w->repaint();
            opened.painted = double(t.nsecsElapsed()) / 1e6;
        }
    });
    window->show();
    while (window->runBrowser()->model()->rowCount() < runs) {
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
        if (t.elapsed() > 600000)
            fail(QStringLiteral("team_read: the window shows %1 runs after 10 minutes")
                     .arg(window->runBrowser()->model()->rowCount()));
    }
    window->repaint();
    opened.allRuns = double(t.nsecsElapsed()) / 1e6;
    return opened;
}

/// Waits until the copy of `location` holds every history (its stamp says so), events flowing.
double waitForHistories(const QString& location)
{
    QElapsedTimer t;
    t.start();
    const QString stamp = teamMirrorPath(location) + QStringLiteral(".changes");
    for (;;) {
        QFile file(stamp);
        if (file.open(QIODevice::ReadOnly) && file.readAll().trimmed().endsWith(" full"))
            break;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        if (t.elapsed() > 1200000)
            fail(QStringLiteral("team_read: the copy's histories did not come in 20 minutes"));
    }
    return double(t.nsecsElapsed()) / 1e6;
}

/// Lets events flow for `ms` milliseconds.
void settle(int ms)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
}

} // namespace

void teamReadBench()
{
    const int runs = 100000;
    const int points = qEnvironmentVariableIsSet("REPRISE_BENCH_TEAM_POINTS")
        ? qEnvironmentVariableIntValue("REPRISE_BENCH_TEAM_POINTS")
        : 10;
    QTemporaryDir dir;
    qputenv("XDG_CACHE_HOME", dir.filePath(QStringLiteral("cache")).toUtf8());
    BenchServer pg(QStringLiteral("wide"));
    {
        QElapsedTimer t;
        t.start();
        fillWideStore(pg.admin(), runs, points);
        std::fprintf(stderr, "team_read: store filled in %.1f s\n", double(t.elapsed()) / 1000.0);
    }
    const QString reader = pg.reader();

    // First open: no copy yet.
    std::unique_ptr<MainWindow> window;
    resetPeak();
    const Opened first = openToPainted(reader, runs, window);
    reportAs("team_read", "open_to_painted_100k_no_copy", first.painted, "ms");
    reportAs("team_read", "open_to_all_runs_painted_100k_no_copy", first.allRuns, "ms");
    reportAs("team_read", "peak_memory_open_no_copy", peakMb(), "MB");
    reportAs("team_read", "histories_into_copy_after_painted", waitForHistories(reader), "ms");
    reportAs("team_read", "peak_memory_with_histories", peakMb(), "MB");
    settle(1500);
    window.reset();
    settle(200);

    // Second open: the copy is there and up to date.
    resetPeak();
    reportAs("team_read", "open_to_painted_100k_existing_copy", openToPainted(reader, runs, window).allRuns, "ms");
    reportAs("team_read", "peak_memory_open_existing_copy", peakMb(), "MB");
    waitForHistories(reader);
    settle(1500);

    // A running run of a writer's, synced point by point; the reader's window shows each point.
    const QString local = dir.filePath(QStringLiteral("writer.db"));
    RunStore store = check(RunStore::open(local, OpenMode::Create));
    NewRun fresh;
    fresh.name = QStringLiteral("live");
    const RunRef run = check(store.createRun(fresh));
    const auto logPoint = [&](qint64 step) {
        const std::vector<qint64> steps { step };
        const std::vector<double> values { 1000.0 + double(step) }, times { 1.7e9 + double(step) };
        check(store.logMetric(run.rowId, QStringLiteral("metric_0"), steps, values, times));
    };
    PgConnection writer = check(PgConnection::connect(pg.writer()));
    const auto syncNow = [&] {
        TeamSync sync(store.database(), writer);
        check(sync.sync());
    };
    logPoint(0);
    syncNow();
    RunTableModel* model = window->runBrowser()->model();
    const auto shown = [&]() -> double {
        const std::shared_ptr<const RunTable> table = model->runs();
        if (!table)
            return -1;
        const auto it = std::find(table->uuids.begin(), table->uuids.end(), run.uuid);
        const NumberColumn* metric = table->metric(QStringLiteral("metric_0"));
        if (it == table->uuids.end() || !metric)
            return -1;
        const size_t row = size_t(it - table->uuids.begin());
        return metric->present[row] ? metric->values[row] : -1;
    };
    {
        QElapsedTimer t;
        t.start();
        while (shown() != 1000.0 && t.elapsed() < 60000)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        if (shown() != 1000.0)
            fail(QStringLiteral("team_read: the writer's new run did not show in the reader's window"));
    }
    settle(1500);
    std::vector<double> latencies;
    for (qint64 step = 1; step <= 10; ++step) {
        logPoint(step);
        std::atomic<qint64> committed { 0 };
        std::thread syncing([&] {
            syncNow();
            committed = std::chrono::steady_clock::now().time_since_epoch().count();
        });
        const double expected = 1000.0 + double(step);
        QElapsedTimer t;
        t.start();
        while ((committed == 0 || shown() != expected) && t.elapsed() < 30000)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        window->runBrowser()->view()->viewport()->repaint();
        const qint64 seen = std::chrono::steady_clock::now().time_since_epoch().count();
        syncing.join();
        if (shown() != expected)
            fail(QStringLiteral("team_read: point %1 did not show in the reader's window").arg(step));
        latencies.push_back(double(seen - committed) / 1e6);
        if (qEnvironmentVariableIsSet("REPRISE_BENCH_VERBOSE"))
            std::fprintf(stderr, "point %lld: committed at %lld, shown at %lld\n", qlonglong(step),
                qlonglong(committed / 1000000), qlonglong(seen / 1000000));
        settle(1200);
    }
    reportAs("team_read", "new_point_visible_after_commit_median", median(latencies), "ms");
    reportAs(
        "team_read", "new_point_visible_after_commit_max", *std::max_element(latencies.begin(), latencies.end()), "ms");
    window.reset();
    qunsetenv("XDG_CACHE_HOME");
}

void teamCompareBench()
{
    QTemporaryDir dir;
    qputenv("XDG_CACHE_HOME", dir.filePath(QStringLiteral("cache")).toUtf8());
    BenchServer pg(QStringLiteral("compare"));
    // The reader's copy exists before the runs come (the window follows the store).
    check(refreshTeamMirror(pg.reader()));
    const QString local = dir.filePath(QStringLiteral("compare.db"));
    {
        RunStore store = check(RunStore::open(local, OpenMode::Create));
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
            check(store.finishRun(ref.rowId, RunStatus::Finished, 0, 1.7e9 + double(n)));
        }
        PgConnection writer = check(PgConnection::connect(pg.writer()));
        TeamSync sync(store.database(), writer);
        check(sync.sync());
    }
    resetPeak();
    QElapsedTimer t;
    t.start();
    const TeamMirror mirror = check(refreshTeamMirror(pg.reader()));
    const double refresh = double(t.nsecsElapsed()) / 1e6;
    reportAs("team_compare", "copy_refresh_20_runs_1m_points", refresh, "ms");
    if (mirror.remade || mirror.changedRuns != 20)
        fail(QStringLiteral("team_compare: the refresh brought %1 runs (remade: %2)")
                 .arg(mirror.changedRuns)
                 .arg(mirror.remade));

    QList<RunRecord> records;
    {
        RunStore copy = check(RunStore::open(mirror.cache, OpenMode::ReadOnly));
        const auto table = check(loadRunTable(copy.database()));
        for (const QString& uuid : table.uuids)
            records << check(copy.loadRun(uuid));
    }
    CompareView view;
    bool ready = false;
    bench::showCompareView(view, ready);
    t.restart();
    view.setRuns(mirror.cache, records);
    while (!ready)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    view.repaint();
    const double load = double(t.nsecsElapsed()) / 1e6;
    reportAs("team_compare", "load_and_draw_20x1m_from_copy", load, "ms");
    reportAs("team_compare", "refresh_then_load_and_draw", refresh + load, "ms");
    reportAs("team_compare", "peak_memory", peakMb(), "MB");
    qunsetenv("XDG_CACHE_HOME");
}
