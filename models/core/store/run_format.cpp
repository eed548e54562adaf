#include "store/run_format.h"

#include "store/run_store.h"

#include <QDateTime>
#include <cmath>

namespace reprise {

QString formatTime(double epochSeconds)
{
    // A time from a file may be anything: converting one outside qint64 milliseconds is undefined.
    if (!std::isfinite(epochSeconds) || std::abs(epochSeconds) > 1e15)
        return QStringLiteral("-");
    return QDateTime::fromMSecsSinceEpoch(qint64(epochSeconds * 1000)).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

QString formatDuration(double seconds)
{
    if (!std::isfinite(seconds) || std::abs(seconds) > 1e15)
        return QStringLiteral("-");
    const auto s = qint64(std::llround(seconds));
    if (s < 60)
        return QStringLiteral("%1s").arg(s);
    if (s < 3600)
        return QStringLiteral("%1m %2s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    if (s < 86400)
        return QStringLiteral("%1h %2m").arg(s / 3600).arg((s % 3600) / 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1d %2h").arg(s / 86400).arg((s % 86400) / 3600, 2, 10, QLatin1Char('0'));
}

QString describeRun(const RunRecord& r, const QList<OutputChunk>& output)
{
    QString out;
    auto line = [&](const QString& label, const QString& value) { out += label.leftJustified(10) + value + u'\n'; };
    line(QStringLiteral("run"), r.uuid);
    line(QStringLiteral("project"), r.project);
    line(QStringLiteral("name"), r.name);
    line(QStringLiteral("status"),
        toString(r.status) + (r.exitCode ? QStringLiteral(" (exit code %1)").arg(*r.exitCode) : QString()));
    if (r.kind != QLatin1String("run") || !r.parentUuid.isEmpty())
        line(QStringLiteral("kind"),
            r.kind + (r.parentUuid.isEmpty() ? QString() : QStringLiteral(" of ") + r.parentUuid));
    line(QStringLiteral("started"), formatTime(r.startTime));
    line(QStringLiteral("duration"), formatDuration((r.endTime ? *r.endTime : nowSeconds()) - r.startTime));
    line(QStringLiteral("user"), r.user + u'@' + r.host);
    line(QStringLiteral("command"), r.launch.argv.join(u' '));
    line(QStringLiteral("cwd"), r.launch.workingDir);
    if (!r.code.commit.isEmpty() || !r.code.root.isEmpty()) {
        line(QStringLiteral("git"),
            r.code.commit.left(12) + u' ' + r.code.branch
                + (r.code.dirty ? QStringLiteral(" (dirty, %1-line patch)").arg(r.code.patch.count(u'\n'))
                                : QString()));
    }
    if (!r.runtime.isEmpty())
        line(QStringLiteral("runtime"),
            r.runtime.value(QStringLiteral("implementation"), QStringLiteral("Python")) + u' '
                + r.runtime.value(QStringLiteral("python")) + QStringLiteral(", %1 packages").arg(r.packages.size()));
    if (!r.notes.isEmpty())
        line(QStringLiteral("notes"), r.notes);
    auto section = [&](const QString& title) { out += u'\n' + title + u'\n'; };
    if (!r.params.isEmpty()) {
        section(QStringLiteral("params"));
        for (auto it = r.params.begin(); it != r.params.end(); ++it)
            out += QStringLiteral("  ") + it.key() + QStringLiteral(" = ") + it->value + u'\n';
    }
    if (!r.metrics.isEmpty()) {
        section(QStringLiteral("metrics (latest)"));
        for (const MetricSummary& m : r.metrics)
            out += QStringLiteral("  %1 = %2  (step %3, %4 points)\n")
                       .arg(m.key)
                       .arg(m.value, 0, 'g', 6)
                       .arg(m.step)
                       .arg(m.count);
    }
    if (!r.tags.isEmpty()) {
        section(QStringLiteral("tags"));
        for (auto it = r.tags.begin(); it != r.tags.end(); ++it)
            out += QStringLiteral("  ") + it.key() + QStringLiteral(" = ") + it.value() + u'\n';
    }
    if (!r.launch.environment.isEmpty()) {
        section(QStringLiteral("environment"));
        for (auto it = r.launch.environment.begin(); it != r.launch.environment.end(); ++it)
            out += QStringLiteral("  ") + it.key() + u'=' + it.value() + u'\n';
    }
    if (!r.steps.isEmpty()) {
        section(QStringLiteral("pipeline steps"));
        for (const StepRecord& s : r.steps)
            out += QStringLiteral("  %1 [%2]%3\n")
                       .arg(s.name, s.status, s.cached ? QStringLiteral(" cached") : QString());
    }
    if (!r.artifacts.isEmpty()) {
        section(QStringLiteral("artifacts"));
        for (const ArtifactRecord& a : r.artifacts)
            out += QStringLiteral("  ") + a.path + u' ' + a.hash.left(19) + u'\n';
    }
    if (!r.datasets.isEmpty()) {
        section(QStringLiteral("datasets"));
        for (const DatasetRecord& d : r.datasets)
            out += QStringLiteral("  %1 (%2, %3 rows, %4 features)\n")
                       .arg(d.name, d.role)
                       .arg(d.rows)
                       .arg(d.profiles.size());
    }
    if (!output.isEmpty()) {
        QString all;
        for (const OutputChunk& c : output)
            all += c.data;
        QStringList lines = all.split(u'\n');
        if (lines.size() > 20)
            lines = lines.mid(lines.size() - 21);
        section(QStringLiteral("output (last lines)"));
        for (const QString& l : lines)
            out += QStringLiteral("  ") + l + u'\n';
    }
    return out;
}

} // namespace reprise
