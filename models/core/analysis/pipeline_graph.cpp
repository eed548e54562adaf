#include "analysis/pipeline_graph.h"

#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace reprise {

namespace {

    /// Artifacts match across steps by row id, or by path and content hash when both are known.
    QString artifactKey(const ArtifactRecord& a)
    {
        return a.hash.isEmpty() ? QStringLiteral("#%1").arg(a.id) : a.path + u'@' + a.hash;
    }

    QString edgeLabel(const ArtifactRecord& a)
    {
        const QString hash = shortHash(a.hash);
        return hash.isEmpty() ? a.path : a.path + u' ' + hash;
    }

    /// Keys of a run's steps: the name, with " #k" added to the k-th repeat of a name.
    QStringList stepKeys(const RunRecord& run, QStringList* warnings)
    {
        QHash<QString, int> seen;
        QStringList keys;
        for (const StepRecord& s : run.steps) {
            const int n = ++seen[s.name];
            keys << (n == 1 ? s.name : QStringLiteral("%1 #%2").arg(s.name).arg(n));
        }
        if (warnings) {
            for (auto it = seen.begin(); it != seen.end(); ++it) {
                if (it.value() > 1) {
                    *warnings << QStringLiteral("the step name '%1' is used %2 times; repeats are shown as '%1 #2', …")
                                     .arg(it.key())
                                     .arg(it.value());
                }
            }
        }
        return keys;
    }

    /// Step-to-step edges of a run (indices into run.steps) with the connecting artifact's label.
    std::vector<PipelineEdge> stepEdges(const RunRecord& run, QStringList* warnings)
    {
        std::multimap<QString, int> producers;
        for (int i = 0; i < int(run.steps.size()); ++i) {
            for (const ArtifactRecord& a : run.steps[i].outputs)
                producers.emplace(artifactKey(a), i);
        }
        std::vector<PipelineEdge> edges;
        std::set<std::pair<int, int>> seen;
        for (int i = 0; i < int(run.steps.size()); ++i) {
            const StepRecord& step = run.steps[i];
            for (const ArtifactRecord& a : step.inputs) {
                if (a.path.isEmpty() && warnings)
                    *warnings << QStringLiteral("step '%1' refers to artifact #%2, which is not recorded")
                                     .arg(step.name)
                                     .arg(a.id);
                auto [from, to] = producers.equal_range(artifactKey(a));
                for (auto it = from; it != to; ++it) {
                    if (it->second == i) {
                        if (warnings)
                            *warnings << QStringLiteral("step '%1' reads its own output '%2'; that loop is not drawn")
                                             .arg(step.name, a.path);
                        continue;
                    }
                    if (seen.insert({ it->second, i }).second)
                        edges.push_back({ it->second, i, edgeLabel(a) });
                }
            }
            for (const QString& before : step.after) {
                // The latest earlier step of that name (names may repeat).
                for (int j = i - 1; j >= 0; --j) {
                    if (run.steps[j].name == before) {
                        if (seen.insert({ j, i }).second)
                            edges.push_back({ j, i, {} });
                        break;
                    }
                }
            }
        }
        return edges;
    }

    QList<std::pair<QString, QString>> hashes(const QList<ArtifactRecord>& list)
    {
        QList<std::pair<QString, QString>> out;
        for (const ArtifactRecord& a : list)
            out << std::pair { a.path, a.hash };
        std::sort(out.begin(), out.end());
        return out;
    }

    /// "input data/raw.csv: 1111aaaa → 9999ffff" for each artifact whose hash differs (or that one side lacks).
    QStringList artifactChanges(const QString& what, const QList<ArtifactRecord>& a, const QList<ArtifactRecord>& b)
    {
        QStringList out;
        const auto ia = hashes(a), ib = hashes(b);
        if (ia == ib)
            return out;
        QMap<QString, QString> before, after;
        for (const auto& [p, h] : ia)
            before.insert(p, h);
        for (const auto& [p, h] : ib)
            after.insert(p, h);
        QStringList paths = before.keys() + after.keys();
        paths.removeDuplicates();
        for (const QString& p : paths) {
            if (before.value(p, QStringLiteral("-")) != after.value(p, QStringLiteral("-"))) {
                out << QStringLiteral("%1 %2: %3 → %4")
                           .arg(what, p, before.contains(p) ? shortHash(before.value(p)) : QStringLiteral("(none)"),
                               after.contains(p) ? shortHash(after.value(p)) : QStringLiteral("(none)"));
            }
        }
        return out;
    }

