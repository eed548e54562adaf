#include "bench_compare_scale.h"

#include "bench_data.h"
#include "bench_report.h"
#include "charts/metric_chart.h"
#include "compare/compare_view.h"
#include "compute_pool.h"
#include "store/run_store.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QtConcurrent>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <numeric>
#include <sys/resource.h>

using namespace reprise;

namespace {

void report(const char* metric, double value, const char* unit) { bench::report("compare_scale", metric, value, unit); }

using bench::check;
using bench::fail;
using bench::median;
using bench::memoryMb;

/// CPU time of this process so far (every thread, user and system), in ms: on a machine shared with
/// builds, what the work cost apart from the waiting for a core.
double cpuMs()
{
    rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3
        + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
}

/// Page faults of this process so far (minor and major).
double faults()
{
    rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_minflt + usage.ru_majflt);
}

/// Starts a new peak: the kernel's high-water mark of resident memory is set back to the current
/// size (clear_refs 5), so each part of this benchmark reports its own peak.
void resetPeak()
{
    QFile refs(QStringLiteral("/proc/self/clear_refs"));
    if (refs.open(QIODevice::WriteOnly))
        refs.write("5");
}

/// A database of `runs` finished runs × `points` points of "loss" (stored packed, as finished runs
/// are), and their records.
QList<RunRecord> writeRuns(const QString& path, int runs, std::size_t points)
{
    QList<RunRecord> records;
    RunStore store = check(RunStore::open(path, OpenMode::Create));
    (void)store.database().exec("PRAGMA synchronous=OFF");
    std::vector<qint64> steps(points);
    std::vector<double> values(points), times(points);
    std::iota(steps.begin(), steps.end(), qint64(0));
    for (int r = 0; r < runs; ++r) {
        NewRun run;
        run.name = QStringLiteral("seed-%1").arg(r);
        const RunRef ref = check(store.createRun(run));
        quint64 state = quint64(r) + 1;
        for (std::size_t i = 0; i < points; ++i) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            values[i] = 1.0 / (1.0 + double(i) / 1e4 * (1 + r * 0.01)) + double(state >> 40) / double(1 << 24) * 0.01;
            times[i] = 1.7e9 + double(i);
        }
        check(store.storeHistory(ref.rowId, QStringLiteral("loss"), steps, values, times));
        check(store.recordEnd(ref.rowId, RunStatus::Finished, 0, 1.7e9 + double(points)));
        records << check(store.loadRun(ref));
    }
    return records;
}

/// The compare view loading `runs` and drawing them first: wall time, peak memory and what stays.
void loadAndDraw(const QString& path, const QList<RunRecord>& runs, const char* name)
{
    const double before = memoryMb().second;
    resetPeak();
    double ms = 0;
    {
        CompareView view;
        bool ready = false;
        bench::showCompareView(view, ready);
        QElapsedTimer t;
        t.start();
        const double cpu = cpuMs(), faulted = faults();
        view.setRuns(path, runs);
        while (!ready)
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
        view.repaint();
        ms = double(t.nsecsElapsed()) / 1e6;
        const auto [peak, current] = memoryMb();
        report(qPrintable(QStringLiteral("load_and_draw_%1").arg(QLatin1String(name))), ms, "ms");
        report(qPrintable(QStringLiteral("cpu_load_and_draw_%1").arg(QLatin1String(name))), cpuMs() - cpu, "ms");
        report(qPrintable(QStringLiteral("page_faults_%1").arg(QLatin1String(name))), faults() - faulted, "faults");
        report(qPrintable(QStringLiteral("peak_memory_%1").arg(QLatin1String(name))), peak, "MB");
        report(qPrintable(QStringLiteral("memory_for_%1").arg(QLatin1String(name))), current - before, "MB");
    }
    for (int i = 0; i < 10; ++i)
        QCoreApplication::processEvents();
}

/// Pan/zoom frames over `runs` curves of `points` points (x shared: every run logged the same steps).
void frames(int runs, std::size_t points, const char* name)
{
    resetPeak();
    auto x = std::make_shared<std::vector<double>>(points);
    std::iota(x->begin(), x->end(), 0.0);
    std::vector<ChartCurve> curves(static_cast<std::size_t>(runs));
    std::vector<int> indexes(static_cast<std::size_t>(runs));
    std::iota(indexes.begin(), indexes.end(), 0);
    QtConcurrent::blockingMap(computePool(), indexes, [&](int r) {
        auto y = std::make_shared<std::vector<double>>();
        resizeLarge(*y, points); // as the loader sizes a history's values
        quint64 state = quint64(r) + 1;
        for (std::size_t i = 0; i < points; ++i) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            (*y)[i] = 1.0 / (1.0 + double(i) / 1e5) + double(state >> 40) / double(1 << 24) * 0.05;
        }
        ChartCurve& c = curves[std::size_t(r)];
        c.label = QStringLiteral("run %1").arg(r + 1);
        c.runId = QString::number(r + 1);
        c.colour = runColour(c.runId);
        c.x = x;
        c.pyramid = std::make_shared<const MinMaxPyramid>(*y);
        c.y = std::move(y);
    });
    MetricChart chart(QStringLiteral("loss"));
    chart.resize(1400, 500);
    chart.show();
    for (int i = 0; i < 10; ++i)
        QCoreApplication::processEvents();
    bench::FrameTimer timer(chart);
    (void)timer.time([&] { chart.setCurves(std::move(curves)); });
    // The frames of compare_charts (zooms of 2 M and 5 M points along the range), then the whole range.
    std::vector<double> times, cpu;
    const double n = double(points);
    for (int f = 0; f < 13; ++f) {
        const double cpuBefore = cpuMs();
        const double lo = f == 12 ? 0 : n / 10 * f / 2, hi = f == 12 ? n - 1 : lo + (f % 2 ? n / 2 : n / 5);
        times.push_back(timer.time([&] { chart.setXRange(lo, hi); }));
        cpu.push_back(cpuMs() - cpuBefore);
        if (qEnvironmentVariableIsSet("REPRISE_BENCH_VERBOSE"))
            std::fprintf(stderr, "%s frame %d: %.1f ms\n", name, f, times.back());
    }
    report(qPrintable(QStringLiteral("frame_%1").arg(QLatin1String(name))), median(times), "ms");
    report(qPrintable(QStringLiteral("frame_%1_max").arg(QLatin1String(name))),
        *std::max_element(times.begin(), times.end()), "ms");
    report(qPrintable(QStringLiteral("cpu_frame_%1").arg(QLatin1String(name))), median(cpu), "ms");
    report(qPrintable(QStringLiteral("peak_memory_frames_%1").arg(QLatin1String(name))), memoryMb().first, "MB");
}

} // namespace

void compareScaleBench()
{
    // REPRISE_BENCH_FRAMES_ONLY skips loading from a database (for profiling the frames alone).
    if (!qEnvironmentVariableIsSet("REPRISE_BENCH_FRAMES_ONLY")) {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("compare.db"));
        QElapsedTimer t;
        t.start();
        const QList<RunRecord> runs = writeRuns(path, 100, 1000000);
        if (qEnvironmentVariableIsSet("REPRISE_BENCH_VERBOSE"))
            std::fprintf(stderr, "wrote 100 x 1M in %.1f s\n", double(t.nsecsElapsed()) / 1e9);
        loadAndDraw(path, runs.mid(0, 20), "20x1m");
        loadAndDraw(path, runs, "100x1m");
    }
    frames(10, 10000000, "10x10m");
    frames(50, 10000000, "50x10m");
}
