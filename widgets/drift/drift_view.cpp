#include "drift/drift_view.h"

#include "analysis/drift_stats.h"
#include "analysis/feature_profile.h"
#include "compute_pool.h"
#include "text/display_text.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineSeries>
#include <QMenu>
#include <QScatterSeries>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QValueAxis>
#include <QtConcurrent>
#include <algorithm>
#include <cmath>

namespace reprise {

namespace {

    /// White-ish green at 0, amber at the threshold (0.5), red at 1.
    QColor scoreColour(double score)
    {
        const QColor low(0xe8, 0xf5, 0xe9), mid(0xff, 0xd5, 0x4f), high(0xe5, 0x39, 0x35);
        auto mix = [](const QColor& a, const QColor& b, double t) {
            return QColor::fromRgbF(a.redF() + (b.redF() - a.redF()) * t, a.greenF() + (b.greenF() - a.greenF()) * t,
                a.blueF() + (b.blueF() - a.blueF()) * t);
        };
        return score < 0.5 ? mix(low, mid, score * 2) : mix(mid, high, (score - 0.5) * 2);
    }

    QString formatNumber(double v)
    {
        if (std::isinf(v))
            return v > 0 ? QStringLiteral("∞") : QStringLiteral("−∞");
        if (v != 0 && (std::abs(v) < 1e-3 || std::abs(v) >= 1e5))
            return QString::number(v, 'e', 2);
        return QString::number(v, 'g', 3);
    }

    const DatasetRecord* datasetNamed(const RunRecord& run, const QString& name)
    {
        for (const DatasetRecord& d : run.datasets) {
            if (d.name == name)
                return &d;
        }
        return nullptr;
    }

} // namespace

DriftView::DriftView(QWidget* parent)
    : QWidget(parent)
    , m_message(new QLabel(this))
    , m_reference(new QComboBox(this))
    , m_current(new QComboBox(this))
    , m_table(new QTableWidget(this))
    , m_trend(new QChartView(this))
    , m_distribution(new QChartView(this))
    , m_details(new QLabel(this))
    , m_share(new QDoubleSpinBox(this))
    , m_ecdf(new QCheckBox(tr("ECDF"), this))
{
    m_share->setRange(0.05, 1.0);
    m_share->setSingleStep(0.05);
    m_share->setValue(0.5);
    m_share->setSuffix(tr(" of features"));
    m_share->setAccessibleName(tr("Share of drifted features that makes a dataset drift"));
    m_ecdf->setToolTip(tr("Show the two empirical cumulative distributions instead of histograms"));
    m_message->setTextFormat(Qt::PlainText);
    m_message->setWordWrap(true);
    m_details->setTextFormat(Qt::PlainText);
    m_details->setWordWrap(true);
    m_details->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_reference->setAccessibleName(tr("Reference dataset"));
    m_current->setAccessibleName(tr("Compared datasets"));
    m_reference->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAccessibleName(tr("Drift heat map"));
    m_table->horizontalHeader()->setDefaultSectionSize(104);
    m_table->horizontalHeader()->setTextElideMode(Qt::ElideLeft); // run names differ at the end
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    for (QChartView* view : { m_trend, m_distribution }) {
        view->setRenderHint(QPainter::Antialiasing);
        view->setMinimumHeight(220);
        view->chart()->legend()->setAlignment(Qt::AlignBottom);
        view->chart()->setMargins(QMargins(4, 4, 4, 4));
    }
    m_trend->setAccessibleName(tr("Drift over time"));
    m_distribution->setAccessibleName(tr("Distributions"));

    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Reference:"), this));
    bar->addWidget(m_reference);
    bar->addWidget(new QLabel(tr("compared:"), this));
    bar->addWidget(m_current);
    bar->addWidget(new QLabel(tr("dataset drifts at"), this));
    bar->addWidget(m_share);
    bar->addWidget(m_ecdf);
    bar->addWidget(m_message, 1);
    auto* charts = new QSplitter(Qt::Horizontal, this);
    charts->addWidget(m_trend);
    charts->addWidget(m_distribution);
    charts->addWidget(m_details);
    charts->setStretchFactor(0, 2);
    charts->setStretchFactor(1, 2);
    charts->setStretchFactor(2, 1);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_table);
    split->addWidget(charts);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(split, 1);

