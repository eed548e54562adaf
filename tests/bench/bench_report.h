#pragma once

// What every benchmark of reprise-bench shares: a figure printed as one JSON line, a failure that ends
// the process with its reason, the median of repeated rounds, the process's resident memory and frames painted.

#include "charts/metric_chart.h"
#include "compare/compare_view.h"
#include "result.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEvent>
#include <QFile>
#include <QObject>
#include <QString>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <utility>
#include <vector>

namespace reprise::bench {

inline void report(const char* bench, const char* metric, double value, const char* unit)
{
    std::printf(
        "{\"bench\": \"%s\", \"metric\": \"%s\", \"value\": %.6g, \"unit\": \"%s\"}\n", bench, metric, value, unit);
    std::fflush(stdout);
}

[[noreturn]] inline void fail(const QString& what)
{
    std::fprintf(stderr, "reprise-bench: %s\n", qPrintable(what));
    std::exit(1);
}

template <typename T> T check(Result<T> r)
{
    if (!r)
        fail(r.error().message);
    return std::move(*r);
}

inline void check(const Status& st)
{
    if (!st)
        fail(st.error().message);
}

inline double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

/// Peak and current resident memory of this process, in MB (Linux /proc).
inline std::pair<double, double> memoryMb()
{
    QFile status(QStringLiteral("/proc/self/status"));
    double peak = 0, current = 0;
    if (status.open(QIODevice::ReadOnly)) {
        for (const QByteArray& line : status.readAll().split('\n')) {
            if (line.startsWith("VmHWM:"))
                peak = line.mid(6).trimmed().split(' ').first().toDouble() / 1024.0;
            if (line.startsWith("VmRSS:"))
                current = line.mid(6).trimmed().split(' ').first().toDouble() / 1024.0;
        }
    }
    return { peak, current };
}

/// Shows `view` at the benchmarks' size, lets it settle, and sets `ready` each time it has shown its
/// runs and is idle.
inline void showCompareView(CompareView& view, bool& ready)
{
    view.resize(1400, 900);
    view.show();
    for (int i = 0; i < 10; ++i)
        QCoreApplication::processEvents();
    ready = false;
    QObject::connect(&view, &CompareView::ready, &view, [&view, &ready] { ready = !view.isBusy(); });
}

/// Times pan/zoom frames of a chart as a user sees them: from a change of its range until the curves
/// are decimated, handed over and painted by the event loop. The loop's own paint, not a forced one:
/// a repaint() forced after the hand-over left the loop's paint (asked for by the hand-over) to come
/// in the next frame, painting stale curves on the cores that frame's decimation needed.
class FrameTimer : public QObject {
public:
    explicit FrameTimer(MetricChart& chart)
        : m_chart(chart)
    {
        chart.viewport()->installEventFilter(this);
        QObject::connect(&chart, &MetricChart::redrawn, this, [this] { m_drawn = true; });
    }
    /// Milliseconds from calling `change` until the chart has redrawn and painted.
    double time(const std::function<void()>& change)
    {
        m_drawn = false;
        m_painted = false;
        QElapsedTimer t;
        t.start();
        change();
        // Should the platform not deliver a paint, one is asked for (the frame then counts that wait).
        QTimer fallback;
        fallback.setSingleShot(true);
        QObject::connect(&fallback, &QTimer::timeout, this, [this] { m_chart.viewport()->repaint(); });
        fallback.start(5000);
        while (!m_drawn || !m_painted)
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
        return double(t.nsecsElapsed()) / 1e6;
    }
    bool eventFilter(QObject*, QEvent* event) override
    {
        if (event->type() == QEvent::Paint && m_drawn)
            m_painted = true;
        return false;
    }

private:
    MetricChart& m_chart;
    bool m_drawn = false;
    bool m_painted = false;
};

} // namespace reprise::bench
