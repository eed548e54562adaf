#include "dag/dag_view.h"

#include "analysis/axis_ticks.h"
#include "dag/dag_overview.h"
#include "dag/dag_scene.h"
#include "store/run_format.h"
#include "text/display_text.h"

#include <QCheckBox>
#include <QFontDatabase>
#include <QGraphicsRectItem>
#include <QGraphicsSimpleTextItem>
#include <QGraphicsView>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QTabWidget>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <QWheelEvent>
#include <QtConcurrent>
#include <cmath>

namespace reprise {

namespace {

    struct Prepared {
        PipelineGraph graph;
        Result<DagLayout> layout = Error { {}, {} };
    };

    /// In a diff, each artifact with the older run's hash and the newer one's ("3e4e810e → f6486071"),
    /// short hashes so that a line fits the pane (it wraps rather than cuts when it does not).
    QString artifactChanges(const QList<ArtifactRecord>& older, const QList<ArtifactRecord>& newer)
    {
        QString out;
        auto line = [](const QString& path, const QString& text) -> QString {
            return QStringLiteral("    ") + visibleText(path) + QStringLiteral("  ") + text + u'\n';
        };
        for (const ArtifactRecord& a : newer) {
            const auto was
                = std::find_if(older.begin(), older.end(), [&](const ArtifactRecord& o) { return o.path == a.path; });
            if (was == older.end())
                out += line(a.path, visibleText(shortHash(a.hash)) + QObject::tr("  (new)"));
            else if (was->hash != a.hash)
                out += line(a.path,
                    visibleText(shortHash(was->hash)) + QStringLiteral(" → ") + visibleText(shortHash(a.hash))
                        + QObject::tr("  (changed)"));
            else
                out += line(a.path, visibleText(shortHash(a.hash)) + QObject::tr("  (same)"));
        }
        for (const ArtifactRecord& o : older) {
            if (std::none_of(newer.begin(), newer.end(), [&](const ArtifactRecord& a) { return a.path == o.path; }))
                out += line(o.path, visibleText(shortHash(o.hash)) + QObject::tr(" → (none)  (gone)"));
        }
        return out.isEmpty() ? QStringLiteral("    (none)\n") : out;
    }

    QString artifactLines(const QList<ArtifactRecord>& list)
    {
        QString out;
        for (const ArtifactRecord& a : list) {
            out += QStringLiteral("    ")
                + (a.path.isEmpty() ? QStringLiteral("(missing artifact #%1)").arg(a.id) : visibleText(a.path));
            if (!a.hash.isEmpty())
                out += QStringLiteral("  ") + visibleText(a.hash);
            if (a.size >= 0)
                out += QStringLiteral("  (%1 bytes)").arg(a.size);
            out += u'\n';
        }
        return out.isEmpty() ? QStringLiteral("    (none)\n") : out;
    }

} // namespace

DagView::DagView(QWidget* parent)
    : QWidget(parent)
    , m_message(new QLabel(this))
    , m_artifactNodes(new QCheckBox(tr("Artifacts as nodes"), this))
    , m_tabs(new QTabWidget(this))
    , m_scene(new DagScene(this))
    , m_view(new QGraphicsView(m_scene, this))
    , m_overview(new DagOverview(m_view, m_view))
    , m_timelineScene(new QGraphicsScene(this))
    , m_timeline(new QGraphicsView(m_timelineScene, this))
    , m_details(new QPlainTextEdit(this))
    , m_timelineRedraw(new QTimer(this))
{
    m_timelineRedraw->setSingleShot(true);
    m_timelineRedraw->setInterval(40);
    connect(m_timelineRedraw, &QTimer::timeout, this, &DagView::drawTimeline);
    m_message->setTextFormat(Qt::PlainText);
    m_message->setWordWrap(true);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setDragMode(QGraphicsView::ScrollHandDrag);
    m_view->setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    // Only what changed is repainted while panning; full repaints are reserved for zoom.
    m_view->setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
    m_view->setAccessibleName(tr("Pipeline graph"));
    m_view->viewport()->installEventFilter(this);
    m_view->installEventFilter(this);
    m_timeline->setAccessibleName(tr("Pipeline timeline"));
    m_timeline->setDragMode(QGraphicsView::ScrollHandDrag);
    m_timeline->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_timeline->installEventFilter(this);
    m_timeline->viewport()->installEventFilter(this);
    m_details->setReadOnly(true);
    m_details->setLineWrapMode(QPlainTextEdit::WidgetWidth); // long paths and hashes wrap, never cut
    m_details->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_details->setAccessibleName(tr("Step details"));
    m_details->setPlaceholderText(
        tr("Select a step (click, or Tab and the arrow keys) to see its command, params, inputs, outputs and log."));

    auto* fitButton = new QPushButton(tr("Fit"), this);
    fitButton->setToolTip(tr("Fit the whole pipeline into view (F)"));
    connect(fitButton, &QPushButton::clicked, this, &DagView::fit);
    connect(m_artifactNodes, &QCheckBox::toggled, this, &DagView::rebuild);
    auto* toolbar = new QHBoxLayout;
    toolbar->addWidget(m_message, 1);
    toolbar->addWidget(m_artifactNodes);
    // Zoom the page in front: the graph, or the timeline's time axis.
    for (const auto& [text, factor] :
        { std::pair { QStringLiteral("−"), 0.8 }, std::pair { QStringLiteral("+"), 1.25 } }) {
        auto* button = new QToolButton(this);
        button->setText(text);
        button->setToolTip(factor > 1 ? tr("Zoom in (+)") : tr("Zoom out (−)"));
        button->setAccessibleName(factor > 1 ? tr("Zoom in") : tr("Zoom out"));
        connect(button, &QToolButton::clicked, this, [this, factor = factor] {
            if (m_tabs->currentWidget() == m_timeline)
                zoomTimeline(factor);
            else
                zoomBy(factor);
        });
        toolbar->addWidget(button);
    }
    toolbar->addWidget(fitButton);

    m_tabs->addTab(m_view, tr("Graph"));
    m_tabs->addTab(m_timeline, tr("Timeline"));
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_tabs);
    split->addWidget(m_details);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    split->setSizes({ 750, 250 });
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(toolbar);
    layout->addWidget(split, 1);

