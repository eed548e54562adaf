// Weights & Biases run folders (wandb/run-*/, wandb/offline-run-*/): the .wandb transaction log
// (history, summary, config, output, exit), and beside it files/config.yaml, wandb-summary.json,
// wandb-metadata.json, output.log, requirements.txt and diff.patch. One run per folder.

#include "import/checked_number.h"
#include "import/simple_yaml.h"
#include "import/source_reader.h"
#include "import/wandb_log.h"

#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <cmath>
#include <limits>

namespace reprise {

namespace {

    // Python's json module writes NaN, Infinity and -Infinity bare, which JSON (and QJsonDocument)
    // does not allow: outside strings they become these marker strings before parsing.
    const QString kNan = QStringLiteral("\u0001nan");
    const QString kInf = QStringLiteral("\u0001inf");
    const QString kNegInf = QStringLiteral("\u0001-inf");

    QByteArray withMarkers(QByteArrayView text)
    {
        QByteArray out;
        out.reserve(text.size() + 8);
        bool inString = false;
        for (qsizetype i = 0; i < text.size(); ++i) {
            const char c = text[i];
            if (inString) {
                out += c;
                if (c == '\\' && i + 1 < text.size())
                    out += text[++i];
                else if (c == '"')
                    inString = false;
                continue;
            }
            if (c == '"') {
                inString = true;
                out += c;
            } else if (text.sliced(i).startsWith("NaN")) {
                out += "\"\\u0001nan\"";
                i += 2;
            } else if (text.sliced(i).startsWith("-Infinity")) {
                out += "\"\\u0001-inf\"";
                i += 8;
            } else if (text.sliced(i).startsWith("Infinity")) {
                out += "\"\\u0001inf\"";
                i += 7;
            } else {
                out += c;
            }
        }
        return out;
    }

    /// A JSON value as W&B writes it (NaN and infinities allowed); undefined when it is no JSON.
    QJsonValue parseValue(const QString& json)
    {
        QJsonParseError error {};
        const QJsonDocument doc
            = QJsonDocument::fromJson(QByteArray("[") + withMarkers(json.toUtf8()) + QByteArray("]"), &error);
        if (error.error != QJsonParseError::NoError || !doc.isArray() || doc.array().size() != 1)
            return QJsonValue(QJsonValue::Undefined);
        return doc.array().first();
    }

    QJsonObject parseObject(const QByteArray& bytes, QString* error)
    {
        QJsonParseError e {};
        const QJsonDocument doc = QJsonDocument::fromJson(withMarkers(bytes), &e);
        if (e.error != QJsonParseError::NoError && error)
            *error = QStringLiteral("not valid JSON at byte %1 (%2)").arg(e.offset).arg(e.errorString());
        else if (!doc.isObject() && error)
            *error = QStringLiteral("not a JSON object");
        return doc.object();
    }

    std::optional<double> numberOf(const QJsonValue& v)
    {
        if (v.isDouble())
            return v.toDouble();
        if (v.isString()) {
            const QString s = v.toString();
            if (s == kNan)
                return std::numeric_limits<double>::quiet_NaN();
            if (s == kInf)
                return std::numeric_limits<double>::infinity();
            if (s == kNegInf)
                return -std::numeric_limits<double>::infinity();
        }
        return std::nullopt;
    }

    /// The numbers in `value` under `key`, nested objects flattened with '/'; media (objects with a
    /// `_type`: images, tables, histograms), text, booleans and lists are counted in `skipped`.
    void numbersOf(const QString& key, const QJsonValue& value, QList<std::pair<QString, double>>& out, qint64& skipped)
    {
        if (const auto number = numberOf(value)) {
            out.append({ key, *number });
            return;
        }
        if (value.isObject() && !value.toObject().contains(QLatin1String("_type"))) {
            const QJsonObject object = value.toObject();
            for (auto it = object.begin(); it != object.end(); ++it)
                numbersOf(key + u'/' + it.key(), it.value(), out, skipped);
            return;
        }
        if (!value.isNull() && !value.isUndefined())
            ++skipped;
    }

    /// A config value as a param's text: numbers in their shortest form, lists and objects as JSON.
    QString paramText(const QJsonValue& v)
    {
        if (const auto number = numberOf(v))
            return shortestText(*number);
        if (v.isString())
            return v.toString();
        if (v.isBool())
            return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
        if (v.isNull())
            return QStringLiteral("null");
        const QJsonDocument doc = v.isArray() ? QJsonDocument(v.toArray()) : QJsonDocument(v.toObject());
        return QString::fromUtf8(doc.toJson(QJsonDocument::Compact));
    }