    connect(m_reference, &QComboBox::activated, this, &DriftView::recompute);
    connect(m_current, &QComboBox::activated, this, &DriftView::recompute);
    connect(m_share, &QDoubleSpinBox::valueChanged, this, &DriftView::recompute);
    connect(m_ecdf, &QCheckBox::toggled, this, [this] { showCell(m_table->currentRow(), m_table->currentColumn()); });
    // Right-click a feature to choose its test (Evidently's default otherwise).
    m_table->verticalHeader()->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_table->verticalHeader(), &QWidget::customContextMenuRequested, this, [this](const QPoint& at) {
        const int row = m_table->verticalHeader()->logicalIndexAt(at);
        if (row < 1 || row > m_features.size())
            return;
        const QString feature = m_features[row - 1];
        QMenu menu(this);
        for (DriftTest test : { DriftTest::Auto, DriftTest::KolmogorovSmirnov, DriftTest::ChiSquared, DriftTest::ZTest,
                 DriftTest::Wasserstein, DriftTest::JensenShannon, DriftTest::Psi }) {
            QAction* action
                = menu.addAction(test == DriftTest::Auto ? tr("default (Evidently's choice)") : toString(test));
            action->setCheckable(true);
            action->setChecked(m_options.testOverrides.value(feature, DriftTest::Auto) == test);
            connect(action, &QAction::triggered, this, [this, feature, test] { setTest(feature, test); });
        }
        menu.exec(m_table->verticalHeader()->mapToGlobal(at));
    });
    connect(m_table, &QTableWidget::currentCellChanged, this, [this](int row, int column) { showCell(row, column); });
    clear(tr("Select runs with datasets (e.g. a project's retraining runs) to see how their data drifted."));
}

QString DriftView::message() const { return m_message->text(); }

QString DriftView::cellDetails() const { return m_details->text(); }

void DriftView::cancel()
{
    if (!m_busy)
        return;
    m_cancel.raise();
    ++m_generation;
    m_busy = false;
    m_message->setText(tr("Cancelled. Choose the datasets again to compute the drift."));
    Q_EMIT ready();
}

void DriftView::clear(const QString& message)
{
    m_cancel.raise();
    ++m_generation;
    m_busy = false;
    m_runs.clear();
    m_columns.clear();
    m_features.clear();
    m_reference->clear();
    m_current->clear();
    m_table->clear();
    m_table->setRowCount(0);
    m_table->setColumnCount(0);
    m_trend->chart()->removeAllSeries();
    m_distribution->chart()->removeAllSeries();
    m_details->clear();
    m_message->setText(visibleText(message, LineBreaks::Keep));
    Q_EMIT ready();
}

