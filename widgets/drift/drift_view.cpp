#include "drift/drift_view.h"

#include "analysis/drift_stats.h"
#include "analysis/feature_profile.h"
#include "compute_pool.h"
#include "drift/drift_charts.h"
#include "drift/drift_headers.h"
#include "text/display_text.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QDateEdit>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineSeries>
#include <QMenu>
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
    , m_trend(new DriftTrendChart(this))
    , m_distribution(new DriftDistributionChart(this))
    , m_details(new QLabel(this))
    , m_share(new QDoubleSpinBox(this))
    , m_ecdf(new QCheckBox(tr("ECDF"), this))
    , m_reruns(new QCheckBox(tr("Reruns"), this))
    , m_from(new QDateEdit(this))
    , m_to(new QDateEdit(this))
{
    m_reruns->setAccessibleName(tr("Include reruns"));
    m_reruns->setToolTip(tr("A rerun reads its original's data again; shown, it is marked ↻ and drawn apart"));
    for (QDateEdit* edit : { m_from, m_to }) {
        edit->setCalendarPopup(true);
        edit->setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
    }
    m_from->setAccessibleName(tr("From date"));
    m_to->setAccessibleName(tr("To date"));
    m_from->setToolTip(tr("Show the datasets of runs started on or after this day"));
    m_to->setToolTip(tr("Show the datasets of runs started on or before this day"));
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
    m_current->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAccessibleName(tr("Drift heat map"));
    m_table->setHorizontalHeader(new DriftColumnHeader(m_table));
    m_table->setVerticalHeader(new DriftFeatureHeader(m_table));
    m_table->setItemDelegate(new DriftCellDelegate(m_table));
    m_table->horizontalHeader()->setMinimumSectionSize(6);
    m_table->horizontalHeader()->setDefaultSectionSize(104);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    m_table->viewport()->installEventFilter(this); // columns fit the width it has
    for (QChartView* view : { static_cast<QChartView*>(m_trend), static_cast<QChartView*>(m_distribution) }) {
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
    bar->addWidget(m_reruns);
    bar->addStretch(1);
    auto* range = new QHBoxLayout;
    range->addWidget(new QLabel(tr("Runs started from"), this));
    range->addWidget(m_from);
    range->addWidget(new QLabel(tr("to"), this));
    range->addWidget(m_to);
    range->addWidget(m_message, 1);
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
    layout->addLayout(range);
    layout->addWidget(split, 1);

    connect(m_reference, &QComboBox::activated, this, &DriftView::recompute);
    connect(m_current, &QComboBox::activated, this, &DriftView::recompute);
    connect(m_share, &QDoubleSpinBox::valueChanged, this, &DriftView::recompute);
    connect(m_reruns, &QCheckBox::toggled, this, &DriftView::recompute);
    connect(m_from, &QDateEdit::dateChanged, this, &DriftView::applyRange);
    connect(m_to, &QDateEdit::dateChanged, this, &DriftView::applyRange);
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
    m_trend->clearTrend();
    m_distribution->clearDistributions();
    m_details->clear();
    // No runs, no dates: the range shows a dash, not QDateEdit's 2000-01-01.
    for (QDateEdit* edit : { m_from, m_to }) {
        const QSignalBlocker quiet(edit);
        edit->setSpecialValueText(QStringLiteral("—"));
        edit->setDate(edit->minimumDate());
        edit->setEnabled(false);
    }
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
    // The date range spans the runs; narrowing it hides columns without computing again.
    for (QDateEdit* edit : { m_from, m_to }) {
        const QSignalBlocker quiet(edit);
        edit->setSpecialValueText(QString());
        edit->setEnabled(true);
        edit->setDateRange(QDateTime::fromMSecsSinceEpoch(qint64(m_runs.first().startTime * 1000)).date(),
            QDateTime::fromMSecsSinceEpoch(qint64(m_runs.last().startTime * 1000)).date());
        edit->setDate(edit == m_from ? edit->minimumDate() : edit->maximumDate());
    }
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
    m_rerunsLeftOut = 0;
    for (const RunRecord& run : std::as_const(m_runs)) {
        if (const DatasetRecord* d = datasetNamed(run, name); d && d != reference) {
            // A rerun reads its original's data again: on a time axis it draws a false dip.
            if (!run.parentUuid.isEmpty() && !m_reruns->isChecked()) {
                ++m_rerunsLeftOut;
                continue;
            }
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
    m_trend->clearTrend();
    m_distribution->clearDistributions();
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
    for (int c = 0; c < int(m_columns.size()); ++c) {
        const Column& col = m_columns[size_t(c)];
        auto* header = new QTableWidgetItem(visibleText(col.run->name));
        QString tip = visibleText(col.run->name) + u'\n' + visibleText(col.dataset->name) + u'\n'
            + QDateTime::fromMSecsSinceEpoch(qint64(col.run->startTime * 1000)).toString(u"yyyy-MM-dd HH:mm") + u'\n'
            + col.run->uuid;
        if (!col.run->parentUuid.isEmpty()) {
            const auto parent = std::find_if(
                m_runs.cbegin(), m_runs.cend(), [&](const RunRecord& r) { return r.uuid == col.run->parentUuid; });
            tip += u'\n'
                + tr("↻ rerun of %1").arg(parent != m_runs.cend() ? visibleText(parent->name) : col.run->parentUuid);
        }
        header->setToolTip(plainToolTip(tip));
        header->setData(StartTimeRole, col.run->startTime);
        header->setData(RerunRole, !col.run->parentUuid.isEmpty());
        m_table->setHorizontalHeaderItem(c, header);
        auto* summary = new QTableWidgetItem(QStringLiteral("%1/%2%3")
                                                 .arg(col.drift.driftedCount)
                                                 .arg(col.drift.testedCount)
                                                 .arg(col.drift.drifted ? QStringLiteral(" ●") : QString()));
        summary->setBackground(scoreColour(col.drift.driftedShare));
        summary->setTextAlignment(Qt::AlignCenter);
        summary->setToolTip(tr("%1 of %2 features drifted").arg(col.drift.driftedCount).arg(col.drift.testedCount));
        m_table->setItem(0, c, summary);
        for (const FeatureDrift& f : col.drift.features) {
            const int row = int(m_features.indexOf(f.feature)) + 1;
            auto* item = new QTableWidgetItem;
            item->setTextAlignment(Qt::AlignCenter);
            if (!f.ok()) {
                item->setText(QStringLiteral("—"));
                item->setBackground(QColor(0xee, 0xee, 0xee));
                item->setToolTip(plainToolTip(f.problem));
            } else {
                item->setText((f.pValue >= 0 ? QStringLiteral("p ") + driftNumber(f.pValue) : driftNumber(f.statistic))
                    + (f.drifted ? QStringLiteral(" ●") : QString()));
                item->setBackground(scoreColour(f.score));
                // Our own words (the test's name and verdict): nothing from the data.
                item->setToolTip(
                    QStringLiteral("%1: %2").arg(toString(f.test), f.drifted ? tr("drifted") : tr("no drift")));
            }
            m_table->setItem(row, c, item);
        }
    }
    m_table->setCurrentCell(1, int(m_columns.size()) - 1);
    applyRange();
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
    m_distribution->clearDistributions();
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
    text += tr("\ntest       %1\nstatistic  %2\n").arg(toString(drift->test), driftNumber(drift->statistic));
    if (drift->pValue >= 0)
        text += tr("p-value    %1  (drift below %2)\n").arg(driftNumber(drift->pValue)).arg(drift->threshold);
    else
        text += tr("threshold  %1  (drift at or above)\n").arg(drift->threshold);
    text += drift->drifted ? tr("verdict    DRIFTED\n") : tr("verdict    no drift\n");
    text += tr("run start  %1\n").arg(driftDate(col.run->startTime));
    if (const int first = size_t(row) < m_firstDrift.size() ? m_firstDrift[size_t(row)] : -1; first >= 0)
        text += tr("first drifted  %1, %2\n")
                    .arg(visibleText(m_columns[size_t(first)].run->name),
                        driftDate(m_columns[size_t(first)].run->startTime));
    else
        text += tr("first drifted  not in the datasets shown\n");
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
    m_distribution->showDistributions(htmlSafeText(feature), *a, *b, m_ecdf->isChecked());
}

void DriftView::showTrend(int row)
{
    const QString feature = m_features.value(row - 1);
    std::vector<DriftTrendPoint> points;
    double threshold = 0;
    bool pValues = false;
    for (int c = 0; c < int(m_columns.size()); ++c) {
        if (m_table->isColumnHidden(c))
            continue;
        const Column& col = m_columns[size_t(c)];
        for (const FeatureDrift& f : col.drift.features) {
            if (f.feature != feature || !f.ok())
                continue;
            // p-value tests are drawn as -log10(p) so that "higher" means "more drift" on every chart.
            pValues = f.pValue >= 0;
            threshold = pValues ? -std::log10(f.threshold) : f.threshold;
            const QString reading = toString(f.test) + u' '
                + (pValues ? QStringLiteral("p ") + driftNumber(f.pValue) : driftNumber(f.statistic))
                + (f.drifted ? tr(" · drifted") : tr(" · no drift"));
            points.push_back({ col.run->startTime, pValues ? -std::log10(std::max(f.pValue, 1e-300)) : f.statistic,
                f.drifted, !col.run->parentUuid.isEmpty(), visibleText(col.run->name), reading });
        }
    }
    const auto day = [](const QDate& d) { return double(d.startOfDay().toSecsSinceEpoch()); };
    m_trend->setTrend(htmlSafeText(feature), std::move(points), threshold, pValues, day(m_from->date()),
        day(m_to->date().addDays(1)));
}

bool DriftView::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_table->viewport() && event->type() == QEvent::Resize)
        fitColumns();
    return QWidget::eventFilter(watched, event);
}

void DriftView::applyRange()
{
    if (m_columns.empty())
        return;
    const QDate from = m_from->date(), to = m_to->date();
    int last = -1;
    for (int c = 0; c < int(m_columns.size()); ++c) {
        const QDate date = QDateTime::fromMSecsSinceEpoch(qint64(m_columns[size_t(c)].run->startTime * 1000)).date();
        const bool outside = date < from || date > to;
        m_table->setColumnHidden(c, outside);
        last = outside ? last : c;
    }
    updateFirstDrift();
    updateSummary();
    fitColumns();
    const int row = std::max(1, m_table->currentRow());
    if (last >= 0 && (m_table->currentColumn() < 0 || m_table->isColumnHidden(m_table->currentColumn())))
        m_table->setCurrentCell(row, last);
    showCell(m_table->currentRow(), m_table->currentColumn());
}

void DriftView::fitColumns()
{
    int shown = 0;
    for (int c = 0; c < m_table->columnCount(); ++c)
        shown += m_table->isColumnHidden(c) ? 0 : 1;
    if (shown == 0)
        return;
    // Every shown dataset in the width there is (a heat map reads by colour when columns are narrow),
    // at most wide enough for the numbers and the run's name.
    const int width = std::clamp(m_table->viewport()->width() / shown, 6, 140);
    for (int c = 0; c < m_table->columnCount(); ++c)
        m_table->setColumnWidth(c, width);
}

void DriftView::updateFirstDrift()
{
    m_firstDrift.assign(size_t(m_table->rowCount()), -1);
    for (int row = 0; row < m_table->rowCount(); ++row) {
        QTableWidgetItem* header = m_table->verticalHeaderItem(row);
        if (!header)
            continue;
        const Column* first = nullptr;
        for (int c = 0; c < int(m_columns.size()) && !first; ++c) {
            if (m_table->isColumnHidden(c))
                continue;
            const Column& col = m_columns[size_t(c)];
            bool drifted = row == 0 && col.drift.drifted;
            for (const FeatureDrift& f : col.drift.features)
                drifted = drifted || (row > 0 && f.feature == m_features[row - 1] && f.drifted);
            first = drifted ? &col : nullptr;
            m_firstDrift[size_t(row)] = drifted ? c : -1;
        }
        // Run names are bounded here; the tooltip and the details have them whole.
        const QString name = visibleText(first ? first->run->name : QString());
        const QString text = first
            ? tr("first drifted %1 (%2)")
                  .arg(driftDate(first->run->startTime), name.size() > 28 ? name.left(27) + u'…' : name)
            : tr("no drift");
        header->setData(FirstDriftRole, text);
        header->setToolTip(plainToolTip(header->text() + u'\n' + text
            + (first ? u'\n' + name + QStringLiteral(" · ") + first->run->uuid : tr(" in the datasets shown"))));
    }
    m_table->doItemsLayout(); // the row header is as wide as its longest "first drifted"
}

void DriftView::updateSummary()
{
    int shown = 0, drifted = 0;
    for (int c = 0; c < int(m_columns.size()); ++c) {
        if (m_table->isColumnHidden(c))
            continue;
        ++shown;
        drifted += m_columns[size_t(c)].drift.drifted ? 1 : 0;
    }
    const QPoint ref = m_reference->currentData().toPoint();
    QString text
        = tr("%1 of %2 datasets drifted against %3: %4 (● drifted; a dataset drifts when %5 of its features do)")
              .arg(drifted)
              .arg(shown)
              .arg(visibleText(m_runs[ref.x()].name), visibleText(m_runs[ref.x()].datasets[ref.y()].name))
              .arg(m_share->value() == 0.5 ? tr("half") : QString::number(m_share->value(), 'g', 2));
    if (shown < int(m_columns.size()))
        text += tr("; %1 outside the dates").arg(int(m_columns.size()) - shown);
    if (m_rerunsLeftOut > 0)
        text += m_rerunsLeftOut == 1 ? tr("; 1 rerun left out (Reruns shows it)")
                                     : tr("; %1 reruns left out (Reruns shows them)").arg(m_rerunsLeftOut);
    m_message->setText(text);
}

} // namespace reprise
