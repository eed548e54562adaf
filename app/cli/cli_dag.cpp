#include "analysis/pipeline_graph.h"
#include "cli/cli_common.h"
#include "dag/dag_scene.h"
#include "text/display_text.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <cmath>

namespace reprise::cli {

namespace {

    QString dotString(const QString& raw)
    {
        // Visible text first (a name cannot drive the terminal the graph is printed on), then DOT's
        // own escapes.
        QString text = visibleText(raw, LineBreaks::Keep);
        text.replace(u'\\', QStringLiteral("\\\\"))
            .replace(u'"', QStringLiteral("\\\""))
            .replace(u'\n', QStringLiteral("\\n"));
        return u'"' + text + u'"';
    }

    QString toDot(const PipelineGraph& graph, const QString& title)
    {
        QString out = QStringLiteral(
            "digraph %1 {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fontname=\"sans\"];\n")
                          .arg(dotString(title));
        for (const PipelineNode& node : graph.nodes) {
            QString label = node.label;
            if (node.kind == PipelineNode::Kind::Artifact) {
                label += u'\n' + shortHash(node.artifact.hash);
                out += QStringLiteral("  %1 [label=%2, shape=note, fillcolor=\"%3\"];\n")
                           .arg(dotString(node.key), dotString(label), nodeColour(node).name());
                continue;
            }
            label += u'\n' + node.step.status;
            if (node.step.cached)
                label += QStringLiteral(" (cached)");
            if (node.change != StepChange::None)
                label += u'\n' + toString(node.change);
            out += QStringLiteral("  %1 [label=%2, fillcolor=\"%3\"%4];\n")
                       .arg(dotString(node.key), dotString(label), nodeColour(node).name(),
                           node.firstDivergence ? QStringLiteral(", penwidth=3, color=\"#c0392b\"") : QString());
        }
        for (const PipelineEdge& e : graph.edges) {
            out += QStringLiteral("  %1 -> %2%3;\n")
                       .arg(dotString(graph.nodes[size_t(e.from)].key), dotString(graph.nodes[size_t(e.to)].key),
                           e.label.isEmpty() ? QString() : QStringLiteral(" [label=%1]").arg(dotString(e.label)));
        }
        return out + QStringLiteral("}\n");
    }

