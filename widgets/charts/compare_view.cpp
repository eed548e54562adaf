#include "charts/compare_view.h"

#include "analysis/group_stats.h"
#include "charts/parallel_coordinates.h"
#include "charts/scatter_plot.h"
#include "compute_pool.h"
#include "files/file_dialogs.h"
#include "store/run_store.h"
#include "text/display_text.h"

#include <QBuffer>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QFileInfo>
#include <QGraphicsLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QPainter>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSlider>
#include <QSplitter>
#include <QSvgGenerator>
#include <QTabWidget>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtConcurrent>
#include <algorithm>
#include <map>
#include <numeric>
#include <optional>
#include <set>

namespace reprise {

namespace {

    /// Adds the debiased EMA (and its pyramid) to a curve, or removes it when `weight` is 0.
    void smooth(ChartCurve& c, double weight)
    {
        c.smoothed.reset();
        c.smoothedPyramid.reset();
        if (weight <= 0 || !c.y)
            return;
        auto smoothed = std::make_shared<const std::vector<double>>(debiasedEma(*c.y, weight));
        c.smoothed = smoothed;
        c.smoothedPyramid = std::make_shared<const MinMaxPyramid>(*smoothed);
    }

    /// One run's curves for `keys` (empty entries for keys it did not log), read with its own connection.
    Result<std::vector<std::optional<ChartCurve>>> loadRunCurves(const QString& database, const RunRecord& run,
        const QStringList& keys, CompareView::XAxis axis, double smoothing)
    {
        std::vector<std::optional<ChartCurve>> out(size_t(keys.size()));
        auto store = RunStore::open(database, OpenMode::ReadOnly);
        if (!store)
            return store.error();
        // Long histories read through the OS page cache directly instead of being copied page by
        // page into SQLite's cache. Only here: mapped pages count as the process's memory, and
        // the run browser's snapshot load gains nothing from them.
        (void)store->database().exec("PRAGMA mmap_size=1073741824;");
        auto ref = store->resolveRun(run.uuid);
        if (!ref)
            return out;
        for (qsizetype k = 0; k < keys.size(); ++k) {
            const bool logged = std::any_of(
                run.metrics.begin(), run.metrics.end(), [&](const MetricSummary& m) { return m.key == keys[k]; });
            if (!logged)
                continue;
            auto history = store->loadMetric(*ref, keys[k],
                axis == CompareView::XAxis::Step ? RunStore::PointTimes::Skip : RunStore::PointTimes::Load);
            if (!history)
                return history.error();
            auto x = std::make_shared<std::vector<double>>(history->size());
            auto y = std::make_shared<std::vector<double>>(std::move(history->values));
            for (size_t i = 0; i < x->size(); ++i) {
                (*x)[i] = axis == CompareView::XAxis::Step ? double(history->steps[i])
                    : axis == CompareView::XAxis::WallTime ? history->times[i]
                                                           : history->times[i] - run.startTime;
            }
            if (axis != CompareView::XAxis::Step && !std::is_sorted(x->begin(), x->end())) {
                // Wall times can go back (clock changes); keep x sorted for the binary search.
                std::vector<size_t> order(x->size());
                std::iota(order.begin(), order.end(), 0);
                std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return (*x)[a] < (*x)[b]; });
                auto sx = std::make_shared<std::vector<double>>(), sy = std::make_shared<std::vector<double>>();
                for (size_t i : order) {
                    sx->push_back((*x)[i]);
                    sy->push_back((*y)[i]);
                }
                x = sx;
                y = sy;
            }
            ChartCurve c;
            // Names repeat across runs (seeds); the id prefix tells them apart.
            c.label = (run.name.isEmpty() ? QString() : run.name + QStringLiteral(" · ")) + run.uuid.left(6);
            c.runId = run.uuid;
            c.colour = runColour(run.uuid);
            c.x = x;
            c.y = y;
            c.pyramid = std::make_shared<const MinMaxPyramid>(*y);
            smooth(c, smoothing);
            out[size_t(k)] = std::move(c);
        }
        return out;
    }

    /// Histories of `keys` for `runs`, as curves per key; runs are read in parallel. On a worker.
    /// Runs not started when `cancelled` is set are skipped (a newer load or the user's Cancel).
    Result<std::vector<std::vector<ChartCurve>>> loadCurves(const QString& database, const QList<RunRecord>& runs,
        const QStringList& keys, CompareView::XAxis axis, double smoothing, const std::atomic_bool& cancelled)
    {
        using PerRun = Result<std::vector<std::optional<ChartCurve>>>;
        const auto perRun = QtConcurrent::blockingMapped<std::vector<PerRun>>(
            computePool(), runs, [&](const RunRecord& run) -> PerRun {
                if (cancelled)
                    return Error { QObject::tr("Cancelled."), {} };
                return loadRunCurves(database, run, keys, axis, smoothing);
            });
        std::vector<std::vector<ChartCurve>> perKey(size_t(keys.size()));
        for (const auto& result : perRun) {
            if (!result)
                return result.error();
            for (size_t k = 0; k < result->size(); ++k) {
                if ((*result)[k])
                    perKey[k].push_back(*(*result)[k]);
            }
        }
        return perKey;
    }

    QString paramText(const RunRecord& run, const QString& name)
    {
        const auto it = run.params.find(name);
        return it == run.params.end() ? QStringLiteral("—") : it->value;
    }

    /// Which group a run belongs to for `grouping` ("param:NAME" or "except:NAME"), as a label.
    /// `varying` are the params that differ across the compared runs (what tells configs apart).
    QString groupLabel(const RunRecord& run, const QString& grouping, const QStringList& varying)
    {
        const QString name = grouping.section(u':', 1);
        if (grouping.startsWith(QStringLiteral("param:")))
            return name + u'=' + paramText(run, name);
        QStringList parts;
        for (const QString& p : varying) {
            if (p != name)
                parts << p + u'=' + paramText(run, p);
        }
        return parts.isEmpty() ? QObject::tr("all runs") : parts.join(QStringLiteral(", "));
    }

    /// Every param name any of the runs has, sorted.
    std::set<QString> paramNames(const QList<RunRecord>& runs)
    {
        std::set<QString> names;
        for (const RunRecord& r : runs) {
            for (auto it = r.params.begin(); it != r.params.end(); ++it)
                names.insert(it.key());
        }
        return names;
    }

    /// The params whose value (or absence) is not the same in every run, sorted.
    QStringList varyingParams(const QList<RunRecord>& runs)
    {
        QStringList varying;
        for (const QString& n : paramNames(runs)) {
            for (const RunRecord& r : runs) {
                if (paramText(r, n) != paramText(runs.first(), n)) {
                    varying << n;
                    break;
                }
            }
        }
        return varying;
    }

    /// One curve per group of runs: y is the mean at each step, the band mean ± std or min–max,
    /// the label says how many runs the group holds.
    ChartCurve groupCurve(const QString& label, const std::vector<const ChartCurve*>& members, CompareView::Band kind)
    {
        std::vector<CurvePoints> points;
        for (const ChartCurve* c : members)
            points.push_back({ *c->x, *c->y });
        const GroupBand band = groupBand(points);
        ChartCurve g;
        g.label = QStringLiteral("%1 (n=%2)").arg(label).arg(members.size());
        g.runId = QStringLiteral("group:") + label;
        g.x = std::make_shared<const std::vector<double>>(band.steps);
        g.y = std::make_shared<const std::vector<double>>(band.mean);
        auto low = std::make_shared<std::vector<double>>(band.mean.size());
        auto high = std::make_shared<std::vector<double>>(band.mean.size());
        for (std::size_t i = 0; i < band.mean.size(); ++i) {
            (*low)[i] = kind == CompareView::Band::MinMax ? band.min[i] : band.mean[i] - band.std[i];
            (*high)[i] = kind == CompareView::Band::MinMax ? band.max[i] : band.mean[i] + band.std[i];
        }
        g.pyramid = std::make_shared<const MinMaxPyramid>(*g.y);
        g.bandLowPyramid = std::make_shared<const MinMaxPyramid>(*low);
        g.bandHighPyramid = std::make_shared<const MinMaxPyramid>(*high);
        g.bandLow = low;
        g.bandHigh = high;
        return g;
    }

    /// What the charts show, from the histories as read: runs grouped (or not) and smoothed.
    /// Pure; on a worker thread.
    std::vector<std::vector<ChartCurve>> deriveCurves(const std::vector<std::vector<ChartCurve>>& loaded,
        const QList<RunRecord>& runs, const QString& grouping, CompareView::Band band, double smoothing,
        bool reuseSmoothing)
    {
        std::vector<std::vector<ChartCurve>> out;
        const QStringList varying = varyingParams(runs);
        QHash<QString, const RunRecord*> byId;
        for (const RunRecord& r : runs)
            byId.insert(r.uuid, &r);
        for (const std::vector<ChartCurve>& curves : loaded) {
            std::vector<ChartCurve> shown;
            if (grouping.isEmpty()) {
                shown = curves;
            } else {
                QStringList order;
                QHash<QString, std::vector<const ChartCurve*>> groups;
                for (const ChartCurve& c : curves) {
                    const RunRecord* run = byId.value(c.runId);
                    const QString label = run ? groupLabel(*run, grouping, varying) : c.label;
                    if (!groups.contains(label))
                        order << label;
                    groups[label].push_back(&c);
                }
                for (const QString& label : order) {
                    shown.push_back(groupCurve(label, groups[label], band));
                    // Few groups side by side: distinct colours from a categorical palette beat
                    // hashed ones, which can land close together.
                    static const QColor palette[] = { QColor(0x1f, 0x77, 0xb4), QColor(0xff, 0x7f, 0x0e),
                        QColor(0x2c, 0xa0, 0x2c), QColor(0xd6, 0x27, 0x28), QColor(0x94, 0x67, 0xbd),
                        QColor(0x8c, 0x56, 0x4b), QColor(0xe3, 0x77, 0xc2), QColor(0x7f, 0x7f, 0x7f),
                        QColor(0xbc, 0xbd, 0x22), QColor(0x17, 0xbe, 0xcf) };
                    shown.back().colour = palette[(shown.size() - 1) % std::size(palette)];
                }
            }
            // Smoothing is the costly part for long histories: the curves in parallel.
            // (The histories as read carry the smoothing of the load; reused while it is current.)
            if (!grouping.isEmpty() || !reuseSmoothing)
                QtConcurrent::blockingMap(computePool(), shown, [&](ChartCurve& c) { smooth(c, smoothing); });
            out.push_back(std::move(shown));
        }
        return out;
    }

    /// Writes every point of `curves` with x in [lo, hi] as CSV rows. On a worker thread.
    QString writeCsv(const QString& path, const QStringList& keys, const std::vector<std::vector<ChartCurve>>& curves,
        const std::vector<std::pair<double, double>>& ranges)
    {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return QObject::tr("%1: %2 — choose a writable folder").arg(path, file.errorString());
        QByteArray buffer = "run_id,run,metric,x,value\n";
        auto quoted = [](const QString& text) {
            QString q = text;
            q.replace(u'"', QStringLiteral("\"\""));
            return (u'"' + q + u'"').toUtf8();
        };
        for (std::size_t k = 0; k < curves.size(); ++k) {
            for (const ChartCurve& c : curves[k]) {
                if (!c.x)
                    continue;
                const QByteArray prefix
                    = quoted(c.runId) + ',' + quoted(c.label) + ',' + quoted(keys[qsizetype(k)]) + ',';
                const auto& xs = *c.x;
                auto i = std::size_t(std::lower_bound(xs.begin(), xs.end(), ranges[k].first) - xs.begin());
                for (; i < xs.size() && xs[i] <= ranges[k].second; ++i) {
                    buffer += prefix;
                    buffer += QByteArray::number(xs[i], 'g', 17);
                    buffer += ',';
                    buffer += QByteArray::number((*c.y)[i], 'g', 17);
                    buffer += '\n';
                    if (buffer.size() > (1 << 20)) {
                        if (file.write(buffer) != buffer.size())
                            return QObject::tr("%1: %2 — is the disk full?").arg(path, file.errorString());
                        buffer.clear();
                    }
                }
            }
        }
        if (file.write(buffer) != buffer.size() || !file.flush())
            return QObject::tr("%1: %2 — is the disk full?").arg(path, file.errorString());
        return {};
    }

} // namespace