    QStringList compareSteps(const StepRecord& a, const StepRecord& b)
    {
        QStringList reasons;
        const QJsonObject pa = QJsonDocument::fromJson(a.paramsJson.toUtf8()).object();
        const QJsonObject pb = QJsonDocument::fromJson(b.paramsJson.toUtf8()).object();
        if (pa != pb) {
            QStringList keys = pa.keys() + pb.keys();
            keys.removeDuplicates();
            keys.sort();
            for (const QString& k : keys) {
                if (pa.value(k) != pb.value(k)) {
                    auto text = [](const QJsonValue& v) {
                        return v.isUndefined()
                            ? QStringLiteral("(unset)")
                            : QString::fromUtf8(QJsonDocument(QJsonObject { { QStringLiteral("v"), v } })
                                                    .toJson(QJsonDocument::Compact))
                                  .mid(5)
                                  .chopped(1);
                    };
                    reasons << QStringLiteral("param %1: %2 → %3").arg(k, text(pa.value(k)), text(pb.value(k)));
                }
            }
        }
        if (a.command != b.command)
            reasons << QStringLiteral("command: %1 → %2").arg(a.command, b.command);
        reasons << artifactChanges(QStringLiteral("input"), a.inputs, b.inputs);
        return reasons;
    }

} // namespace

QString toString(StepChange change)
{
    switch (change) {
    case StepChange::None:
        return {};
    case StepChange::Unchanged:
        return QStringLiteral("unchanged");
    case StepChange::Changed:
        return QStringLiteral("changed");
    case StepChange::Added:
        return QStringLiteral("added");
    case StepChange::Removed:
        return QStringLiteral("removed");
    }
    return {};
}

QString shortHash(const QString& hash)
{
    const qsizetype colon = hash.indexOf(u':');
    return hash.mid(colon + 1, 8);
}

int PipelineGraph::stepCount() const
{
    return int(std::count_if(
        nodes.begin(), nodes.end(), [](const PipelineNode& n) { return n.kind == PipelineNode::Kind::Step; }));
}

PipelineGraph buildPipelineGraph(const RunRecord& run, bool artifactNodes)
{
    PipelineGraph graph;
    const QStringList keys = stepKeys(run, &graph.warnings);
    for (int i = 0; i < int(run.steps.size()); ++i) {
        PipelineNode node;
        node.key = keys[i];
        node.label = keys[i];
        node.step = run.steps[i];
        graph.nodes.push_back(std::move(node));
    }
    std::vector<PipelineEdge> edges = stepEdges(run, &graph.warnings);
    if (!artifactNodes) {
        graph.edges = std::move(edges);
    } else {
        // step → artifact → step; explicit dependencies stay direct edges.
        QHash<QString, int> artifactNode;
        std::set<std::pair<int, int>> seen;
        auto nodeFor = [&](const ArtifactRecord& a) {
            const QString key = artifactKey(a);
            auto it = artifactNode.constFind(key);
            if (it != artifactNode.constEnd())
                return *it;
            PipelineNode node;
            node.kind = PipelineNode::Kind::Artifact;
            node.key = key;
            node.label = a.path.isEmpty() ? QStringLiteral("#%1").arg(a.id) : a.path;
            node.artifact = a;
            graph.nodes.push_back(node);
            artifactNode.insert(key, int(graph.nodes.size()) - 1);
            return int(graph.nodes.size()) - 1;
        };
        for (int i = 0; i < int(run.steps.size()); ++i) {
            for (const ArtifactRecord& a : run.steps[i].outputs) {
                const int n = nodeFor(a);
                if (seen.insert({ i, n }).second)
                    graph.edges.push_back({ i, n, {} });
            }
        }
        for (int i = 0; i < int(run.steps.size()); ++i) {
            for (const ArtifactRecord& a : run.steps[i].inputs) {
                const int n = nodeFor(a);
                // An artifact a step both reads and writes would be a loop: drawn as its output only.
                if (seen.count({ i, n }))
                    continue;
                if (seen.insert({ n, i }).second)
                    graph.edges.push_back({ n, i, {} });
            }
        }
        for (const PipelineEdge& e : edges) {
            if (e.label.isEmpty())
                graph.edges.push_back(e);
        }
    }
    graph.warnings.removeDuplicates();
    return graph;
}

