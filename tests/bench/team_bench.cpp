#include "team_bench.h"

#include "store/run_store.h"
#include "support/test_postgres.h"
#include "team/pg_connection.h"
#include "team/team_schema.h"
#include "team/team_sync.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <cstdio>
#include <thread>
#include <vector>

using namespace reprise;

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