void DriftView::setRuns(const QList<RunRecord>& runs)
{
    QList<RunRecord> sorted = runs;
    std::stable_sort(
        sorted.begin(), sorted.end(), [](const RunRecord& a, const RunRecord& b) { return a.startTime < b.startTime; });
    sorted.removeIf([](const RunRecord& r) { return r.datasets.isEmpty(); });
    if (sorted.isEmpty()) {
        clear(tr("None of the selected runs recorded a dataset. Log one with run.log_dataset(…) in the Python client "
                 "or `reprise profile FILE.csv --run RUN --name NAME`."));
        return;
    }
    m_runs = sorted;
    // Reference choices: every dataset of every run; default the oldest run's "train".
    m_reference->clear();
    int defaultReference = 0;
    QMap<QString, int> nameCounts;
    for (int r = 0; r < m_runs.size(); ++r) {
        for (int d = 0; d < m_runs[r].datasets.size(); ++d) {
            const DatasetRecord& ds = m_runs[r].datasets[d];
            nameCounts[ds.name]++;
            if (r == 0 && ds.name == QLatin1String("train"))
                defaultReference = m_reference->count();
            m_reference->addItem(
                visibleText(m_runs[r].name + QStringLiteral(": ") + ds.name), QVariant::fromValue(QPoint(r, d)));
        }
    }
    m_reference->setCurrentIndex(defaultReference);
    const QString referenceName = m_runs[0].datasets.value(m_reference->currentData().toPoint().y()).name;
    m_current->clear();
    QString best;
    for (auto it = nameCounts.begin(); it != nameCounts.end(); ++it) {
        m_current->addItem(visibleText(it.key()), it.key()); // shown escaped, the real name as data
        if (it.key() != referenceName && (best.isEmpty() || it.value() > nameCounts.value(best)))
            best = it.key();
    }
    m_current->setCurrentIndex(std::max(0, m_current->findData(best.isEmpty() ? referenceName : best)));
    recompute();
}

void DriftView::recompute()
{
    if (m_runs.isEmpty())
        return;
    const QPoint ref = m_reference->currentData().toPoint();
    const QString name = m_current->currentData().toString();
    const quint64 ticket = ++m_generation;
    m_busy = true;
    m_message->setText(tr("Computing drift…"));
    const DatasetRecord* reference = &m_runs[ref.x()].datasets[ref.y()];
    std::vector<Column> columns;
    std::vector<DatasetRecord> datasets; // copies (implicitly shared): the worker never sees m_runs
    for (const RunRecord& run : std::as_const(m_runs)) {
        if (const DatasetRecord* d = datasetNamed(run, name); d && d != reference) {
            columns.push_back({ &run, d, {} });
            datasets.push_back(*d);
        }
    }
    DriftOptions options = m_options;
    options.datasetShare = m_share->value();
    // A computation still running for the previous choice stops: its result would be dropped.
    QtConcurrent::run([reference = *reference, datasets = std::move(datasets), options, cancel = m_cancel.renew()] {
        // Datasets are independent: spread them over the cores; those not started when cancelled
        // are skipped.
        const DriftReference decoded(reference);
        return QtConcurrent::blockingMapped<std::vector<DatasetDrift>>(computePool(), datasets,
            [&](const DatasetRecord& d) { return *cancel ? DatasetDrift {} : computeDrift(decoded, d, options); });
    }).then(this, [this, ticket, columns = std::move(columns)](const std::vector<DatasetDrift>& drifts) mutable {
        // The pointers in `columns` point into m_runs, unchanged while the generation is current.
        if (ticket != m_generation)
            return;
        for (size_t i = 0; i < columns.size(); ++i)
            columns[i].drift = drifts[i];
        fill(std::move(columns));
    });
}