    /// Config entries (from the log) as params; objects flattened with '.' as config.yaml's are.
    void configParams(const QString& key, const QJsonValue& v, QMap<QString, ParamValue>& params)
    {
        if (v.isObject()) {
            const QJsonObject object = v.toObject();
            for (auto it = object.begin(); it != object.end(); ++it)
                configParams(key + u'.' + it.key(), it.value(), params);
            return;
        }
        params.insert(key, ParamValue::infer(paramText(v)));
    }

    bool isInternal(const QString& key) { return key.startsWith(u'_'); }

    /// "2021-02-16T23:44:07.003488" (W&B writes UTC without a zone) as seconds since the epoch.
    double isoSeconds(const QString& text)
    {
        QDateTime t = QDateTime::fromString(text, Qt::ISODateWithMs);
        if (!t.isValid())
            t = QDateTime::fromString(text.left(19), Qt::ISODate);
        if (!t.isValid())
            return 0;
        if (t.timeSpec() == Qt::LocalTime)
            t.setTimeSpec(Qt::UTC);
        return double(t.toMSecsSinceEpoch()) / 1000.0;
    }

    /// The run id in a folder name: run-20210216_154407-g9dvvkua → g9dvvkua.
    QString idFromFolder(const QString& folder)
    {
        const QString name = QFileInfo(folder).fileName();
        return name.contains(u'-') ? name.section(u'-', -1) : name;
    }

    struct Reader {
        const QString folder;
        ImportedSource& source;
        double m_heartbeat = 0; ///< wandb-metadata.json's heartbeatAt

        void problem(const QString& file, const QString& message)
        {
            source.problems << ImportProblem { file, message };
        }

        QString filePath(const QString& name) const { return folder + QStringLiteral("/files/") + name; }

        ImportedRun read(const QStringList& logs)
        {
            ImportedRun r;
            WandbLog log;
            for (const QString& file : logs) {
                WandbLog part = parseWandbLog(readWholeFile(file));
                if (part.damaged > 0)
                    problem(file,
                        QStringLiteral("%1 damaged parts skipped (the first: %2); kept the %3 records around them")
                            .arg(part.damaged)
                            .arg(part.problem)
                            .arg(part.records));
                if (part.truncated)
                    problem(file,
                        QStringLiteral("the last record is cut short (the run was still writing, or the copy is "
                                       "incomplete); kept the %1 records before it")
                            .arg(part.records));
                merge(log, std::move(part));
            }

            // Identity: the log's run record, else the folder's name.
            const QString runId = log.runId.isEmpty() ? idFromFolder(folder) : log.runId;
            r.run.kind = QStringLiteral("import");
            r.run.uuid = stableRunId(
                QStringLiteral("wandb:%1/%2/%3/%4").arg(log.entity, log.project, runId, QFileInfo(folder).fileName()));
            r.run.name = log.displayName.isEmpty() ? runId : log.displayName;
            r.run.project = log.project.isEmpty() ? QStringLiteral("wandb") : log.project;
            r.run.host = log.host;
            r.notes = log.notes;
            r.run.tags.insert(QStringLiteral("import.source"), QStringLiteral("wandb"));
            r.run.tags.insert(QStringLiteral("wandb.run_id"), runId);
            const auto tag = [&](const char* name, const QString& value) {
                if (!value.isEmpty())
                    r.run.tags.insert(QString::fromLatin1(name), value);
            };
            tag("wandb.entity", log.entity);
            tag("wandb.group", log.group);
            tag("wandb.job_type", log.jobType);
            tag("wandb.sweep", log.sweepId);
            tag("wandb.tags", log.tags.join(u','));
            r.run.launch.workingDir = folder;

            readParams(r, log);
            readMetadata(r, log);
            if (r.run.startTime <= 0 && log.startTime > 0 && checkedEpochSeconds(log.startTime))
                r.run.startTime = log.startTime;
            if (log.startTime > 0 && checkedEpochSeconds(log.startTime))
                r.run.startTime = log.startTime; // the log's own start beats the metadata's
            if (r.run.startTime <= 0)
                r.run.startTime = double(QFileInfo(folder).lastModified().toSecsSinceEpoch());

            const double lastPoint = readHistory(r, log);
            readSummary(r, log, lastPoint);
            readOutput(r, log);
            readPackages(r);

            if (log.exited) {
                r.status = log.exitCode == 0 ? RunStatus::Finished : RunStatus::Failed;
                r.exitCode = log.exitCode;
                r.endTime = r.run.startTime + double(std::max<qint64>(log.runtimeSeconds, 0));
            } else {
                // No exit record: the process died (W&B calls it crashed), or is still running.
                r.status = RunStatus::Killed;
                r.run.tags.insert(QStringLiteral("wandb.state"), QStringLiteral("no exit recorded"));
                r.endTime = std::max(r.run.startTime, lastPoint);
            }
            // The exit record's runtime is whole seconds (0 for a short run): the last point or the
            // metadata's last heartbeat may be later.
            for (const double later : { lastPoint, m_heartbeat })
                if (later > 0 && checkedEpochSeconds(later) && r.endTime && later > *r.endTime)
                    r.endTime = later;
            return r;
        }

