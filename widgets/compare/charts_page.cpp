#include "compare/charts_page.h"

#include "analysis/export_file.h"
#include "compare/chart_grid.h"
#include "compare/export_dialog.h"
#include "store/run_selection.h"
#include "text/display_text.h"
#include "when_finished.h"

#include <QBuffer>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QSlider>
#include <QSplitter>
#include <QThreadPool>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtConcurrent>
#include <map>
#include <utility>

namespace reprise {

namespace {
    QString groupCount(int n) { return n == 1 ? ChartsPage::tr("1 group") : ChartsPage::tr("%1 groups").arg(n); }
} // namespace

ChartsPage::ChartsPage(QWidget* parent)
    : QWidget(parent)
    , m_message(new QLabel(this))
    , m_keyFilter(new QLineEdit(this))
    , m_keyList(new QListWidget(this))
    , m_smoothingSlider(new QSlider(Qt::Horizontal, this))
    , m_smoothingLabel(new QLabel(this))
    , m_log(new QCheckBox(tr("log y"), this))
    , m_xChooser(new QComboBox(this))
    , m_layoutChooser(new QComboBox(this))
    , m_groupChooser(new QComboBox(this))
    , m_bandChooser(new QComboBox(this))
    , m_export(new QToolButton(this))
    , m_focus(new QToolButton(this))
    , m_side(new QWidget(this))
    , m_legend(new QListWidget(this))
    , m_grid(new ChartGrid(this))
{
    m_message->setTextFormat(Qt::PlainText);
    m_message->setWordWrap(true);
    m_keyFilter->setPlaceholderText(tr("Search metrics"));
    m_keyFilter->setClearButtonEnabled(true);
    m_keyFilter->setAccessibleName(tr("Search metrics"));
    m_keyList->setAccessibleName(tr("Metrics to chart"));
    m_smoothingSlider->setRange(0, 99);
    m_smoothingSlider->setValue(int(m_smoothing * 100));
    m_smoothingSlider->setAccessibleName(tr("Smoothing"));
    m_smoothingSlider->setToolTip(
        tr("TensorBoard's debiased exponential moving average; the raw curve stays faint behind"));
    m_smoothingLabel->setText(tr("smoothing %1").arg(m_smoothing, 0, 'f', 2));
    m_xChooser->addItems({ tr("step"), tr("wall time"), tr("relative time") });
    m_xChooser->setAccessibleName(tr("x axis"));
    m_layoutChooser->addItems({ tr("grid"), tr("one chart") });
    m_layoutChooser->setAccessibleName(tr("Chart layout"));
    m_layoutChooser->setToolTip(tr("Small multiples in a grid, or one large chart per metric"));
    m_groupChooser->setAccessibleName(tr("Group runs by"));
    m_groupChooser->setToolTip(tr("One line per group: the mean, with a band around it"));
    m_groupChooser->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_bandChooser->addItems({ tr("± std"), tr("min–max") });
    m_bandChooser->setAccessibleName(tr("Band around the group mean"));
    m_bandChooser->setEnabled(false);
    m_export->setText(tr("Export"));
    m_export->setPopupMode(QToolButton::InstantPopup);
    m_export->setAccessibleName(tr("Export charts or data"));
    auto* exportMenu = new QMenu(m_export);
    exportMenu->addAction(tr("Charts as PNG, SVG or PDF…"), this, [this] { chooseExport(QStringLiteral("png")); });
    exportMenu->addAction(tr("Copy Charts"), this, &ChartsPage::copyCharts);
    exportMenu->addAction(tr("Visible data as CSV…"), this, [this] { chooseExport(QStringLiteral("csv")); });
    m_export->setMenu(exportMenu);

    m_legend->setFlow(QListView::LeftToRight);
    m_legend->setWrapping(true);
    m_legend->setResizeMode(QListView::Adjust);
    m_legend->setSpacing(2);
    m_legend->setAccessibleName(tr("Runs in the charts (uncheck to hide)"));
    m_legend->setToolTip(tr("Uncheck a run to hide it in every chart"));

    auto* controls = new QHBoxLayout;
    controls->addWidget(m_smoothingLabel);
    controls->addWidget(m_smoothingSlider, 1);
    controls->addWidget(new QLabel(tr("x:"), this));
    controls->addWidget(m_xChooser);
    controls->addWidget(m_log);
    controls->addWidget(m_layoutChooser);
    controls->addWidget(new QLabel(tr("group:"), this));
    controls->addWidget(m_groupChooser);
    controls->addWidget(m_bandChooser);
    controls->addWidget(m_export);
    m_focus->setText(tr("Focus"));
    m_focus->setCheckable(true);
    m_focus->setAccessibleName(tr("Focus on the charts"));
    m_focus->setToolTip(tr("The charts take the whole window; the run table, the sources and the metric list "
                           "collapse. Again to restore."));
    controls->addWidget(m_focus);
    controls->addWidget(m_message, 3);

    auto* side = m_side;
    auto* sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(0, 0, 0, 0);
    sideLayout->addWidget(m_keyFilter);
    sideLayout->addWidget(m_keyList, 1);
    auto* chartsPane = new QWidget(this);
    auto* chartsLayout = new QVBoxLayout(chartsPane);
    chartsLayout->setContentsMargins(0, 0, 0, 0);
    chartsLayout->addWidget(m_legend);
    chartsLayout->addWidget(m_grid, 1);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(side);
    split->addWidget(chartsPane);
    split->setStretchFactor(1, 1);
    split->setSizes({ 180, 900 });
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(split, 1);
    // Tab in reading order: the controls row left to right, the metric keys, the legend, then the
    // charts (chained after the legend as they are made; creation order had log y before x).
    const QList<QWidget*> order { m_smoothingSlider, m_xChooser, m_log, m_layoutChooser, m_groupChooser, m_bandChooser,
        m_export, m_focus, m_keyFilter, m_keyList, m_legend };
    for (qsizetype i = 1; i < order.size(); ++i)
        QWidget::setTabOrder(order[i - 1], order[i]);

    connect(m_focus, &QToolButton::toggled, this, [this](bool on) {
        m_side->setVisible(!on);
        Q_EMIT focusModeToggled(on);
    });
    connect(m_keyFilter, &QLineEdit::textChanged, this, &ChartsPage::fillKeyList);
    connect(m_keyList, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
        const QString key = item->data(Qt::UserRole).toString();
        QStringList keys = m_keys;
        keys.removeAll(key);
        if (item->checkState() == Qt::Checked)
            keys << key;
        setKeys(keys);
    });
    connect(m_legend, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
        setRunVisible(item->data(Qt::UserRole).toString(), item->checkState() == Qt::Checked);
    });
    connect(m_smoothingSlider, &QSlider::valueChanged, this, [this](int v) { setSmoothing(v / 100.0); });
    connect(m_log, &QCheckBox::toggled, this, &ChartsPage::setLogY);
    connect(m_xChooser, &QComboBox::currentIndexChanged, this, [this](int i) { setXAxis(CurveAxis(i)); });
    connect(m_layoutChooser, &QComboBox::currentIndexChanged, this, [this](int i) { setSingleChart(i == 1); });
    connect(m_groupChooser, &QComboBox::activated, this,
        [this](int i) { setGroupBy(m_groupChooser->itemData(i).toString()); });
    connect(m_bandChooser, &QComboBox::currentIndexChanged, this, [this](int i) { setBand(BandKind(i)); });
    // Ready once every chart has drawn its first decimated picture of the latest curves.
    connect(m_grid, &ChartGrid::redrawn, this, [this] {
        if (m_busy && m_builtGeneration == m_generation) {
            m_busy = false;
            Q_EMIT ready();
        }
    });
    fillGroupings();
}

