#include "runs/run_browser.h"

#include "run_filter_proxy.h"
#include "run_table_model.h"
#include "runs/run_table_header.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPaintEvent>
#include <QPainter>
#include <QScrollBar>
#include <QSettings>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtConcurrent>
#include <set>
#include <utility>

namespace reprise {

RunBrowser::RunBrowser(QWidget* parent)
    : QWidget(parent)
    , m_model(new RunTableModel(this))
    , m_proxy(new RunFilterProxy(this))
    , m_filter(new QLineEdit(this))
    , m_filterError(new QLabel(this))
    , m_view(new RunTableView(this))
    , m_scope(new QTimer(this))
{
    const QVariantMap readings = QSettings().value(QStringLiteral("browser/metricReadings")).toMap();
    for (auto it = readings.begin(); it != readings.end(); ++it) {
        if (MetricReading::parse(it.value().toString()))
            m_readings.insert(it.key(), it.value().toString());
    }
    m_scope->setSingleShot(true);
    m_scope->setInterval(0);
    connect(m_scope, &QTimer::timeout, this, &RunBrowser::applyHiddenColumns);
    m_proxy->setSourceModel(m_model);
    m_filter->setPlaceholderText(tr("Filter runs, e.g.  lr < 0.01 and status = finished and tag.team = vision"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setAccessibleName(tr("Run filter"));
    m_filter->setToolTip(tr("Compare params (lr < 0.01), metric.KEY, tag.KEY and attributes (status, name ~ \"re\", "
                            "started > 2026-01-01, duration > 1h) with and, or, not and parentheses."));
    m_filterError->setTextFormat(Qt::PlainText);
    m_filterError->setStyleSheet(QStringLiteral("color: #c0392b;"));
    m_filterError->setWordWrap(true);
    m_filterError->setAccessibleName(tr("Filter error"));
    m_filterError->hide();

    m_view->setHorizontalHeader(new RunTableHeader(m_view));
    m_view->setModel(m_proxy);
    m_view->setFrozenColumns({ RunTableModel::StatusColumn, RunTableModel::NameColumn });
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(RunTableModel::StartedColumn, Qt::DescendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->setTextElideMode(Qt::ElideRight);
    m_view->verticalHeader()->hide();
    // Fixed row heights: the view never measures 100,000 rows.
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->horizontalHeader()->setDefaultSectionSize(110);
    m_view->horizontalHeader()->setHighlightSections(false);
    m_view->horizontalHeader()->setSectionsMovable(true);
    m_view->horizontalHeader()->setContextMenuPolicy(Qt::CustomContextMenu);
    m_view->setAccessibleName(tr("Runs"));

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_bar = new QHBoxLayout;
    m_bar->addWidget(m_filter, 1);
    layout->addLayout(m_bar);
    layout->addWidget(m_filterError);
    layout->addWidget(m_view, 1);

    connect(m_filter, &QLineEdit::textChanged, this, &RunBrowser::applyFilter);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        if (!m_merging)
            Q_EMIT selectionChanged(selectedRunIds());
    });
    connect(m_view->horizontalHeader(), &QWidget::customContextMenuRequested, this, &RunBrowser::showColumnMenu);
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        m_view->setColumnWidth(RunTableModel::StatusColumn, 80);
        m_view->setColumnWidth(RunTableModel::NameColumn, 220);
        m_view->setColumnWidth(RunTableModel::StartedColumn, 150);
        applyHiddenColumns();
    });
    // A merge's new params and metrics: hidden if the user hid them before.
    connect(m_model, &QAbstractItemModel::columnsInserted, this, &RunBrowser::applyHiddenColumns);
    connect(m_model, &RunTableModel::runsAboutToBeMerged, this, &RunBrowser::beforeMerge);
    connect(m_model, &RunTableModel::runsMerged, this, &RunBrowser::afterMerge);
    // The rows in view changed (filter, merge, archived shown): columns follow what they hold.
    const auto rescope = [this] { m_scope->start(); };
    connect(m_proxy, &QAbstractItemModel::layoutChanged, this, rescope);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, rescope);
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, rescope);
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, rescope);
}

