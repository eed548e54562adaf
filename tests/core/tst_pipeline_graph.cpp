// Pipeline graphs from recorded steps, and the DAG diff of two runs, on hand-built runs.

#include "analysis/pipeline_graph.h"

#include <QTest>

using namespace reprise;

namespace {

ArtifactRecord artifact(qint64 id, const QString& path, const QString& hash)
{
    return ArtifactRecord { id, path, hash, 100 };
}

StepRecord step(const QString& name, QList<ArtifactRecord> inputs, QList<ArtifactRecord> outputs,
    const QString& params = QStringLiteral("{}"), const QString& command = QStringLiteral("python step.py"))
{
    StepRecord s;
    s.name = name;
    s.inputs = std::move(inputs);
    s.outputs = std::move(outputs);
    s.paramsJson = params;
    s.command = command;
    s.startTime = 100;
    s.endTime = 160;
    return s;
}

/// load → clean → {train, stats}; train → evaluate
RunRecord baseline()
{
    RunRecord run;
    run.name = QStringLiteral("before");
    run.steps << step("load", {}, { artifact(1, "raw.csv", "sha256:aaaa1111") })
              << step("clean", { artifact(1, "raw.csv", "sha256:aaaa1111") },
                     { artifact(2, "clean.csv", "sha256:bbbb2222") })
              << step("train", { artifact(2, "clean.csv", "sha256:bbbb2222") },
                     { artifact(3, "model.pkl", "sha256:cccc3333") }, "{\"lr\": 0.01}")
              << step("stats", { artifact(2, "clean.csv", "sha256:bbbb2222") },
                     { artifact(4, "stats.json", "sha256:dddd4444") })
              << step("evaluate", { artifact(3, "model.pkl", "sha256:cccc3333") },
                     { artifact(5, "report.json", "sha256:eeee5555") });
    return run;
}

int indexOf(const PipelineGraph& g, const QString& key)
{
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        if (g.nodes[i].key == key)
            return int(i);
    }
    return -1;
}

QStringList edgeList(const PipelineGraph& g)
{
    QStringList out;
    for (const PipelineEdge& e : g.edges)
        out << g.nodes[e.from].key + QStringLiteral("->") + g.nodes[e.to].key;
    out.sort();
    return out;
}

} // namespace

class TestPipelineGraph : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void edgesComeFromArtifacts();
    void artifactsAsNodes();
    void oddInputIsDrawableWithWarnings();
    void diffClassifiesEverySteps();
    void identicalRunsDoNotDiverge();
    void otherOutputsAloneAreAChange();
    void shortHashes();
};

void TestPipelineGraph::edgesComeFromArtifacts()
{
    RunRecord run = baseline();
    run.steps[4].after << QStringLiteral("stats"); // an explicit dependency as well
    const PipelineGraph g = buildPipelineGraph(run);
    QCOMPARE(g.stepCount(), 5);
    QCOMPARE(edgeList(g),
        (QStringList { "clean->stats", "clean->train", "load->clean", "stats->evaluate", "train->evaluate" }));
    for (const PipelineEdge& e : g.edges) {
        if (g.nodes[e.from].key == QLatin1String("load"))
            QCOMPARE(e.label, QStringLiteral("raw.csv aaaa1111"));
        if (g.nodes[e.from].key == QLatin1String("stats"))
            QVERIFY(e.label.isEmpty());
    }
    QVERIFY(g.warnings.isEmpty());
    auto layout = layoutPipeline(g);
    QVERIFY(layout);
    QCOMPARE(layout->layer[indexOf(g, "evaluate")], 3);
}

void TestPipelineGraph::artifactsAsNodes()
{
    const PipelineGraph g = buildPipelineGraph(baseline(), true);
    QCOMPARE(g.stepCount(), 5);
    QCOMPARE(int(g.nodes.size()), 10); // five steps, five artifacts
    QVERIFY(edgeList(g).contains(QStringLiteral("load->raw.csv@sha256:aaaa1111")));
    QVERIFY(edgeList(g).contains(QStringLiteral("clean.csv@sha256:bbbb2222->stats")));
    QCOMPARE(g.edges.size(), size_t(9)); // five outputs, four inputs
    auto layout = layoutPipeline(g);
    QVERIFY(layout);
    QCOMPARE(layout->layerCount, 8); // step, artifact, step, … alternate
}

void TestPipelineGraph::oddInputIsDrawableWithWarnings()
{
    RunRecord run = baseline();
    // A repeated name, a step that reads its own output, a link to an artifact that is gone.
    run.steps << step(
        "train", { artifact(2, "clean.csv", "sha256:bbbb2222") }, { artifact(6, "model2.pkl", "sha256:ffff6666") });
    run.steps << step("loop", { artifact(7, "state.bin", "sha256:9999") }, { artifact(7, "state.bin", "sha256:9999") });
    run.steps << step("orphan", { ArtifactRecord { 42, QString(), QString(), -1 } }, {});
    const PipelineGraph g = buildPipelineGraph(run);
    QCOMPARE(g.stepCount(), 8);
    QVERIFY(indexOf(g, "train #2") >= 0);
    const QString all = g.warnings.join(u'\n');
    QVERIFY2(all.contains(QStringLiteral("'train' is used 2 times")), qPrintable(all));
    QVERIFY(all.contains(QStringLiteral("'loop' reads its own output 'state.bin'")));
    QVERIFY(all.contains(QStringLiteral("artifact #42, which is not recorded")));
    QVERIFY(layoutPipeline(g));
    QVERIFY(buildPipelineGraph(RunRecord {}).nodes.empty());
}