ChartsPage::~ChartsPage() { m_cancel.raise(); }

void ChartsPage::setFocusMode(bool on)
{
    const QSignalBlocker block(m_focus); // says what the window did: no request back
    m_focus->setChecked(on);
    m_side->setVisible(!on);
}

bool ChartsPage::isFocusMode() const { return m_focus->isChecked(); }

QList<MetricChart*> ChartsPage::charts() const { return m_grid->charts(); }

QString ChartsPage::message() const { return m_message->text(); }

void ChartsPage::clear(const QString& message)
{
    m_runs.clear();
    fillGroupings();
    clearCharts(message);
}

void ChartsPage::cancel()
{
    if (!m_busy)
        return;
    m_cancel.raise();
    ++m_generation;
    m_busy = false;
    m_message->setText(tr("Cancelled. Change the selection or the metrics to load again."));
    Q_EMIT ready();
}

void ChartsPage::clearCharts(const QString& message)
{
    m_cancel.raise();
    ++m_generation;
    m_busy = false;
    m_allKeys.clear();
    m_loaded.reset();
    m_grid->clear();
    m_keyList->clear();
    m_legend->clear();
    m_message->setText(message);
    Q_EMIT ready();
}

void ChartsPage::setRuns(const QString& database, const QList<RunRecord>& runs)
{
    const QList<RunRecord> chosen = runs.mid(0, kMaxRuns);
    auto ids = [](const QList<RunRecord>& list) {
        QStringList out;
        for (const RunRecord& r : list)
            out << r.uuid;
        return out;
    };
    const bool sameRuns = database == m_database && !m_runs.isEmpty() && ids(chosen) == ids(m_runs);
    m_database = database;
    m_runs = chosen;
    // Keys: every metric of the runs; the default charts are the keys most runs share.
    std::map<QString, int> counts;
    for (const RunRecord& r : std::as_const(m_runs)) {
        for (const MetricSummary& m : r.metrics)
            counts[m.key]++;
    }
    m_allKeys.clear();
    for (const auto& [key, _] : counts)
        m_allKeys << key;
    fillGroupings();
    if (m_allKeys.isEmpty()) {
        clearCharts(tr("The selected runs logged no metrics."));
        return;
    }
    QStringList keep;
    for (const QString& k : std::as_const(m_keys)) {
        if (counts.count(k))
            keep << k;
    }
    if (keep.isEmpty()) {
        QStringList byCount = m_allKeys;
        std::stable_sort(
            byCount.begin(), byCount.end(), [&](const QString& a, const QString& b) { return counts[a] > counts[b]; });
        keep = byCount.mid(0, 4);
    }
    m_keys = keep;
    fillKeyList();
    reload(sameRuns);
}