        static void merge(WandbLog& into, WandbLog&& part)
        {
            if (!part.isWandbLog)
                return;
            const auto take = [](QString& a, const QString& b) {
                if (!b.isEmpty())
                    a = b;
            };
            take(into.runId, part.runId);
            take(into.entity, part.entity);
            take(into.project, part.project);
            take(into.displayName, part.displayName);
            take(into.group, part.group);
            take(into.jobType, part.jobType);
            take(into.notes, part.notes);
            take(into.host, part.host);
            take(into.sweepId, part.sweepId);
            take(into.gitRemote, part.gitRemote);
            take(into.gitCommit, part.gitCommit);
            if (!part.tags.isEmpty())
                into.tags = part.tags;
            if (into.startTime <= 0)
                into.startTime = part.startTime;
            for (auto it = part.config.begin(); it != part.config.end(); ++it)
                into.config.insert(it.key(), *it);
            for (auto it = part.summary.begin(); it != part.summary.end(); ++it)
                into.summary.insert(it.key(), *it);
            into.history += part.history;
            into.output += part.output;
            if (part.exited) {
                into.exited = true;
                into.exitCode = part.exitCode;
                into.runtimeSeconds = part.runtimeSeconds;
            }
        }

        /// files/config.yaml (each key wrapped as {value: ..., desc: ...}; `_wandb` is W&B's own),
        /// else the config records of the log.
        void readParams(ImportedRun& r, const WandbLog& log)
        {
            const QString path = filePath(QStringLiteral("config.yaml"));
            if (QFileInfo(path).isFile()) {
                const YamlDocument yaml = parseYaml(readWholeFile(path));
                if (!yaml.error.isEmpty())
                    problem(path, yaml.error + QStringLiteral("; the rest was read"));
                const QVariantMap root = yaml.root.toMap();
                for (auto it = root.begin(); it != root.end(); ++it) {
                    if (it.key() == QLatin1String("wandb_version") || it.key() == QLatin1String("_wandb"))
                        continue;
                    QVariant value = *it;
                    if (value.typeId() == QMetaType::QVariantMap && value.toMap().contains(QStringLiteral("value")))
                        value = value.toMap().value(QStringLiteral("value"));
                    const QMap<QString, QString> flat = flattenYaml(QVariantMap { { it.key(), value } });
                    for (auto f = flat.begin(); f != flat.end(); ++f)
                        r.run.params.insert(f.key(), ParamValue::infer(*f));
                }
                return;
            }
            for (auto it = log.config.begin(); it != log.config.end(); ++it) {
                if (it.key() == QLatin1String("_wandb"))
                    continue;
                QJsonValue value = parseValue(*it);
                if (value.isUndefined()) {
                    r.run.params.insert(it.key(), ParamValue::infer(*it));
                    continue;
                }
                if (value.isObject() && value.toObject().contains(QLatin1String("value")))
                    value = value.toObject().value(QLatin1String("value"));
                configParams(it.key(), value, r.run.params);
            }
        }