    connect(m_scene, &QGraphicsScene::selectionChanged, this, [this] { showStep(m_scene->selectedNode()); });
    connect(m_view->horizontalScrollBar(), &QScrollBar::valueChanged, this, &DagView::updateOverview);
    connect(m_view->verticalScrollBar(), &QScrollBar::valueChanged, this, &DagView::updateOverview);
    connect(m_timeline->horizontalScrollBar(), &QScrollBar::valueChanged, this, &DagView::keepTimelineNamesInView);
    clear(tr("Select a run to see its pipeline."));
}

DagView::~DagView()
{
    // The scene and the view are children, destroyed after this object stopped being a DagView: the
    // scene's items' removal and the view's scroll bars still signal, and must not reach it then.
    m_scene->disconnect(this);
    m_view->horizontalScrollBar()->disconnect(this);
    m_view->verticalScrollBar()->disconnect(this);
    m_timeline->horizontalScrollBar()->disconnect(this);
}

QString DagView::message() const { return m_message->text(); }

QString DagView::stepDetails() const { return m_details->toPlainText(); }

void DagView::clear(const QString& message)
{
    ++m_generation;
    m_busy = false;
    m_run.reset();
    m_before.reset();
    m_scene->setGraph({}, {});
    m_timelineScene->clear();
    m_details->clear();
    m_message->setText(visibleText(message, LineBreaks::Keep));
    m_overview->hide();
    Q_EMIT ready();
}

void DagView::showRun(const RunRecord& run)
{
    m_before.reset();
    m_run = run;
    rebuild();
}

void DagView::showDiff(const RunRecord& before, const RunRecord& after)
{
    m_before = before;
    m_run = after;
    rebuild();
}

void DagView::rebuild()
{
    if (!m_run)
        return;
    const quint64 ticket = ++m_generation;
    m_busy = true;
    const bool artifacts = m_artifactNodes->isChecked();
    QtConcurrent::run([before = m_before, run = *m_run, artifacts, font = m_scene->font()] {
        Prepared p;
        p.graph = before ? diffPipelines(*before, run) : buildPipelineGraph(run, artifacts);
        if (p.graph.stepCount() <= kMaxGraphSteps) {
            // Cards as wide as their text, layers as far apart as the widest edge label needs.
            std::vector<QSizeF> sizes;
            sizes.reserve(p.graph.nodes.size());
            for (const PipelineNode& node : p.graph.nodes)
                sizes.push_back(cardSize(node, font));
            DagLayoutOptions options;
            options.layerGap = edgeLabelGap(p.graph, font);
            p.layout = layoutPipeline(p.graph, options, sizes);
        }
        return p;
    }).then(this, [this, ticket](const Prepared& p) {
        if (ticket == m_generation)
            showGraph(p.graph, p.layout);
    });
}