void DriftView::fill(std::vector<Column> columns)
{
    m_busy = false;
    m_columns = std::move(columns);
    m_table->clear();
    m_trend->chart()->removeAllSeries();
    m_distribution->chart()->removeAllSeries();
    m_details->clear();
    if (m_columns.empty()) {
        m_table->setRowCount(0);
        m_table->setColumnCount(0);
        m_message->setText(tr(
            "No other selected run has a dataset named '%1'. Choose another dataset to compare, or select more runs.")
                               .arg(m_current->currentText())); // already escaped
        Q_EMIT ready();
        return;
    }
    // Features, most drifted first (mean score over the datasets).
    QMap<QString, double> meanScore;
    for (const Column& c : m_columns) {
        for (const FeatureDrift& f : c.drift.features)
            meanScore[f.feature] += f.ok() ? f.score / double(m_columns.size()) : 0;
    }
    m_features = meanScore.keys();
    std::stable_sort(m_features.begin(), m_features.end(),
        [&](const QString& a, const QString& b) { return meanScore[a] > meanScore[b]; });

    m_table->setRowCount(int(m_features.size()) + 1);
    m_table->setColumnCount(int(m_columns.size()));
    QStringList rowLabels { tr("dataset drift") };
    for (const QString& feature : std::as_const(m_features))
        rowLabels << visibleText(feature);
    m_table->setVerticalHeaderLabels(rowLabels);
    int driftedDatasets = 0;
    for (int c = 0; c < int(m_columns.size()); ++c) {
        const Column& col = m_columns[size_t(c)];
        auto* header = new QTableWidgetItem(visibleText(col.run->name));
        header->setToolTip(
            plainToolTip(visibleText(col.run->name) + u'\n' + visibleText(col.dataset->name) + u'\n' + col.run->uuid));
        m_table->setHorizontalHeaderItem(c, header);
        auto* summary = new QTableWidgetItem(QStringLiteral("%1/%2%3")
                                                 .arg(col.drift.driftedCount)
                                                 .arg(col.drift.testedCount)
                                                 .arg(col.drift.drifted ? QStringLiteral(" ●") : QString()));
        summary->setBackground(scoreColour(col.drift.driftedShare));
        summary->setTextAlignment(Qt::AlignCenter);
        summary->setToolTip(tr("%1 of %2 features drifted").arg(col.drift.driftedCount).arg(col.drift.testedCount));
        m_table->setItem(0, c, summary);
        driftedDatasets += col.drift.drifted ? 1 : 0;
        for (const FeatureDrift& f : col.drift.features) {
            const int row = int(m_features.indexOf(f.feature)) + 1;
            auto* item = new QTableWidgetItem;
            item->setTextAlignment(Qt::AlignCenter);
            if (!f.ok()) {
                item->setText(QStringLiteral("—"));
                item->setBackground(QColor(0xee, 0xee, 0xee));
                item->setToolTip(plainToolTip(f.problem));
            } else {
                item->setText(
                    (f.pValue >= 0 ? QStringLiteral("p ") + formatNumber(f.pValue) : formatNumber(f.statistic))
                    + (f.drifted ? QStringLiteral(" ●") : QString()));
                item->setBackground(scoreColour(f.score));
                // Our own words (the test's name and verdict): nothing from the data.
                item->setToolTip(
                    QStringLiteral("%1: %2").arg(toString(f.test), f.drifted ? tr("drifted") : tr("no drift")));
            }
            m_table->setItem(row, c, item);
        }
    }
    const QPoint ref = m_reference->currentData().toPoint();
    m_message->setText(
        tr("%1 of %2 datasets drifted against %3: %4 (● drifted; a dataset drifts when half its features do)")
            .arg(driftedDatasets)
            .arg(m_columns.size())
            .arg(visibleText(m_runs[ref.x()].name), visibleText(m_runs[ref.x()].datasets[ref.y()].name)));
    m_table->setCurrentCell(1, int(m_columns.size()) - 1);
    QHash<QString, double> shares;
    for (const Column& c : m_columns)
        shares.insert(c.run->uuid, c.drift.driftedShare);
    Q_EMIT driftComputed(shares);
    Q_EMIT ready();
}

void DriftView::setTest(const QString& feature, DriftTest test)
{
    if (test == DriftTest::Auto)
        m_options.testOverrides.remove(feature);
    else
        m_options.testOverrides.insert(feature, test);
    recompute();
}

void DriftView::selectCell(int row, int column) { m_table->setCurrentCell(row, column); }