RunTableView::RunTableView(QWidget* parent)
    : QTableView(parent)
    , m_frozen(new QTableView(this))
{
    m_frozen->setHorizontalHeader(new RunTableHeader(m_frozen));
    m_frozen->setFocusPolicy(Qt::NoFocus); // the table keeps the keyboard; clicks select through it
    m_frozen->verticalHeader()->hide();
    m_frozen->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_frozen->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_frozen->setFrameShape(QFrame::NoFrame);
    m_frozen->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_frozen->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_frozen->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_frozen->setAlternatingRowColors(true);
    m_frozen->setWordWrap(false);
    m_frozen->setAccessibleName(tr("Runs (frozen columns)"));
    m_frozen->hide();
    connect(m_frozen->verticalScrollBar(), &QScrollBar::valueChanged, verticalScrollBar(), &QScrollBar::setValue);
    connect(verticalScrollBar(), &QScrollBar::valueChanged, m_frozen->verticalScrollBar(), &QScrollBar::setValue);
    connect(horizontalHeader(), &QHeaderView::sectionResized, this, &RunTableView::updateFrozen);
}

void RunTableView::setModel(QAbstractItemModel* model)
{
    QTableView::setModel(model);
    m_frozen->setModel(model);
    m_frozen->setSelectionModel(selectionModel());
    m_frozen->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    // Sorting from either header sorts the one proxy; both show the same arrow.
    connect(m_frozen->horizontalHeader(), &QHeaderView::sectionClicked, this, [this](int column) {
        const bool same = horizontalHeader()->sortIndicatorSection() == column;
        sortByColumn(column,
            same && horizontalHeader()->sortIndicatorOrder() == Qt::AscendingOrder ? Qt::DescendingOrder
                                                                                   : Qt::AscendingOrder);
    });
    connect(horizontalHeader(), &QHeaderView::sortIndicatorChanged, m_frozen->horizontalHeader(),
        &QHeaderView::setSortIndicator);
    m_frozen->horizontalHeader()->setSortIndicatorShown(true);
    updateFrozen();
}

void RunTableView::setFrozenColumns(const QList<int>& columns)
{
    m_frozenColumns = columns;
    updateFrozen();
}

void RunTableView::paintEvent(QPaintEvent* event)
{
    QTableView::paintEvent(event);
    const QModelIndex current = currentIndex();
    if (!hasFocus() || !current.isValid())
        return;
    const QRect cell = visualRect(current);
    if (!cell.isValid() || !cell.intersects(event->rect()))
        return;
    // The text colour: it stands out on the selected rows' highlight and on the plain rows alike.
    QPainter painter(viewport());
    painter.setPen(QPen(palette().color(QPalette::Text), 2));
    painter.setBrush(Qt::NoBrush);
    painter.drawRect(QRectF(cell).adjusted(1, 1, -1, -1));
}

void RunTableView::resizeEvent(QResizeEvent* event)
{
    QTableView::resizeEvent(event);
    updateFrozen();
}

void RunTableView::scrollContentsBy(int dx, int dy)
{
    QTableView::scrollContentsBy(dx, dy);
    if (dx != 0)
        updateFrozen();
}

void RunTableView::updateGeometries()
{
    QTableView::updateGeometries();
    updateFrozen();
}

void RunTableView::updateFrozen()
{
    if (!model()) {
        m_frozen->hide();
        return;
    }
    int width = 0;
    for (int c = 0; c < model()->columnCount(); ++c) {
        const bool frozen = m_frozenColumns.contains(c) && !isColumnHidden(c);
        m_frozen->setColumnHidden(c, !frozen);
        if (frozen) {
            m_frozen->setColumnWidth(c, columnWidth(c));
            width += columnWidth(c);
        }
    }
    m_frozen->verticalHeader()->setDefaultSectionSize(verticalHeader()->defaultSectionSize());
    m_frozen->horizontalHeader()->setFixedHeight(horizontalHeader()->height());
    // Only while scrolled sideways: unscrolled, the columns are where they belong (and an editor
    // opened on a name is never under the overlay).
    const bool show = width > 0 && horizontalScrollBar()->value() > 0 && state() != EditingState;
    m_frozen->setGeometry(frameWidth(), frameWidth(), width, horizontalHeader()->height() + viewport()->height());
    m_frozen->setVisible(show);
    if (auto* header = qobject_cast<RunTableHeader*>(horizontalHeader()))
        header->setCoveredLeft(show ? width : 0);
    if (show) {
        m_frozen->raise(); // over the header too, which may have been replaced after it was made
        m_frozen->verticalScrollBar()->setValue(verticalScrollBar()->value());
    }
}

void RunTableView::scrollRowToTop(const QModelIndex& index)
{
    updateGeometries();
    scrollTo(index, PositionAtTop);
}