void DagView::showGraph(const PipelineGraph& graph, const Result<DagLayout>& layout)
{
    m_busy = false;
    m_details->clear();
    buildTimeline(graph);
    const QString who = visibleText(m_before ? tr("%1 → %2").arg(m_before->name, m_run->name) : m_run->name);
    if (graph.nodes.empty()) {
        m_scene->setGraph({}, {});
        m_overview->hide();
        m_message->setText(tr("%1 recorded no pipeline steps. Steps come from `with run.step(\"name\", inputs=[…], "
                              "outputs=[…]):` in the Python client, or from an imported DVC pipeline.")
                               .arg(visibleText(m_run->name)));
        Q_EMIT ready();
        return;
    }
    QStringList notes;
    if (graph.stepCount() > kMaxGraphSteps) {
        m_scene->setGraph({}, {});
        m_overview->hide();
        m_tabs->setCurrentWidget(m_timeline);
        notes << tr("%1 steps are too many to draw as a graph; showing the timeline.").arg(graph.stepCount());
    } else if (!layout) {
        m_scene->setGraph({}, {});
        m_overview->hide();
        m_tabs->setCurrentWidget(m_timeline);
        notes << visibleText(layout.error().message + u' ' + layout.error().hint, LineBreaks::Keep);
    } else {
        m_scene->setGraph(graph, *layout);
        m_overview->setVisible(graph.nodes.size() > 12);
        if (m_overview->isVisible())
            m_overview->render(m_scene);
        if (m_tabs->currentWidget() == m_timeline && graph.stepCount() <= 100)
            m_tabs->setCurrentWidget(m_view);
        fit();
    }
    QString summary = tr("%1: %2 steps").arg(who).arg(graph.stepCount());
    if (m_before) {
        int counts[5] = {};
        for (const PipelineNode& n : graph.nodes)
            ++counts[int(n.change)];
        summary += tr(" — %1 unchanged, %2 changed, %3 added, %4 removed")
                       .arg(counts[int(StepChange::Unchanged)])
                       .arg(counts[int(StepChange::Changed)])
                       .arg(counts[int(StepChange::Added)])
                       .arg(counts[int(StepChange::Removed)]);
        summary += tr(" (yellow changed, green added, red removed, grey unchanged)");
        summary += graph.firstDivergence.isEmpty()
            ? tr("; no step's outputs differ")
            : tr("; outputs first differ at '%1' (red outline)").arg(visibleText(graph.firstDivergence));
    }
    notes.prepend(summary);
    for (const QString& warning : graph.warnings)
        notes << visibleText(warning); // they name steps and artifacts
    m_message->setText(notes.join(u'\n'));
    Q_EMIT ready();
}

void DagView::buildTimeline(const PipelineGraph& graph)
{
    m_bars.clear();
    m_timelineNote.clear();
    m_timelineZoom = 1;
    double t0 = std::numeric_limits<double>::infinity(), t1 = -t0;
    for (const PipelineNode& n : graph.nodes) {
        if (n.kind != PipelineNode::Kind::Step || std::isnan(n.step.startTime))
            continue;
        t0 = std::min(t0, n.step.startTime);
        t1 = std::max(t1, std::isnan(n.step.endTime) ? n.step.startTime : n.step.endTime);
    }
    if (!std::isfinite(t0)) {
        m_timelineNote = tr("No step recorded its start and end times.");
    } else {
        m_span = std::max(1e-3, t1 - t0);
        for (const PipelineNode& n : graph.nodes) {
            if (n.kind != PipelineNode::Kind::Step)
                continue;
            m_bars.push_back({ visibleText(n.label), n.step.startTime - t0, n.step.endTime - t0, nodeColour(n),
                plainToolTip(visibleText(n.label) + u'\n' + formatDuration(n.step.endTime - n.step.startTime)) });
        }
    }
    drawTimeline();
}