        /// files/wandb-metadata.json: code version, launch spec, runtime, user and host.
        void readMetadata(ImportedRun& r, const WandbLog& log)
        {
            const QString path = filePath(QStringLiteral("wandb-metadata.json"));
            QJsonObject meta;
            if (QFileInfo(path).isFile()) {
                QString error;
                meta = parseObject(readWholeFile(path), &error);
                if (!error.isEmpty())
                    problem(path, error);
            }
            const QJsonObject git = meta.value(QLatin1String("git")).toObject();
            r.run.code.commit = git.value(QLatin1String("commit")).toString(log.gitCommit);
            const QString remote = git.value(QLatin1String("remote")).toString(log.gitRemote);
            if (!remote.isEmpty())
                r.run.tags.insert(QStringLiteral("git.remote"), remote);
            const QString root = meta.value(QLatin1String("root")).toString();
            r.run.code.root = root;
            const QString patch = QString::fromUtf8(readWholeFile(filePath(QStringLiteral("diff.patch"))));
            if (!patch.isEmpty()) {
                r.run.code.patch = patch;
                r.run.code.dirty = true;
            }
            r.run.user = meta.value(QLatin1String("username")).toString();
            if (const QString host = meta.value(QLatin1String("host")).toString(); !host.isEmpty())
                r.run.host = host;
            if (const double started = isoSeconds(meta.value(QLatin1String("startedAt")).toString()); started > 0)
                r.run.startTime = started;
            m_heartbeat = isoSeconds(meta.value(QLatin1String("heartbeatAt")).toString());

            const QString executable = meta.value(QLatin1String("executable")).toString();
            const QString program = meta.value(QLatin1String("program")).toString();
            const QString codePath = meta.value(QLatin1String("codePath")).toString();
            if (!program.isEmpty() && !program.startsWith(u'<')) {
                r.run.launch.argv << (executable.isEmpty() ? QStringLiteral("python3") : executable) << program;
                for (const QJsonValue& arg : meta.value(QLatin1String("args")).toArray())
                    r.run.launch.argv << arg.toString();
                // A relative program ran from the folder that holds it: codePath is it relative to the
                // repository root, so that folder is root + codePath less the program.
                QString cwd = root;
                if (!root.isEmpty() && !QDir::isAbsolutePath(program) && codePath.endsWith(program)
                    && (codePath.size() == program.size() || codePath[codePath.size() - program.size() - 1] == u'/'))
                    cwd = QDir::cleanPath(root + u'/' + codePath.chopped(program.size()));
                if (!cwd.isEmpty())
                    r.run.launch.workingDir = cwd;
            }
            const auto runtime = [&](const char* key, const char* field) {
                const QString value = meta.value(QLatin1String(field)).toString();
                if (!value.isEmpty())
                    r.runtime.insert(QString::fromLatin1(key), value);
            };
            runtime("python", "python");
            runtime("executable", "executable");
            runtime("platform", "os");
        }

        /// History rows as metric histories: `_step` as the step (else the row's HistoryStep, else
        /// its position), `_timestamp` as the time. Returns the latest time of a point (0: none).
        double readHistory(ImportedRun& r, const WandbLog& log)
        {
            QMap<QString, MetricHistory> histories;
            qint64 skipped = 0, badSteps = 0, position = 0;
            double latest = 0;
            for (const WandbHistoryRow& row : log.history) {
                std::optional<qint64> step = row.step;
                double time = 0, runtime = -1;
                QList<std::pair<QString, double>> points;
                bool badStep = false;
                for (const WandbItem& item : row.items) {
                    if (item.key == QLatin1String("_step")) {
                        step = integerFromText(item.valueJson);
                        badStep = !step;
                    } else if (item.key == QLatin1String("_timestamp")) {
                        time = numberOf(parseValue(item.valueJson)).value_or(0);
                    } else if (item.key == QLatin1String("_runtime")) {
                        runtime = numberOf(parseValue(item.valueJson)).value_or(-1);
                    } else if (!isInternal(item.key)) {
                        const QJsonValue value = parseValue(item.valueJson);
                        if (value.isUndefined())
                            ++skipped;
                        else
                            numbersOf(item.key, value, points, skipped);
                    }
                }
                if (badStep) {
                    ++badSteps;
                    continue;
                }
                const qint64 s = step.value_or(position);
                ++position;
                if (!checkedEpochSeconds(time) || time <= 0)
                    time = runtime >= 0 && std::isfinite(runtime) ? r.run.startTime + runtime : r.run.startTime;
                latest = std::max(latest, time);
                for (const auto& [key, value] : points) {
                    MetricHistory& h = histories[key];
                    h.key = key;
                    h.steps.push_back(s);
                    h.values.push_back(value);
                    h.times.push_back(time);
                }
            }
            const QString file = folder;
            if (skipped > 0) {
                r.run.tags.insert(QStringLiteral("wandb.skipped_values"), QString::number(skipped));
                problem(file,
                    QStringLiteral("%1 history values that are not numbers (images, tables, histograms, text) "
                                   "skipped")
                        .arg(skipped));
            }
            if (badSteps > 0)
                problem(file,
                    QStringLiteral("%1 history rows skipped: their _step is not a whole number that fits in 64 bits")
                        .arg(badSteps));
            for (MetricHistory& h : histories) {
                sortHistory(h);
                r.metrics << std::move(h);
            }
            return latest;
        }