void DriftView::showCell(int row, int column)
{
    m_distribution->chart()->removeAllSeries();
    for (QAbstractAxis* axis : m_distribution->chart()->axes())
        m_distribution->chart()->removeAxis(axis);
    if (row < 1 || column < 0 || size_t(column) >= m_columns.size() || row > m_features.size()) {
        m_details->clear();
        return;
    }
    showTrend(row);
    const QString feature = m_features[row - 1];
    const Column& col = m_columns[size_t(column)];
    const QPoint ref = m_reference->currentData().toPoint();
    const DatasetRecord& reference = m_runs[ref.x()].datasets[ref.y()];
    const FeatureDrift* drift = nullptr;
    for (const FeatureDrift& f : col.drift.features) {
        if (f.feature == feature)
            drift = &f;
    }
    QString text = visibleText(feature) + u'\n' + visibleText(col.run->name) + QStringLiteral(": ")
        + visibleText(col.dataset->name) + QStringLiteral(" vs ") + visibleText(reference.name) + u'\n';
    if (!drift || !drift->ok()) {
        text += drift ? visibleText(drift->problem, LineBreaks::Keep) : tr("no result");
        m_details->setText(text);
        return;
    }
    text += tr("\ntest       %1\nstatistic  %2\n").arg(toString(drift->test), formatNumber(drift->statistic));
    if (drift->pValue >= 0)
        text += tr("p-value    %1  (drift below %2)\n").arg(formatNumber(drift->pValue)).arg(drift->threshold);
    else
        text += tr("threshold  %1  (drift at or above)\n").arg(drift->threshold);
    text += drift->drifted ? tr("verdict    DRIFTED\n") : tr("verdict    no drift\n");
    m_details->setText(text);

    // Both distributions on shared bins (numbers) or categories.
    auto find = [&](const DatasetRecord& d) -> std::optional<FeatureSample> {
        for (const FeatureProfile& p : d.profiles) {
            if (p.feature == feature)
                return decodeProfile(p);
        }
        return std::nullopt;
    };
    const auto a = find(reference), b = find(*col.dataset);
    if (!a || !b)
        return;
    if (m_ecdf->isChecked() && a->numeric && b->numeric) {
        // Empirical cumulative distributions as step lines on a shared value axis.
        QChart* chart = m_distribution->chart();
        double lo = std::min(a->numbers.front(), b->numbers.front()),
               hi = std::max(a->numbers.back(), b->numbers.back());
        for (const auto& [sample, label, colour] :
            { std::tuple { &a->numbers, tr("reference"), QColor(0x42, 0x85, 0xf4) },
                std::tuple { &b->numbers, tr("compared"), QColor(0xe5, 0x39, 0x35) } }) {
            auto* line = new QLineSeries;
            line->setName(label);
            line->setColor(colour);
            const auto& xs = *sample;
            // At most ~400 steps: the curve is drawn at screen resolution, every jump kept in order.
            const size_t step = std::max<size_t>(1, xs.size() / 400);
            line->append(lo, 0);
            for (size_t i = 0; i < xs.size(); i += step) {
                const double y = double(i) / double(xs.size());
                line->append(xs[i], y);
                line->append(xs[i], double(std::min(i + step, xs.size())) / double(xs.size()));
            }
            line->append(hi, 1);
            chart->addSeries(line);
        }
        auto* x = new QValueAxis;
        x->setRange(lo, hi > lo ? hi : lo + 1);
        auto* y = new QValueAxis;
        y->setRange(0, 1);
        y->setTitleText(tr("share of rows ≤ x"));
        chart->addAxis(x, Qt::AlignBottom);
        chart->addAxis(y, Qt::AlignLeft);
        for (QAbstractSeries* s : chart->series()) {
            s->attachAxis(x);
            s->attachAxis(y);
        }
        chart->setTitle(htmlSafeText(feature) + tr(" (ECDF)")); // QtCharts renders titles as HTML
        return;
    }
    QStringList labels;
    std::vector<double> pa, pb;
    if (a->numeric && b->numeric) {
        std::vector<double> edges;
        binnedShares(a->numbers, b->numbers, pa, pb, &edges);
        for (size_t k = 0; k + 1 < edges.size(); ++k)
            labels << formatNumber(edges[k]);
    } else {
        QMap<QString, double> ca = a->categoryCounts, cb = b->categoryCounts;
        QStringList keys = ca.keys() + cb.keys();
        keys.removeDuplicates();
        keys.sort();
        double ta = 0, tb = 0;
        for (double v : ca)
            ta += v;
        for (double v : cb)
            tb += v;
        for (const QString& k : keys.mid(0, 30)) {
            labels << htmlSafeText(k); // category axis labels are HTML too
            pa.push_back(ca.value(k) / std::max(ta, 1.0));
            pb.push_back(cb.value(k) / std::max(tb, 1.0));
        }
    }
    auto* setA = new QBarSet(tr("reference"));
    auto* setB = new QBarSet(tr("compared"));
    setA->setColor(QColor(0x42, 0x85, 0xf4));
    setB->setColor(QColor(0xe5, 0x39, 0x35));
    for (double v : pa)
        *setA << v * 100;
    for (double v : pb)
        *setB << v * 100;
    auto* series = new QBarSeries;
    series->append(setA);
    series->append(setB);
    QChart* chart = m_distribution->chart();
    chart->addSeries(series);
    auto* x = new QBarCategoryAxis;
    x->append(labels);
    x->setLabelsAngle(labels.size() > 8 ? -60 : 0);
    auto* y = new QValueAxis;
    y->setTitleText(tr("% of rows"));
    y->setLabelFormat(QStringLiteral("%.0f"));
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    series->attachAxis(x);
    series->attachAxis(y);
    chart->setTitle(htmlSafeText(feature));
}

