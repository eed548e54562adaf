// The pipeline view off-screen: scene contents, step details, keyboard, diff, empty and huge input.

#include "dag/dag_scene.h"
#include "dag/dag_view.h"
#include "hostile_run.h"
#include "store/run_format.h"

#include <QApplication>
#include <QCheckBox>
#include <QGraphicsPathItem>
#include <QGraphicsRectItem>
#include <QGraphicsSimpleTextItem>
#include <QGraphicsView>
#include <QPainterPathStroker>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTextDocument>

using namespace reprise;

namespace {

ArtifactRecord artifact(qint64 id, const QString& path, const QString& hash)
{
    return ArtifactRecord { id, path, hash, 2048 };
}

RunRecord pipeline()
{
    RunRecord run;
    run.name = QStringLiteral("nightly");
    auto step = [](const QString& name, QList<ArtifactRecord> in, QList<ArtifactRecord> out, double start) {
        StepRecord s;
        s.name = name;
        s.inputs = std::move(in);
        s.outputs = std::move(out);
        s.command = QStringLiteral("python -m pipeline.") + name;
        s.paramsJson = QStringLiteral("{\"seed\": 1}");
        s.startTime = start;
        s.endTime = start + 30;
        s.log = QStringLiteral("<b>not bold</b> done\n");
        return s;
    };
    run.steps << step("load", {}, { artifact(1, "data/raw.csv", "sha256:1111aaaa2222") }, 0)
              << step("clean", { artifact(1, "data/raw.csv", "sha256:1111aaaa2222") },
                     { artifact(2, "data/clean.csv", "sha256:3333bbbb") }, 30)
              << step("train", { artifact(2, "data/clean.csv", "sha256:3333bbbb") },
                     { artifact(3, "model.pkl", "sha256:4444cccc") }, 60)
              << step("report", { artifact(2, "data/clean.csv", "sha256:3333bbbb") },
                     { artifact(4, "report.html", "sha256:5555dddd") }, 60);
    run.steps[0].cached = true;
    return run;
}

/// The demo's churn pipeline: load → {validate, preprocess}; preprocess → {train, evaluate}; train →
/// {evaluate, export}. `fresh` is the newer run: load read new raw data, so every artifact after it differs.
RunRecord churn(bool fresh)
{
    RunRecord run;
    run.name = fresh ? QStringLiteral("lgbm-retrain-080") : QStringLiteral("lgbm-retrain-079");
    const QString raw = fresh ? "sha256:f6486071aa" : "sha256:3e4e810ebb",
                  train = fresh ? "sha256:cfda21efcc" : "sha256:0acd8893dd",
                  valid = fresh ? "sha256:2487627aee" : "sha256:c1f0f37fff",
                  model = fresh ? "sha256:2674817e11" : "sha256:d26f866f22";
    auto step
        = [](const QString& name, QList<ArtifactRecord> in, QList<ArtifactRecord> out, double start, double seconds) {
              StepRecord s;
              s.name = name;
              s.status = QStringLiteral("finished");
              s.inputs = std::move(in);
              s.outputs = std::move(out);
              s.command = QStringLiteral("python pipeline.py ") + name;
              s.paramsJson = QStringLiteral("{}");
              s.startTime = start;
              s.endTime = start + seconds;
              return s;
          };
    run.steps << step("load", {}, { artifact(1, "data/raw.parquet", raw) }, 0, 1)
              << step("validate", { artifact(1, "data/raw.parquet", raw) },
                     { artifact(2, "reports/validation.json", fresh ? "sha256:8fe40aaa" : "sha256:9f2c9bbb") }, 1, 7)
              << step("preprocess", { artifact(1, "data/raw.parquet", raw) },
                     { artifact(3, "data/train.parquet", train), artifact(4, "data/valid.parquet", valid) }, 1, 27)
              << step("train", { artifact(3, "data/train.parquet", train) }, { artifact(5, "models/model.txt", model) },
                     28, 134)
              << step("evaluate", { artifact(4, "data/valid.parquet", valid), artifact(5, "models/model.txt", model) },
                     { artifact(6, "reports/metrics.json", fresh ? "sha256:263fe000" : "sha256:28ce8000") }, 162, 10)
              << step("export", { artifact(5, "models/model.txt", model) },
                     { artifact(7, "models/model.onnx", fresh ? "sha256:3b98f000" : "sha256:b30ec000") }, 162, 5);
    run.steps[0].cached = true;
    return run;
}

/// Shows a run and waits until the view reports it is drawn.
bool show(DagView& view, const std::function<void()>& request)
{
    QSignalSpy ready(&view, &DagView::ready);
    request();
    return ready.count() > 0 || ready.wait(10000);
}

} // namespace