void ChartsPage::refresh()
{
    if (!m_runs.isEmpty() && !m_keys.isEmpty())
        reload(true);
}

void ChartsPage::fillKeyList()
{
    const QSignalBlocker block(m_keyList);
    m_keyList->clear();
    for (const QString& key : std::as_const(m_allKeys)) {
        if (!m_keyFilter->text().isEmpty() && !key.contains(m_keyFilter->text(), Qt::CaseInsensitive))
            continue;
        auto* item = new QListWidgetItem(visibleText(key), m_keyList);
        item->setData(Qt::UserRole, key);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(m_keys.contains(key) ? Qt::Checked : Qt::Unchecked);
    }
}

QStringList ChartsPage::groupings() const
{
    QStringList out;
    for (int i = 0; i < m_groupChooser->count(); ++i)
        out << m_groupChooser->itemData(i).toString();
    return out;
}

void ChartsPage::fillGroupings()
{
    const QSignalBlocker block(m_groupChooser);
    m_groupChooser->clear();
    m_groupChooser->addItem(tr("none"), QString());
    for (const QString& choice : groupingChoices(m_runs + m_poolRecords)) {
        const QString param = visibleText(choice.section(u':', 1));
        m_groupChooser->addItem(choice.startsWith(QStringLiteral("except:")) ? tr("same params except %1").arg(param)
                                                                             : tr("by %1").arg(param),
            choice);
    }
    // The user's grouping survives a selection whose runs do not offer it (they form one group).
    if (!m_groupBy.isEmpty() && m_groupChooser->findData(m_groupBy) < 0)
        m_groupChooser->addItem(tr("by %1").arg(visibleText(m_groupBy.section(u':', 1))), m_groupBy);
    m_groupChooser->setCurrentIndex(std::max(0, int(m_groupChooser->findData(m_groupBy))));
    m_bandChooser->setEnabled(!m_groupBy.isEmpty());
}