void DagView::drawTimeline()
{
    m_timelineNames = nullptr;
    m_timelineScene->clear();
    if (!m_timelineNote.isEmpty()) {
        m_timelineScene->addSimpleText(m_timelineNote);
        m_timelineScene->setSceneRect(m_timelineScene->itemsBoundingRect());
        return;
    }
    if (m_bars.empty())
        return;
    const QFontMetricsF metrics(font());
    const double labelWidth = 180, rowHeight = std::max(22.0, metrics.height() + 8);
    // At zoom 1 the bars fill the view's width (no scrolling sideways); zooming stretches time.
    const double width = std::max(160.0, m_timeline->viewport()->width() - labelWidth - 60.0) * m_timelineZoom;
    const double scale = width / m_span;
    const QPen outline(QColor(0x80, 0x80, 0x80));
    // The steps' names stay in view while the zoomed time axis scrolls sideways (moved on scroll); their
    // ground is a polygon, not a rectangle: the rectangles of this scene are the steps' bars.
    m_timelineNames = m_timelineScene->addPolygon(
        QPolygonF(QRectF(-4, -4, labelWidth, double(m_bars.size()) * rowHeight + 4)), Qt::NoPen, palette().base());
    m_timelineNames->setZValue(1);
    int row = 0;
    for (const TimelineBar& bar : m_bars) {
        const double y = row++ * rowHeight;
        auto* label = new QGraphicsSimpleTextItem(
            metrics.elidedText(bar.label, Qt::ElideMiddle, labelWidth - 10), m_timelineNames);
        label->setPos(0, y + (rowHeight - metrics.height()) / 2);
        if (std::isnan(bar.start))
            continue;
        const double start = bar.start * scale;
        const double end = std::isnan(bar.end) ? start + 2 : bar.end * scale;
        auto* rect = m_timelineScene->addRect(
            QRectF(labelWidth + start, y + 3, std::max(2.0, end - start), rowHeight - 6), outline, bar.colour);
        rect->setToolTip(bar.tip);
    }
    // A time axis with readable ticks (1-2-5 steps of seconds), about one per 110 px.
    const double axisY = row * rowHeight + 6;
    const QPen axisPen(QColor(0x60, 0x60, 0x60));
    m_timelineScene->addLine(labelWidth, axisY, labelWidth + width, axisY, axisPen);
    for (double t : niceTicks(0, m_span, std::max(2, int(width / 110)))) {
        if (t < 0 || t > m_span * 1.0001)
            continue;
        const double x = labelWidth + t * scale;
        m_timelineScene->addLine(x, axisY, x, axisY + 4, axisPen);
        auto* tick = m_timelineScene->addSimpleText(formatDuration(t));
        tick->setPos(x - tick->boundingRect().width() / 2, axisY + 6);
    }
    m_timelineScene->setSceneRect(QRectF(-4, -4, labelWidth + width + 56, axisY + 8 + 2 * metrics.height()));
    keepTimelineNamesInView();
}

void DagView::keepTimelineNamesInView()
{
    if (m_timelineNames)
        m_timelineNames->setX(std::max(0.0, m_timeline->mapToScene(QPoint(0, 0)).x() + 4));
}

void DagView::zoomTimeline(double factor)
{
    const double zoom = std::clamp(m_timelineZoom * factor, 1.0, 200.0);
    if (zoom == m_timelineZoom)
        return;
    // Keep the moment in the middle of the view where it is.
    const QPointF centre = m_timeline->mapToScene(m_timeline->viewport()->rect().center());
    const double labelWidth = 180;
    const double stretch = zoom / m_timelineZoom;
    m_timelineZoom = zoom;
    drawTimeline();
    m_timeline->centerOn(labelWidth + (centre.x() - labelWidth) * stretch, centre.y());
}

void DagView::fit()
{
    if (m_tabs->currentWidget() == m_timeline && m_timelineZoom != 1) {
        m_timelineZoom = 1;
        drawTimeline();
        return;
    }
    if (m_scene->items().isEmpty())
        return;
    m_view->fitInView(m_scene->sceneRect(), Qt::KeepAspectRatio);
    // Never blow a small pipeline up beyond its natural size.
    if (m_view->transform().m11() > 1.0)
        m_view->setTransform(QTransform());
    m_scene->setZoom(m_view->transform().m11());
    updateOverview();
}

void DagView::updateOverview()
{
    m_overview->move(m_view->width() - m_overview->width() - 22, 6);
    m_overview->update();
}