void RunBrowser::showRuns(const QString& source, std::shared_ptr<const RunTable> table, double now)
{
    if (source == m_source && m_model->runs()) {
        m_model->mergeRuns(std::move(table), now);
        if (!m_readings.isEmpty())
            readMetrics(); // new runs, and running runs' histories grew
        return;
    }
    m_source = source;
    m_model->setRuns(std::move(table), now);
    readMetrics();
}

void RunBrowser::showRuns(const QString& source, RunTableMerge merge, double now)
{
    if (source == m_source && m_model->runs()) {
        m_model->mergeRuns(std::move(merge), now);
        if (!m_readings.isEmpty())
            readMetrics();
        return;
    }
    m_source = source;
    m_model->setRuns(std::move(merge.after), now);
    readMetrics();
}

void RunBrowser::beforeMerge()
{
    m_merging = true;
    m_mergeTop = m_view->indexAt(QPoint(1, 1));
    m_mergeSelection = selectedRunIds();
}

void RunBrowser::afterMerge()
{
    // Rows inserted or removed above the viewport would otherwise shift what the user looks at.
    if (m_mergeTop.isValid() && m_view->indexAt(QPoint(1, 1)) != QModelIndex(m_mergeTop))
        m_view->scrollRowToTop(m_mergeTop);
    m_mergeTop = QPersistentModelIndex();
    m_merging = false;
    const QStringList ids = selectedRunIds();
    if (ids != std::exchange(m_mergeSelection, {}))
        Q_EMIT selectionChanged(ids);
}

void RunBrowser::applyFilter()
{
    const QString text = m_filter->text();
    if (auto st = m_proxy->setFilterText(text); !st) {
        m_filterError->setText(
            st.error().message + (st.error().hint.isEmpty() ? QString() : QStringLiteral(" — ") + st.error().hint));
        m_filterError->show();
        return;
    }
    m_filterError->clear();
    m_filterError->hide();
}

void RunBrowser::addBarButton(QAction* action)
{
    auto* button = new QToolButton(this);
    button->setDefaultAction(action);
    button->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_bar->addWidget(button);
}

QString RunBrowser::filterError() const { return m_filterError->text(); }

QString RunBrowser::columnId(int column) const
{
    if (m_model->isParamColumn(column))
        return QStringLiteral("param:") + m_model->columnKey(column);
    if (m_model->isMetricColumn(column))
        return QStringLiteral("metric:") + m_model->columnKey(column);
    return QStringLiteral("attr:") + m_model->headerData(column, Qt::Horizontal).toString();
}

void RunBrowser::setHiddenColumns(const QStringList& keys)
{
    m_hidden = keys;
    applyHiddenColumns();
}

bool RunBrowser::isColumnOffered(int column) const
{
    // One database's table has no sources to show.
    return column != RunTableModel::SourceColumn || (m_model->runs() && m_model->runs()->spansSources());
}

MetricReading RunBrowser::metricReading(const QString& key) const
{
    return MetricReading::parse(m_readings.value(key)).value_or(MetricReading {});
}

void RunBrowser::setMetricReading(const QString& key, const MetricReading& reading)
{
    if (reading.kind == MetricReading::Kind::Latest)
        m_readings.remove(key);
    else
        m_readings.insert(key, reading.toText());
    QVariantMap remembered;
    for (auto it = m_readings.begin(); it != m_readings.end(); ++it)
        remembered.insert(it.key(), it.value());
    QSettings().setValue(QStringLiteral("browser/metricReadings"), remembered);
    readMetric(key);
}

void RunBrowser::readMetrics()
{
    const auto& table = m_model->runs();
    if (!table)
        return;
    for (const NumberColumn& column : table->metrics) {
        if (m_readings.contains(column.key) || !m_model->metricReadingLabel(column.key).isEmpty())
            readMetric(column.key);
    }
}