PipelineGraph diffPipelines(const RunRecord& before, const RunRecord& after)
{
    PipelineGraph graph;
    const QStringList keysA = stepKeys(before, nullptr);
    const QStringList keysB = stepKeys(after, &graph.warnings);
    QHash<QString, int> indexA, indexB, nodeOf;
    for (int i = 0; i < keysA.size(); ++i)
        indexA.insert(keysA[i], i);
    for (int i = 0; i < keysB.size(); ++i)
        indexB.insert(keysB[i], i);

    auto addNode = [&](const QString& key) {
        PipelineNode node;
        node.key = key;
        node.label = key;
        const int a = indexA.value(key, -1), b = indexB.value(key, -1);
        if (a >= 0 && b >= 0) {
            node.step = after.steps[b];
            node.previous = before.steps[a];
            node.reasons = compareSteps(before.steps[a], after.steps[b]);
            node.outputsDiffer = hashes(before.steps[a].outputs) != hashes(after.steps[b].outputs);
            if (node.outputsDiffer) {
                // Other outputs are a change of the step even when nothing it declares changed (it read
                // data it does not declare, or is not deterministic): never "unchanged".
                if (node.reasons.isEmpty())
                    node.reasons << QStringLiteral("same params, command and inputs, other outputs");
                node.reasons << artifactChanges(
                    QStringLiteral("output"), before.steps[a].outputs, after.steps[b].outputs);
            }
            node.change = node.reasons.isEmpty() ? StepChange::Unchanged : StepChange::Changed;
        } else if (b >= 0) {
            node.step = after.steps[b];
            node.change = StepChange::Added;
        } else {
            node.step = before.steps[a];
            node.change = StepChange::Removed;
        }
        nodeOf.insert(key, int(graph.nodes.size()));
        graph.nodes.push_back(std::move(node));
    };
    for (const QString& key : keysB)
        addNode(key);
    for (const QString& key : keysA) {
        if (!indexB.contains(key))
            addNode(key);
    }
    std::set<std::pair<int, int>> seen;
    auto addEdges = [&](const RunRecord& run, const QStringList& keys) {
        for (const PipelineEdge& e : stepEdges(run, nullptr)) {
            const int from = nodeOf.value(keys[e.from]), to = nodeOf.value(keys[e.to]);
            if (seen.insert({ from, to }).second)
                graph.edges.push_back({ from, to, e.label });
        }
    };
    addEdges(after, keysB);
    addEdges(before, keysA);

    // The first step, in dependency order, whose outputs differ: where the runs part.
    auto layout = layoutPipeline(graph);
    auto earlier = [&](int a, int b) {
        return layout && layout->layer[a] != layout->layer[b] ? layout->layer[a] < layout->layer[b] : a < b;
    };
    int first = -1;
    for (int i = 0; i < int(graph.nodes.size()); ++i) {
        if (graph.nodes[i].outputsDiffer && (first < 0 || earlier(i, first)))
            first = i;
    }
    if (first >= 0) {
        graph.nodes[first].firstDivergence = true;
        graph.firstDivergence = graph.nodes[first].key;
    }
    graph.warnings.removeDuplicates();
    return graph;
}

Result<DagLayout> layoutPipeline(
    const PipelineGraph& graph, const DagLayoutOptions& options, const std::vector<QSizeF>& sizes)
{
    DagLayoutInput input;
    for (const PipelineNode& node : graph.nodes) {
        input.sizes.push_back(node.kind == PipelineNode::Kind::Step ? QSizeF(170, 58) : QSizeF(130, 34));
        input.names << node.label;
    }
    if (sizes.size() == graph.nodes.size())
        input.sizes = sizes;
    for (const PipelineEdge& e : graph.edges)
        input.edges.emplace_back(e.from, e.to);
    return layoutDag(input, options);
}

} // namespace reprise
