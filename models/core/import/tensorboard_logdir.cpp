// TensorBoard log dirs: every folder holding events.out.tfevents.* files is one run.

#include "import/checked_number.h"
#include "import/source_reader.h"
#include "import/tensorboard_events.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QSet>
#include <cmath>
#include <limits>

namespace reprise {

Result<ImportedSource> readTensorBoard(const QString& path, const ReadControl& control)
{
    const QFileInfo root(path);
    // The event files by folder. Links to folders are not followed: a link loop must not hang this.
    QMap<QString, QStringList> byFolder;
    if (root.isFile()) {
        byFolder[root.absolutePath()] << root.absoluteFilePath();
    } else {
        QDirIterator it(path, QDir::Files, QDirIterator::Subdirectories);
        QSet<QString> seen;
        while (it.hasNext()) {
            const QString file = it.next();
            if (!it.fileName().contains(QLatin1String("tfevents")))
                continue;
            const QString canonical = QFileInfo(file).canonicalFilePath();
            if (canonical.isEmpty() || seen.contains(canonical))
                continue;
            seen.insert(canonical);
            byFolder[QFileInfo(file).absolutePath()] << file;
        }
    }
    if (byFolder.isEmpty())
        return Error { path + QStringLiteral(": no TensorBoard event files (events.out.tfevents.*) in it"), {} };

    ImportedSource source;
    source.kind = SourceKind::TensorBoard;
    qint64 totalBytes = 0, doneBytes = 0;
    for (const QStringList& files : byFolder)
        for (const QString& f : files)
            totalBytes += QFileInfo(f).size();
    const QString base = root.isFile() ? root.absolutePath() : root.absoluteFilePath();
    for (auto folder = byFolder.begin(); folder != byFolder.end(); ++folder) {
        QStringList files = *folder;
        files.sort(); // event file names carry their creation time: this is writing order
        ImportedRun r;
        const QString relative = QDir(base).relativeFilePath(folder.key());
        r.run.name = relative == QLatin1String(".") ? QFileInfo(base).fileName() : relative;
        r.run.project = QFileInfo(base).fileName();
        r.run.kind = QStringLiteral("import");
        r.run.uuid = stableRunId(QStringLiteral("tensorboard:") + QFileInfo(folder.key()).canonicalFilePath());
        r.run.tags.insert(QStringLiteral("import.source"), QStringLiteral("tensorboard"));
        r.run.launch.workingDir = folder.key();
        QMap<QString, MetricHistory> histories;
        double first = 0, last = 0;
        // The header record's wall time is when the writer opened the file: the run's start, also
        // for a file holding nothing else (its modification time would be a later touch, or now).
        double opened = 0, lastOpened = 0;
        for (const QString& file : std::as_const(files)) {
            if (control.cancelled())
                return Error { QStringLiteral("import cancelled"), {} };
            QFile f(file);
            if (!f.open(QIODevice::ReadOnly)) {
                source.problems << ImportProblem { file, QStringLiteral("cannot read it: ") + f.errorString() };
                continue;
            }
            const QByteArray bytes = f.readAll();
            doneBytes += bytes.size();
            const EventFileContents events = parseEventFile(bytes);
            if (!events.problem.isEmpty())
                source.problems << ImportProblem { file,
                    events.problem + QStringLiteral("; kept the %1 records before it").arg(events.records) };
            if (events.impossibleShapes > 0)
                source.problems << ImportProblem { file,
                    QStringLiteral("%1 tensor values skipped: their shape has more elements than fit in 64 bits")
                        .arg(events.impossibleShapes) };
            if (events.headerWallTime > 0 && checkedEpochSeconds(events.headerWallTime)) {
                opened = opened == 0 ? events.headerWallTime : std::min(opened, events.headerWallTime);
                lastOpened = std::max(lastOpened, events.headerWallTime);
            }
            // hparams (session_start_info) are the run's params; a later file's value wins.
            for (auto it = events.hparams.begin(); it != events.hparams.end(); ++it)
                r.run.params.insert(it.key(), ParamValue::infer(*it));
            qint64 badTimes = 0;
            for (auto it = events.scalars.begin(); it != events.scalars.end(); ++it) {
                MetricHistory& h = histories[it.key()];
                h.key = it.key();
                for (const ScalarPoint& p : *it) {
                    h.steps.push_back(p.step);
                    h.values.push_back(p.value);
                    // A wall time that is no time (the store keeps a time for every point) is set to
                    // the run's start below, and is not used for the run's start and end.
                    if (!checkedEpochSeconds(p.wallTime)) {
                        ++badTimes;
                        h.times.push_back(std::numeric_limits<double>::quiet_NaN());
                        continue;
                    }
                    h.times.push_back(p.wallTime);
                    first = first == 0 ? p.wallTime : std::min(first, p.wallTime);
                    last = std::max(last, p.wallTime);
                }
            }
            if (badTimes > 0)
                source.problems << ImportProblem { file,
                    QStringLiteral("%1 points have a wall time that is no time (NaN, infinite or out of range): "
                                   "kept at the run's start time")
                        .arg(badTimes) };
            control.report(totalBytes > 0 ? double(doneBytes) / double(totalBytes) : 1.0);
        }
        r.run.startTime = opened > 0 ? (first > 0 ? std::min(opened, first) : opened) : first;
        for (MetricHistory& h : histories) {
            for (double& t : h.times)
                if (std::isnan(t))
                    t = r.run.startTime;
            sortHistory(h);
            r.metrics << std::move(h);
        }
        if (last > 0)
            r.endTime = std::max(last, r.run.startTime);
        else if (lastOpened > 0)
            r.endTime = lastOpened;
        source.runs << std::move(r);
    }
    return source;
}

} // namespace reprise
