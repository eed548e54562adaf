#include "charts/compare_view.h"

#include "compute_pool.h"
#include "store/run_store.h"

#include <QCheckBox>
#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QScrollArea>
#include <QSlider>
#include <QSplitter>
#include <QVBoxLayout>
#include <QtConcurrent>
#include <algorithm>
#include <map>
#include <numeric>
#include <optional>

namespace reprise {

namespace {

    /// One run's curves for `keys` (empty entries for keys it did not log), read with its own connection.
    Result<std::vector<std::optional<ChartCurve>>> loadRunCurves(const QString& database, const RunRecord& run,
        const QStringList& keys, CompareView::XAxis axis, double smoothing)
    {
        std::vector<std::optional<ChartCurve>> out(size_t(keys.size()));
        auto store = RunStore::open(database, OpenMode::ReadOnly);
        if (!store)
            return store.error();
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
            if (smoothing > 0) {
                auto smoothed = std::make_shared<const std::vector<double>>(debiasedEma(*y, smoothing));
                c.smoothed = smoothed;
                c.smoothedPyramid = std::make_shared<const MinMaxPyramid>(*smoothed);
            }
            out[size_t(k)] = std::move(c);
        }
        return out;
    }

    /// Histories of `keys` for `runs`, as curves per key; runs are read in parallel. On a worker.
    Result<std::vector<std::vector<ChartCurve>>> loadCurves(const QString& database, const QList<RunRecord>& runs,
        const QStringList& keys, CompareView::XAxis axis, double smoothing)
    {
        const auto perRun
            = QtConcurrent::blockingMapped<std::vector<Result<std::vector<std::optional<ChartCurve>>>>>(computePool(),
                runs, [&](const RunRecord& run) { return loadRunCurves(database, run, keys, axis, smoothing); });
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

} // namespace

CompareView::CompareView(QWidget* parent)
    : QWidget(parent)
    , m_message(new QLabel(this))
    , m_keyFilter(new QLineEdit(this))
    , m_keyList(new QListWidget(this))
    , m_smoothingSlider(new QSlider(Qt::Horizontal, this))
    , m_smoothingLabel(new QLabel(this))
    , m_log(new QCheckBox(tr("log y"), this))
    , m_xChooser(new QComboBox(this))
    , m_grid(new QWidget(this))
    , m_gridLayout(new QGridLayout(m_grid))
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

    auto* controls = new QHBoxLayout;
    controls->addWidget(m_smoothingLabel);
    controls->addWidget(m_smoothingSlider, 1);
    controls->addWidget(new QLabel(tr("x:"), this));
    controls->addWidget(m_xChooser);
    controls->addWidget(m_log);
    controls->addWidget(m_message, 3);

    auto* side = new QWidget(this);
    auto* sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(0, 0, 0, 0);
    sideLayout->addWidget(m_keyFilter);
    sideLayout->addWidget(m_keyList, 1);
    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setWidget(m_grid);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(side);
    split->addWidget(scroll);
    split->setStretchFactor(1, 1);
    split->setSizes({ 180, 900 });
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(split, 1);

    connect(m_keyFilter, &QLineEdit::textChanged, this, &CompareView::fillKeyList);
    connect(m_keyList, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
        QStringList keys = m_keys;
        keys.removeAll(item->text());
        if (item->checkState() == Qt::Checked)
            keys << item->text();
        setKeys(keys);
    });
    connect(m_smoothingSlider, &QSlider::valueChanged, this, [this](int v) { setSmoothing(v / 100.0); });
    connect(m_log, &QCheckBox::toggled, this, &CompareView::setLogY);
    connect(m_xChooser, &QComboBox::currentIndexChanged, this, [this](int i) { setXAxis(XAxis(i)); });
    clear(tr("Select 1 to %1 runs to compare their metrics.").arg(kMaxRuns));
}

QString CompareView::message() const { return m_message->text(); }

void CompareView::clear(const QString& message)
{
    ++m_generation;
    m_busy = false;
    m_runs.clear();
    m_allKeys.clear();
    qDeleteAll(m_charts);
    m_charts.clear();
    m_keyList->clear();
    m_message->setText(message);
    Q_EMIT ready();
}