void TestPipelineGraph::diffClassifiesEverySteps()
{
    const RunRecord before = baseline();
    RunRecord after = baseline();
    after.name = QStringLiteral("after");
    // clean runs with another command but produces the same bytes; train gets another lr and so
    // another model; stats is gone; report is new.
    after.steps[1].command = QStringLiteral("python clean.py --fast");
    after.steps[2].paramsJson = QStringLiteral("{\"lr\": 0.02}");
    after.steps[2].outputs = { artifact(13, "model.pkl", "sha256:7777aaaa") };
    after.steps[4].inputs = { artifact(13, "model.pkl", "sha256:7777aaaa") };
    after.steps[4].outputs = { artifact(15, "report.json", "sha256:8888bbbb") };
    after.steps.removeAt(3);
    after.steps << step("publish", { artifact(15, "report.json", "sha256:8888bbbb") }, {});

    const PipelineGraph g = diffPipelines(before, after);
    auto change = [&](const char* key) { return toString(g.nodes[indexOf(g, QString::fromLatin1(key))].change); };
    QCOMPARE(change("load"), QStringLiteral("unchanged"));
    QCOMPARE(change("clean"), QStringLiteral("changed"));
    QCOMPARE(change("train"), QStringLiteral("changed"));
    QCOMPARE(change("evaluate"), QStringLiteral("changed"));
    QCOMPARE(change("stats"), QStringLiteral("removed"));
    QCOMPARE(change("publish"), QStringLiteral("added"));
    const PipelineNode& clean = g.nodes[indexOf(g, "clean")];
    QCOMPARE(clean.reasons, QStringList { "command: python step.py → python clean.py --fast" });
    QVERIFY(!clean.outputsDiffer);
    const PipelineNode& train = g.nodes[indexOf(g, "train")];
    QCOMPARE(train.reasons, (QStringList { "param lr: 0.01 → 0.02", "output model.pkl: cccc3333 → 7777aaaa" }));
    QVERIFY(train.outputsDiffer);
    const PipelineNode& evaluate = g.nodes[indexOf(g, "evaluate")];
    QCOMPARE(evaluate.reasons,
        (QStringList { "input model.pkl: cccc3333 → 7777aaaa", "output report.json: eeee5555 → 8888bbbb" }));
    QVERIFY(evaluate.outputsDiffer);
    // train comes before evaluate: the runs part at train.
    QCOMPARE(g.firstDivergence, QStringLiteral("train"));
    QVERIFY(train.firstDivergence);
    QVERIFY(!evaluate.firstDivergence);
    // The removed step keeps its edge from the older run.
    QVERIFY(edgeList(g).contains(QStringLiteral("clean->stats")));
    QVERIFY(edgeList(g).contains(QStringLiteral("evaluate->publish")));
    QVERIFY(layoutPipeline(g));
}

void TestPipelineGraph::identicalRunsDoNotDiverge()
{
    const PipelineGraph g = diffPipelines(baseline(), baseline());
    for (const PipelineNode& n : g.nodes)
        QCOMPARE(toString(n.change), QStringLiteral("unchanged"));
    QVERIFY(g.firstDivergence.isEmpty());
}

void TestPipelineGraph::otherOutputsAloneAreAChange()
{
    // load reads fresh data it does not declare: same params, command and (no) inputs, another raw.csv.
    const RunRecord before = baseline();
    RunRecord after = baseline();
    after.steps[0].outputs = { artifact(21, "raw.csv", "sha256:9999ffff") };
    after.steps[1].inputs = after.steps[0].outputs;
    after.steps[1].outputs = { artifact(22, "clean.csv", "sha256:8888eeee") };
    const PipelineGraph g = diffPipelines(before, after);
    const PipelineNode& load = g.nodes[indexOf(g, "load")];
    // Where the runs part is marked on a step shown as changed, never on an unchanged one.
    QCOMPARE(g.firstDivergence, QStringLiteral("load"));
    QVERIFY(load.firstDivergence);
    QCOMPARE(toString(load.change), QStringLiteral("changed"));
    QCOMPARE(load.reasons,
        (QStringList { "same params, command and inputs, other outputs", "output raw.csv: aaaa1111 → 9999ffff" }));
    QCOMPARE(load.previous.outputs.first().hash, QStringLiteral("sha256:aaaa1111"));
    QCOMPARE(load.step.outputs.first().hash, QStringLiteral("sha256:9999ffff"));
    for (const PipelineNode& n : g.nodes)
        QVERIFY(!(n.firstDivergence && n.change == StepChange::Unchanged));
    // Steps that read and write the same as before stay unchanged.
    QCOMPARE(toString(g.nodes[indexOf(g, "stats")].change), QStringLiteral("unchanged"));
    QCOMPARE(toString(diffPipelines(before, before).nodes[0].change), QStringLiteral("unchanged"));
}

void TestPipelineGraph::shortHashes()
{
    QCOMPARE(shortHash(QStringLiteral("sha256:0123456789abcdef")), QStringLiteral("01234567"));
    QCOMPARE(shortHash(QStringLiteral("abc")), QStringLiteral("abc"));
    QCOMPARE(shortHash(QString()), QString());
}

QTEST_GUILESS_MAIN(TestPipelineGraph)
#include "tst_pipeline_graph.moc"