class TestDagView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void drawsStepsAndEdges();
    void selectingAStepShowsItsDetails();
    void arrowKeysMoveBetweenSteps();
    void artifactsCanBeNodes();
    void diffOfTwoRuns();
    void emptyCyclicAndHugePipelines();
    void hostileNamesAreShownAsPlainText();
    void edgeLabelsAreReadableAndBesideTheirEdges();
    void cardsFitTheirText();
    void firstDivergenceIsOnAChangedStepWithOldAndNewHashes();
    void timelineFitsItsWidthAndZooms();
};

void TestDagView::drawsStepsAndEdges()
{
    DagView view;
    view.resize(1000, 600);
    view.show();
    QVERIFY(show(view, [&] { view.showRun(pipeline()); }));
    QCOMPARE(view.scene()->nodeItemCount(), 4);
    QCOMPARE(view.scene()->edgeItemCount(), 3);
    QVERIFY(view.message().contains(QStringLiteral("nightly: 4 steps")));
    QCOMPARE(view.tabs()->currentWidget(), static_cast<QWidget*>(view.graphView()));
    // The timeline has a bar per step.
    int bars = 0;
    for (QGraphicsItem* item : view.timelineScene()->items())
        bars += item->type() == QGraphicsRectItem::Type;
    QCOMPARE(bars, 4);
    QImage image = view.grab().toImage();
    QVERIFY(!image.isNull());
}

void TestDagView::selectingAStepShowsItsDetails()
{
    DagView view;
    view.show();
    QVERIFY(show(view, [&] { view.showRun(pipeline()); }));
    view.scene()->selectNode(1);
    const QString details = view.stepDetails();
    QVERIFY2(details.contains(QStringLiteral("step      clean")), qPrintable(details));
    QVERIFY(details.contains(QStringLiteral("command   python -m pipeline.clean")));
    QVERIFY(details.contains(QStringLiteral("data/raw.csv  sha256:1111aaaa2222  (2048 bytes)")));
    QVERIFY(details.contains(QStringLiteral("data/clean.csv  sha256:3333bbbb")));
    QVERIFY(details.contains(QStringLiteral("<b>not bold</b> done"))); // logs are plain text
    view.scene()->selectNode(0);
    QVERIFY(view.stepDetails().contains(QStringLiteral("(cached)")));
}

void TestDagView::arrowKeysMoveBetweenSteps()
{
    DagView view;
    view.show();
    QVERIFY(show(view, [&] { view.showRun(pipeline()); }));
    view.graphView()->setFocus();
    QTest::keyClick(view.graphView(), Qt::Key_Right); // nothing selected: the first step
    QCOMPARE(view.scene()->selectedNode(), 0);
    QTest::keyClick(view.graphView(), Qt::Key_Right);
    QCOMPARE(view.scene()->selectedNode(), 1);
    QTest::keyClick(view.graphView(), Qt::Key_Right);
    const int branch = view.scene()->selectedNode();
    QVERIFY(branch == 2 || branch == 3);
    QTest::keyClick(view.graphView(), branch == 2 ? Qt::Key_Down : Qt::Key_Up);
    QCOMPARE(view.scene()->selectedNode(), branch == 2 ? 3 : 2);
    QTest::keyClick(view.graphView(), Qt::Key_Left);
    QCOMPARE(view.scene()->selectedNode(), 1);
}

void TestDagView::artifactsCanBeNodes()
{
    DagView view;
    view.show();
    QVERIFY(show(view, [&] { view.showRun(pipeline()); }));
    auto* toggle = view.findChild<QCheckBox*>();
    QVERIFY(toggle);
    QVERIFY(show(view, [&] { toggle->setChecked(true); }));
    QCOMPARE(view.scene()->nodeItemCount(), 8);
    QCOMPARE(view.scene()->edgeItemCount(), 7);
}

