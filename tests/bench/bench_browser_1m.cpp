#include "bench_browser_1m.h"

#include "bench_data.h"
#include "store/lookup_indexes.h"
#include "store/run_store.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <algorithm>
#include <cstdio>
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <vector>

extern char** environ;

using namespace reprise;

namespace {

void report(const char* metric, const QString& suffix, double value, const char* unit)
{
    std::printf("{\"bench\": \"run_browser_1m\", \"metric\": \"%s%s\", \"value\": %.6g, \"unit\": \"%s\"}\n", metric,
        qPrintable(suffix), value, unit);
    std::fflush(stdout);
}

[[noreturn]] void fail(const QString& what)
{
    std::fprintf(stderr, "reprise-bench: %s\n", qPrintable(what));
    std::exit(1);
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

/// Bump when the generated data changes: cached databases of another version are not reused.
constexpr const char* kDataVersion = "wide-v2-20p-10m"; // v2: with the lookup indexes

/// `runs` runs × 20 params × 10 latest metrics, the shape bench::writeWideDatabase writes (four
/// projects, statuses by run number, params with 50 numeric or 7 text values), written by SQLite
/// itself: one INSERT … SELECT per table instead of 31 statements per run (a million runs in ~30 s).
Status writeWideDatabaseBulk(const QString& path, int runs)
{
    {
        auto store = RunStore::open(path, OpenMode::Create); // the schema, as every database has it
        if (!store)
            return store.error();
    }
    auto db = Database::open(path, OpenMode::ReadWrite);
    if (!db)
        return db.error();
    const QByteArray n = QByteArray::number(runs);
    // Deterministic pseudo-random numbers: x -> x * 48271 mod (2^31 - 1), within 64-bit integers.
    // The indexes by key are made after the rows, as `reprise optimize` makes them (the same file as
    // a database recorded with them from the start, written many times faster).
    const QByteArray sql = "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; BEGIN;"
                           "DROP INDEX params_by_key; DROP INDEX tags_by_key;"
                           "INSERT INTO projects(name, created_at) VALUES ('p0',0),('p1',0),('p2',0),('p3',0);"
                           "WITH RECURSIVE m(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM m WHERE i < 9) "
                           "INSERT INTO metric_keys(id, name) SELECT i+1, 'metric_' || i FROM m;"
                           "WITH RECURSIVE n(r) AS (SELECT 1 UNION ALL SELECT r+1 FROM n WHERE r < "
        + n
        + ") INSERT INTO runs(id, uuid, project_id, name, status, start_time, end_time, user_name, host) "
          "SELECT r, printf('%08x%08x%016x', (r * 48271) % 2147483647, (r * 50421) % 2147483647, r), r % 4 + 1, "
          "'run-' || r, CASE r % 6 WHEN 3 THEN 'failed' WHEN 4 THEN 'killed' WHEN 5 THEN 'running' ELSE 'finished' "
          "END, 1.7e9 + r * 60.0, 1.7e9 + r * 60.0 + ((r * 48271) % 2147483647) % 36000, 'bench', 'bench-host' "
          "FROM n;"
          "WITH RECURSIVE p(k) AS (SELECT 0 UNION ALL SELECT k+1 FROM p WHERE k < 19), "
          "h(run_id, k, x) AS (SELECT r.id, k, ((((r.id * 20 + k) * 48271) % 2147483647) * 48271) % 2147483647 "
          "FROM runs r, p) "
          "INSERT INTO params(run_id, key, value, vtype) SELECT run_id, 'param_' || k, CASE WHEN k % 5 = 4 THEN "
          "'choice-' || (x % 7) ELSE printf('%g', (x % 50) / 1000.0) END, CASE WHEN k % 5 = 4 THEN 'str' ELSE "
          "'float' END FROM h ORDER BY run_id, 'param_' || k;"
          "WITH RECURSIVE m(k) AS (SELECT 1 UNION ALL SELECT k+1 FROM m WHERE k < 10) "
          "INSERT INTO metric_latest(run_id, key_id, step, value, time, count) SELECT r.id, k, 100, "
          "((((((r.id * 10 + k) * 16807) % 2147483647) * 48271) % 2147483647) % 100000) / 100000.0, 0, 1 "
          "FROM runs r, m ORDER BY r.id, k;"
          "COMMIT; PRAGMA journal_mode=WAL;";
    if (Status st = (*db)->exec(sql.constData()); !st)
        return st;
    return makeLookupIndexes(**db, true);
}

/// The database of `runs` runs, generated once per data version into a cache folder under /tmp
/// (REPRISE_BENCH_CACHE to put it elsewhere) and reused by later runs.
QString wideDatabase(int runs)
{
    const QString dir = qEnvironmentVariable("REPRISE_BENCH_CACHE", QStringLiteral("/tmp/reprise-bench-cache"));
    QDir().mkpath(dir);
    const QString path = dir + QStringLiteral("/%1-%2.db").arg(QLatin1String(kDataVersion)).arg(runs);
    if (QFileInfo::exists(path))
        return path;
    const QString partial = path + QStringLiteral(".partial");
    for (const QString& leftover :
        QStringList { partial, partial + QStringLiteral("-wal"), partial + QStringLiteral("-shm") })
        QFile::remove(leftover);
    QElapsedTimer t;
    t.start();
    if (Status st = writeWideDatabaseBulk(partial, runs); !st)
        fail(st.error().message);
    if (!QFile::rename(partial, path))
        fail(QStringLiteral("cannot move the generated database to ") + path);
    std::fprintf(stderr, "reprise-bench: generated %s in %.1f s\n", qPrintable(path), double(t.elapsed()) / 1000.0);
    return path;
}

struct ProcessRun {
    double wallMs = 0;
    double peakMb = 0;
};

/// Runs `reprise ARGS` to the end: its wall time and its own peak resident memory (wait4's rusage).
/// REPRISE_BENCH_BIN names another reprise executable (a copy, while the build dir is rebuilt).
ProcessRun runReprise(const QStringList& args, const QString& out = QStringLiteral("/dev/null"))
{
    std::vector<QByteArray> storage { qEnvironmentVariableIsSet("REPRISE_BENCH_BIN") ? qgetenv("REPRISE_BENCH_BIN")
                                                                                     : QByteArrayLiteral(REPRISE_BIN) };
    for (const QString& a : args)
        storage.push_back(a.toLocal8Bit());
    std::vector<char*> argv;
    for (QByteArray& a : storage)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out.toLocal8Bit().constData(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    QElapsedTimer t;
    t.start();
    pid_t pid = 0;
    if (const int error = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ); error != 0)
        fail(QStringLiteral("cannot start %1: %2").arg(QString::fromLocal8Bit(argv[0]), qt_error_string(error)));
    posix_spawn_file_actions_destroy(&actions);
    int status = 0;
    rusage usage {};
    if (wait4(pid, &status, 0, &usage) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail(QStringLiteral("reprise %1 failed").arg(args.join(u' ')));
    return { double(t.nsecsElapsed()) / 1e6, double(usage.ru_maxrss) / 1024.0 };
}

} // namespace

void browser1mBench()
{
    struct Size {
        int runs;
        const char* suffix;
    };
    // REPRISE_BENCH_RUNS=1000000 measures one size only; REPRISE_BENCH_WINDOW_ONLY skips the child
    // processes (for profiling the window alone).
    std::vector<Size> sizes { { 100000, "_100k" }, { 1000000, "_1m" } };
    if (const int only = qEnvironmentVariableIntValue("REPRISE_BENCH_RUNS"); only > 0)
        std::erase_if(sizes, [only](const Size& s) { return s.runs != only; });
    const bool processes = !qEnvironmentVariableIsSet("REPRISE_BENCH_WINDOW_ONLY");
    std::vector<QString> paths;
    for (const Size& size : sizes)
        paths.push_back(wideDatabase(size.runs));

    // Whole processes first, on a machine as quiet as this one gets: the window rendered
    // off-screen (open → painted → written, and the process's peak memory) and `reprise ls`.
    QTemporaryDir dir;
    for (size_t i = 0; i < sizes.size() && processes; ++i) {
        const QString suffix = QLatin1String(sizes[i].suffix);
        std::vector<double> walls, peaks;
        for (int round = 0; round < 3; ++round) {
            const ProcessRun run = runReprise({ QStringLiteral("--db"), paths[i], QStringLiteral("--screenshot"),
                dir.filePath(QStringLiteral("s.png")), QStringLiteral("--size"), QStringLiteral("1400x900") });
            walls.push_back(run.wallMs);
            peaks.push_back(run.peakMb);
        }
        report("screenshot_process_wall", suffix, median(walls), "ms");
        report("screenshot_process_peak_memory", suffix, *std::max_element(peaks.begin(), peaks.end()), "MB");

        const QStringList filters { QStringLiteral("param_0 < 0.01 and status = finished"),
            QStringLiteral("metric.metric_3 >= 0.5 and param_4 = choice-3 or name ~ \"run-99\"") };
        const char* names[] = { "ls_filter_params_process_wall", "ls_filter_metrics_regex_process_wall" };
        for (qsizetype f = 0; f < filters.size(); ++f) {
            std::vector<double> times;
            for (int round = 0; round < 5; ++round) {
                times.push_back(runReprise(
                    { QStringLiteral("ls"), QStringLiteral("--db"), paths[i], QStringLiteral("--filter"), filters[f] })
                                    .wallMs);
            }
            report(names[f], suffix, median(times), "ms");
        }
    }
    // The window in this process: 100,000 runs, then a million (peak memory then includes both).
    for (size_t i = 0; i < sizes.size(); ++i)
        measureRunBrowser("run_browser_1m", paths[i], sizes[i].runs, sizes[i].suffix);
}
