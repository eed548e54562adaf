#include "main_window.h"

#include "demo/demo_generator.h"
#include "run_filter_proxy.h"
#include "run_table_model.h"
#include "runs/run_browser.h"
#include "runs/run_details.h"
#include "store/run_store.h"

#include <QDir>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace reprise {

namespace {

    struct RunDetailsSnapshot {
        RunRecord run;
        QList<OutputChunk> output;
    };

    Result<RunDetailsSnapshot> loadDetails(const QString& path, const QString& id)
    {
        auto store = RunStore::open(path, OpenMode::ReadOnly);
        if (!store)
            return store.error();
        auto ref = store->resolveRun(id);
        if (!ref)
            return ref.error();
        auto run = store->loadRun(*ref);
        if (!run)
            return run.error();
        auto output = store->loadOutput(*ref);
        if (!output)
            return output.error();
        return RunDetailsSnapshot { *run, *output };
    }

    const char* kWelcomeText = "This database has no runs yet. To record some:\n\n"
                               "  •  wrap any command:     reprise run -- python train.py\n"
                               "  •  log from Python:      import reprise; with reprise.start_run(...) as run: ...\n"
                               "  •  or load the demo database to look around.\n";

} // namespace

MainWindow::MainWindow(const QStringList& databases, QWidget* parent)
    : QMainWindow(parent)
    , m_databases(databases)
    , m_banner(new QLabel(this))
    , m_sources(new QTreeWidget(this))
    , m_center(new QStackedWidget(this))
    , m_welcome(new QWidget(this))
    , m_demoButton(new QPushButton(tr("Load the demo database"), this))
    , m_browser(new RunBrowser(this))
    , m_details(new RunDetails(this))
    , m_status(new QLabel(this))
{
    setWindowTitle(QStringLiteral("Reprise"));
    m_banner->setTextFormat(Qt::PlainText);
    m_banner->setWordWrap(true);
    m_banner->setStyleSheet(QStringLiteral("background: #fdecea; color: #611a15; padding: 6px; border-radius: 3px;"));
    m_banner->hide();

    m_sources->setHeaderLabel(tr("Sources"));
    m_sources->setAccessibleName(tr("Sources"));
    connect(m_sources, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem* item) {
        const QString project = item->data(0, Qt::UserRole).toString();
        QString escaped = project;
        escaped.replace(u'\\', QStringLiteral("\\\\")).replace(u'"', QStringLiteral("\\\""));
        m_browser->filterEdit()->setText(project.isEmpty() ? QString() : QStringLiteral("project = \"%1\"").arg(escaped));
    });

    auto* welcomeLabel = new QLabel(tr(kWelcomeText), m_welcome);
    welcomeLabel->setTextFormat(Qt::PlainText);
    auto* welcomeLayout = new QVBoxLayout(m_welcome);
    auto* title = new QLabel(tr("Welcome to Reprise"), m_welcome);
    QFont big = title->font();
    big.setPointSizeF(big.pointSizeF() * 1.6);
    title->setFont(big);
    welcomeLayout->addStretch();
    welcomeLayout->addWidget(title);
    welcomeLayout->addWidget(welcomeLabel);
    welcomeLayout->addWidget(m_demoButton, 0, Qt::AlignLeft);
    welcomeLayout->addStretch();
    connect(m_demoButton, &QPushButton::clicked, this, &MainWindow::loadDemo);

    m_center->addWidget(m_browser);
    m_center->addWidget(m_welcome);

    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_sources);
    auto* rightSplit = new QSplitter(Qt::Vertical, split);
    rightSplit->addWidget(m_center);
    rightSplit->addWidget(m_details);
    rightSplit->setStretchFactor(0, 3);
    rightSplit->setStretchFactor(1, 2);
    split->addWidget(rightSplit);
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 1);
    split->setSizes({ 220, 1000 });

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(m_banner);
    layout->addWidget(split, 1);
    setCentralWidget(central);
    statusBar()->addWidget(m_status, 1);

    connect(m_browser, &RunBrowser::selectionChanged, this, &MainWindow::onSelectionChanged);
    resize(1280, 800);
    // Deferred to the event loop, so whoever constructs the window can connect to runsLoaded first
    // (a load that finishes at once would otherwise report before anyone listens).
    QTimer::singleShot(0, this, &MainWindow::reload);
}

QString MainWindow::bannerText() const
{
    return m_banner->isVisible() || !m_banner->isHidden() ? m_banner->text() : QString();
}

bool MainWindow::isShowingWelcome() const
{
    return m_center->currentWidget() == m_welcome;
}