void DriftView::showTrend(int row)
{
    QChart* chart = m_trend->chart();
    chart->removeAllSeries();
    for (QAbstractAxis* axis : chart->axes())
        chart->removeAxis(axis);
    const QString feature = m_features.value(row - 1);
    auto* line = new QLineSeries;
    line->setName(tr("statistic"));
    auto* marks = new QScatterSeries;
    marks->setName(tr("drifted"));
    marks->setMarkerSize(9);
    marks->setColor(QColor(0xe5, 0x39, 0x35));
    double threshold = 0, maxValue = 0;
    bool pValues = false;
    for (int c = 0; c < int(m_columns.size()); ++c) {
        for (const FeatureDrift& f : m_columns[size_t(c)].drift.features) {
            if (f.feature != feature || !f.ok())
                continue;
            // p-value tests are drawn as -log10(p) so that "higher" means "more drift" on every chart.
            pValues = f.pValue >= 0;
            const double value = pValues ? -std::log10(std::max(f.pValue, 1e-300)) : f.statistic;
            threshold = pValues ? -std::log10(f.threshold) : f.threshold;
            if (std::isfinite(value)) {
                line->append(c + 1, value);
                maxValue = std::max(maxValue, value);
                if (f.drifted)
                    marks->append(c + 1, value);
            }
        }
    }
    auto* limit = new QLineSeries;
    limit->setName(tr("threshold"));
    limit->append(1, threshold);
    limit->append(std::max(1, int(m_columns.size())), threshold);
    QPen dashed(QColor(0x80, 0x80, 0x80));
    dashed.setStyle(Qt::DashLine);
    limit->setPen(dashed);
    chart->addSeries(line);
    chart->addSeries(limit);
    chart->addSeries(marks);
    auto* x = new QValueAxis;
    x->setRange(1, std::max(2, int(m_columns.size())));
    x->setLabelFormat(QStringLiteral("%d"));
    x->setTitleText(tr("dataset (oldest run first)"));
    auto* y = new QValueAxis;
    y->setRange(0, std::max(maxValue, threshold) * 1.15 + 1e-9);
    y->setTitleText(pValues ? tr("−log10 p-value") : tr("distance"));
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    for (QAbstractSeries* s : { static_cast<QAbstractSeries*>(line), static_cast<QAbstractSeries*>(limit),
             static_cast<QAbstractSeries*>(marks) }) {
        s->attachAxis(x);
        s->attachAxis(y);
    }
    chart->setTitle(tr("%1 over time").arg(htmlSafeText(feature)));
}

} // namespace reprise