void TestDagView::diffOfTwoRuns()
{
    RunRecord after = pipeline();
    after.name = QStringLiteral("tonight");
    after.steps[2].paramsJson = QStringLiteral("{\"seed\": 2}");
    after.steps[2].outputs = { artifact(9, "model.pkl", "sha256:9999eeee") };
    DagView view;
    view.show();
    QVERIFY(show(view, [&] { view.showDiff(pipeline(), after); }));
    QVERIFY2(view.message().contains(QStringLiteral("3 unchanged, 1 changed, 0 added, 0 removed")),
        qPrintable(view.message()));
    QVERIFY(view.message().contains(QStringLiteral("outputs first differ at 'train'")));
    view.scene()->selectNode(2);
    QVERIFY(view.stepDetails().contains(QStringLiteral("param seed: 1 → 2")));
    QVERIFY(view.stepDetails().contains(QStringLiteral("outputs differ first here")));
}

void TestDagView::emptyCyclicAndHugePipelines()
{
    DagView view;
    view.show();
    QVERIFY(show(view, [&] { view.showRun(RunRecord {}); }));
    QCOMPARE(view.scene()->nodeItemCount(), 0);
    QVERIFY(view.message().contains(QStringLiteral("recorded no pipeline steps")));

    RunRecord cyclic = pipeline();
    cyclic.steps[0].inputs = { artifact(3, "model.pkl", "sha256:4444cccc") }; // load reads train's output
    QVERIFY(show(view, [&] { view.showRun(cyclic); }));
    QVERIFY2(view.message().contains(QStringLiteral("cycle: load → clean → train → load")), qPrintable(view.message()));
    QCOMPARE(view.tabs()->currentWidget(), view.tabs()->widget(1)); // the timeline still shows the steps

    RunRecord huge;
    for (int i = 0; i < 10000; ++i) { // the "10,000 steps"
        StepRecord s;
        s.name = QStringLiteral("shard-%1").arg(i);
        s.startTime = i;
        s.endTime = i + 5;
        huge.steps << s;
    }
    QVERIFY(show(view, [&] { view.showRun(huge); }));
    QVERIFY(view.message().contains(QStringLiteral("too many to draw as a graph; showing the timeline")));
    QCOMPARE(view.scene()->nodeItemCount(), 0);
    QCOMPARE(view.tabs()->currentWidget(), view.tabs()->widget(1));
}