void ChartsPage::setKeys(const QStringList& keys)
{
    m_keys = keys;
    fillKeyList();
    reload(false);
}

void ChartsPage::setSmoothing(double weight)
{
    m_smoothing = std::clamp(weight, 0.0, 0.99);
    m_smoothingLabel->setText(tr("smoothing %1").arg(m_smoothing, 0, 'f', 2));
    if (m_smoothingSlider->value() != int(std::lround(m_smoothing * 100))) {
        const QSignalBlocker block(m_smoothingSlider);
        m_smoothingSlider->setValue(int(std::lround(m_smoothing * 100)));
    }
    derive(true);
}

void ChartsPage::setLogY(bool log) { m_grid->setLogY(log); }

void ChartsPage::setXAxis(CurveAxis axis)
{
    m_xAxis = axis;
    reload(false);
}

void ChartsPage::setSingleChart(bool single)
{
    if (m_layoutChooser->currentIndex() != (single ? 1 : 0))
        m_layoutChooser->setCurrentIndex(single ? 1 : 0);
    m_grid->setSingleChart(single);
}

void ChartsPage::setGroupBy(const QString& grouping)
{
    m_groupBy = grouping;
    const int at = m_groupChooser->findData(grouping);
    if (at >= 0 && at != m_groupChooser->currentIndex())
        m_groupChooser->setCurrentIndex(at);
    m_bandChooser->setEnabled(!grouping.isEmpty());
    // Grouped, the filter's runs of the selected runs' groups join in: their histories are read first.
    if (chartRunIds() != runIds(m_loadedRuns))
        reload(false);
    else
        derive(false);
}

QStringList ChartsPage::runIds(const QList<RunRecord>& runs)
{
    QStringList out;
    for (const RunRecord& r : runs)
        out << r.uuid;
    return out;
}

QList<RunRecord> ChartsPage::chartRuns() const
{
    if (m_groupBy.isEmpty() || m_poolRecords.isEmpty())
        return m_runs;
    return groupMembers(m_runs, m_poolRecords, m_groupBy).mid(0, kMaxSelectedRecords);
}

QStringList ChartsPage::chartRunIds() const { return runIds(chartRuns()); }

void ChartsPage::setGroupPool(const QList<RunLocation>& runs)
{
    auto same = [](const QList<RunLocation>& a, const QList<RunLocation>& b) {
        if (a.size() != b.size())
            return false;
        for (qsizetype i = 0; i < a.size(); ++i) {
            if (a[i].path != b[i].path || a[i].id != b[i].id)
                return false;
        }
        return true;
    };
    if (same(runs, m_pool))
        return;
    m_pool = runs;
    const quint64 ticket = ++m_poolGeneration;
    *m_poolLatest = ticket;
    auto apply = [this](QList<RunRecord> records) {
        m_poolRecords = std::move(records);
        fillGroupings();
        if (!m_groupBy.isEmpty() && !m_runs.isEmpty() && chartRunIds() != runIds(m_loadedRuns))
            reload(false);
    };
    if (m_pool.isEmpty()) {
        apply({});
        return;
    }
    // The records (params, metric names) of the filter's runs, read on a thread of their own: the
    // filter changes with every keystroke, and reads of hundreds of records must not hold the
    // worker threads the other views wait for. A read overtaken before it starts is skipped.
    // (Never destroyed: a read may still run while the program exits.)
    static QThreadPool* const poolReads = [] {
        auto* threads = new QThreadPool;
        threads->setMaxThreadCount(1);
        return threads;
    }();
    auto job = QtConcurrent::run(poolReads, [runs = m_pool.mid(0, kMaxSelectedRecords), latest = m_poolLatest, ticket] {
        if (*latest != ticket)
            return QList<RunRecord>();
        auto read = loadRunSelection(runs);
        return read ? read->all : QList<RunRecord>();
    });
    whenFinished(std::move(job), this, [this, ticket, apply](QList<RunRecord> records) {
        if (ticket == m_poolGeneration)
            apply(std::move(records));
    });
}