void DagView::showStep(int node)
{
    if (node < 0 || size_t(node) >= m_scene->graph().nodes.size()) {
        m_details->clear();
        return;
    }
    const PipelineNode& n = m_scene->graph().nodes[size_t(node)];
    QString text;
    if (n.kind == PipelineNode::Kind::Artifact) {
        text = tr("artifact  %1\nhash      %2\nsize      %3\n")
                   .arg(visibleText(n.label), visibleText(n.artifact.hash),
                       n.artifact.size >= 0 ? QString::number(n.artifact.size) : tr("unknown"));
    } else {
        const StepRecord& s = n.step;
        text = tr("step      %1\nstatus    %2%3\n")
                   .arg(visibleText(n.label), visibleText(s.status), s.cached ? tr(" (cached)") : QString());
        if (!std::isnan(s.startTime))
            text += tr("started   %1\nduration  %2\n")
                        .arg(formatTime(s.startTime), formatDuration(s.endTime - s.startTime));
        text += tr("command   %1\nparams    %2\n")
                    .arg(s.command.isEmpty() ? tr("(none recorded)") : visibleText(s.command),
                        visibleText(s.paramsJson));
        if (n.change != StepChange::None) {
            text += tr("\ncompared  %1%2\n")
                        .arg(toString(n.change),
                            n.firstDivergence     ? tr(" — outputs differ first here")
                                : n.outputsDiffer ? tr(" — outputs differ")
                                                  : QString());
            for (const QString& r : n.reasons)
                text += QStringLiteral("    ") + visibleText(r) + u'\n';
        }
        if (n.change == StepChange::Changed || n.change == StepChange::Unchanged)
            text += tr("\ninputs (older → newer)\n") + artifactChanges(n.previous.inputs, s.inputs)
                + tr("outputs (older → newer)\n") + artifactChanges(n.previous.outputs, s.outputs);
        else
            text += tr("\ninputs\n") + artifactLines(s.inputs) + tr("outputs\n") + artifactLines(s.outputs);
        if (!s.after.isEmpty())
            text += tr("after     %1\n").arg(visibleText(s.after.join(QStringLiteral(", "))));
        if (!s.log.isEmpty())
            text += tr("\nlog\n") + visibleText(s.log, LineBreaks::Keep);
    }
    m_details->setPlainText(text);
}

void DagView::moveSelection(int key)
{
    const PipelineGraph& g = m_scene->graph();
    const DagLayout& l = m_scene->layout();
    if (g.nodes.empty())
        return;
    const int current = m_scene->selectedNode();
    if (current < 0) {
        m_scene->selectNode(0);
        m_view->ensureVisible(m_scene->nodeItem(0));
        return;
    }
    int best = -1;
    auto closer = [&](int candidate) {
        const double dy = std::abs(l.position[size_t(candidate)].y() - l.position[size_t(current)].y());
        return best < 0 || dy < std::abs(l.position[size_t(best)].y() - l.position[size_t(current)].y());
    };
    if (key == Qt::Key_Right || key == Qt::Key_Left) {
        for (const PipelineEdge& e : g.edges) {
            const int next = key == Qt::Key_Right ? (e.from == current ? e.to : -1) : (e.to == current ? e.from : -1);
            if (next >= 0 && closer(next))
                best = next;
        }
    } else {
        const int wantOrder = l.order[size_t(current)] + (key == Qt::Key_Down ? 1 : -1);
        for (size_t i = 0; i < g.nodes.size(); ++i) {
            if (l.layer[i] == l.layer[size_t(current)] && l.order[i] == wantOrder)
                best = int(i);
        }
    }
    if (best >= 0) {
        m_scene->selectNode(best);
        m_view->ensureVisible(m_scene->nodeItem(best), 40, 40);
    }
}

void DagView::zoomBy(double factor)
{
    const double scale = m_view->transform().m11() * factor;
    if (scale < 0.05 || scale > 6)
        return;
    m_view->scale(factor, factor);
    m_scene->setZoom(scale);
    updateOverview();
}

bool DagView::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_timeline->viewport() && event->type() == QEvent::Resize) {
        m_timelineRedraw->start();
        return false;
    }
    if (watched == m_timeline->viewport() && event->type() == QEvent::Wheel
        && (static_cast<QWheelEvent*>(event)->modifiers() & Qt::ControlModifier)) {
        zoomTimeline(std::pow(1.0015, static_cast<QWheelEvent*>(event)->angleDelta().y()));
        return true;
    }
    if (watched == m_timeline && event->type() == QEvent::KeyPress) {
        const int key = static_cast<QKeyEvent*>(event)->key();
        if (key == Qt::Key_Plus || key == Qt::Key_Equal || key == Qt::Key_Minus) {
            zoomTimeline(key == Qt::Key_Minus ? 0.8 : 1.25);
            return true;
        }
        if (key == Qt::Key_F) {
            fit();
            return true;
        }
    }
    if (watched == m_view->viewport() && event->type() == QEvent::Wheel) {
        zoomBy(std::pow(1.0015, static_cast<QWheelEvent*>(event)->angleDelta().y()));
        return true;
    }
    if (watched == m_view && event->type() == QEvent::KeyPress) {
        const int key = static_cast<QKeyEvent*>(event)->key();
        if (key == Qt::Key_Left || key == Qt::Key_Right || key == Qt::Key_Up || key == Qt::Key_Down) {
            moveSelection(key);
            return true;
        }
        if (key == Qt::Key_F) {
            fit();
            return true;
        }
        if (key == Qt::Key_Plus || key == Qt::Key_Minus) {
            zoomBy(key == Qt::Key_Plus ? 1.25 : 0.8);
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace reprise
