#include "bench_demo.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <cstdio>
#include <cstdlib>

void demoBench()
{
    QTemporaryDir dir;
    for (const int runs : { 320, 10000, 100000 }) {
        const QString out = dir.filePath(QStringLiteral("demo-%1.db").arg(runs));
        QProcess demo;
        QElapsedTimer timer;
        timer.start();
        demo.start(QStringLiteral(REPRISE_BIN),
            { QStringLiteral("demo"), QStringLiteral("--out"), out, QStringLiteral("--runs"), QString::number(runs) });
        if (!demo.waitForFinished(600000) || demo.exitCode() != 0) {
            std::fprintf(
                stderr, "reprise-bench: demo --runs %d failed: %s\n", runs, demo.readAllStandardError().constData());
            std::exit(1);
        }
        const double seconds = double(timer.nsecsElapsed()) / 1e9;
        static const QRegularExpression points(QStringLiteral(R"((\d+) metric points)"));
        const qint64 written = points.match(QString::fromUtf8(demo.readAllStandardOutput())).captured(1).toLongLong();
        std::printf(
            "{\"bench\": \"demo\", \"metric\": \"runs_%d_wall\", \"value\": %.3f, \"unit\": \"s\"}\n", runs, seconds);
        std::printf(
            "{\"bench\": \"demo\", \"metric\": \"runs_%d_per_second\", \"value\": %.0f, \"unit\": \"runs/s\"}\n", runs,
            double(runs) / seconds);
        std::printf("{\"bench\": \"demo\", \"metric\": \"runs_%d_points\", \"value\": %lld, \"unit\": \"points\"}\n",
            runs, static_cast<long long>(written));
        std::fflush(stdout);
        QFile::remove(out);
    }
}