void TestDagView::hostileNamesAreShownAsPlainText()
{
    QTemporaryDir dir;
    const hostile::Database db = hostile::write(dir.filePath(QStringLiteral("hostile.db")));
    auto store = RunStore::open(db.path, OpenMode::ReadOnly);
    QVERIFY(store);
    const RunRecord first = *store->loadRun(db.first);
    const RunRecord second = *store->loadRun(db.second);
    auto rendered = [](const QString& html) {
        QTextDocument document;
        document.setHtml(html);
        return document.toPlainText();
    };
    auto plainEverywhere = [&](DagView& view) {
        QVERIFY2(!hostile::hasRawControls(view.message()), qPrintable(view.message()));
        QVERIFY(!hostile::hasRawControls(view.stepDetails()));
        for (QGraphicsScene* scene : { static_cast<QGraphicsScene*>(view.scene()), view.timelineScene() }) {
            for (QGraphicsItem* item : scene->items()) {
                if (auto* text = dynamic_cast<QGraphicsSimpleTextItem*>(item))
                    QVERIFY2(!hostile::hasRawControls(text->text()), qPrintable(text->text()));
                QVERIFY(!hostile::hasRawControls(item->data(DagScene::kNodeText).toString()));
                QVERIFY(!hostile::hasRawControls(rendered(item->toolTip())));
            }
        }
    };

    DagView view;
    view.resize(1000, 600);
    view.show();
    QVERIFY(show(view, [&] { view.showRun(first); }));
    QVERIFY2(view.message().startsWith(hostile::nameShown() + QStringLiteral(": 2 steps")), qPrintable(view.message()));
    int prep = -1;
    for (size_t i = 0; i < view.scene()->graph().nodes.size(); ++i) {
        if (view.scene()->graph().nodes[i].label == hostile::stepName())
            prep = int(i);
    }
    QVERIFY(prep >= 0);
    QGraphicsItem* card = view.scene()->nodeItem(prep);
    QCOMPARE(card->data(DagScene::kNodeText).toString(), hostile::stepNameShown());
    QCOMPARE(rendered(card->toolTip()), hostile::stepNameShown());
    // The edge names the artifact's file: visible text, its full path in a literal tooltip.
    bool edgeLabel = false;
    for (QGraphicsItem* item : view.scene()->items()) {
        auto* text = dynamic_cast<QGraphicsSimpleTextItem*>(item);
        if (text && text->text().contains(QStringLiteral("\\x1b\\u202egnp.exe"))) {
            edgeLabel = true;
            QVERIFY(rendered(text->toolTip()).startsWith(hostile::artifactPathShown()));
        }
    }
    QVERIFY(edgeLabel);
    // The step's details: every field escaped, the log's lines kept.
    view.scene()->selectNode(prep);
    QVERIFY(view.stepDetails().contains(QStringLiteral("step      ") + hostile::stepNameShown()));
    QVERIFY(view.stepDetails().contains(hostile::artifactPathShown()));
    QVERIFY(view.stepDetails().contains(hostile::outputShown()));
    QVERIFY(view.stepDetails().contains(QStringLiteral("python prep.py ") + hostile::nameShown()));
    plainEverywhere(view);

    // Artifacts as nodes, and the diff of the two runs.
    view.findChild<QCheckBox*>()->setChecked(true);
    QTRY_VERIFY_WITH_TIMEOUT(!view.isBusy(), 10000);
    plainEverywhere(view);
    QVERIFY(show(view, [&] { view.showDiff(first, second); }));
    QVERIFY2(view.message().startsWith(hostile::nameShown() + QStringLiteral(" → ") + hostile::name2Shown()),
        qPrintable(view.message()));
    plainEverywhere(view);
    QVERIFY(!view.grab().toImage().isNull());
}

void TestDagView::edgeLabelsAreReadableAndBesideTheirEdges()
{
    DagView view;
    view.resize(1280, 720);
    view.show();
    QVERIFY(show(view, [&] { view.showDiff(churn(false), churn(true)); }));
    QList<QGraphicsSimpleTextItem*> labels;
    QList<QPainterPath> edges;
    QPainterPathStroker stroker;
    stroker.setWidth(1.4); // as drawn
    for (QGraphicsItem* item : view.scene()->items()) {
        if (auto* text = dynamic_cast<QGraphicsSimpleTextItem*>(item))
            labels << text;
        if (auto* path = dynamic_cast<QGraphicsPathItem*>(item))
            edges << stroker.createStroke(path->mapToScene(path->path()));
    }
    QCOMPARE(edges.size(), 6);
    QVERIFY(labels.size() >= 4); // raw, train, valid, model (an output read twice is named once)
    for (QGraphicsSimpleTextItem* label : std::as_const(labels)) {
        // The window's own text size at 100 %, not a shrunken one.
        QVERIFY2(label->font().pointSizeF() >= QApplication::font().pointSizeF(), qPrintable(label->text()));
        const QRectF box = label->sceneBoundingRect();
        for (const QPainterPath& edge : std::as_const(edges))
            QVERIFY2(!edge.intersects(box), qPrintable(label->text() + QStringLiteral(" is crossed by an edge")));
        for (int n = 0; n < view.scene()->nodeItemCount(); ++n)
            QVERIFY(!view.scene()->nodeItem(n)->sceneBoundingRect().intersects(box));
        for (QGraphicsSimpleTextItem* other : std::as_const(labels))
            QVERIFY(other == label || !other->sceneBoundingRect().intersects(box));
    }
    // At 1280×720 the fitted pipeline is shown near its natural size.
    QVERIFY2(
        view.graphView()->transform().m11() >= 0.8, qPrintable(QString::number(view.graphView()->transform().m11())));
}