        /// The summary (files/wandb-summary.json, else the log's summary records): a key without a
        /// history becomes a one-point metric at the summary's _step.
        void readSummary(ImportedRun& r, const WandbLog& log, double lastPoint)
        {
            QJsonObject summary;
            const QString path = filePath(QStringLiteral("wandb-summary.json"));
            if (QFileInfo(path).isFile()) {
                QString error;
                summary = parseObject(readWholeFile(path), &error);
                if (!error.isEmpty())
                    problem(path, error + QStringLiteral("; the summary records of the log are used"));
            }
            if (summary.isEmpty()) {
                for (auto it = log.summary.begin(); it != log.summary.end(); ++it) {
                    const QJsonValue v = parseValue(*it);
                    if (!v.isUndefined())
                        summary.insert(it.key(), v);
                }
            }
            QSet<QString> withHistory;
            qint64 lastStep = 0;
            for (const MetricHistory& h : std::as_const(r.metrics)) {
                withHistory.insert(h.key);
                if (h.size())
                    lastStep = std::max(lastStep, h.steps.back());
            }
            const auto step = summary.contains(QLatin1String("_step"))
                ? checkedInteger(summary.value(QLatin1String("_step")).toDouble(-1))
                : std::optional<qint64>(lastStep);
            double time = summary.value(QLatin1String("_timestamp")).toDouble(0);
            if (!checkedEpochSeconds(time) || time <= 0)
                time = lastPoint > 0 ? lastPoint : r.run.startTime;
            qint64 skipped = 0;
            QList<std::pair<QString, double>> points;
            for (auto it = summary.begin(); it != summary.end(); ++it)
                if (!isInternal(it.key()))
                    numbersOf(it.key(), it.value(), points, skipped);
            for (const auto& [key, value] : points) {
                if (withHistory.contains(key))
                    continue;
                MetricHistory h;
                h.key = key;
                h.steps.push_back(step.value_or(lastStep));
                h.values.push_back(value);
                h.times.push_back(time);
                r.metrics << std::move(h);
            }
        }

        /// files/output.log, else the output records of the log.
        void readOutput(ImportedRun& r, const WandbLog& log)
        {
            const QByteArray text = readWholeFile(filePath(QStringLiteral("output.log")));
            if (!text.isEmpty()) {
                r.output << OutputChunk { QStringLiteral("stdout"), r.run.startTime, QString::fromUtf8(text) };
                return;
            }
            for (const WandbOutputLine& line : log.output) {
                const QString stream = line.isError ? QStringLiteral("stderr") : QStringLiteral("stdout");
                const double time = line.time > 0 && checkedEpochSeconds(line.time) ? line.time : r.run.startTime;
                if (!r.output.isEmpty() && r.output.last().stream == stream)
                    r.output.last().data += line.line;
                else
                    r.output << OutputChunk { stream, time, line.line };
            }
        }

        /// files/requirements.txt ("name==version" lines) as the runtime's packages.
        void readPackages(ImportedRun& r)
        {
            const QByteArray text = readWholeFile(filePath(QStringLiteral("requirements.txt")));
            for (const QByteArray& raw : text.split('\n')) {
                const QString line = QString::fromUtf8(raw).trimmed();
                const qsizetype eq = line.indexOf(QLatin1String("=="));
                if (line.isEmpty() || line.startsWith(u'#') || eq <= 0)
                    continue;
                r.packages.insert(line.left(eq).trimmed(), line.mid(eq + 2).trimmed());
            }
        }
    };

} // namespace

Result<ImportedSource> readWandb(const QString& path, const ReadControl& control)
{
    // The .wandb logs by run folder. Links are not followed (W&B's latest-run link would read a run
    // twice, and a link loop must not hang this).
    QMap<QString, QStringList> byFolder;
    const QFileInfo root(path);
    if (root.isFile()) {
        byFolder[root.absolutePath()] << root.absoluteFilePath();
    } else {
        QDirIterator it(
            path, { QStringLiteral("*.wandb") }, QDir::Files | QDir::NoSymLinks, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString file = it.next();
            if (QFileInfo(file).isSymLink())
                continue;
            QFile f(file);
            if (f.open(QIODevice::ReadOnly) && isWandbLog(f.read(7)))
                byFolder[QFileInfo(file).absolutePath()] << file;
        }
    }
    if (byFolder.isEmpty())
        return Error { path + QStringLiteral(": no W&B run folder (a .wandb log beginning with :W&B) in it"), {} };
    ImportedSource source;
    source.kind = SourceKind::Wandb;
    qsizetype done = 0;
    for (auto it = byFolder.begin(); it != byFolder.end(); ++it) {
        if (control.cancelled())
            return Error { QStringLiteral("import cancelled"), {} };
        QStringList logs = *it;
        logs.sort();
        Reader reader { it.key(), source };
        source.runs << reader.read(logs);
        control.report(double(++done) / double(byFolder.size()));
    }
    return source;
}

} // namespace reprise