void ChartsPage::setBand(BandKind band)
{
    m_band = band;
    if (m_bandChooser->currentIndex() != int(band))
        m_bandChooser->setCurrentIndex(int(band));
    if (!m_groupBy.isEmpty())
        derive(true);
}

void ChartsPage::setRunVisible(const QString& runId, bool visible) { m_grid->setRunVisible(runId, visible); }

void ChartsPage::reload(bool keepRange)
{
    if (m_runs.isEmpty())
        return;
    const quint64 ticket = ++m_generation;
    m_busy = true;
    const QList<RunRecord> runs = chartRuns();
    if (!keepRange)
        m_message->setText(tr("Loading %1 metrics of %2 runs…").arg(m_keys.size()).arg(runs.size()));
    // Smoothing is computed with the load (in parallel) when no grouping replaces the curves.
    const double smoothing = m_groupBy.isEmpty() ? m_smoothing : 0;
    // A load still running for the previous selection stops reading: its result would be dropped.
    // The job holds copies and the flag only: it may outlive this page.
    auto job = QtConcurrent::run(
        [database = m_database, runs, keys = m_keys, axis = m_xAxis, smoothing, cancel = m_cancel.renew()] {
            return loadChartCurves(database, runs, keys, axis, smoothing, *cancel);
        });
    whenFinished(std::move(job), this, [this, ticket, keepRange, smoothing, runs](Result<CurvesPerKey> result) {
        if (ticket != m_generation)
            return;
        m_loadedRuns = runs;
        if (!result) {
            m_busy = false;
            m_message->setText(visibleText(result.error().message, LineBreaks::Keep));
            Q_EMIT ready();
            return;
        }
        m_loaded = std::make_shared<const CurvesPerKey>(std::move(*result));
        m_loadedSmoothing = smoothing;
        if (m_groupBy.isEmpty() && smoothing == m_smoothing)
            build(*m_loaded, keepRange);
        else
            derive(keepRange);
    });
}

void ChartsPage::derive(bool keepRange)
{
    if (!m_loaded)
        return;
    const quint64 ticket = ++m_generation;
    m_busy = true;
    const bool reuse = m_groupBy.isEmpty() && m_loadedSmoothing == m_smoothing;
    auto job = QtConcurrent::run(
        [loaded = m_loaded, runs = m_loadedRuns, grouping = m_groupBy, band = m_band, smoothing = m_smoothing, reuse] {
            return deriveChartCurves(*loaded, runs, grouping, band, smoothing, reuse);
        });
    whenFinished(std::move(job), this, [this, ticket, keepRange](CurvesPerKey curves) {
        if (ticket == m_generation)
            build(std::move(curves), keepRange);
    });
}

