#pragma once

#include <QObject>
#include <QStringList>
#include <functional>

class QAction;
class QWidget;

namespace reprise {

/// Runs ▸ Export Reproduction Bundle… and File ▸ Open a Bundle…: the window's side of `reprise bundle`
/// and `reprise rerun --bundle`. Bundles are written and read on a worker thread; a bundle's rerun is
/// shown in full (command, working dir, code, params, environment, patch) and starts only once the
/// user confirms it, as `reprise rerun --bundle FILE --yes` in the background, recorded in the
/// current database (the bundled run imported there first as its parent).
class BundleActions : public QObject {
    Q_OBJECT
public:
    /// `selectedRuns` gives the selected run ids; `database` the database they are in (and reruns go to).
    BundleActions(QWidget* window, std::function<QStringList()> selectedRuns, std::function<QString()> database);
    QAction* exportAction() const { return m_export; }
    QAction* openAction() const { return m_open; }

Q_SIGNALS:
    /// A line for the status bar (plain text).
    void message(const QString& text);

private:
    void exportBundle();
    void openBundle();
    QWidget* m_window;
    std::function<QStringList()> m_selectedRuns;
    std::function<QString()> m_database;
    QAction* m_export;
    QAction* m_open;
};

} // namespace reprise