void RunBrowser::readMetric(const QString& key)
{
    const MetricReading reading = metricReading(key);
    const quint64 ticket = ++m_readingTickets[key];
    const auto& table = m_model->runs();
    if (!table || reading.kind == MetricReading::Kind::Latest) {
        m_model->setMetricReading(key, {}, {});
        Q_EMIT metricReadingsShown();
        return;
    }
    // The runs that have the metric, by the database their histories are in.
    QMap<QString, QStringList> byDatabase;
    const NumberColumn* column = table->metric(key);
    for (size_t row = 0; column && row < table->rowCount(); ++row) {
        const QString path = table->spansSources() ? table->sourcePath(row) : m_source;
        if (column->present[row] && !path.isEmpty())
            byDatabase[path] << table->uuids[row];
    }
    QtConcurrent::run([byDatabase, key, reading] {
        QHash<QString, double> values;
        for (auto it = byDatabase.begin(); it != byDatabase.end(); ++it) {
            // A database that cannot be read shows nothing for its runs (the table says so as it can).
            if (auto read = reprise::readMetric(it.key(), it.value(), key, reading))
                values.insert(*read);
        }
        return values;
    }).then(this, [this, key, ticket, label = reading.label()](const QHash<QString, double>& values) {
        if (m_readingTickets.value(key) != ticket)
            return;
        m_model->setMetricReading(key, label, values);
        Q_EMIT metricReadingsShown();
    });
}

void RunBrowser::setPinnedColumns(const QStringList& ids)
{
    m_pinned = ids;
    applyHiddenColumns();
}

bool RunBrowser::isEmptyInView(int column) const
{
    const auto& table = m_model->runs();
    const bool param = m_model->isParamColumn(column), metric = m_model->isMetricColumn(column);
    if (!table || (!param && !metric))
        return false;
    const ValueColumn* values = param ? table->param(m_model->columnKey(column)) : nullptr;
    const NumberColumn* numbers = metric ? table->metric(m_model->columnKey(column)) : nullptr;
    if (!values && !numbers)
        return true;
    // Stops at the first run in view with a value: a column of the project in view ends at once.
    for (int r = 0; r < m_proxy->rowCount(); ++r) {
        const auto row = size_t(m_model->tableRow(m_proxy->mapToSource(m_proxy->index(r, 0)).row()));
        if (values ? values->text.has(row) : numbers->present[row] != 0)
            return false;
    }
    return true;
}

void RunBrowser::applyHiddenColumns()
{
    for (int c = 0; c < m_model->columnCount(); ++c) {
        const QString id = columnId(c);
        m_view->setColumnHidden(
            c, !isColumnOffered(c) || m_hidden.contains(id) || (!m_pinned.contains(id) && isEmptyInView(c)));
    }
}

void RunBrowser::showColumnMenu(const QPoint& position)
{
    QMenu menu(this);
    const int clicked = m_view->horizontalHeader()->logicalIndexAt(position);
    if (clicked >= 0 && m_model->isMetricColumn(clicked)) {
        // Per metric: which value stands for a run (users sort by the best, not the last).
        const QString key = m_model->columnKey(clicked);
        const MetricReading current = metricReading(key);
        QMenu* show = menu.addMenu(tr("Show %1 as").arg(m_model->headerData(clicked, Qt::Horizontal).toString()));
        const std::pair<QString, MetricReading> choices[] = {
            { tr("Latest value"), MetricReading { MetricReading::Kind::Latest, 0 } },
            { tr("Best: lowest (min)"), MetricReading { MetricReading::Kind::Min, 0 } },
            { tr("Best: highest (max)"), MetricReading { MetricReading::Kind::Max, 0 } },
        };
        for (const auto& [text, reading] : choices) {
            QAction* action = show->addAction(text);
            action->setCheckable(true);
            action->setChecked(current.kind == reading.kind);
            connect(
                action, &QAction::triggered, this, [this, key, reading = reading] { setMetricReading(key, reading); });
        }
        QAction* atStep = show->addAction(
            current.kind == MetricReading::Kind::AtStep ? tr("At step %1…").arg(current.step) : tr("At step…"));
        atStep->setCheckable(true);
        atStep->setChecked(current.kind == MetricReading::Kind::AtStep);
        connect(atStep, &QAction::triggered, this, [this, key, current] {
            bool ok = false;
            const int step = QInputDialog::getInt(this, tr("Metric at a step"),
                tr("Show each run's value at this step (its last point at or before it):"), int(current.step), 0,
                std::numeric_limits<int>::max(), 1, &ok);
            if (ok)
                setMetricReading(key, MetricReading { MetricReading::Kind::AtStep, step });
        });
        menu.addSeparator();
    }
    QMenu* params = menu.addMenu(tr("Params"));
    QMenu* metrics = menu.addMenu(tr("Metrics"));
    for (int c = 0; c < m_model->columnCount(); ++c) {
        if (!isColumnOffered(c))
            continue;
        QMenu* target = m_model->isParamColumn(c) ? params : m_model->isMetricColumn(c) ? metrics : &menu;
        // Header texts are already escaped; '&' would otherwise become a mnemonic.
        QAction* action
            = target->addAction(m_model->headerData(c, Qt::Horizontal).toString().replace(u'&', QStringLiteral("&&")));
        action->setCheckable(true);
        action->setChecked(!m_view->isColumnHidden(c));
        const QString id = columnId(c);
        const bool empty = isEmptyInView(c);
        if (empty)
            action->setText(action->text() + tr("  (no value in view)"));
        // Showing a column no run in view has a value for pins it: it stays shown whatever is in view.
        connect(action, &QAction::toggled, this, [this, id, empty](bool shown) {
            m_hidden.removeAll(id);
            m_pinned.removeAll(id);
            if (!shown)
                m_hidden << id;
            else if (empty)
                m_pinned << id;
            applyHiddenColumns();
            Q_EMIT columnsChanged();
        });
    }
    params->setEnabled(!params->isEmpty());
    metrics->setEnabled(!metrics->isEmpty());
    menu.exec(m_view->horizontalHeader()->mapToGlobal(position));
}

