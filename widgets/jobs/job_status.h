#pragma once

#include <QElapsedTimer>
#include <QWidget>
#include <functional>

class QMenu;
class QProgressBar;
class QTimer;
class QToolButton;

namespace reprise {

class JobController;

/// The status bar's progress bar and Cancel button. Shown after half a second of work (quicker work
/// flickers nothing): the background jobs of a JobController with their progress, or a view that is
/// computing. Cancel stops the one job running; with several, it offers each (and all) in a menu.
class JobStatus : public QWidget {
    Q_OBJECT
public:
    explicit JobStatus(JobController* jobs, QWidget* parent = nullptr);

    /// Whether something besides the jobs is working (loading runs, a view computing); `cancel`
    /// stops that work (empty: it cannot be stopped).
    void setOtherWork(bool busy, std::function<void()> cancel = {});
    /// The Cancel button (for tests and accessibility).
    QToolButton* cancelButton() const { return m_cancel; }

private:
    void update();
    void cancelClicked();

    JobController* m_jobs;
    QProgressBar* m_bar;
    QToolButton* m_cancel;
    QMenu* m_menu;
    QTimer* m_reveal;
    QElapsedTimer m_since; ///< since when something has been working
    bool m_otherBusy = false;
    std::function<void()> m_cancelOther;
};

} // namespace reprise