void MainWindow::showBanner(const QString& text)
{
    m_banner->setText(text);
    m_banner->setVisible(!text.isEmpty());
}

void MainWindow::reload()
{
    if (m_databases.isEmpty())
        return;
    const quint64 ticket = ++m_loadGeneration;
    const QString path = m_databases.first();
    m_status->setText(tr("Loading %1…").arg(path));
    QtConcurrent::run([path]() -> Result<RunTable> {
        auto store = RunStore::open(path, OpenMode::ReadOnly);
        if (!store)
            return store.error();
        return loadRunTable(store->database());
    }).then(this, [this, ticket](const Result<RunTable>& result) {
        if (ticket == m_loadGeneration)
            onRunsLoaded(result);
    });
}

void MainWindow::onRunsLoaded(const Result<RunTable>& result)
{
    if (!result) {
        showBanner(result.error().message + (result.error().hint.isEmpty() ? QString() : u'\n' + result.error().hint));
        m_status->setText(tr("No runs loaded"));
        m_center->setCurrentWidget(m_welcome);
        Q_EMIT runsLoaded();
        return;
    }
    showBanner({});
    auto table = std::make_shared<const RunTable>(result.value());
    fillSources(*table);
    m_browser->model()->setRuns(table, nowSeconds());
    m_center->setCurrentWidget(table->rowCount() == 0 ? m_welcome : static_cast<QWidget*>(m_browser));
    m_status->setText(tr("%1 runs in %2").arg(table->rowCount()).arg(m_databases.first()));
    Q_EMIT runsLoaded();
}

void MainWindow::fillSources(const RunTable& table)
{
    m_sources->clear();
    for (const QString& path : m_databases) {
        auto* item = new QTreeWidgetItem(m_sources, { QFileInfo(path).fileName() });
        item->setToolTip(0, path);
        if (path != m_databases.first())
            continue;
        QMap<QString, int> counts;
        for (size_t row = 0; row < table.rowCount(); ++row)
            counts[table.projects.at(row)]++;
        for (auto it = counts.begin(); it != counts.end(); ++it) {
            auto* child = new QTreeWidgetItem(item, { QStringLiteral("%1  (%2)").arg(it.key()).arg(it.value()) });
            child->setData(0, Qt::UserRole, it.key());
        }
        item->setExpanded(true);
    }
}

void MainWindow::onSelectionChanged(const QStringList& ids)
{
    const quint64 ticket = ++m_detailsGeneration;
    if (ids.isEmpty()) {
        m_details->showMessage(tr("Select a run to see its details."));
        return;
    }
    const QString path = m_databases.first();
    const QString id = ids.first();
    QtConcurrent::run([path, id] { return loadDetails(path, id); })
        .then(this, [this, ticket](const Result<RunDetailsSnapshot>& result) {
            if (ticket != m_detailsGeneration)
                return;
            if (result)
                m_details->showRun(result->run, result->output);
            else
                m_details->showMessage(result.error().message);
            Q_EMIT detailsLoaded();
        });
}

void MainWindow::selectRuns(const QStringList& ids)
{
    QTableView* view = m_browser->view();
    auto* proxy = m_browser->proxy();
    QItemSelection selection;
    for (int row = 0; row < proxy->rowCount(); ++row) {
        const QString uuid = proxy->index(row, 0).data(RunTableModel::RunIdRole).toString();
        for (const QString& id : ids) {
            if (!id.isEmpty() && uuid.startsWith(id)) {
                selection.select(proxy->index(row, 0), proxy->index(row, proxy->columnCount() - 1));
                break;
            }
        }
    }
    view->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
    if (!selection.isEmpty())
        view->scrollTo(selection.indexes().first());
}

void MainWindow::loadDemo()
{
    // The demo goes into its own file beside the database, never over the user's runs.
    const QString path = QFileInfo(m_databases.first()).absolutePath() + QStringLiteral("/demo.db");
    m_demoButton->setEnabled(false);
    m_status->setText(tr("Writing the demo database into %1…").arg(path));
    QtConcurrent::run([path] {
        QDir().mkpath(QFileInfo(path).absolutePath());
        DemoOptions options;
        options.path = path;
        options.overwrite = true;
        return generateDemo(options);
    }).then(this, [this, path](const Result<DemoSummary>& result) {
        m_demoButton->setEnabled(true);
        if (!result) {
            showBanner(result.error().message);
            return;
        }
        m_databases.removeAll(path);
        m_databases.prepend(path);
        reload();
    });
}

} // namespace reprise