    QJsonObject toJson(const PipelineGraph& graph, const DagLayout& layout)
    {
        QJsonArray nodes;
        for (size_t i = 0; i < graph.nodes.size(); ++i) {
            const PipelineNode& n = graph.nodes[i];
            QJsonObject o { { QStringLiteral("key"), n.key }, { QStringLiteral("label"), n.label },
                { QStringLiteral("kind"),
                    n.kind == PipelineNode::Kind::Step ? QStringLiteral("step") : QStringLiteral("artifact") },
                { QStringLiteral("layer"), layout.layer[i] }, { QStringLiteral("order"), layout.order[i] },
                { QStringLiteral("x"), layout.position[i].x() }, { QStringLiteral("y"), layout.position[i].y() } };
            if (n.kind == PipelineNode::Kind::Step) {
                o.insert(QStringLiteral("status"), n.step.status);
                o.insert(QStringLiteral("cached"), n.step.cached);
                o.insert(QStringLiteral("command"), n.step.command);
                o.insert(QStringLiteral("started"),
                    std::isnan(n.step.startTime) ? QJsonValue() : QJsonValue(n.step.startTime));
                o.insert(
                    QStringLiteral("ended"), std::isnan(n.step.endTime) ? QJsonValue() : QJsonValue(n.step.endTime));
                o.insert(QStringLiteral("inputs"), artifactsJson(n.step.inputs));
                o.insert(QStringLiteral("outputs"), artifactsJson(n.step.outputs));
            } else {
                o.insert(QStringLiteral("hash"), n.artifact.hash);
                o.insert(QStringLiteral("size"), n.artifact.size >= 0 ? QJsonValue(n.artifact.size) : QJsonValue());
            }
            if (n.change != StepChange::None) {
                o.insert(QStringLiteral("change"), toString(n.change));
                o.insert(QStringLiteral("reasons"), QJsonArray::fromStringList(n.reasons));
                o.insert(QStringLiteral("outputs_differ"), n.outputsDiffer);
            }
            nodes.append(o);
        }
        QJsonArray edges;
        for (size_t e = 0; e < graph.edges.size(); ++e) {
            QJsonArray points;
            for (const QPointF& p : layout.edges[e].points)
                points.append(QJsonArray { p.x(), p.y() });
            edges.append(QJsonObject { { QStringLiteral("from"), graph.nodes[size_t(graph.edges[e].from)].key },
                { QStringLiteral("to"), graph.nodes[size_t(graph.edges[e].to)].key },
                { QStringLiteral("label"), graph.edges[e].label }, { QStringLiteral("points"), points } });
        }
        QJsonObject out { { QStringLiteral("nodes"), nodes }, { QStringLiteral("edges"), edges },
            { QStringLiteral("warnings"), QJsonArray::fromStringList(graph.warnings) },
            { QStringLiteral("width"), layout.size.width() }, { QStringLiteral("height"), layout.size.height() },
            { QStringLiteral("crossings"), layout.crossings } };
        if (!graph.firstDivergence.isEmpty())
            out.insert(QStringLiteral("first_divergence"), graph.firstDivergence);
        return out;
    }

} // namespace

int runDag(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Prints the pipeline DAG of a run: its steps connected by the artifacts they pass on.\n"
        "With --diff OTHER, the steps of RUN and OTHER are matched and marked unchanged/changed/added/removed."));
    addDatabaseOption(parser);
    parser.addOption({ QStringLiteral("format"), QStringLiteral("dot (Graphviz) or json (nodes, edges, positions)."),
        QStringLiteral("FORMAT"), QStringLiteral("dot") });
    parser.addOption(
        { QStringLiteral("artifacts"), QStringLiteral("Draw artifacts as nodes instead of edge labels.") });
    parser.addOption({ QStringLiteral("diff"),
        QStringLiteral("Compare with the steps of run OTHER (RUN is the newer one)."), QStringLiteral("OTHER") });
    parser.addPositionalArgument(QStringLiteral("RUN"), QStringLiteral("Run id or unique prefix."));
    int exitCode = Ok;
    if (!parseArguments(parser, QStringLiteral("dag"), args, exitCode))
        return exitCode;
    const QString format = parser.value(QStringLiteral("format"));
    if (parser.positionalArguments().size() != 1
        || (format != QLatin1String("dot") && format != QLatin1String("json"))) {
        printError(QStringLiteral("dag: expected one run id and --format dot or json"),
            QStringLiteral("reprise dag RUN [--format dot|json] [--artifacts] [--diff OTHER]"));
        return Usage;
    }
    auto store = openForReading(databasePath(parser));
    if (!store) {
        printError(store.error());
        return Failure;
    }
    auto load = [&](const QString& id) { return store->loadRun(id); };
    auto run = load(parser.positionalArguments().first());
    if (!run) {
        printError(run.error());
        return Failure;
    }
    PipelineGraph graph;
    if (parser.isSet(QStringLiteral("diff"))) {
        auto other = load(parser.value(QStringLiteral("diff")));
        if (!other) {
            printError(other.error());
            return Failure;
        }
        graph = diffPipelines(*other, *run);
    } else {
        graph = buildPipelineGraph(*run, parser.isSet(QStringLiteral("artifacts")));
    }
    if (graph.nodes.empty()) {
        printError(QStringLiteral("run ") + run->uuid + QStringLiteral(": no pipeline steps recorded"),
            QStringLiteral(
                "record steps with `with run.step(\"name\", inputs=[...], outputs=[...]):` in the Python client"));
        return Failure;
    }
    for (const QString& warning : graph.warnings)
        printError(QStringLiteral("dag: ") + warning);
    if (format == QLatin1String("dot")) {
        printOut(toDot(graph, run->project + u'/' + run->name));
        return Ok;
    }
    auto layout = layoutPipeline(graph);
    if (!layout) {
        printError(
            QStringLiteral("run ") + run->uuid + QStringLiteral(": ") + layout.error().message, layout.error().hint);
        return Failure;
    }
    QJsonObject out = toJson(graph, *layout);
    out.insert(QStringLiteral("run"), run->uuid);
    printJson(QJsonDocument(out));
    return Ok;
}

} // namespace reprise::cli