QString RunBrowser::selectionAsTsv() const
{
    const std::set<int> rows = selectedRows();
    if (rows.empty())
        return {};
    QList<int> columns; // in the order the header shows them
    for (int visual = 0; visual < m_proxy->columnCount(); ++visual) {
        const int logical = m_view->horizontalHeader()->logicalIndex(visual);
        if (logical >= 0 && !m_view->isColumnHidden(logical))
            columns << logical;
    }
    auto cell = [](QString text) {
        text.replace(u'\t', u' ').replace(u'\n', u' ').replace(u'\r', u' ');
        return text;
    };
    QStringList lines;
    QStringList header;
    for (int c : columns)
        header << cell(m_proxy->headerData(c, Qt::Horizontal).toString());
    lines << header.join(u'\t');
    for (int r : rows) {
        QStringList line;
        for (int c : columns)
            line << cell(m_proxy->index(r, c).data().toString());
        lines << line.join(u'\t');
    }
    return lines.join(u'\n') + u'\n';
}

std::set<int> RunBrowser::selectedRows() const
{
    // Rows with any selected cell: selectedRows() would drop rows selected before a column (such as
    // the computed drift column) was added, since not all of their cells are selected any more.
    std::set<int> rows;
    for (const QItemSelectionRange& range : m_view->selectionModel()->selection()) {
        for (int row = range.top(); row <= range.bottom(); ++row)
            rows.insert(row);
    }
    return rows;
}

QStringList RunBrowser::selectedRunIds() const
{
    QStringList ids;
    for (int row : selectedRows())
        ids << m_proxy->index(row, 0).data(RunTableModel::RunIdRole).toString();
    return ids;
}

void RunBrowser::selectRunIds(const QStringList& ids)
{
    QItemSelection selection;
    const auto& table = m_model->runs();
    if (table && !ids.isEmpty()) {
        const int lastColumn = m_proxy->columnCount() - 1;
        for (size_t row = 0; row < table->rowCount(); ++row) {
            const QString& uuid = table->uuids[row];
            const bool wanted = std::any_of(
                ids.begin(), ids.end(), [&](const QString& id) { return !id.isEmpty() && uuid.startsWith(id); });
            if (!wanted)
                continue;
            const QModelIndex proxyIndex = m_proxy->mapFromSource(m_model->index(int(row), 0));
            if (proxyIndex.isValid())
                selection.select(proxyIndex, m_proxy->index(proxyIndex.row(), lastColumn));
        }
    }
    m_view->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
    if (!selection.isEmpty())
        m_view->selectionModel()->setCurrentIndex(selection.indexes().first(), QItemSelectionModel::NoUpdate);
}

QString RunBrowser::topVisibleRunId() const
{
    return m_view->indexAt(QPoint(1, 1)).data(RunTableModel::RunIdRole).toString();
}

void RunBrowser::scrollToRunId(const QString& id)
{
    const auto& table = m_model->runs();
    if (!table || id.isEmpty())
        return;
    for (size_t row = 0; row < table->rowCount(); ++row) {
        if (table->uuids[row] == id) {
            const QModelIndex proxyIndex = m_proxy->mapFromSource(m_model->index(int(row), 0));
            if (proxyIndex.isValid())
                m_view->scrollTo(proxyIndex, QAbstractItemView::PositionAtTop);
            return;
        }
    }
}

} // namespace reprise