CompareView::CompareView(QWidget* parent)
    : QWidget(parent)
    , m_message(new QLabel(this))
    , m_tabs(new QTabWidget(this))
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
    , m_legend(new QListWidget(this))
    , m_scroll(new QScrollArea(this))
    , m_grid(new QWidget(this))
    , m_gridLayout(new QGridLayout(m_grid))
    , m_params(new QTableWidget(this))
    , m_onlyDifferencesBox(new QCheckBox(tr("only differences"), this))
    , m_parallel(new ParallelCoordinates(this))
    , m_parallelMetric(new QComboBox(this))
    , m_scatter(new ScatterPlot(this))
    , m_scatterX(new QComboBox(this))
    , m_scatterY(new QComboBox(this))
    , m_scatterColour(new QComboBox(this))
    , m_scatterLogX(new QCheckBox(tr("log x"), this))
    , m_scatterLogY(new QCheckBox(tr("log y"), this))
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
    exportMenu->addAction(tr("Charts as PNG…"), this, [this] { chooseExport(QStringLiteral("png")); });
    exportMenu->addAction(tr("Charts as SVG…"), this, [this] { chooseExport(QStringLiteral("svg")); });
    exportMenu->addAction(tr("Visible data as CSV…"), this, [this] { chooseExport(QStringLiteral("csv")); });
    m_export->setMenu(exportMenu);

    m_legend->setFlow(QListView::LeftToRight);
    m_legend->setWrapping(true);
    m_legend->setResizeMode(QListView::Adjust);
    m_legend->setSpacing(2);
    m_legend->setMaximumHeight(58);
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
    controls->addWidget(m_message, 3);

    auto* side = new QWidget(this);
    auto* sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(0, 0, 0, 0);
    sideLayout->addWidget(m_keyFilter);
    sideLayout->addWidget(m_keyList, 1);
    m_scroll->setWidgetResizable(true);
    m_scroll->setWidget(m_grid);
    auto* chartsPane = new QWidget(this);
    auto* chartsLayout = new QVBoxLayout(chartsPane);
    chartsLayout->setContentsMargins(0, 0, 0, 0);
    chartsLayout->addWidget(m_legend);
    chartsLayout->addWidget(m_scroll, 1);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(side);
    split->addWidget(chartsPane);
    split->setStretchFactor(1, 1);
    split->setSizes({ 180, 900 });
    auto* charts = new QWidget(this);
    auto* chartsTab = new QVBoxLayout(charts);
    chartsTab->setContentsMargins(0, 0, 0, 0);
    chartsTab->addLayout(controls);
    chartsTab->addWidget(split, 1);
    m_tabs->addTab(charts, tr("Charts"));

    auto* paramsPage = new QWidget(this);
    auto* paramsLayout = new QVBoxLayout(paramsPage);
    paramsLayout->setContentsMargins(0, 0, 0, 0);
    paramsLayout->addWidget(m_onlyDifferencesBox);
    paramsLayout->addWidget(m_params, 1);
    m_params->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_params->setAccessibleName(tr("Params of the selected runs"));
    m_params->verticalHeader()->setDefaultSectionSize(22);
    m_tabs->addTab(paramsPage, tr("Params"));

    auto* parallelPage = new QWidget(this);
    auto* parallelLayout = new QVBoxLayout(parallelPage);
    parallelLayout->setContentsMargins(0, 0, 0, 0);
    auto* parallelControls = new QHBoxLayout;
    parallelControls->addWidget(new QLabel(tr("metric:"), this));
    parallelControls->addWidget(m_parallelMetric);
    parallelControls->addStretch(1);
    m_parallelMetric->setAccessibleName(tr("Metric of the last axis"));
    parallelLayout->addLayout(parallelControls);
    parallelLayout->addWidget(m_parallel, 1);
    m_tabs->addTab(parallelPage, tr("Parallel coordinates"));

    auto* scatterPage = new QWidget(this);
    auto* scatterLayout = new QVBoxLayout(scatterPage);
    scatterLayout->setContentsMargins(0, 0, 0, 0);
    auto* scatterControls = new QHBoxLayout;
    scatterControls->addWidget(new QLabel(tr("x:"), this));
    scatterControls->addWidget(m_scatterX);
    scatterControls->addWidget(m_scatterLogX);
    scatterControls->addWidget(new QLabel(tr("y:"), this));
    scatterControls->addWidget(m_scatterY);
    scatterControls->addWidget(m_scatterLogY);
    scatterControls->addWidget(new QLabel(tr("colour:"), this));
    scatterControls->addWidget(m_scatterColour);
    scatterControls->addStretch(1);
    m_scatterX->setAccessibleName(tr("Scatter x field"));
    m_scatterY->setAccessibleName(tr("Scatter y metric"));
    m_scatterColour->setAccessibleName(tr("Scatter colour field"));
    scatterLayout->addLayout(scatterControls);
    scatterLayout->addWidget(m_scatter, 1);
    m_tabs->addTab(scatterPage, tr("Scatter"));

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tabs, 1);

    connect(m_keyFilter, &QLineEdit::textChanged, this, &CompareView::fillKeyList);
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
    connect(m_log, &QCheckBox::toggled, this, &CompareView::setLogY);
    connect(m_xChooser, &QComboBox::currentIndexChanged, this, [this](int i) { setXAxis(XAxis(i)); });
    connect(m_layoutChooser, &QComboBox::currentIndexChanged, this, [this](int i) { setSingleChart(i == 1); });
    connect(m_groupChooser, &QComboBox::activated, this,
        [this](int i) { setGroupBy(m_groupChooser->itemData(i).toString()); });
    connect(m_bandChooser, &QComboBox::currentIndexChanged, this, [this](int i) { setBand(Band(i)); });
    connect(m_onlyDifferencesBox, &QCheckBox::toggled, this, &CompareView::setOnlyDifferences);
    connect(m_parallel, &ParallelCoordinates::runsBrushed, this, &CompareView::runsBrushed);
    connect(m_scatter, &ScatterPlot::runsBrushed, this, &CompareView::runsBrushed);
    // The field choosers show escaped names and carry the real ones as item data.
    connect(m_parallelMetric, &QComboBox::currentIndexChanged, this,
        [this] { m_parallel->setColourMetric(m_parallelMetric->currentData().toString()); });
    auto scatterFields = [this] {
        m_scatter->setFields(m_scatterX->currentData().toString(), m_scatterY->currentData().toString(),
            m_scatterColour->currentData().toString());
        m_scatter->setLog(m_scatterLogX->isChecked(), m_scatterLogY->isChecked());
    };
    for (QComboBox* box : { m_scatterX, m_scatterY, m_scatterColour })
        connect(box, &QComboBox::currentIndexChanged, this, scatterFields);
    for (QCheckBox* box : { m_scatterLogX, m_scatterLogY })
        connect(box, &QCheckBox::toggled, this, scatterFields);
    fillGroupings();
    clear(tr("Select 1 to %1 runs to compare their metrics.").arg(kMaxRuns));
}

