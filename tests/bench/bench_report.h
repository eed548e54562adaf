#pragma once

// What every benchmark of reprise-bench shares: a figure printed as one JSON line, a failure that ends
// the process with its reason, the median of repeated rounds, the process's resident memory and frames painted.

#include "compare/compare_view.h"
#include "result.h"

#include <QCoreApplication>
#include <QEvent>
#include <QFile>
#include <QObject>
#include <QString>
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

/// Calls back on every paint event of the object it filters (a frame drawn).
class PaintCounter : public QObject {
public:
    explicit PaintCounter(std::function<void()> onPaint)
        : m_onPaint(std::move(onPaint))
    {
    }
    bool eventFilter(QObject*, QEvent* event) override
    {
        if (event->type() == QEvent::Paint)
            m_onPaint();
        return false;
    }

private:
    std::function<void()> m_onPaint;
};

} // namespace reprise::bench