void ChartsPage::fillLegend(const CurvesPerKey& curvesPerKey)
{
    const QSignalBlocker block(m_legend);
    m_legend->clear();
    QSet<QString> drawn;
    auto add = [this](const QString& id, const QString& label, const QColor& colour) {
        QPixmap swatch(14, 14);
        swatch.fill(colour);
        auto* item = new QListWidgetItem(QIcon(swatch), label, m_legend);
        item->setData(Qt::UserRole, id);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(m_grid->isRunVisible(id) ? Qt::Checked : Qt::Unchecked);
    };
    for (const auto& curves : curvesPerKey) {
        for (const ChartCurve& c : curves)
            drawn.insert(c.runId);
    }
    if (m_groupBy.isEmpty()) {
        // Every selected run, in selection order: one that logged none of the charted metrics is
        // named too (and says so), not left out.
        for (const RunRecord& r : std::as_const(m_runs)) {
            const QString label = visibleText(curveLabel(r));
            add(r.uuid, drawn.contains(r.uuid) ? label : tr("%1 (none of these metrics)").arg(label),
                runColour(r.uuid));
        }
    } else {
        QSet<QString> seen;
        for (const auto& curves : curvesPerKey) {
            for (const ChartCurve& c : curves) {
                if (!seen.contains(c.runId))
                    add(c.runId, visibleText(c.label), c.colour);
                seen.insert(c.runId);
            }
        }
    }
    fitLegend();
}

void ChartsPage::fitLegend()
{
    // As tall as its rows of entries (up to three), not a fixed box with blank rows.
    m_legend->doItemsLayout();
    int bottom = 0;
    for (int i = 0; i < m_legend->count(); ++i)
        bottom = std::max(bottom, m_legend->visualItemRect(m_legend->item(i)).bottom());
    const int row = m_legend->count() > 0 ? m_legend->visualItemRect(m_legend->item(0)).height() + 4 : 20;
    m_legend->setFixedHeight(std::min(bottom + 6, 3 * row) + 2 * m_legend->frameWidth());
}

void ChartsPage::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    fitLegend();
}

void ChartsPage::build(CurvesPerKey curvesPerKey, bool keepRange)
{
    // Colours come from the shared palette here, on the GUI thread: a run's colour is the one it was
    // given when it joined the selection (groups have colours of their own).
    for (auto& curves : curvesPerKey) {
        for (ChartCurve& c : curves) {
            if (!c.runId.startsWith(QStringLiteral("group:")))
                c.colour = runColour(c.runId);
        }
    }
    fillLegend(curvesPerKey);
    m_builtGeneration = m_generation;
    const QStringList xTitles { tr("step"), tr("wall time"), tr("time since the run started (s)") };
    m_grid->setXTitle(xTitles.value(int(m_xAxis)));
    m_grid->setCurves(std::move(curvesPerKey), m_keys, keepRange);
    // Under each chart, the runs that did not log its metric (they are in no curve of it).
    std::vector<QStringList> missing(std::size_t(m_keys.size()));
    for (std::size_t k = 0; k < missing.size(); ++k) {
        QSet<QString> logged;
        if (m_loaded && k < m_loaded->size()) {
            for (const ChartCurve& c : (*m_loaded)[k])
                logged.insert(c.runId);
        }
        for (const RunRecord& r : std::as_const(m_runs)) {
            if (!logged.contains(r.uuid))
                missing[k] << curveLabel(r);
        }
    }
    m_grid->setMissing(missing);
    QWidget* previous = m_legend;
    for (MetricChart* chart : m_grid->charts())
        QWidget::setTabOrder(std::exchange(previous, chart), chart);
    const qsizetype joined = m_loadedRuns.size() - m_runs.size();
    const QString grouped = m_groupBy.isEmpty() ? QString()
        : joined > 0
        ? tr(" in %1, with %2 more runs of the filter in their groups").arg(groupCount(m_legend->count())).arg(joined)
        : tr(" in %1").arg(groupCount(m_legend->count()));
    m_message->setText(m_runs.size() >= kMaxRuns
            ? tr("%1 metrics of the first %2 selected runs%3").arg(m_keys.size()).arg(kMaxRuns).arg(grouped)
            : tr("%1 metrics of %2 runs%3 · drag or + to zoom, Shift+drag or ← → to pan, double-click or Home "
                 "to reset")
                  .arg(m_keys.size())
                  .arg(m_runs.size())
                  .arg(grouped));
    if (m_grid->charts().isEmpty()) {
        m_busy = false;
        Q_EMIT ready();
    }
}

} // namespace reprise