void CompareView::setRuns(const QString& database, const QList<RunRecord>& runs)
{
    m_database = database;
    m_runs = runs.mid(0, kMaxRuns);
    // Keys: every metric of the runs; the default charts are the keys most runs share.
    std::map<QString, int> counts;
    for (const RunRecord& r : std::as_const(m_runs)) {
        for (const MetricSummary& m : r.metrics)
            counts[m.key]++;
    }
    m_allKeys.clear();
    for (const auto& [key, _] : counts)
        m_allKeys << key;
    if (m_allKeys.isEmpty()) {
        const QString why = tr("The selected runs logged no metrics.");
        clear(why);
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
    reload();
}

void CompareView::fillKeyList()
{
    const QSignalBlocker block(m_keyList);
    m_keyList->clear();
    for (const QString& key : std::as_const(m_allKeys)) {
        if (!m_keyFilter->text().isEmpty() && !key.contains(m_keyFilter->text(), Qt::CaseInsensitive))
            continue;
        auto* item = new QListWidgetItem(key, m_keyList);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(m_keys.contains(key) ? Qt::Checked : Qt::Unchecked);
    }
}

void CompareView::setKeys(const QStringList& keys)
{
    m_keys = keys;
    fillKeyList();
    reload();
}

void CompareView::setSmoothing(double weight)
{
    m_smoothing = std::clamp(weight, 0.0, 0.99);
    m_smoothingLabel->setText(tr("smoothing %1").arg(m_smoothing, 0, 'f', 2));
    reload();
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
    reload();
}

void CompareView::reload()
{
    if (m_runs.isEmpty())
        return;
    const quint64 ticket = ++m_generation;
    m_busy = true;
    m_message->setText(tr("Loading %1 metrics of %2 runs…").arg(m_keys.size()).arg(m_runs.size()));
    QtConcurrent::run([database = m_database, runs = m_runs, keys = m_keys, axis = m_xAxis, smoothing = m_smoothing] {
        return loadCurves(database, runs, keys, axis, smoothing);
    }).then(this, [this, ticket](const Result<std::vector<std::vector<ChartCurve>>>& result) {
        if (ticket != m_generation)
            return;
        if (!result) {
            m_busy = false;
            m_message->setText(result.error().message);
            Q_EMIT ready();
            return;
        }
        build(*result);
    });
}

void CompareView::build(std::vector<std::vector<ChartCurve>> curvesPerKey)
{
    qDeleteAll(m_charts);
    m_charts.clear();
    const int columns = m_keys.size() > 1 ? 2 : 1;
    for (qsizetype k = 0; k < m_keys.size(); ++k) {
        auto* chart = new MetricChart(m_keys[k], m_grid);
        chart->setMinimumHeight(260);
        chart->setLogY(m_logY);
        chart->setCurves(std::move(curvesPerKey[size_t(k)]));
        m_gridLayout->addWidget(chart, int(k) / columns, int(k) % columns);
        m_charts << chart;
    }
    // Ready once every chart has drawn its first decimated picture.
    auto pending = std::make_shared<int>(int(m_charts.size()));
    const quint64 ticket = m_generation;
    for (MetricChart* chart : std::as_const(m_charts)) {
        connect(chart, &MetricChart::redrawn, this, [this, pending, ticket] {
            if (ticket == m_generation && *pending > 0 && --*pending == 0) {
                m_busy = false;
                Q_EMIT ready();
            }
        });
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
    m_message->setText(m_runs.size() >= kMaxRuns
            ? tr("%1 metrics of the first %2 selected runs").arg(m_keys.size()).arg(kMaxRuns)
            : tr("%1 metrics of %2 runs · drag to zoom, Shift+drag to pan, double-click to reset")
                  .arg(m_keys.size())
                  .arg(m_runs.size()));
    if (m_charts.isEmpty()) {
        m_busy = false;
        Q_EMIT ready();
    }
}

} // namespace reprise
