#pragma once

#include "store/run_table.h"

#include <QMainWindow>

#include <memory>

class QLabel;
class QStackedWidget;
class QTreeWidget;
class QPushButton;

namespace reprise {

class RunBrowser;
class RunDetails;

/// The main window: sources panel, run browser, run details, an inline banner for errors and a
/// welcome page for an empty database. Every database read runs on a worker thread and arrives
/// as a value snapshot; stale results are dropped by a generation counter.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(const QStringList& databases, QWidget* parent = nullptr);

    RunBrowser* runBrowser() const { return m_browser; }
    RunDetails* runDetails() const { return m_details; }
    QString bannerText() const;
    bool isShowingWelcome() const;
    /// Selects the runs with these ids (full or prefix) in the browser.
    void selectRuns(const QStringList& ids);

Q_SIGNALS:
    /// The run table of the current database has been loaded (or failed to load).
    void runsLoaded();
    /// The details pane shows the run it was asked for.
    void detailsLoaded();

public Q_SLOTS:
    void reload();

private:
    void showBanner(const QString& text);
    void onRunsLoaded(const Result<RunTable>& result);
    void onSelectionChanged(const QStringList& ids);
    void loadDemo();
    void fillSources(const RunTable& table);

    QStringList m_databases;
    QLabel* m_banner;
    QTreeWidget* m_sources;
    QStackedWidget* m_center;
    QWidget* m_welcome;
    QPushButton* m_demoButton;
    RunBrowser* m_browser;
    RunDetails* m_details;
    QLabel* m_status;
    quint64 m_loadGeneration = 0;
    quint64 m_detailsGeneration = 0;
};

} // namespace reprise
