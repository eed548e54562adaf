#include "cli/cli_common.h"
#include "store/run_format.h"
#include "text/display_text.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <cmath>

namespace reprise::cli {

namespace {

    QJsonObject mapJson(const QMap<QString, QString>& map)
    {
        QJsonObject o;
        for (auto it = map.begin(); it != map.end(); ++it)
            o.insert(it.key(), it.value());
        return o;
    }

    QJsonValue paramJson(const ParamValue& p)
    {
        bool ok = false;
        if (p.type == QLatin1String("int")) {
            const qint64 v = p.value.toLongLong(&ok);
            if (ok)
                return QJsonValue(v);
        }
        if (p.type == QLatin1String("float")) {
            const double v = p.value.toDouble(&ok);
            if (ok)
                return jsonNumber(v);
        }
        if (p.type == QLatin1String("bool"))
            return p.value == QLatin1String("true");
        if (p.type == QLatin1String("json")) {
            const QJsonDocument d = QJsonDocument::fromJson(p.value.toUtf8());
            if (d.isArray())
                return d.array();
            if (d.isObject())
                return d.object();
        }
        return p.value;
    }

    QJsonValue timeJson(double t) { return std::isnan(t) ? QJsonValue() : QJsonValue(t); }

    QJsonObject recordJson(const RunRecord& r, const QList<OutputChunk>& output)
    {
        QJsonObject params;
        for (auto it = r.params.begin(); it != r.params.end(); ++it)
            params.insert(it.key(), paramJson(*it));
        QJsonObject metrics;
        for (const MetricSummary& m : r.metrics) {
            metrics.insert(m.key,
                QJsonObject { { QStringLiteral("value"), jsonNumber(m.value) }, { QStringLiteral("step"), m.step },
                    { QStringLiteral("time"), m.time }, { QStringLiteral("count"), m.count } });
        }
        QJsonArray steps;
        for (const StepRecord& s : r.steps) {
            steps.append(QJsonObject { { QStringLiteral("name"), s.name }, { QStringLiteral("status"), s.status },
                { QStringLiteral("started"), timeJson(s.startTime) }, { QStringLiteral("ended"), timeJson(s.endTime) },
                { QStringLiteral("cached"), s.cached }, { QStringLiteral("command"), s.command },
                { QStringLiteral("params"), QJsonDocument::fromJson(s.paramsJson.toUtf8()).object() },
                { QStringLiteral("after"), QJsonArray::fromStringList(s.after) },
                { QStringLiteral("inputs"), artifactsJson(s.inputs) },
                { QStringLiteral("outputs"), artifactsJson(s.outputs) } });
        }
        QJsonArray datasets;
        for (const DatasetRecord& d : r.datasets) {
            QJsonArray profiles;
            for (const FeatureProfile& f : d.profiles) {
                profiles.append(
                    QJsonObject { { QStringLiteral("feature"), f.feature }, { QStringLiteral("type"), f.type },
                        { QStringLiteral("count"), f.count }, { QStringLiteral("missing"), f.missing },
                        { QStringLiteral("stats"), QJsonDocument::fromJson(f.statsJson.toUtf8()).object() } });
            }
            datasets.append(QJsonObject { { QStringLiteral("name"), d.name }, { QStringLiteral("uri"), d.uri },
                { QStringLiteral("hash"), d.hash }, { QStringLiteral("rows"), d.rows },
                { QStringLiteral("role"), d.role }, { QStringLiteral("profiles"), profiles } });
        }
        QJsonArray outputJson;
        for (const OutputChunk& c : output) {
            outputJson.append(QJsonObject { { QStringLiteral("stream"), c.stream }, { QStringLiteral("time"), c.time },
                { QStringLiteral("data"), c.data } });
        }
        return QJsonObject {
            { QStringLiteral("id"), r.uuid },
            { QStringLiteral("project"), r.project },
            { QStringLiteral("name"), r.name },
            { QStringLiteral("status"), toString(r.status) },
            { QStringLiteral("kind"), r.kind },
            { QStringLiteral("parent"), r.parentUuid.isEmpty() ? QJsonValue() : QJsonValue(r.parentUuid) },
            { QStringLiteral("started"), r.startTime },
            { QStringLiteral("ended"), r.endTime ? QJsonValue(*r.endTime) : QJsonValue() },
            { QStringLiteral("exit_code"), r.exitCode ? QJsonValue(*r.exitCode) : QJsonValue() },
            { QStringLiteral("user"), r.user },
            { QStringLiteral("host"), r.host },
            { QStringLiteral("launch"),
                QJsonObject { { QStringLiteral("argv"), QJsonArray::fromStringList(r.launch.argv) },
                    { QStringLiteral("cwd"), r.launch.workingDir },
                    { QStringLiteral("env"), mapJson(r.launch.environment) },
                    { QStringLiteral("config_files"), mapJson(r.launch.configFiles) } } },
            { QStringLiteral("git"),
                QJsonObject { { QStringLiteral("commit"), r.code.commit }, { QStringLiteral("branch"), r.code.branch },
                    { QStringLiteral("root"), r.code.root }, { QStringLiteral("dirty"), r.code.dirty },
                    { QStringLiteral("patch"), r.code.patch } } },
            { QStringLiteral("runtime"), mapJson(r.runtime) },
            { QStringLiteral("packages"), mapJson(r.packages) },
            { QStringLiteral("notes"), r.notes },
            { QStringLiteral("params"), params },
            { QStringLiteral("tags"), mapJson(r.tags) },
            { QStringLiteral("metrics"), metrics },
            { QStringLiteral("steps"), steps },
            { QStringLiteral("artifacts"), artifactsJson(r.artifacts) },
            { QStringLiteral("datasets"), datasets },
            { QStringLiteral("output"), outputJson },
        };
    }

} // namespace

int runShow(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Shows everything recorded about one run."));
    addDatabaseOption(parser);
    parser.addOption({ QStringLiteral("json"), QStringLiteral("One JSON document on stdout (with the full output).") });
    parser.addPositionalArgument(QStringLiteral("RUN"), QStringLiteral("Run id or unique prefix (>= 6 characters)."));
    int exitCode = Ok;
    if (!parseArguments(parser, QStringLiteral("show"), args, exitCode))
        return exitCode;
    if (parser.positionalArguments().size() != 1) {
        printError(QStringLiteral("show: expected one run id"), QStringLiteral("reprise show RUN [--json]"));
        return Usage;
    }
    auto store = openForReading(databasePath(parser));
    if (!store) {
        printError(store.error());
        return Failure;
    }
    auto ref = store->resolveRun(parser.positionalArguments().first());
    if (!ref) {
        printError(ref.error());
        return Failure;
    }
    auto record = store->loadRun(*ref);
    if (!record) {
        printError(record.error());
        return Failure;
    }
    auto output = store->loadOutput(*ref);
    if (!output) {
        printError(output.error());
        return Failure;
    }
    if (parser.isSet(QStringLiteral("json")))
        printJson(QJsonDocument(recordJson(*record, *output)));
    else
        printOut(describeRun(visibleRun(*record), visibleOutput(*output))); // each field escaped on its own
    return Ok;
}

} // namespace reprise::cli