void TestDagView::cardsFitTheirText()
{
    DagView view;
    view.resize(1280, 720);
    view.show();
    QVERIFY(show(view, [&] { view.showDiff(churn(false), churn(true)); }));
    const QFont font = view.scene()->font();
    QFont bold = font;
    bold.setBold(true);
    for (int n = 0; n < view.scene()->nodeItemCount(); ++n) {
        const PipelineNode& node = view.scene()->graph().nodes[size_t(n)];
        const double seconds = node.step.endTime - node.step.startTime;
        // Everything the card says, each line whole: name (and the cached badge), status and duration, change.
        const QString said = view.scene()->nodeItem(n)->data(DagScene::kNodeSubtitle).toString();
        QVERIFY2(said.contains(node.step.status) && said.contains(formatDuration(seconds))
                && said.contains(toString(node.change)),
            qPrintable(said));
        const QStringList lines = said.split(u'\n');
        const double inner = view.scene()->nodeItem(n)->boundingRect().width() - 6 - 16; // margins, padding
        QVERIFY2(QFontMetricsF(bold).horizontalAdvance(node.label) + (node.step.cached ? 50 : 0) <= inner,
            qPrintable(node.label));
        for (const QString& line : lines)
            QVERIFY2(QFontMetricsF(font).horizontalAdvance(line) <= inner,
                qPrintable(node.label + QStringLiteral(": ") + line));
    }
}

void TestDagView::firstDivergenceIsOnAChangedStepWithOldAndNewHashes()
{
    DagView view;
    view.resize(1280, 720);
    view.show();
    QVERIFY(show(view, [&] { view.showDiff(churn(false), churn(true)); }));
    // load read new data: its outputs differ first, and it is a changed step, not an unchanged one.
    QVERIFY2(view.message().contains(QStringLiteral("outputs first differ at 'load'")), qPrintable(view.message()));
    QVERIFY(view.message().contains(QStringLiteral("0 unchanged, 6 changed")));
    for (const PipelineNode& node : view.scene()->graph().nodes)
        QVERIFY(!(node.firstDivergence && node.change == StepChange::Unchanged));
    // The details: changed inputs and outputs as old → new hash, on lines that wrap rather than cut.
    view.scene()->selectNode(2); // preprocess
    const QString details = view.stepDetails();
    QVERIFY2(details.contains(QStringLiteral("data/raw.parquet  3e4e810e → f6486071")), qPrintable(details));
    QVERIFY(details.contains(QStringLiteral("data/train.parquet  0acd8893 → cfda21ef")));
    QVERIFY(details.contains(QStringLiteral("data/valid.parquet  c1f0f37f → 2487627a")));
    view.scene()->selectNode(0);
    QVERIFY2(view.stepDetails().contains(QStringLiteral("data/raw.parquet  3e4e810e → f6486071")),
        qPrintable(view.stepDetails()));
    auto* pane = view.findChild<QPlainTextEdit*>();
    QVERIFY(pane && pane->lineWrapMode() != QPlainTextEdit::NoWrap);
}

void TestDagView::timelineFitsItsWidthAndZooms()
{
    DagView view;
    view.resize(1280, 720);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QVERIFY(show(view, [&] { view.showDiff(churn(false), churn(true)); }));
    auto* timeline = qobject_cast<QGraphicsView*>(view.tabs()->widget(1));
    QVERIFY(timeline);
    view.tabs()->setCurrentIndex(1);
    auto widest = [&] {
        double w = 0;
        for (QGraphicsItem* item : view.timelineScene()->items()) {
            if (auto* bar = dynamic_cast<QGraphicsRectItem*>(item))
                w = std::max(w, bar->rect().width());
        }
        return w;
    };
    QTRY_VERIFY(widest() > 300); // train, 134 of 167 s, takes most of the width
    QCOMPARE(timeline->horizontalScrollBar()->maximum(), 0); // the whole run in the view's width
    const double fitted = widest();
    timeline->setFocus();
    QTest::keyClick(timeline, Qt::Key_Plus);
    QTest::keyClick(timeline, Qt::Key_Plus);
    QTRY_VERIFY(timeline->horizontalScrollBar()->maximum() > 0);
    QVERIFY2(widest() > fitted * 1.5, qPrintable(QString::number(widest())));
    QTest::keyClick(timeline, Qt::Key_F); // fit again
    QTRY_COMPARE(timeline->horizontalScrollBar()->maximum(), 0);
    QCOMPARE(widest(), fitted);
}

QTEST_MAIN(TestDagView)
#include "tst_dag_view.moc"