QString CompareView::message() const { return m_message->text(); }

void CompareView::clear(const QString& message)
{
    m_runs.clear();
    fillParams();
    fillGroupings();
    clearCharts(message);
}

void CompareView::cancel()
{
    if (!m_busy)
        return;
    m_cancel.raise();
    ++m_generation;
    m_busy = false;
    m_message->setText(tr("Cancelled. Change the selection or the metrics to load again."));
    Q_EMIT ready();
}

void CompareView::clearCharts(const QString& message)
{
    m_cancel.raise();
    ++m_generation;
    m_busy = false;
    m_allKeys.clear();
    m_loaded.reset();
    qDeleteAll(m_charts);
    m_charts.clear();
    m_keyList->clear();
    m_legend->clear();
    m_message->setText(message);
    Q_EMIT ready();
}

void CompareView::setRuns(const QString& database, const QList<RunRecord>& runs)
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
    fillParams();
    fillGroupings();
    if (m_allKeys.isEmpty()) {
        clearCharts(tr("The selected runs logged no metrics.")); // the params table still compares them
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

void CompareView::refresh()
{
    if (!m_runs.isEmpty() && !m_keys.isEmpty())
        reload(true);
}

void CompareView::fillKeyList()
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

QStringList CompareView::groupings() const
{
    QStringList out;
    for (int i = 0; i < m_groupChooser->count(); ++i)
        out << m_groupChooser->itemData(i).toString();
    return out;
}

void CompareView::fillGroupings()
{
    const QSignalBlocker block(m_groupChooser);
    m_groupChooser->clear();
    m_groupChooser->addItem(tr("none"), QString());
    const QStringList varying = varyingParams(m_runs);
    for (const QString& p : varying) {
        if (p.contains(QStringLiteral("seed"), Qt::CaseInsensitive))
            m_groupChooser->addItem(
                tr("same params except %1").arg(visibleText(p)), QString(QStringLiteral("except:") + p));
    }
    for (const QString& p : varying)
        m_groupChooser->addItem(tr("by %1").arg(visibleText(p)), QString(QStringLiteral("param:") + p));
    const int at = m_groupChooser->findData(m_groupBy);
    if (at < 0)
        m_groupBy.clear();
    m_groupChooser->setCurrentIndex(std::max(0, at));
    m_bandChooser->setEnabled(!m_groupBy.isEmpty());
}

void CompareView::fillParams()
{
    m_params->clear();
    m_params->setColumnCount(int(m_runs.size()));
    QStringList headers;
    for (const RunRecord& r : std::as_const(m_runs)) {
        headers << (r.name.isEmpty() ? QString() : visibleText(r.name) + u'\n') + r.uuid.left(8);
    }
    m_params->setHorizontalHeaderLabels(headers);
    for (int c = 0; c < int(m_runs.size()); ++c) {
        QPixmap swatch(10, 10);
        swatch.fill(runColour(m_runs[c].uuid));
        m_params->horizontalHeaderItem(c)->setIcon(QIcon(swatch));
    }
    const std::set<QString> names = paramNames(m_runs);
    // The commit is compared like a param: the same config at another code version is another run.
    struct Row {
        QString name;
        QStringList values;
    };
    std::vector<Row> rows;
    Row commit { tr("(commit)"), {} };
    for (const RunRecord& r : std::as_const(m_runs))
        commit.values << (r.code.commit.isEmpty()
                ? QStringLiteral("—")
                : r.code.commit.left(10) + (r.code.dirty ? QStringLiteral(" +dirty") : QString()));
    rows.push_back(commit);
    for (const QString& n : names) {
        Row row { n, {} };
        for (const RunRecord& r : std::as_const(m_runs))
            row.values << paramText(r, n);
        rows.push_back(row);
    }
    int shown = 0;
    m_params->setRowCount(int(rows.size()));
    for (const Row& row : rows) {
        const bool differs = std::any_of(
            row.values.begin(), row.values.end(), [&](const QString& v) { return v != row.values.first(); });
        if (m_onlyDifferences && !differs)
            continue;
        auto* header = new QTableWidgetItem(visibleText(row.name));
        header->setToolTip(plainToolTip(row.name));
        QFont font = m_params->font();
        font.setBold(differs);
        header->setFont(font);
        m_params->setVerticalHeaderItem(shown, header);
        for (int c = 0; c < int(row.values.size()); ++c) {
            auto* item = new QTableWidgetItem(visibleText(row.values[c]));
            item->setToolTip(plainToolTip(row.values[c]));
            if (differs) {
                item->setBackground(QColor(0xff, 0xe9, 0xa8));
                item->setForeground(QColor(0x20, 0x20, 0x20)); // readable on amber in a dark palette too
            }
            m_params->setItem(shown, c, item);
        }
        ++shown;
    }
    m_params->setRowCount(shown);
    m_params->resizeColumnsToContents();
}

void CompareView::setOnlyDifferences(bool only)
{
    m_onlyDifferences = only;
    if (m_onlyDifferencesBox->isChecked() != only)
        m_onlyDifferencesBox->setChecked(only);
    fillParams();
}

void CompareView::showPage(const QString& page)
{
    const QStringList pages { QStringLiteral("charts"), QStringLiteral("params"), QStringLiteral("parallel"),
        QStringLiteral("scatter") };
    m_tabs->setCurrentIndex(std::max(0, int(pages.indexOf(page))));
}

void CompareView::setPlotTable(PlotTable table)
{
    m_parallel->setTable(table);
    m_scatter->setTable(std::move(table));
    fillScatterFields();
}

void CompareView::fillScatterFields()
{
    const PlotTable& t = m_scatter->table();
    QStringList all, metrics;
    // Metrics most runs logged first; among those, evaluation metrics (what a sweep is judged by)
    // before schedules that merely echo a param (a logged lr).
    QSet<QString> paramNames;
    for (const PlotField& f : t.fields) {
        if (f.kind == PlotField::Kind::Param)
            paramNames.insert(f.name);
    }
    static const QRegularExpression evaluation(QStringLiteral("val|eval|test|acc|f1|auc"));
    std::vector<std::pair<int, QString>> byCoverage;
    for (const PlotField& f : t.fields) {
        all << f.name;
        if (f.kind != PlotField::Kind::Metric)
            continue;
        const int coverage
            = int(std::count_if(f.values.begin(), f.values.end(), [](double v) { return std::isfinite(v); }));
        const int rank = coverage * 4 + (paramNames.contains(f.name) ? 0 : 1) + (f.name.contains(evaluation) ? 2 : 0);
        byCoverage.emplace_back(-rank, f.name);
    }
    std::stable_sort(
        byCoverage.begin(), byCoverage.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [_, name] : byCoverage)
        metrics << name;
    auto refill = [](QComboBox* box, const QStringList& items, const QString& fallback) {
        const QString current = box->currentData().toString();
        const QSignalBlocker block(box);
        box->clear();
        for (const QString& item : items)
            box->addItem(visibleText(item), item);
        box->setCurrentIndex(
            std::max(0, box->findData(items.contains(current) && !current.isEmpty() ? current : fallback)));
    };
    // x: the param with the most distinct values (the swept one); colour: the next one.
    std::vector<std::pair<int, QString>> params;
    for (const PlotField& f : t.fields) {
        if (f.kind == PlotField::Kind::Param)
            params.emplace_back(-int(std::set<double>(f.values.begin(), f.values.end()).size()), f.name);
    }
    std::stable_sort(params.begin(), params.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    refill(m_scatterX, all, params.empty() ? all.value(0) : params[0].second);
    refill(m_scatterY, metrics, metrics.value(0));
    refill(m_scatterColour, QStringList { QString() } + all, params.size() > 1 ? params[1].second : QString());
    refill(m_parallelMetric, metrics, metrics.value(0));
    m_parallel->setColourMetric(m_parallelMetric->currentData().toString());
    m_scatter->setFields(m_scatterX->currentData().toString(), m_scatterY->currentData().toString(),
        m_scatterColour->currentData().toString());
    const PlotField* x = t.field(m_scatterX->currentData().toString());
    const PlotField* y = t.field(m_scatterY->currentData().toString());
    {
        const QSignalBlocker bx(m_scatterLogX), by(m_scatterLogY);
        m_scatterLogX->setChecked(x && x->logSuggested);
        m_scatterLogY->setChecked(y && y->logSuggested);
    }
    m_scatter->setLog(m_scatterLogX->isChecked(), m_scatterLogY->isChecked());
    QStringList selected;
    for (const RunRecord& r : std::as_const(m_runs))
        selected << r.uuid;
    m_parallel->setHighlighted(selected);
    m_scatter->setHighlighted(selected);
}

void CompareView::setKeys(const QStringList& keys)
{
    m_keys = keys;
    fillKeyList();
    reload(false);
}

void CompareView::setSmoothing(double weight)
{
    m_smoothing = std::clamp(weight, 0.0, 0.99);
    m_smoothingLabel->setText(tr("smoothing %1").arg(m_smoothing, 0, 'f', 2));
    if (m_smoothingSlider->value() != int(std::lround(m_smoothing * 100))) {
        const QSignalBlocker block(m_smoothingSlider);
        m_smoothingSlider->setValue(int(std::lround(m_smoothing * 100)));
    }
    derive(true);
}

void CompareView::setLogY(bool log)
{
    m_logY = log;
    for (MetricChart* chart : std::as_const(m_charts))
        chart->setLogY(log);
}

void CompareView::setXAxis(XAxis axis)
{
    m_xAxis = axis;
    reload(false);
}

void CompareView::setSingleChart(bool single)
{
    m_single = single;
    if (m_layoutChooser->currentIndex() != (single ? 1 : 0))
        m_layoutChooser->setCurrentIndex(single ? 1 : 0);
    layoutCharts();
}

void CompareView::setGroupBy(const QString& grouping)
{
    m_groupBy = grouping;
    const int at = m_groupChooser->findData(grouping);
    if (at >= 0 && at != m_groupChooser->currentIndex())
        m_groupChooser->setCurrentIndex(at);
    m_bandChooser->setEnabled(!grouping.isEmpty());
    derive(false);
}

void CompareView::setBand(Band band)
{
    m_band = band;
    if (m_bandChooser->currentIndex() != int(band))
        m_bandChooser->setCurrentIndex(int(band));
    if (!m_groupBy.isEmpty())
        derive(true);
}

void CompareView::setRunVisible(const QString& runId, bool visible)
{
    if (visible)
        m_hidden.remove(runId);
    else
        m_hidden.insert(runId);
    for (MetricChart* chart : std::as_const(m_charts))
        chart->setCurveVisible(runId, visible);
}

void CompareView::reload(bool keepRange)
{
    if (m_runs.isEmpty())
        return;
    const quint64 ticket = ++m_generation;
    m_busy = true;
    if (!keepRange)
        m_message->setText(tr("Loading %1 metrics of %2 runs…").arg(m_keys.size()).arg(m_runs.size()));
    // Smoothing is computed with the load (in parallel per run) when no grouping replaces the curves.
    const double smoothing = m_groupBy.isEmpty() ? m_smoothing : 0;
    // A load still running for the previous selection stops reading: its result would be dropped.
    QtConcurrent::run([database = m_database, runs = m_runs, keys = m_keys, axis = m_xAxis, smoothing,
                          cancel = m_cancel.renew()] {
        return loadCurves(database, runs, keys, axis, smoothing, *cancel);
    }).then(this, [this, ticket, keepRange, smoothing](Result<std::vector<std::vector<ChartCurve>>> result) {
        if (ticket != m_generation)
            return;
        if (!result) {
            m_busy = false;
            m_message->setText(visibleText(result.error().message, LineBreaks::Keep));
            Q_EMIT ready();
            return;
        }
        m_loaded = std::make_shared<const std::vector<std::vector<ChartCurve>>>(std::move(*result));
        m_loadedSmoothing = smoothing;
        if (m_groupBy.isEmpty() && smoothing == m_smoothing)
            build(*m_loaded, keepRange);
        else
            derive(keepRange);
    });
}

void CompareView::derive(bool keepRange)
{
    if (!m_loaded)
        return;
    const quint64 ticket = ++m_generation;
    m_busy = true;
    const bool reuse = m_groupBy.isEmpty() && m_loadedSmoothing == m_smoothing;
    QtConcurrent::run([loaded = m_loaded, runs = m_runs, grouping = m_groupBy, band = m_band, smoothing = m_smoothing,
                          reuse] {
        return deriveCurves(*loaded, runs, grouping, band, smoothing, reuse);
    }).then(this, [this, ticket, keepRange](std::vector<std::vector<ChartCurve>> curves) {
        if (ticket == m_generation)
            build(std::move(curves), keepRange);
    });
}

void CompareView::fillLegend(const std::vector<std::vector<ChartCurve>>& curvesPerKey)
{
    const QSignalBlocker block(m_legend);
    m_legend->clear();
    QSet<QString> seen;
    for (const auto& curves : curvesPerKey) {
        for (const ChartCurve& c : curves) {
            if (seen.contains(c.runId))
                continue;
            seen.insert(c.runId);
            QPixmap swatch(14, 14);
            swatch.fill(c.colour);
            auto* item = new QListWidgetItem(QIcon(swatch), visibleText(c.label), m_legend);
            item->setData(Qt::UserRole, c.runId);
            item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
            item->setCheckState(m_hidden.contains(c.runId) ? Qt::Unchecked : Qt::Checked);
        }
    }
}

void CompareView::build(std::vector<std::vector<ChartCurve>> curvesPerKey, bool keepRange)
{
    fillLegend(curvesPerKey);
    bool reuse = keepRange && m_charts.size() == m_keys.size();
    for (qsizetype k = 0; reuse && k < m_keys.size(); ++k)
        reuse = m_charts[k]->property("metricKey").toString() == m_keys[k];
    if (!reuse) {
        qDeleteAll(m_charts);
        m_charts.clear();
        for (qsizetype k = 0; k < m_keys.size(); ++k) {
            auto* chart = new MetricChart(m_keys[k], m_grid);
            chart->setProperty("metricKey", m_keys[k]);
            chart->chart()->legend()->hide(); // the shared legend above names the runs
            chart->setLogY(m_logY);
            for (const QString& id : std::as_const(m_hidden))
                chart->setCurveVisible(id, false);
            m_charts << chart;
        }
        // Linked x: zooming or panning one chart moves the others.
        for (MetricChart* source : std::as_const(m_charts)) {
            connect(source, &MetricChart::xRangeChanged, this, [this, source](double lo, double hi) {
                for (MetricChart* other : std::as_const(m_charts)) {
                    if (other != source)
                        other->setXRange(lo, hi);
                }
            });
        }
        layoutCharts();
    }
    // Ready once every chart has drawn its first decimated picture.
    auto pending = std::make_shared<int>(int(m_charts.size()));
    const quint64 ticket = m_generation;
    for (qsizetype k = 0; k < m_charts.size(); ++k) {
        MetricChart* chart = m_charts[k];
        auto connection = std::make_shared<QMetaObject::Connection>();
        *connection = connect(chart, &MetricChart::redrawn, this, [this, pending, ticket, connection] {
            disconnect(*connection);
            if (ticket == m_generation && *pending > 0 && --*pending == 0) {
                m_busy = false;
                Q_EMIT ready();
            }
        });
        chart->setCurves(std::move(curvesPerKey[size_t(k)]), reuse);
    }
    const QString grouped = m_groupBy.isEmpty() ? QString() : tr(" in %1 groups").arg(m_legend->count());
    m_message->setText(m_runs.size() >= kMaxRuns
            ? tr("%1 metrics of the first %2 selected runs%3").arg(m_keys.size()).arg(kMaxRuns).arg(grouped)
            : tr("%1 metrics of %2 runs%3 · drag to zoom, Shift+drag to pan, double-click to reset")
                  .arg(m_keys.size())
                  .arg(m_runs.size())
                  .arg(grouped));
    if (m_charts.isEmpty()) {
        m_busy = false;
        Q_EMIT ready();
    }
}

void CompareView::layoutCharts()
{
    const int columns = m_single || m_keys.size() < 2 ? 1 : 2;
    for (MetricChart* chart : std::as_const(m_charts))
        m_gridLayout->removeWidget(chart);
    for (int c = 0; c < 2; ++c)
        m_gridLayout->setColumnStretch(c, c < columns ? 1 : 0);
    const int height = m_single ? std::max(360, m_scroll->viewport()->height() - 12) : 260;
    for (qsizetype k = 0; k < m_charts.size(); ++k) {
        m_charts[k]->setMinimumHeight(height);
        m_gridLayout->addWidget(m_charts[k], int(k) / columns, int(k) % columns);
    }
}

void CompareView::exportCharts(const QString& path)
{
    if (m_charts.isEmpty()) {
        Q_EMIT exported(path, tr("Nothing to export: no charts are shown. Select runs with metrics first."));
        return;
    }
    // Legends are part of an exported picture: each chart names its runs.
    for (MetricChart* chart : std::as_const(m_charts)) {
        chart->chart()->legend()->show();
        if (chart->chart()->layout())
            chart->chart()->layout()->activate();
    }
    // Painting needs the GUI thread; encoding and writing the file do not.
    QByteArray svgBytes;
    QImage image;
    const bool svg = path.endsWith(QStringLiteral(".svg"), Qt::CaseInsensitive);
    if (svg) {
        QBuffer buffer(&svgBytes);
        QSvgGenerator generator;
        generator.setOutputDevice(&buffer);
        generator.setSize(m_grid->size());
        generator.setViewBox(QRect(QPoint(0, 0), m_grid->size()));
        // QSvgGenerator writes the title into the XML as it is: escaped, or a key could inject markup.
        generator.setTitle(tr("Reprise: %1").arg(htmlSafeText(m_keys.join(QStringLiteral(", ")))));
        QPainter painter(&generator);
        m_grid->render(&painter);
    } else {
        image = m_grid->grab().toImage();
    }
    for (MetricChart* chart : std::as_const(m_charts))
        chart->chart()->legend()->hide();
    QtConcurrent::run([path, svg, svgBytes, image]() -> QString {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return QObject::tr("%1: %2 — choose a writable folder").arg(path, file.errorString());
        const bool written = svg ? file.write(svgBytes) == svgBytes.size() : image.save(&file, "PNG");
        if (!written || !file.flush())
            return QObject::tr("%1: %2 — is the disk full?").arg(path, file.errorString());
        return {};
    }).then(this, [this, path](const QString& error) { reportExport(path, error); });
}

void CompareView::reportExport(const QString& path, const QString& error)
{
    m_message->setText(error.isEmpty() ? tr("Wrote %1").arg(path) : error);
    Q_EMIT exported(path, error);
}

void CompareView::exportCsv(const QString& path)
{
    std::vector<std::vector<ChartCurve>> curves;
    std::vector<std::pair<double, double>> ranges;
    for (MetricChart* chart : std::as_const(m_charts)) {
        std::vector<ChartCurve> visible;
        for (const ChartCurve& c : chart->curves()) {
            if (!m_hidden.contains(c.runId))
                visible.push_back(c);
        }
        curves.push_back(std::move(visible));
        ranges.emplace_back(chart->visibleLow(), chart->visibleHigh());
    }
    QtConcurrent::run([path, keys = m_keys, curves = std::move(curves), ranges = std::move(ranges)] {
        return writeCsv(path, keys, curves, ranges);
    }).then(this, [this, path](const QString& error) { reportExport(path, error); });
}

void CompareView::chooseExport(const QString& kind)
{
    const QString filter = kind == QLatin1String("csv") ? tr("CSV (*.csv)")
        : kind == QLatin1String("svg")                  ? tr("SVG image (*.svg)")
                                                        : tr("PNG image (*.png)");
    QString path = chooseSaveFile(this, tr("Export"), QStringLiteral("metrics.") + kind, filter);
    if (path.isEmpty())
        return;
    if (!path.contains(u'.'))
        path += u'.' + kind;
    if (kind == QLatin1String("csv"))
        exportCsv(path);
    else
        exportCharts(path);
}

} // namespace reprise
